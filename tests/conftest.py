"""Test-wide settings: a fake AWS account (nothing here may reach real AWS), quiet Powertools,
and Hypothesis profiles (CI runs more examples than a quick local run)."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from functions import settings as function_settings
from graph.settings import settings_from_environment

# Set before any test imports the store: PynamoDB models read region and table names once.
for _name, _value in {
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_METRICS_NAMESPACE": "NevComplianceTests",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "STAGE": "dev",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)

settings.register_profile("ci", max_examples=300, deadline=None)
settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _functions_read_their_environment_afresh() -> Iterator[None]:
    """A function reads its settings once per cold start; each test sets the environment it
    needs (a queue of its own), so each starts as a cold start would, and leaves none behind."""
    function_settings.forget()
    settings_from_environment.cache_clear()
    yield
    function_settings.forget()
    settings_from_environment.cache_clear()
