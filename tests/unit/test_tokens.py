"""Development tokens: the claims they carry, what they refuse, and the command that prints them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from local import token as token_command
from local.tokens import (
    AUDIENCE,
    DEFAULT_SECRET,
    ISSUER,
    ROLES,
    TokenRequestError,
    mint_token,
    verify_token,
)

USCC = "91350100M000100Y43"
NOW = datetime(2026, 9, 24, 9, 30, tzinfo=UTC)


def claims_of(token: str) -> dict[str, object]:
    decoded: dict[str, object] = jwt.decode(
        token,
        DEFAULT_SECRET,
        algorithms=["HS256"],
        audience=AUDIENCE,
        options={"verify_exp": False},
    )
    return decoded


@pytest.fixture(autouse=True)
def _default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_JWT_SECRET", raising=False)


def test_enterprise_token_carries_role_enterprise_issuer_audience_and_lifetime() -> None:
    # Given an enterprise admin of one enterprise
    # When a token is minted at a known instant
    claims = claims_of(mint_token("ENTERPRISE_ADMIN", USCC, now=NOW))
    # Then it names the role and the enterprise, the local issuer and audience, and lasts 12 h
    assert claims == {
        "sub": f"local|enterprise_admin|{USCC}",
        "role": "ENTERPRISE_ADMIN",
        "enterprise_id": USCC,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=12)).timestamp()),
    }


def test_regulator_token_has_no_enterprise_and_no_scope_claims() -> None:
    # Given a regulator, who acts for no enterprise
    claims = claims_of(mint_token("REGULATOR", now=NOW))
    # Then the enterprise and scope claims are absent, not empty
    assert "enterprise_id" not in claims
    assert "scope" not in claims
    assert claims["role"] == "REGULATOR"


def test_partner_scopes_are_one_space_separated_claim() -> None:
    # Given a partner with two scopes and its own subject
    token = mint_token(
        "PARTNER", USCC, subject="partner-7", scopes=["events:write", "obligations:read"], now=NOW
    )
    # Then the scope claim lists both, as OAuth does, and the subject is the one given
    claims = claims_of(token)
    assert claims["scope"] == "events:write obligations:read"
    assert claims["sub"] == "partner-7"


def test_ttl_sets_the_expiry() -> None:
    # Given a one-hour token
    claims = claims_of(mint_token("PLATFORM_ADMIN", ttl_hours=1, now=NOW))
    # Then it expires an hour after it was issued
    assert claims["exp"] == int((NOW + timedelta(hours=1)).timestamp())


@pytest.mark.parametrize("role", ["ENTERPRISE_ADMIN", "ENTERPRISE_USER", "PARTNER"])
def test_roles_of_an_enterprise_require_the_enterprise(role: str) -> None:
    # Given a role that acts for one enterprise, but no enterprise
    # When a token is asked for
    # Then it is refused, saying what to give
    with pytest.raises(TokenRequestError, match=f"role {role} acts for one enterprise"):
        mint_token(role)


@pytest.mark.parametrize("role", ["PLATFORM_ADMIN", "REGULATOR"])
def test_platform_roles_may_name_an_enterprise(role: str) -> None:
    # Given a platform role with an enterprise
    # Then the token carries it
    assert claims_of(mint_token(role, USCC, now=NOW))["enterprise_id"] == USCC


@pytest.mark.parametrize("role", ["ADMIN", "regulator", "", "ENTERPRISE"])
def test_unknown_roles_are_refused_listing_the_valid_ones(role: str) -> None:
    # Given a role the API does not have
    # When a token is asked for
    # Then the refusal names every valid role
    with pytest.raises(TokenRequestError) as refusal:
        mint_token(role, USCC)
    assert all(valid in str(refusal.value) for valid in ROLES)


def test_an_enterprise_that_is_not_a_uscc_is_refused_with_the_reason() -> None:
    # Given a USCC with a wrong check character
    # When a token is asked for
    # Then the refusal says which character is wrong
    with pytest.raises(TokenRequestError, match="check character"):
        mint_token("ENTERPRISE_USER", "91350100M000100Y44")


@pytest.mark.parametrize("scope", ["", "two words"])
def test_scopes_must_be_single_words(scope: str) -> None:
    # Given a scope that is empty or has a space (scopes travel space-joined in one claim)
    # Then the token is refused
    with pytest.raises(TokenRequestError, match="must be one word"):
        mint_token("PARTNER", USCC, scopes=[scope])


def test_a_minted_token_verifies_until_it_expires() -> None:
    # Given a token issued now and one issued 13 hours ago
    fresh = mint_token("REGULATOR")
    stale = mint_token("REGULATOR", now=datetime.now(UTC) - timedelta(hours=13))
    # Then the first verifies and the second is refused as expired
    assert verify_token(fresh)["role"] == "REGULATOR"
    with pytest.raises(jwt.ExpiredSignatureError):
        verify_token(stale)


def test_the_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a secret set for the local stack
    monkeypatch.setenv("LOCAL_JWT_SECRET", "another-local-secret-of-at-least-32-bytes")
    # When a token is minted and checked with the default secret
    token = mint_token("REGULATOR")
    # Then it verifies only with the configured one
    assert verify_token(token)["role"] == "REGULATOR"
    with pytest.raises(jwt.InvalidSignatureError):
        verify_token(token, secret=DEFAULT_SECRET)


# --------------------------------------------------------------------------- the command


def test_command_prints_only_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    # Given the command for an enterprise admin
    # When it runs
    status = token_command.main(["--role", "ENTERPRISE_ADMIN", "--enterprise", USCC])
    # Then stdout is exactly one token line, and nothing is said on stderr
    out, err = capsys.readouterr()
    assert status == 0
    assert err == ""
    assert out.endswith("\n")
    assert out.count("\n") == 1
    assert verify_token(out.strip())["enterprise_id"] == USCC


def test_command_passes_repeated_scopes(capsys: pytest.CaptureFixture[str]) -> None:
    # Given the command with --scope twice
    status = token_command.main(
        ["--role", "PARTNER", "--enterprise", USCC, "--scope", "s1", "--scope", "s2"]
    )
    # Then the token's scope claim holds both
    assert status == 0
    assert verify_token(capsys.readouterr().out.strip())["scope"] == "s1 s2"


def test_command_refusal_goes_to_stderr_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    # Given an enterprise role without its enterprise
    # When the command runs
    status = token_command.main(["--role", "ENTERPRISE_USER"])
    # Then nothing is printed on stdout, the reason is on stderr, and the status is 2
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert "acts for one enterprise" in err


def test_command_without_a_role_is_a_usage_error() -> None:
    # Given no --role
    # Then argparse stops with status 2
    with pytest.raises(SystemExit) as stopped:
        token_command.main([])
    assert stopped.value.code == 2
