"""The change feed: the `Change` type and the queries `changes` and `changesCursor`.

A partner system keeps its records in sync by polling `changes(after: <the endCursor it
stored>)`: its enterprise's recorded events and obligation changes in the order they were
appended, each once. The feed is built from the tables' streams (functions/changes.py), so a
write shows in it a second or so after it was made. Only an enterprise's own principals read
its feed; regulators read records directly.
"""
