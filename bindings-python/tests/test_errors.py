"""Every error class, mapped from the core enum, with causes and pickling."""

from __future__ import annotations

import http.server
import pickle
import socket
import threading
import time
from typing import Any, Dict, Iterator

import pytest

import grantex
from grantex import (
    GrantexApiError,
    GrantexAuthError,
    GrantexConfigError,
    GrantexError,
    GrantexInvalidArgumentError,
    GrantexNetworkError,
    GrantexSignupError,
    GrantexTimeoutError,
    GrantexTokenError,
    SignupParams,
    VerifyGrantTokenOptions,
)

from conftest import closed_port, issue_token


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_api_error_404_fields(client: grantex.Grantex) -> None:
    with pytest.raises(GrantexApiError) as info:
        client.grants.get("grnt_does_not_exist")
    err = info.value
    assert type(err) is GrantexApiError
    assert err.status_code == 404 and err.code == "NOT_FOUND"
    assert err.request_id and isinstance(err.body, dict) and err.body["code"] == "NOT_FOUND"
    assert err.rate_limit is not None and err.rate_limit.limit == 100000
    assert "HTTP 404" in str(err)


def test_auth_error_401(server: Dict[str, Any]) -> None:
    with grantex.Grantex("gx_live_wrong", base_url=server["baseUrl"]) as bad:
        with pytest.raises(GrantexAuthError) as info:
            bad.agents.list()
    assert info.value.status_code == 401
    assert isinstance(info.value, GrantexApiError)


def test_a_wrong_api_key_says_invalid_api_key(server: Dict[str, Any]) -> None:
    key = server["apiKey"]
    near_miss = key[:-1] + ("b" if key.endswith("a") else "a")
    for wrong in (near_miss, "gx_live_wrong", "wrong"):
        with grantex.Grantex(wrong, base_url=server["baseUrl"], max_retries=0) as bad:
            with pytest.raises(GrantexAuthError) as info:
                bad.agents.list()
        err = info.value
        assert err.status_code == 401 and err.code == "UNAUTHORIZED"
        assert err.message.startswith("Invalid API key (HTTP 401, code UNAUTHORIZED, request id "), err.message
        assert str(err).count("HTTP 401") == 1
        assert "Authorization header" not in str(err)


def test_empty_error_body_names_the_status_once() -> None:
    class Empty404(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.send_header("x-request-id", "req-empty")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Empty404)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        with grantex.Grantex("k", base_url=base, max_retries=0) as c:
            with pytest.raises(GrantexApiError) as info:
                c.agents.list()
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
    err = info.value
    assert err.status_code == 404 and err.request_id == "req-empty" and err.body is None
    assert str(err) == "HTTP 404 (request id req-empty)"


