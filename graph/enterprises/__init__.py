"""Enterprises and who is asking: the `Enterprise` and `Principal` types, the queries `me`,
`enterprise` and `enterprises`, and the mutations `registerEnterprise` (the platform onboards an
enterprise) and `updateEnterprise` (its name, province and reminder contacts: the platform, or
the enterprise's own administrators; to an administrator, no other enterprise exists).

An enterprise's public identity (USCC, name, kinds) is shown wherever a record the caller may
see refers to it; its contacts and who last changed it only to itself, regulators and platform
administrators."""
