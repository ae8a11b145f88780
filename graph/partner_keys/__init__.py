"""Partner API keys: the `PartnerKey` type, the query `partnerKeys`, and the mutations
`createPartnerKey` and `revokePartnerKey`.

Platform administrators manage any enterprise's keys, enterprise administrators their own
enterprise's; another enterprise's keys read as not found. A partner key never manages keys,
whatever its scopes: a leaked key must not be able to mint or keep alive its successors. The
secret is in the payload of `createPartnerKey` only; nothing can read it again.
"""