def test_auth_error_403_foreign_parent_token(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    _, token = issue_token(client)
    other = grantex.Grantex.signup(SignupParams(name="other"), base_url=server["baseUrl"])
    with grantex.Grantex(other.api_key, base_url=server["baseUrl"]) as stranger:
        sub = stranger.agents.register(name="thief", scopes=["calendar:read"])
        with pytest.raises(GrantexAuthError) as info:
            stranger.grants.delegate(parent_grant_token=token.grant_token, sub_agent_id=sub.id, scopes=["calendar:read"])
    assert info.value.status_code == 403


def test_validation_error_400(client: grantex.Grantex) -> None:
    with pytest.raises(GrantexApiError) as info:
        client.agents.register(name="", scopes=[])
    assert info.value.status_code == 400 and not isinstance(info.value, GrantexAuthError)


def test_signup_error_is_value_error(server: Dict[str, Any]) -> None:
    with pytest.raises(ValueError) as info:
        grantex.Grantex.signup(SignupParams(name=""), base_url=server["baseUrl"])
    assert isinstance(info.value, GrantexSignupError) and info.value.status_code == 400


def test_token_error_codes(client: grantex.Grantex) -> None:
    opts = VerifyGrantTokenOptions(jwks_uri=client.jwks_uri)
    for token, code in [("not-a-jwt", "malformed"), ("a" * 20000, "too_large")]:
        with pytest.raises(GrantexTokenError) as info:
            grantex.verify_grant_token(token, opts)
        assert info.value.code == code
        assert code in grantex.TOKEN_ERROR_CODES


def test_network_error_connection_refused_has_cause() -> None:
    port = closed_port()
    with grantex.Grantex("k", base_url=f"http://127.0.0.1:{port}", max_retries=0) as c:
        with pytest.raises(GrantexNetworkError) as info:
            c.agents.list()
    err = info.value
    assert not isinstance(err, GrantexTimeoutError) and err.timeout is False
    assert isinstance(err.__cause__, ConnectionRefusedError)
    assert err.cause is err.__cause__


def test_network_error_after_retries(server: Dict[str, Any]) -> None:
    port = closed_port()
    start = time.monotonic()
    with grantex.Grantex("k", base_url=f"http://127.0.0.1:{port}", max_retries=1) as c:
        with pytest.raises(GrantexNetworkError):
            c.agents.list()
    assert time.monotonic() - start >= 0.4  # one back-off of >= 0.5 s minus scheduling slack


def test_timeout_error(silent_port: int) -> None:
    with grantex.Grantex("k", base_url=f"http://127.0.0.1:{silent_port}", timeout=0.3, max_retries=0) as c:
        start = time.monotonic()
        with pytest.raises(GrantexTimeoutError) as info:
            c.agents.list()
    assert time.monotonic() - start < 5
    err = info.value
    assert isinstance(err, GrantexNetworkError) and isinstance(err, TimeoutError) and err.timeout
    assert isinstance(err.__cause__, TimeoutError)


def test_config_errors(monkeypatch: Any) -> None:
    monkeypatch.delenv("GRANTEX_API_KEY", raising=False)
    with pytest.raises(ValueError, match="API key") as missing:
        grantex.Grantex()
    assert isinstance(missing.value, GrantexConfigError)
    with pytest.raises(GrantexConfigError):
        grantex.Grantex("   ")
    with pytest.raises(GrantexConfigError):
        grantex.Grantex("k", base_url="ftp://example.invalid")
    with pytest.raises(GrantexInvalidArgumentError):
        grantex.Grantex("k", timeout=-1)
    with pytest.raises(GrantexConfigError):
        grantex.verify_grant_token("x.y.z", VerifyGrantTokenOptions())


def test_invalid_arguments(client: grantex.Grantex) -> None:
    with pytest.raises(GrantexInvalidArgumentError):
        client.agents.get("")
    with pytest.raises(TypeError):
        client.agents.register(name="x", scopes="calendar:read")
    with pytest.raises(TypeError):
        client.authorize(grantex.AuthorizeParams("a", "u", ["s"]), agent_id="a")
    with pytest.raises(TypeError):
        client.audit.log(agent_id="a", agent_did="d", grant_id="g", principal_id="p", action="x", metadata={"f": object()})


def test_exceptions_pickle_round_trip(client: grantex.Grantex) -> None:
    with pytest.raises(GrantexApiError) as api:
        client.grants.get("grnt_missing")
    with pytest.raises(GrantexTokenError) as tok:
        grantex.verify_grant_token("x", VerifyGrantTokenOptions(jwks_uri=client.jwks_uri))
    port = closed_port()
    with pytest.raises(GrantexNetworkError) as net:
        grantex.Grantex("k", base_url=f"http://127.0.0.1:{port}", max_retries=0).agents.list()
    for original in (api.value, tok.value, net.value, GrantexTimeoutError("slow"), GrantexConfigError("cfg")):
        copy = pickle.loads(pickle.dumps(original))
        assert type(copy) is type(original) and str(copy) == str(original)
        assert {k: repr(v) for k, v in copy.__dict__.items()} == {k: repr(v) for k, v in original.__dict__.items()}
        assert isinstance(copy, GrantexError)
    assert pickle.loads(pickle.dumps(api.value)).rate_limit == api.value.rate_limit
    assert pickle.loads(pickle.dumps(tok.value)).code == "malformed"
