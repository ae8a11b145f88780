"""The compliance domain: codes, calendar, rule sets and lifecycle events (pure, no AWS)."""
