"""Single sign-on through the SDK's ``sso`` namespace against a real grantex-server and a real
OpenID provider (npm ``oidc-provider``, the certified implementation the server's own tests use:
``server/tests/peers/oidc_provider.mjs``), sync and async, with the reference SDK's names:
connections, ``get_login_url(org, domain)``, the provider's login and consent walked headless,
``handle_oidc_callback`` opening a session whose token works on the principal routes,
sessions listed and revoked, enforcement, the legacy config."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pytest

import grantex
from grantex import (
    AsyncGrantex,
    CreateSsoConfigParams,
    CreateSsoConnectionParams,
    GrantexApiError,
    GrantexAuthError,
    SsoCallbackResult,
    SsoConnection,
    SsoEnforcementParams,
    SsoLoginResponse,
    SsoOidcCallbackParams,
    UpdateSsoConnectionParams,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def issuer(server: Dict[str, Any]) -> Iterator[str]:
    """oidc-provider on a loopback port; its only redirect URI is the server's own callback."""
    modules = subprocess.run(
        ["bash", str(REPO / "scripts/lib/peer-oidc.sh")], check=True, capture_output=True, text=True
    ).stdout.strip()
    proc = subprocess.Popen(
        [
            "node",
            str(REPO / "server/tests/peers/oidc_provider.mjs"),
            modules,
            f"{server['baseUrl']}/sso/callback/oidc",
            # each connection's own callback (test-only wildcard of the peer)
            f"{server['baseUrl']}/sso/callback/oidc/*",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening "), f"oidc-provider did not start: {line!r}"
        yield line.removeprefix("listening ")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _walk(authorize_url: str, login: str, issuer: str) -> Dict[str, str]:
    """The provider's login and consent as ``login``, like a browser with cookies; returns the
    query of the redirect back to the relying party (not followed)."""
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def fetch(url: str, form: Dict[str, str] | None = None) -> Tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(url, data=data, headers={"Accept": "text/html"})
        try:
            with opener.open(req, timeout=20) as r:
                return r.status, r.headers.get("Location", ""), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Location", ""), e.read().decode()

    nxt = authorize_url
    for _ in range(12):
        status, loc, page = fetch(nxt)
        assert status == 303, f"at {nxt}: {status} {page[:300]}"
        loc = urllib.parse.urljoin(nxt, loc)
        if not loc.startswith(issuer):
            return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
        if "/interaction/" in loc:
            _, _, page = fetch(loc)
            form = {"prompt": "login", "login": login, "password": "pw"} if 'name="login"' in page else {"prompt": "consent"}
            status, loc2, page = fetch(loc, form)
            assert status == 303, f"interaction {loc}: {status} {page[:300]}"
            nxt = urllib.parse.urljoin(loc, loc2)
        else:
            nxt = loc
    raise AssertionError("the provider never redirected back")


def _developer(server: Dict[str, Any], name: str) -> Tuple[str, str]:
    signed = grantex.Grantex.signup(grantex.SignupParams(name=name, mode="live"), base_url=server["baseUrl"])
    return signed.api_key, signed.developer_id


def test_oidc_login_through_the_sdk(server: Dict[str, Any], issuer: str) -> None:
    key, org = _developer(server, "sso")
    with grantex.Grantex(key, base_url=server["baseUrl"]) as dev:
        conn = dev.sso.create_connection(
            CreateSsoConnectionParams(
                name="Corp IdP",
                protocol="oidc",
                issuer_url=issuer,
                client_id="rp",
                client_secret="rp-secret",
                domains=["corp.example"],
                group_mappings={"eng": ["calendar:read"]},
                default_scopes=["profile:read"],
            )
        )
        assert isinstance(conn, SsoConnection) and conn.protocol == "oidc" and conn.issuer_url == issuer
        assert not hasattr(conn, "client_secret"), "write-only"
        tested = dev.sso.test_connection(conn.id)
        assert tested.success and tested.issuer == issuer and tested.jwks_uri

        login = dev.sso.get_login_url(org, "corp.example")
        assert isinstance(login, SsoLoginResponse)
        assert (login.protocol, login.connection_id) == ("oidc", conn.id)
        back = _walk(login.authorize_url, "Dana@corp.example", issuer)
        assert set(back) >= {"code", "state"}

        result = dev.sso.handle_oidc_callback(SsoOidcCallbackParams(code=back["code"], state=back["state"]))
        assert isinstance(result, SsoCallbackResult)
        assert (result.developer_id, result.principal_id, result.email) == (org, "dana@corp.example", "Dana@corp.example")
        assert result.mapped_scopes == ("profile:read",) and result.session_token
        # The state is single use.
        with pytest.raises(GrantexApiError) as e:
            dev.sso.handle_oidc_callback(SsoOidcCallbackParams(code=back["code"], state=back["state"]))
        assert e.value.status_code == 400

        sessions = dev.sso.list_sessions().sessions
        assert [s.id for s in sessions] == [result.session_id]
        assert sessions[0].principal_id == "dana@corp.example" and sessions[0].connection_id == conn.id

        # Someone outside the allowed domains is refused.
        back = _walk(dev.sso.get_login_url(org).authorize_url, "mallory@elsewhere.example", issuer)
        with pytest.raises(GrantexApiError) as e:
            dev.sso.handle_oidc_callback(SsoOidcCallbackParams(code=back["code"], state=back["state"]))
        assert (e.value.status_code, e.value.code) == (403, "SSO_DOMAIN_NOT_ALLOWED")

        renamed = dev.sso.update_connection(conn.id, UpdateSsoConnectionParams(name="Corp IdP (prod)"))
        assert renamed.name == "Corp IdP (prod)" and [c.id for c in dev.sso.list_connections().connections] == [conn.id]
        assert dev.sso.set_enforcement(SsoEnforcementParams(enforce=True)).enforce is True
        assert dev.sso.set_enforcement(SsoEnforcementParams(enforce=False)).enforce is False

        dev.sso.revoke_session(result.session_id)
        assert dev.sso.list_sessions().sessions == ()
        with pytest.raises(GrantexApiError) as e:
            dev.sso.revoke_session(result.session_id)
        assert e.value.status_code == 404
        dev.sso.delete_connection(conn.id)
        with pytest.raises(GrantexApiError) as e:
            dev.sso.get_connection(conn.id)
        assert e.value.status_code == 404


def test_session_token_is_a_principal_session(server: Dict[str, Any], issuer: str) -> None:
    """The login's token works on the principal routes until the SSO session is revoked."""
    key, org = _developer(server, "sso-token")
    with grantex.Grantex(key, base_url=server["baseUrl"]) as dev:
        dev.sso.create_connection(
            CreateSsoConnectionParams(
                name="IdP", protocol="oidc", issuer_url=issuer, client_id="rp", client_secret="rp-secret", domains=["corp.example"]
            )
        )
        back = _walk(dev.sso.get_login_url(org).authorize_url, "erin@corp.example", issuer)
        result = dev.sso.handle_oidc_callback(SsoOidcCallbackParams(code=back["code"], state=back["state"]))
        assert result.session_token

        def grants() -> int:
            req = urllib.request.Request(
                f"{server['baseUrl']}/v1/principal/grants", headers={"Authorization": f"Bearer {result.session_token}"}
            )
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    assert json.loads(r.read())["principalId"] == "erin@corp.example"
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code

        assert grants() == 200
        dev.sso.revoke_session(result.session_id)
        assert grants() == 401


def test_legacy_config_and_the_async_client(server: Dict[str, Any], issuer: str) -> None:
    key, org = _developer(server, "sso-async")

    async def run() -> None:
        async with AsyncGrantex(key, base_url=server["baseUrl"]) as dev:
            cfg = await dev.sso.create_config(
                CreateSsoConfigParams(
                    issuer_url=issuer,
                    client_id="rp",
                    client_secret="rp-secret",
                    redirect_uri=f"{server['baseUrl']}/sso/callback/oidc",
                )
            )
            assert (cfg.issuer_url, cfg.client_id) == (issuer, "rp")
            assert (await dev.sso.get_config()).client_id == "rp"
            conn = await dev.sso.create_connection(
                CreateSsoConnectionParams(name="IdP", protocol="oidc", issuer_url=issuer, client_id="rp", client_secret="rp-secret")
            )
            login = await dev.sso.get_login_url(org)
            back = await asyncio.to_thread(_walk, login.authorize_url, "frank@corp.example", issuer)
            # The provider's RFC 9207 iss is forwarded; a connection without a domain list signs
            # in the IdP's subject, scoped to the connection.
            assert back["iss"] == issuer
            result = await dev.sso.handle_oidc_callback(
                SsoOidcCallbackParams(code=back["code"], state=back["state"], iss=back["iss"])
            )
            assert result.principal_id == f"sso:{conn.id}:frank@corp.example"
            assert [s.id for s in (await dev.sso.list_sessions()).sessions] == [result.session_id]
            await dev.sso.delete_connection(conn.id)
            await dev.sso.delete_config()
            with pytest.raises(GrantexApiError) as e:
                await dev.sso.get_config()
            assert e.value.status_code == 404

    asyncio.run(run())


def test_sso_management_needs_the_api_key(server: Dict[str, Any]) -> None:
    with grantex.Grantex("gx_live_not-a-real-key-0000000000", base_url=server["baseUrl"]) as nobody:
        with pytest.raises(GrantexAuthError):
            nobody.sso.list_connections()
