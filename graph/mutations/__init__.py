"""What every mutation shares (`common`); the mutations themselves are their features'
(graph/<feature>/mutations.py). Each validates its whole input through one use case
(`compliance.services`), then writes everything or nothing.

Who may call a mutation is declared on it (graph/permissions.py) and checked first; then its
input against the limits of graph/limits.py; only then is what was sent looked into. Expected
failures come back as `userErrors` (field path, stable code, message) with nothing written;
only authentication, authorization and unavailable storage are top-level errors. The acting
enterprise is always the caller's own, from its token.
"""
