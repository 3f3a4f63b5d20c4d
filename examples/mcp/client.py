"""An MCP client that finds its authorization server by itself (Python `mcp` package).

It calls the MCP server, gets 401 with the protected resource metadata's address, reads it,
discovers the Grantex authorization server (RFC 8414), registers itself (RFC 7591), sends the
user to consent (authorization code + PKCE S256 + RFC 8707 resource) and calls the tools with
the grant token it gets back. Nothing about Grantex is configured here: only the MCP server's
URL.

`HeadlessBrowser` plays the user's browser for the demo and the tests: it follows the
redirects (consent page → the MCP server's login → consent page), approves, and hands the
code back. A real client opens the system browser and listens on its redirect URI.

Run: python examples/mcp/client.py http://127.0.0.1:8765/mcp
"""

from __future__ import annotations

import asyncio
import re
import sys
import urllib.parse
from typing import Any, Dict, List, Optional

import httpx2
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT = "http://127.0.0.1:7777/callback"


class MemoryStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: Optional[OAuthToken] = None
        self.client: Optional[OAuthClientInformationFull] = None

    async def get_tokens(self) -> Optional[OAuthToken]:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> Optional[OAuthClientInformationFull]:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class HeadlessBrowser:
    """Follows the authorization redirects and approves on the consent page."""

    def __init__(self) -> None:
        self.result: Dict[str, str] = {}
        self.visited: List[str] = []
        self.approve = True

    async def redirect_handler(self, url: str) -> None:
        if not self.approve:
            raise RuntimeError("the user declined to sign in again")
        async with httpx2.AsyncClient(follow_redirects=False, timeout=20) as b:
            r = await b.get(url)
            while r.status_code in (302, 303):
                location = r.headers["location"]
                self.visited.append(location)
                if location.startswith(REDIRECT):
                    self.result = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
                    return
                r = await b.get(location)
            if r.status_code != 200:
                raise RuntimeError(f"consent page answered {r.status_code}: {r.text[:200]}")
            csrf = re.search(r'name="csrf" value="([^"]+)"', r.text)
            req = re.search(r'data-req="([^"]+)"', r.text)
            if not csrf or not req:
                raise RuntimeError("no consent form on the page")
            origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(str(r.url)))
            r = await b.post(f"{origin}/consent/{req.group(1)}/approve", data={"csrf": csrf.group(1)})
            location = r.headers.get("location", "")
            if r.status_code != 303 or not location.startswith(REDIRECT):
                raise RuntimeError(f"approval answered {r.status_code}")
            self.result = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))

    async def callback_handler(self) -> AuthorizationCodeResult:
        return AuthorizationCodeResult(
            code=self.result["code"], state=self.result.get("state"), iss=self.result.get("iss")
        )


def provider(resource: str, browser: HeadlessBrowser, storage: Optional[MemoryStorage] = None) -> OAuthClientProvider:
    return OAuthClientProvider(
        resource,
        client_metadata=OAuthClientMetadata(
            redirect_uris=[REDIRECT],  # type: ignore[list-item]
            client_name="Demo MCP client",
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage or MemoryStorage(),
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )


async def call_tools(resource: str, auth: Any, calls: List[Any]) -> List[Any]:
    """Opens a session with `auth` (an httpx2 Auth, e.g. the OAuth provider) and runs
    `(tool, arguments)` calls in order."""
    out = []
    async with httpx2.AsyncClient(auth=auth, timeout=30) as http:
        async with streamable_http_client(resource, http_client=http) as (read, write, *_):
            async with ClientSession(read, write) as session:
                await session.initialize()
                for tool, args in calls:
                    out.append(await session.call_tool(tool, args))
    return out


async def main(resource: str) -> None:
    browser = HeadlessBrowser()
    results = await call_tools(resource, provider(resource, browser), [("add", {"a": 2, "b": 40})])
    print("add(2, 40) =", results[0].content[0].text)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
