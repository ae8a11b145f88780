"""The take-back service network: the `ServicePoint` type, an enterprise's coverage report, the
queries `serviceCoverage` and `servicePoints`, and the mutation `upsertServicePoint`.

A point is visible to the enterprise that runs it and to regulators. An active point closes the
coverage duty of the region it covers; the duty opens again when the last active point there is
deactivated or moved."""
