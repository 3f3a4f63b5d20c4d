"""An MCP server with two tools, guarded by Grantex (Python `mcp` package + `grantex.mcp`).

- `add` needs the scope `tools:add`; `secret` needs `tools:secret` as well.
- Its protected resource metadata (RFC 9728) names the Grantex server, so any MCP client can
  discover it, register, send its user to consent and come back with a grant token.
- `/login` stands for the developer's own sign-in: it tells Grantex who the human at the
  consent page is (`client.mcp.bind_principal`) and sends the browser back there. A real
  service would sign the user in first; this demo signs everyone in as `DEMO_USER`.

Run: GRANTEX_BASE_URL=... GRANTEX_API_KEY=... python examples/mcp/server.py [port]
(scripts/demo and the tests start it through `build`).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Tuple

import grantex
from grantex.mcp import McpGuard
from mcp.server import MCPServer
from mcp.server.auth.settings import AuthSettings
from pydantic import AnyHttpUrl
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

DEMO_USER = "alice"
SCOPES = ["tools:add", "tools:secret"]


def build(base_url: str, api_key: str, port: int, *, advertise: Any = None) -> Tuple[Any, McpGuard, str]:
    """Registers this MCP server with Grantex (once per resource URL) and returns the ASGI app,
    its guard and its resource URL. `advertise` narrows the scopes the metadata offers."""
    resource = f"http://127.0.0.1:{port}/mcp"
    gx = grantex.Grantex(api_key, base_url=base_url)
    known = {s.resource_url for s in gx.mcp.list_servers().servers}
    if resource not in known:
        gx.mcp.register_server(
            grantex.RegisterMcpServerParams(
                name="Demo tools",
                resource_url=resource,
                scopes=SCOPES,
                login_url=f"http://127.0.0.1:{port}/login",
            )
        )
    guard = McpGuard(
        resource=resource,
        authorization_server=base_url,
        resource_name="Demo tools",
        required_scopes=["tools:add"],
        tool_scopes={"secret": ["tools:secret"]},
        scopes_supported=advertise,
        # A revoked grant is refused at the next call, not when its token expires.
        revocation_api_key=api_key,
    )
    server = MCPServer(
        "demo-tools",
        token_verifier=guard.token_verifier(),
        auth=AuthSettings(
            issuer_url=AnyHttpUrl(base_url),
            resource_server_url=AnyHttpUrl(resource),
            required_scopes=["tools:add"],
            validate_token_resource=True,
        ),
    )

    @server.tool()
    def add(a: int, b: int) -> int:
        """Adds two numbers."""
        return a + b

    @server.tool()
    def secret() -> str:
        """Tells the secret (needs tools:secret)."""
        return "the secret is 42"

    app = server.streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")

    async def login(request: Request) -> Response:
        areq = request.query_params.get("grantex_request")
        if not areq:
            return PlainTextResponse("missing grantex_request", status_code=400)
        bound = gx.mcp.bind_principal(areq, grantex.BindMcpPrincipalParams(principal_id=DEMO_USER))
        return RedirectResponse(bound.consent_url, status_code=303)

    app.router.routes.append(Route("/login", login))
    return guard.asgi(app), guard, resource


if __name__ == "__main__":
    import uvicorn

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    app, _, resource = build(os.environ["GRANTEX_BASE_URL"], os.environ["GRANTEX_API_KEY"], port)
    print(f"MCP server at {resource}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
