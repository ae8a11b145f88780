"""What an obligations cursor is bound to (compliance/store/reads.py ObligationFilter.canonical):
the same filter must give the same text in every process, or the next page, served by another
Lambda instance, would refuse the cursor as forged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from compliance.rules import ObligationStatus
from compliance.store.reads import ObligationFilter

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PRINT_FILTER = """
import json
from compliance.rules import ObligationStatus
from compliance.store.reads import ObligationFilter
where = ObligationFilter(
    statuses=frozenset(ObligationStatus),
    rule_ids=frozenset({"SALES_TRACE_UPLOAD", "PRODUCTION_TRACE_UPLOAD", "TECH_INFO_SUBMISSION"}),
)
print(json.dumps([repr(where), where.canonical()]))
"""


def in_process_with_hash_seed(seed: int) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    done = subprocess.run(
        [sys.executable, "-c", PRINT_FILTER],
        env=env | {"PYTHONHASHSEED": str(seed)},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    shown, canonical = json.loads(done.stdout)
    return shown, canonical


def test_a_filter_of_several_statuses_and_rules_is_the_same_text_in_every_process() -> None:
    # Given two processes whose string hashing differs (as two Lambda instances' does),
    one, other = in_process_with_hash_seed(1), in_process_with_hash_seed(2)
    # When each writes the same filter of every status and three rules,
    # Then their reprs differ (the sets come out in another order),
    assert one[0] != other[0]
    # and the text a cursor is bound to does not.
    assert one[1] == other[1]


def test_different_filters_give_different_text() -> None:
    # Given filters that differ in one part each, When they are written for a cursor,
    base = ObligationFilter(statuses=frozenset({ObligationStatus.OPEN}))
    variants = [
        base,
        ObligationFilter(statuses=frozenset({ObligationStatus.OPEN, ObligationStatus.OVERDUE})),
        ObligationFilter(
            statuses=frozenset({ObligationStatus.OPEN}), rule_ids=frozenset({"SALES_TRACE_UPLOAD"})
        ),
        ObligationFilter(
            statuses=frozenset({ObligationStatus.OPEN}), due_on_or_after=date(2026, 10, 1)
        ),
        ObligationFilter(
            statuses=frozenset({ObligationStatus.OPEN}), due_on_or_before=date(2026, 10, 1)
        ),
    ]
    # Then each text is its own: a cursor cannot be replayed under another filter.
    assert len({where.canonical() for where in variants}) == len(variants)
