"""How many and how long: the sizes of what the registry records that no other domain module
owns yet, each taken from the world it describes with room to spare.

Sizes with a home of their own stay there and are not repeated here: batches and a vehicle's
batteries (`compliance.services.events`), enterprise names, e-mail addresses and contacts
(`compliance.enterprises`), service-point names and addresses (`compliance.network`), receipts
and waiver reasons (`compliance.obligations`). Lengths count characters, not bytes: a Chinese
name of 200 characters is as acceptable as a Latin one.
"""

from __future__ import annotations

# GB/T 34014 assigns each battery maker a three-character manufacturer code; a group that
# registers several plants as one enterprise holds a few. 20 leaves room for the largest, and
# keeps onboarding to one DynamoDB transaction (the enterprise and one claim per code: at most
# 100 items), which would fail past 99 codes.
MANUFACTURER_CODES_PER_ENTERPRISE = 20

# A BCP 47 language tag: RFC 5646 (section 4.4.1) asks implementations to accept at least 35
# characters; the digests are written in zh-CN and en.
LANGUAGE_TAG_MAX_LENGTH = 35

# The State Council's annual notice. From 2004 to 2026 a year had at most 23 Monday-Friday rest
# days and 12 make-up working days; more than twice that leaves room for an exceptional year.
HOLIDAYS_PER_YEAR = 60
MAKE_UP_WORKDAYS_PER_YEAR = 30
# Where a schedule comes from: the notice's number and title (about 40 characters in Chinese),
# or a sentence naming the publication (the shipped calendar's longest is 217).
CALENDAR_SOURCE_MAX_LENGTH = 500

# A filter on obligations names rules of one rule set, each at most once: the rule sets have 10
# (CN-MIIT-2023-DRAFT) and 7 (CN-TRACE-2018) rules.
RULE_IDS_PER_FILTER = 20
