"""Single sign-on through OpenID Connect (Entra ID, ID-porten, Ansattporten): authorization code flow with PKCE.

Configured from the environment; off unless ``RESSURSBANK_OIDC_ISSUER`` and ``RESSURSBANK_OIDC_CLIENT_ID`` are set:

``RESSURSBANK_OIDC_ISSUER``
    e.g. ``https://login.microsoftonline.com/<tenant>/v2.0``, ``https://idporten.no``, ``https://ansattporten.no``.
``RESSURSBANK_OIDC_CLIENT_ID`` / ``RESSURSBANK_OIDC_CLIENT_SECRET``
    The client registered with the provider (the secret is optional for a public client; PKCE is always used).
``RESSURSBANK_OIDC_SCOPES``
    Default ``openid profile email``.
``RESSURSBANK_OIDC_USERNAME_CLAIM``
    The claim matched against a ressursbank username on first login (default ``preferred_username``).

Security: the discovery document must name the configured issuer; the ID token's signature is checked against
the provider's JWKS (RS256/PS256/ES256 only, never ``none`` or HMAC), and ``iss``, ``aud``, ``azp``, ``exp``,
``iat`` and ``nonce`` are validated. The pending state (state, nonce, PKCE verifier) travels in a signed, short-lived
cookie. Plain ``http`` providers are accepted only on a loopback address (tests).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ressursbank.exceptions import RessursbankError

ALLOWED_ALGORITHMS = ("RS256", "PS256", "ES256")
CLOCK_SKEW_SECONDS = 120
HTTP_TIMEOUT_SECONDS = 10.0


class OidcError(RessursbankError):
    """Sign-on failed; the message says at which step (never includes tokens)."""


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """Where the provider is and who we are to it."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    scopes: str = "openid profile email"
    username_claim: str = "preferred_username"


@dataclass(frozen=True, slots=True)
class OidcStart:
    """Where to send the browser, and what must come back with it (kept in a signed cookie)."""

    url: str
    pending: dict[str, str]


@dataclass(frozen=True, slots=True)
class OidcIdentity:
    """Who the provider says logged in."""

    issuer: str
    subject: str
    username: str | None
    claims: dict[str, Any]


def configured() -> bool:
    """True when single sign-on is configured."""
    return bool(os.environ.get("RESSURSBANK_OIDC_ISSUER") and os.environ.get("RESSURSBANK_OIDC_CLIENT_ID"))


def load_config() -> OidcConfig:
    """The configuration from the environment (see the module docstring)."""
    issuer = os.environ.get("RESSURSBANK_OIDC_ISSUER", "").rstrip("/")
    client_id = os.environ.get("RESSURSBANK_OIDC_CLIENT_ID", "")
    if not issuer or not client_id:
        raise OidcError("single sign-on is not configured (RESSURSBANK_OIDC_ISSUER, RESSURSBANK_OIDC_CLIENT_ID)")
    _require_safe_url(issuer, "issuer")
    return OidcConfig(
        issuer=issuer,
        client_id=client_id,
        client_secret=os.environ.get("RESSURSBANK_OIDC_CLIENT_SECRET") or None,
        scopes=os.environ.get("RESSURSBANK_OIDC_SCOPES", "openid profile email"),
        username_claim=os.environ.get("RESSURSBANK_OIDC_USERNAME_CLAIM", "preferred_username"),
    )


def _require_safe_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and parts.hostname is not None:
        try:
            if ipaddress.ip_address(parts.hostname).is_loopback:
                return
        except ValueError:
            if parts.hostname == "localhost":
                return
    raise OidcError(f"the {what} must use https (plain http only on loopback): {url}")


