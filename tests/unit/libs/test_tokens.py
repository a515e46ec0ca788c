"""Access tokens: issued through the Secrets port, and every forgery refused (DESIGN §10)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.auth.tokens import TokenError, TokenIssuer, TokenVerifier
from libs.clock import FixedClock
from libs.secrets.keyring import LocalKeyring

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ALICE = Principal(user_id="u-1", org_id="org-370300-tax", role=Role.PROVIDER, region="370300")


@pytest.fixture
def keyring(tmp_path: Path) -> LocalKeyring:
    return LocalKeyring(tmp_path / "keyring.bin", "test-passphrase", scrypt_log2_n=10)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _pair(keyring: LocalKeyring, clock: FixedClock) -> tuple[TokenIssuer, TokenVerifier]:
    return (
        TokenIssuer(keyring, clock, region="370300"),
        TokenVerifier(keyring, clock, region="370300"),
    )


async def test_a_token_round_trips_to_the_same_principal(
    keyring: LocalKeyring, clock: FixedClock
) -> None:
    issuer, verifier = await _pair(keyring, clock)
    token = await issuer.issue(ALICE)
    assert await verifier.verify(token) == ALICE
    assert jwt.get_unverified_header(token) == {
        "alg": "EdDSA",
        "typ": "at+jwt",
        "kid": "identity-jwt:v1",
    }


async def test_machine_client_scopes_survive(keyring: LocalKeyring, clock: FixedClock) -> None:
    issuer, verifier = await _pair(keyring, clock)
    exchange = Principal(
        user_id="client-sdex",
        org_id="org-sdex",
        role=Role.EXCHANGE,
        region="370300",
        scopes=frozenset({"orders:write", "listings:read"}),
    )
    assert (await verifier.verify(await issuer.issue(exchange))).scopes == exchange.scopes


async def test_tokens_signed_before_a_key_rotation_still_verify(
    keyring: LocalKeyring, clock: FixedClock
) -> None:
    issuer, verifier = await _pair(keyring, clock)
    old = await issuer.issue(ALICE)
    await keyring.rotate_key("identity-jwt")
    new = await issuer.issue(ALICE)
    assert jwt.get_unverified_header(new)["kid"] == "identity-jwt:v2"
    assert await verifier.verify(old) == ALICE
    assert await verifier.verify(new) == ALICE


async def test_expired_and_not_yet_valid_tokens_are_refused(
    keyring: LocalKeyring, clock: FixedClock
) -> None:
    issuer, verifier = await _pair(keyring, clock)
    token = await issuer.issue(ALICE, ttl_seconds=60)
    assert await verifier.verify(token) == ALICE  # now remembered as verified
    clock.advance(timedelta(minutes=5))
    with pytest.raises(TokenError, match="expired"):
        await verifier.verify(token)
    clock.set(NOW - timedelta(minutes=5))
    with pytest.raises(TokenError, match="not yet valid"):
        await verifier.verify(token)


def _resign_with(token: str, **header_changes: object) -> str:
    header_b64, payload_b64, signature = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    header.update(header_changes)
    return f"{_b64(header)}.{payload_b64}.{signature}"


def _with_claims(token: str, **claims: object) -> str:
    header_b64, payload_b64, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    payload.update(claims)
    return f"{header_b64}.{_b64(payload)}.{signature}"


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (lambda t: t[:-6] + ("AAAAAA" if not t.endswith("AAAAAA") else "BBBBBB"), "invalid"),
        (lambda t: _resign_with(t, alg="none").rsplit(".", 1)[0] + ".", "algorithm"),
        (lambda t: _resign_with(t, alg="HS256"), "algorithm"),
        (lambda t: _resign_with(t, typ="JWT"), "not an access token"),
        (lambda t: _resign_with(t, kid="identity-jwt:v9"), "unknown key"),
        (lambda t: _with_claims(t, role="bureau"), "invalid"),
        (lambda t: "not.a.token", "malformed"),
        (lambda t: "", "malformed"),
    ],
    ids=[
        "bad-signature",
        "alg-none",
        "alg-hs256",
        "wrong-type",
        "unknown-kid",
        "tampered-claims",
        "garbage",
        "empty",
    ],
)
async def test_forged_tokens_are_refused(
    keyring: LocalKeyring, clock: FixedClock, forge: object, reason: str
) -> None:
    issuer, verifier = await _pair(keyring, clock)
    token = await issuer.issue(ALICE)
    with pytest.raises(TokenError, match=reason):
        await verifier.verify(forge(token))  # type: ignore[operator]


async def test_hs256_signed_with_the_public_key_is_refused(
    keyring: LocalKeyring, clock: FixedClock
) -> None:
    """The classic algorithm-confusion attack: HMAC keyed with the published public key."""
    issuer, verifier = await _pair(keyring, clock)
    await issuer.issue(ALICE)
    pem = (await keyring.public_keys("identity-jwt"))[0].public_key_pem
    header = _b64({"alg": "HS256", "typ": "at+jwt", "kid": "identity-jwt:v1"})
    body = _b64(
        {
            "sub": "x",
            "org": "o",
            "role": "bureau",
            "region": "370300",
            "iss": "pdo-identity:370300",
            "aud": "pdo",
            "iat": int(NOW.timestamp()),
            "nbf": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 60,
        }
    )
    mac = hmac.new(pem.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(TokenError, match="algorithm"):
        await verifier.verify(forged)


async def _signed(keyring: LocalKeyring, claims: dict[str, object]) -> str:
    """A token with a genuine signature over arbitrary claims (the real signing path)."""
    signing_input = (
        f"{_b64({'alg': 'EdDSA', 'typ': 'at+jwt', 'kid': 'identity-jwt:v1'})}.{_b64(claims)}"
    )
    signature = (await keyring.sign("identity-jwt", signing_input.encode())).split(":", 2)[2]
    raw = base64.b64decode(signature)
    return signing_input + "." + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(**changes: object) -> dict[str, object]:
    now = int(NOW.timestamp())
    claims: dict[str, object] = {
        "sub": "u-1",
        "org": "org-370300-tax",
        "role": "provider",
        "region": "370300",
        "iss": "pdo-identity:370300",
        "aud": "pdo",
        "iat": now,
        "nbf": now,
        "exp": now + 60,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "another-platform"}, "not meant for this platform"),
        ({"iss": "pdo-identity:370100"}, "another authority"),
        ({"exp": None}, "invalid token"),
        ({"role": "emperor"}, "lacks organization, role or region"),
        ({"org": None}, "lacks organization, role or region"),
    ],
    ids=["wrong-audience", "wrong-issuer", "no-expiry", "unknown-role", "no-org"],
)
async def test_genuinely_signed_tokens_with_wrong_claims_are_refused(
    keyring: LocalKeyring, clock: FixedClock, changes: dict[str, object], reason: str
) -> None:
    issuer, verifier = await _pair(keyring, clock)
    await issuer.issue(ALICE)  # creates the key
    assert await verifier.verify(await _signed(keyring, _claims())) == ALICE
    with pytest.raises(TokenError, match=reason):
        await verifier.verify(await _signed(keyring, _claims(**changes)))


@pytest.mark.parametrize(
    ("own", "target", "covered"),
    [
        ("370300", "370300", True),
        ("370300", "370303", True),
        ("370000", "370303", True),
        ("370303", "370300", False),
        ("370300", "370100", False),
        ("370303", "370304", False),
    ],
)
def test_a_city_token_covers_its_counties_but_not_the_reverse(
    own: str, target: str, covered: bool
) -> None:
    principal = Principal(user_id="u", org_id="o", role=Role.BUREAU, region=own)
    assert principal.within(target) is covered
