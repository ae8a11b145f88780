"""Obligations: the `Obligation` type and the rule behind it, the queries `obligation`,
`obligations` (a Relay connection in due-date order) and `complianceSummary`, and the mutations
that close an obligation (`fulfillObligation` with the national platform's receipt, and
`waiveObligation`).

An obligation is visible to the enterprise responsible for it and to regulators. The same
fulfilment or waiver sent again is the same success; another one for a closed obligation is a
CONFLICT; another enterprise's obligation reads as one that does not exist."""