def discover(config: OidcConfig, client: httpx.Client | None = None) -> dict[str, Any]:
    """The provider's discovery document, checked to belong to the configured issuer."""
    url = config.issuer + "/.well-known/openid-configuration"
    document = _get_json(url, client)
    if str(document.get("issuer", "")).rstrip("/") != config.issuer:
        raise OidcError(f"discovery: the provider calls itself {document.get('issuer')!r}, not {config.issuer!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(key), str):
            raise OidcError(f"discovery: {key} is missing")
        _require_safe_url(document[key], key)
    return document


def _get_json(url: str, client: httpx.Client | None) -> dict[str, Any]:
    try:
        response = client.get(url) if client is not None else httpx.get(url, timeout=HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(f"could not read {url}: {exc}") from exc
    if not isinstance(data, dict):
        raise OidcError(f"{url} did not return a JSON object")
    return data


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = _b64url(secrets.token_bytes(48))
    challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    return verifier, challenge


def begin(config: OidcConfig, *, redirect_uri: str, client: httpx.Client | None = None) -> OidcStart:
    """The authorization URL (with state, nonce and PKCE) and the values to keep until the callback."""
    document = discover(config, client)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    verifier, challenge = pkce_pair()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": config.client_id,
            "redirect_uri": redirect_uri,
            "scope": config.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    endpoint = document["authorization_endpoint"]
    separator = "&" if "?" in endpoint else "?"
    return OidcStart(
        url=f"{endpoint}{separator}{query}",
        pending={"state": state, "nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri},
    )


def finish(
    config: OidcConfig, *, code: str, pending: dict[str, Any], client: httpx.Client | None = None
) -> OidcIdentity:
    """Exchange the code for tokens and validate the ID token against the pending nonce."""
    if not code:
        raise OidcError("the identity provider sent no authorization code")
    document = discover(config, client)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": str(pending.get("redirect_uri", "")),
        "client_id": config.client_id,
        "code_verifier": str(pending.get("verifier", "")),
    }
    if config.client_secret:
        form["client_secret"] = config.client_secret
    try:
        if client is not None:
            response = client.post(document["token_endpoint"], data=form)
        else:
            response = httpx.post(document["token_endpoint"], data=form, timeout=HTTP_TIMEOUT_SECONDS)
        tokens = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(f"token exchange failed: {exc}") from exc
    if response.status_code != 200 or not isinstance(tokens, dict) or "id_token" not in tokens:
        error = tokens.get("error") if isinstance(tokens, dict) else None
        raise OidcError(f"token exchange refused ({response.status_code}{', ' + str(error) if error else ''})")
    keys = _get_json(document["jwks_uri"], client)
    claims = validate_id_token(
        str(tokens["id_token"]),
        keys,
        issuer=config.issuer,
        client_id=config.client_id,
        nonce=str(pending.get("nonce", "")),
    )
    username = claims.get(config.username_claim) or claims.get("email")
    return OidcIdentity(
        issuer=config.issuer,
        subject=str(claims["sub"]),
        username=str(username) if username else None,
        claims=claims,
    )


def validate_id_token(
    id_token: str, jwks: dict[str, Any], *, issuer: str, client_id: str, nonce: str, now: float | None = None
) -> dict[str, Any]:
    """Check the ID token's signature and claims; return the claims.

    Raises
    ------
    OidcError
        Bad signature or algorithm, wrong issuer or audience, expired, issued in the future, or nonce mismatch.
    """
    try:
        key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        token = jwt.decode(id_token, key_set, algorithms=list(ALLOWED_ALGORITHMS))
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise OidcError(f"the ID token's signature is not valid: {exc.__class__.__name__}") from exc
    claims = dict(token.claims)
    now = time.time() if now is None else now
    if str(claims.get("iss", "")).rstrip("/") != issuer:
        raise OidcError("the ID token comes from another issuer")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if client_id not in audiences:
        raise OidcError("the ID token is meant for another client")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise OidcError("the ID token's authorised party is another client")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or exp + CLOCK_SKEW_SECONDS < now:
        raise OidcError("the ID token has expired")
    if isinstance(iat, int | float) and iat - CLOCK_SKEW_SECONDS > now:
        raise OidcError("the ID token was issued in the future")
    if not nonce or not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise OidcError("the ID token's nonce does not match this sign-on")
    if not claims.get("sub"):
        raise OidcError("the ID token names no subject")
    return claims


def seal(secret: str, pending: dict[str, Any]) -> str:
    """Sign the pending sign-on values for a cookie (not secret, but tamper-proof)."""
    return URLSafeTimedSerializer(secret, salt="ressursbank-oidc").dumps(pending)


def unseal(secret: str, sealed: str, *, max_age: int) -> dict[str, Any]:
    """The pending values, if the cookie is authentic and fresh."""
    try:
        value = URLSafeTimedSerializer(secret, salt="ressursbank-oidc").loads(sealed, max_age=max_age)
    except BadSignature as exc:
        raise OidcError("the sign-on has expired or was tampered with (start again)") from exc
    if not isinstance(value, dict):
        raise OidcError("the sign-on state is malformed")
    return value
