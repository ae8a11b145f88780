"""Partner API keys without storage: their format, hashing and checking, scopes, the pepper,
and the principal a Lambda authorizer's context stands for."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from compliance.partner_keys import (
    DEV_PEPPER,
    KEY_ID_LENGTH,
    LAST_USED_RESOLUTION,
    SCOPES,
    KeyStatus,
    PartnerKey,
    check_scopes,
    issue_key,
    key_hash,
    parse_key,
    pepper_from,
    scope_text,
    verify,
)
from graph.context import (
    SCOPE_EVENTS,
    SCOPE_OBLIGATIONS,
    SCOPE_READ,
    Role,
    principal_from_lambda_context,
)

PEPPER = b"a-test-pepper-of-at-least-32-characters"
USCC = "91350100M000100Y43"
KEY_FORMAT = re.compile(r"^nevk_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$")


class TestKeyFormat:
    def test_an_issued_key_is_prefix_public_id_and_a_32_byte_secret(self) -> None:
        # When a key is issued
        issued = issue_key()
        # Then it reads nevk_<12-character id>_<base64url of 32 bytes>, and names its id
        match = KEY_FORMAT.match(issued.api_key)
        assert match is not None, issued.api_key
        assert match.group(1) == issued.key_id
        assert len(issued.key_id) == KEY_ID_LENGTH

    def test_every_issued_key_is_different(self) -> None:
        keys = {issue_key().api_key for _ in range(200)}
        ids = {KEY_FORMAT.match(k).group(1) for k in keys}  # type: ignore[union-attr]
        assert len(keys) == 200
        assert len(ids) == 200

    def test_a_well_formed_key_parses_to_its_id(self) -> None:
        issued = issue_key()
        assert parse_key(issued.api_key) == issued.key_id

    @pytest.mark.parametrize(
        "presented",
        [
            None,
            "",
            "Bearer abc",
            "nevk_",
            "nevx_abcdefghijkl_" + "A" * 43,  # another prefix
            "nevk_abcdefghijk_" + "A" * 43,  # an 11-character id
            "nevk_ABCDEFGHIJKL_" + "A" * 43,  # upper case is not in the id alphabet
            "nevk_abcdefghij18_" + "A" * 43,  # 1 and 8 are not base32
            "nevk_abcdefghijkl_" + "A" * 42,  # a short secret
            "nevk_abcdefghijkl_" + "A" * 44,  # a long secret
            "nevk_abcdefghijkl_" + "A" * 42 + "=",  # padding or other characters
            "nevk_abcdefghijkl" + "A" * 44,  # no separator
            "ENT#91350100M000100Y43",  # another row of the key store
        ],
    )
    def test_anything_not_shaped_like_a_key_is_refused_before_any_lookup(
        self, presented: str | None
    ) -> None:
        assert parse_key(presented) is None

    def test_the_issued_key_never_shows_in_a_repr(self) -> None:
        # Given a key and its stored record, Then neither repr leaks the secret or its hash
        issued = issue_key()
        record = PartnerKey(
            id=issued.key_id,
            enterprise_id=USCC,
            name="ERP",
            scopes=frozenset({"read"}),
            status=KeyStatus.ACTIVE,
            secret_hash=key_hash(issued.api_key, PEPPER),
            created_at=datetime(2026, 5, 1, tzinfo=UTC),
            created_by="admin",
        )
        assert issued.api_key not in repr(issued)
        assert record.secret_hash not in repr(record)
        # nor what a pretty printer (rich) asks the objects for,
        assert issued.api_key not in repr(issued.__rich_repr__())
        assert record.secret_hash not in repr(record.__rich_repr__())
        # while the other fields show.
        assert repr(issued) == f"IssuedKey(key_id={issued.key_id!r})"
        assert ("name", "ERP") in record.__rich_repr__()


class TestHashing:
    def test_the_hash_is_hmac_sha256_of_the_whole_key_under_the_pepper(self) -> None:
        issued = issue_key()
        expected = hmac.new(PEPPER, issued.api_key.encode(), hashlib.sha256).hexdigest()
        assert key_hash(issued.api_key, PEPPER) == expected

    def test_the_hash_depends_on_the_pepper_and_does_not_contain_the_secret(self) -> None:
        issued = issue_key()
        secret = issued.api_key.rsplit("_", 1)[1]
        stored = key_hash(issued.api_key, PEPPER)
        assert stored != key_hash(issued.api_key, b"another-pepper-of-32-characters-or-more")
        assert secret not in stored

    def test_the_right_key_verifies(self) -> None:
        issued = issue_key()
        assert verify(issued.api_key, key_hash(issued.api_key, PEPPER), PEPPER)

    def test_a_key_differing_in_one_character_does_not_verify(self) -> None:
        # Given a stored hash, When the same key with its last character changed is presented
        issued = issue_key()
        stored = key_hash(issued.api_key, PEPPER)
        last = issued.api_key[-1]
        altered = issued.api_key[:-1] + ("A" if last != "A" else "B")
        # Then it is refused, as is the right key under another pepper
        assert not verify(altered, stored, PEPPER)
        assert not verify(issued.api_key, stored, b"another-pepper-of-32-characters-or-more")

    def test_verification_compares_in_constant_time(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given a spy on hmac.compare_digest
        calls: list[tuple[Any, Any]] = []
        real = hmac.compare_digest

        def spy(a: Any, b: Any) -> bool:
            calls.append((a, b))
            return real(a, b)

        monkeypatch.setattr(hmac, "compare_digest", spy)
        issued = issue_key()
        stored = key_hash(issued.api_key, PEPPER)
        # When a key is verified, Then the hashes were compared by compare_digest
        assert verify(issued.api_key, stored, PEPPER)
        assert calls == [(stored, stored)]


class TestScopes:
    def test_the_scopes_are_those_partner_principals_are_checked_for(self) -> None:
        assert set(SCOPES) == {SCOPE_READ, SCOPE_EVENTS, SCOPE_OBLIGATIONS}

    def test_any_non_empty_set_of_known_scopes_is_accepted(self) -> None:
        assert check_scopes(["read"]) == []
        assert check_scopes(["events:write", "read", "obligations:write"]) == []

    def test_no_scopes_is_refused(self) -> None:
        [issue] = check_scopes([])
        assert (issue.code, issue.index) == ("EMPTY", None)

    def test_unknown_and_repeated_scopes_are_refused_with_their_positions(self) -> None:
        # Given a list with an unknown scope (a token-style admin scope) and a repeat
        issues = check_scopes(["read", "admin", "read"])
        # Then both are named by position
        assert [(i.code, i.index) for i in issues] == [("UNKNOWN_SCOPE", 1), ("DUPLICATE", 2)]
        assert "'admin'" in issues[0].message

    def test_scopes_travel_as_one_sorted_space_separated_string(self) -> None:
        assert scope_text(frozenset({"read", "events:write"})) == "events:write read"


class TestPepper:
    def test_the_configured_pepper_is_used(self) -> None:
        assert pepper_from({"API_KEY_PEPPER": "x" * 40, "STAGE": "prod"}) == b"x" * 40

    def test_outside_production_a_dev_pepper_stands_in(self) -> None:
        assert pepper_from({"STAGE": "dev"}) == DEV_PEPPER.encode()
        assert pepper_from({}) == DEV_PEPPER.encode()

    def test_production_refuses_to_run_without_a_pepper(self) -> None:
        with pytest.raises(RuntimeError, match="API_KEY_PEPPER"):
            pepper_from({"STAGE": "prod"})

    def test_production_refuses_a_short_pepper(self) -> None:
        with pytest.raises(RuntimeError, match="shorter than 32"):
            pepper_from({"STAGE": "prod", "API_KEY_PEPPER": "short"})


class TestLastUse:
    def test_a_use_is_worth_recording_only_once_per_resolution(self) -> None:
        used = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
        key = PartnerKey(
            id="abcdefghijkl",
            enterprise_id=USCC,
            name="ERP",
            scopes=frozenset({"read"}),
            status=KeyStatus.ACTIVE,
            secret_hash="",
            created_at=used,
            created_by="admin",
            last_used_at=used,
        )
        assert key.used_recently(used + LAST_USED_RESOLUTION - timedelta(seconds=1))
        assert not key.used_recently(used + LAST_USED_RESOLUTION)


class TestPrincipalFromLambdaContext:
    def test_the_authorizers_context_is_a_partner_principal_with_its_scopes(self) -> None:
        context = {
            "role": "PARTNER",
            "enterprise_id": USCC,
            "scopes": "read events:write",
            "sub": "partner-key:abcdefghijkl",
        }
        principal = principal_from_lambda_context(context)
        assert principal is not None
        assert principal.role is Role.PARTNER
        assert principal.subject == "partner-key:abcdefghijkl"
        assert principal.enterprise_id == USCC
        assert principal.scopes == frozenset({"read", "events:write"})

    @pytest.mark.parametrize(
        "context",
        [
            None,
            {},
            # Only partners come through the Lambda authorizer; nothing else is taken from it.
            {"role": "PLATFORM_ADMIN", "enterprise_id": USCC, "sub": "x", "scopes": "read"},
            {"role": "PARTNER", "sub": "partner-key:abcdefghijkl", "scopes": "read"},
            {"role": "PARTNER", "enterprise_id": USCC, "scopes": "read"},
        ],
    )
    def test_a_context_that_names_no_partner_identifies_nobody(
        self, context: dict[str, str] | None
    ) -> None:
        assert principal_from_lambda_context(context) is None

    def test_a_partner_without_scopes_has_none(self) -> None:
        context = {"role": "PARTNER", "enterprise_id": USCC, "sub": "partner-key:abcdefghijkl"}
        principal = principal_from_lambda_context(context)
        assert principal is not None
        assert principal.scopes == frozenset()
