"""Single sign-on: the authorization code flow with PKCE against a stub OpenID provider on loopback."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey

from ressursbank.services import oidc
from ressursbank.services.policy import Role
from tests.test_security_support import cheap_argon2, make_user, small_app, sqlite_factory

__all__ = ["cheap_argon2"]

CLIENT_ID = "ressursbank-test"


@dataclass
class StubProvider:
    """A minimal OpenID provider: discovery, JWKS, authorize (auto-consent), token with PKCE check."""

    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    subject: str = "sub-123"
    username: str = "hr"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": self.subject,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "preferred_username": self.username,
        }
        claims.update(self.overrides)
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)


def _handler(provider: StubProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            return

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/.well-known/openid-configuration":
                self._json(
                    200,
                    {
                        "issuer": provider.issuer,
                        "authorization_endpoint": provider.issuer + "/authorize",
                        "token_endpoint": provider.issuer + "/token",
                        "jwks_uri": provider.issuer + "/jwks",
                    },
                )
            elif parts.path == "/jwks":
                self._json(200, {"keys": [provider.key.as_dict(private=False)]})
            elif parts.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                code = secrets.token_urlsafe(16)
                provider.codes[code] = query
                self.send_response(302)
                target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                self.send_header("location", target)
                self.end_headers()
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            pending = provider.codes.pop(form.get("code", ""), None)
            if pending is None or form.get("client_id") != CLIENT_ID:
                self._json(400, {"error": "invalid_grant"})
                return
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if challenge != pending["code_challenge"] or form.get("redirect_uri") != pending["redirect_uri"]:
                self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
                return
            self._json(
                200, {"access_token": "a", "token_type": "Bearer", "id_token": provider.id_token(pending["nonce"])}
            )

    return Handler


@pytest.fixture()
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubProvider]:
    """The stub provider on a free loopback port, configured as the app's issuer."""
    stub = StubProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("RESSURSBANK_OIDC_ISSUER", stub.issuer)
    monkeypatch.setenv("RESSURSBANK_OIDC_CLIENT_ID", CLIENT_ID)
    yield stub
    server.shutdown()
    server.server_close()


def _sign_on(client: TestClient) -> httpx.Response:
    start = client.get("/login/oidc?next=/api/auth/me", follow_redirects=False)
    assert start.status_code == 303
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    back = httpx.get(authorize, follow_redirects=False).headers["location"]
    done: httpx.Response = client.get(back.replace("http://testserver", ""), follow_redirects=False)
    return done


def test_sign_on_logs_in_the_bound_account(provider: StubProvider, tmp_path: Path) -> None:
    """The flow ends with a session for the account whose username the provider vouches for."""
    factory = sqlite_factory(tmp_path)
    make_user(factory, Role.HR)
    client = TestClient(small_app(factory))
    assert "kommunens innlogging" in client.get("/login").text
    done = _sign_on(client)
    assert done.status_code == 303 and done.headers["location"] == "/api/auth/me"
    assert client.get("/api/auth/me").json()["username"] == "hr"
    second = TestClient(small_app(factory))
    provider.username = "someone-else"  # the identity is now bound by subject, not by name
    assert _sign_on(second).status_code == 303


def test_unknown_identity_is_refused(provider: StubProvider, tmp_path: Path) -> None:
    """A valid identity without a ressursbank account gets the login page with a refusal, no session."""
    factory = sqlite_factory(tmp_path)
    provider.username = "stranger"
    client = TestClient(small_app(factory))
    done = _sign_on(client)
    assert done.status_code == 401
    assert client.get("/api/auth/me").status_code == 401


def test_tampered_state_is_refused(provider: StubProvider, tmp_path: Path) -> None:
    """A callback whose state does not match the pending sign-on is refused."""
    factory = sqlite_factory(tmp_path)
    make_user(factory, Role.HR)
    client = TestClient(small_app(factory))
    start = client.get("/login/oidc", follow_redirects=False)
    back = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    forged = back.replace("http://testserver", "").replace("state=", "state=x")
    assert client.get(forged, follow_redirects=False).status_code == 401


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"iss": "https://evil.example"}, "another issuer"),
        ({"aud": "other-client"}, "another client"),
        ({"exp": 1000}, "expired"),
        ({"iat": int(time.time()) + 3600}, "future"),
        ({"nonce": "replayed"}, "nonce"),
    ],
)
def test_id_token_claims_are_checked(provider: StubProvider, override: dict[str, Any], message: str) -> None:
    """Wrong issuer, audience, expiry, issue time or nonce is refused."""
    provider.overrides = override
    keys = {"keys": [provider.key.as_dict(private=False)]}
    token = provider.id_token("n-1")
    with pytest.raises(oidc.OidcError, match=message):
        oidc.validate_id_token(token, keys, issuer=provider.issuer, client_id=CLIENT_ID, nonce="n-1")


def test_id_token_signature_is_checked(provider: StubProvider) -> None:
    """A token signed by another key, or with alg none, is refused."""
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    keys = {"keys": [provider.key.as_dict(private=False)]}
    forged = jwt.encode(
        {"alg": "RS256", "kid": "k1"},
        {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "x", "exp": int(time.time()) + 60, "nonce": "n"},
        other,
    )
    with pytest.raises(oidc.OidcError, match="signature"):
        oidc.validate_id_token(forged, keys, issuer=provider.issuer, client_id=CLIENT_ID, nonce="n")
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps({"iss": provider.issuer, "aud": CLIENT_ID, "sub": "x"}).encode())
    unsigned = f"{header}.{body.rstrip(b'=').decode()}."
    with pytest.raises(oidc.OidcError, match="signature"):
        oidc.validate_id_token(unsigned, keys, issuer=provider.issuer, client_id=CLIENT_ID, nonce="n")


def test_plain_http_provider_only_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """An http:// issuer is accepted on loopback (tests) and refused elsewhere."""
    monkeypatch.setenv("RESSURSBANK_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("RESSURSBANK_OIDC_ISSUER", "http://idp.example.com")
    with pytest.raises(oidc.OidcError, match="https"):
        oidc.load_config()
    monkeypatch.setenv("RESSURSBANK_OIDC_ISSUER", "https://login.microsoftonline.com/tenant/v2.0")
    assert oidc.load_config().issuer.endswith("/v2.0")
