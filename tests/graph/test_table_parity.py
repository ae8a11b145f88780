"""The PynamoDB models and template.yaml declare the same keys and indexes."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.models import Model

from compliance.store.models import ALL_MODELS, EXTRA_MODELS
from local.tables import table_definitions

LOGICAL_IDS = {
    "EnterprisesTable": "ENTERPRISES_TABLE",
    "ModelsTable": "MODELS_TABLE",
    "VehiclesTable": "VEHICLES_TABLE",
    "BatteriesTable": "BATTERIES_TABLE",
    "EventsTable": "EVENTS_TABLE",
    "ObligationsTable": "OBLIGATIONS_TABLE",
    "ServicePointsTable": "SERVICE_POINTS_TABLE",
    "CalendarsTable": "CALENDARS_TABLE",
    "RemindersTable": "REMINDERS_TABLE",
    "PartnerKeysTable": "PARTNER_KEYS_TABLE",
    "ExportsTable": "EXPORTS_TABLE",
    "ChangesTable": "CHANGES_TABLE",
}


def _shape(keys: Any, attributes: dict[str, str]) -> list[tuple[str, str, str]]:
    # HASH before RANGE, whatever order the declaration lists them in.
    shape = [(k["KeyType"], k["AttributeName"], attributes[k["AttributeName"]]) for k in keys]
    return sorted(shape)


def _model_shape(model: type[Model]) -> dict[str, Any]:
    schema = model._get_schema()
    attributes = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    keys = schema["key_schema"]
    indexes = {
        index["index_name"]: (
            _shape(index["key_schema"], attributes),
            index["projection"]["ProjectionType"],
        )
        for index in schema.get("global_secondary_indexes", [])
    }
    return {"keys": _shape(keys, attributes), "indexes": indexes}


def _template_shape(definition: dict[str, Any]) -> dict[str, Any]:
    attributes = {
        a["AttributeName"]: a["AttributeType"] for a in definition["AttributeDefinitions"]
    }
    indexes = {
        index["IndexName"]: (
            _shape(index["KeySchema"], attributes),
            index["Projection"]["ProjectionType"],
        )
        for index in definition.get("GlobalSecondaryIndexes", [])
    }
    return {"keys": _shape(definition["KeySchema"], attributes), "indexes": indexes}


def _models_for(logical_id: str) -> list[type[Model]]:
    """The table's main model, then the others stored in it."""
    models: tuple[type[Model], ...] = (*ALL_MODELS, *EXTRA_MODELS)
    return [m for m in models if m.Meta.table_name.endswith(logical_id)]


def _table_shape(models: list[type[Model]]) -> dict[str, Any]:
    """The main model's keys; the indexes of every model in the table (a sparse index may be
    declared by the model whose items carry its keys)."""
    shapes = [_model_shape(m) for m in models]
    assert all(s["keys"] == shapes[0]["keys"] for s in shapes)
    indexes: dict[str, Any] = {}
    for shape in shapes:
        indexes.update(shape["indexes"])
    return {"keys": shapes[0]["keys"], "indexes": indexes}


@pytest.mark.parametrize("logical_id", sorted(LOGICAL_IDS))
def test_each_table_in_the_template_has_the_models_keys_and_indexes(logical_id: str) -> None:
    # Given the template's table and the models stored in it, Then keys, key types, indexes
    # and projections are identical.
    definitions = table_definitions()
    assert _template_shape(definitions[logical_id]) == _table_shape(_models_for(logical_id))


# Tables whose layout a library owns rather than a model of ours.
LIBRARY_TABLES = {"IdempotencyTable"}  # Powertools Idempotency: `id` key, `expiration` TTL


def test_every_table_is_in_the_template_and_nothing_else() -> None:
    assert set(table_definitions()) == set(LOGICAL_IDS) | LIBRARY_TABLES
