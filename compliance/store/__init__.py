"""Storage of the compliance domain in DynamoDB: models, record mapping, reads and writes.

Only this package talks to DynamoDB. See README.md beside it for the access patterns.
"""
