"""Exports: the mutation `exportObligations` (the `obligations` list, as a CSV or XLSX file),
the query `export` that follows one until its file is ready and answers a short-lived download
URL, and the `Export` type.

Anyone who may read the list may export it (a partner system with `read`), and an export holds
exactly what `obligations(filter:)` shows that caller. Exports belong to the caller's enterprise
(a regulator's to that regulator): another owner's export id reads as one no one issued.
"""
