"""A remote key set whose endpoint goes down: the expired set keeps verifying for the
stale-if-error grace, then verification fails closed (the core's rule, as in Node and C)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator

import pytest

import grantex
from grantex import GrantexConfigError, GrantexTokenError, JwksCache, VerifyGrantTokenOptions

from conftest import VECTORS

_TOKENS = json.loads((VECTORS / "token-vectors.json").read_text())


class _KeySet:
    """A JWKS endpoint that can be switched down (503) and counts its requests."""

    def __init__(self) -> None:
        self.down = False
        self.hits = 0
        body = json.dumps(_TOKENS["jwks"]).encode()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                owner.hits += 1
                if owner.down:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture()
def key_set() -> Iterator[_KeySet]:
    ks = _KeySet()
    yield ks
    ks.server.shutdown()
    ks.server.server_close()


def _valid() -> Dict[str, Any]:
    return next(c for c in _TOKENS["cases"] if c["expect"] == "valid" and not c.get("options"))


def _options(cache: JwksCache) -> VerifyGrantTokenOptions:
    return VerifyGrantTokenOptions(jwks=cache, issuer=_TOKENS["issuer"], now=_TOKENS["now"])


def test_an_expired_set_keeps_verifying_while_the_endpoint_is_down(key_set: _KeySet) -> None:
    cache = JwksCache.remote(key_set.uri)
    assert (cache.max_age, cache.stale_if_error) == (600.0, 3600.0)
    cache.set_max_age(1)
    token = _valid()["token"]
    assert grantex.verify_grant_token(token, _options(cache)).token_id
    assert key_set.hits == 1

    key_set.down = True
    time.sleep(1.2)  # past the one-second max age
    # Inside the grace: the expired set still verifies (one refetch attempt was made).
    assert grantex.verify_grant_token(token, _options(cache)).token_id
    assert key_set.hits == 2
    # Grace switched off: fails closed with the fetch failure.
    cache.set_stale_if_error(0)
    with pytest.raises(GrantexTokenError) as err:
        grantex.verify_grant_token(token, _options(cache))
    assert err.value.code == "jwks_fetch"


def test_the_cache_settings_are_checked_by_the_core() -> None:
    cache = JwksCache.remote("http://127.0.0.1:9/.well-known/jwks.json")
    for bad in (0, 0.5, 86_401, float("nan"), -1):
        with pytest.raises(GrantexConfigError):
            cache.set_max_age(bad)
    for bad in (-1, 86_401, float("inf")):
        with pytest.raises(GrantexConfigError):
            cache.set_stale_if_error(bad)
    cache.set_stale_if_error(86_400)
    assert cache.stale_if_error == 86_400.0
    with pytest.raises(TypeError):
        cache.set_max_age("60")  # type: ignore[arg-type]


def test_async_verification_uses_the_stale_set_too(key_set: _KeySet) -> None:
    import asyncio

    cache = JwksCache.remote(key_set.uri)
    cache.set_max_age(1)
    token = _valid()["token"]
    grantex.verify_grant_token(token, _options(cache))
    key_set.down = True
    time.sleep(1.2)

    async def verify() -> grantex.VerifiedGrant:
        return await grantex.averify_grant_token(token, _options(cache))

    assert asyncio.run(verify()).token_id


