#!/usr/bin/env python3
"""A tiny A2A agent in Python that accepts only valid Grantex grant tokens, and a client mode
that calls another agent with one.

Serve (prints its URL as the first stdout line, then serves until SIGINT/SIGTERM)::

    GRANTEX_BASE_URL=http://127.0.0.1:8080 GRANTEX_API_KEY=gx_... \\
        python examples/a2a/python_agent.py --port 0 [--allow-delegation --max-depth 1]

It serves its card at ``GET /.well-known/agent.json`` and JSON-RPC at ``POST /``:
``tasks/send`` echoes the text parts of the message into a completed task with an ``echo``
artifact (``metadata.defer: true`` leaves it ``working``), ``tasks/get`` reads a task,
``tasks/cancel`` cancels an unfinished one. ``POST /`` sits behind
``grantex.a2a.GrantexA2AMiddleware``: the token is verified (signature, issuer, expiry, scopes,
delegation) and, by default, checked online against the Grantex server for revocation.

Call another agent (prints the task JSON; on failure the error JSON, exit status 1)::

    python examples/a2a/python_agent.py --call http://127.0.0.1:9000 --token "$TOKEN" --text hi

The client verifies the token offline against the issuer's JWKS named in the remote card
before sending anything. Runs on the standard library plus the ``grantex`` package.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Optional, Sequence, Tuple

import grantex
from grantex.a2a import (
    AGENT_CARD_PATH,
    GRANT_STATE_KEY,
    A2AAgentCard,
    A2AArtifact,
    A2AClient,
    A2AError,
    A2AGuard,
    A2AMessage,
    A2APart,
    A2APolicy,
    A2ARpcError,
    A2ATask,
    A2ATaskStatus,
    GrantexA2AMiddleware,
    RevocationOnline,
    TaskCancelParams,
    TaskGetParams,
    TaskSendParams,
    build_grantex_agent_card,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asgi_http import Server  # noqa: E402  (sibling module of this example)

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

TASK_CAPACITY = 10_000
MAX_TASK_ID = 256

# JSON-RPC 2.0 codes, and the echo agent's task errors (the Grantex bridge keeps -32001/-32003/
# -32005 for authentication, so task errors use -32010/-32011, as the Rust agent does).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
TASK_NOT_FOUND = -32010
TASK_NOT_CANCELABLE = -32011
TERMINAL = ("completed", "canceled", "failed")


class RpcFailure(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EchoTasks:
    """In-memory, bounded tasks, each owned by the developer and principal whose grant made it,
    so one user's agents never see another user's tasks."""

    def __init__(self) -> None:
        self._tasks: "OrderedDict[str, Tuple[Tuple[str, str], A2ATask]]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._tasks)

    @staticmethod
    def _owner(grant: grantex.VerifiedGrant) -> Tuple[str, str]:
        return (grant.developer_id, grant.principal_id)

    def _find(self, task_id: str, grant: grantex.VerifiedGrant) -> A2ATask:
        stored = self._tasks.get(task_id)
        if stored is None or stored[0] != self._owner(grant):
            raise RpcFailure(TASK_NOT_FOUND, f"task `{task_id}` not found")
        return stored[1]

    def send(self, p: TaskSendParams, grant: grantex.VerifiedGrant) -> A2ATask:
        if not p.message.parts:
            raise RpcFailure(INVALID_PARAMS, "the message has no parts")
        if p.id is not None and not 1 <= len(p.id) <= MAX_TASK_ID:
            raise RpcFailure(INVALID_PARAMS, "the task id must be 1-256 characters")
        task_id = p.id or str(uuid.uuid4())
        history: List[A2AMessage] = []
        if task_id in self._tasks:
            existing = self._find(task_id, grant)
            if existing.status.state == "canceled":
                raise RpcFailure(INVALID_PARAMS, f"task `{task_id}` was canceled")
            history = list(existing.history or [])
        history.append(p.message)
        if (p.metadata or {}).get("defer") is True:
            status, artifacts = A2ATaskStatus("working", timestamp=now_iso()), None
        else:
            echoed = [A2APart.of_text(part.text) for part in p.message.parts if part.type == "text" and part.text is not None]
            reply = A2AMessage(role="agent", parts=echoed)
            history.append(reply)
            status = A2ATaskStatus("completed", message=reply, timestamp=now_iso())
            artifacts = [A2AArtifact(parts=list(echoed), name="echo", description="the text parts of the last message")]
        task = A2ATask(
            id=task_id,
            status=status,
            artifacts=artifacts,
            history=history,
            metadata={
                "grantex": {
                    "grantId": grant.grant_id,
                    "agentDid": grant.agent_did,
                    "principalId": grant.principal_id,
                    "delegationDepth": grant.delegation_depth or 0,
                    "parentAgentDid": grant.parent_agent_did,
                }
            },
        )
        if task_id not in self._tasks:
            while len(self._tasks) >= TASK_CAPACITY:
                self._tasks.popitem(last=False)
        self._tasks[task_id] = (self._owner(grant), task)
        return task

    def get(self, p: TaskGetParams, grant: grantex.VerifiedGrant) -> A2ATask:
        task = self._find(p.id, grant)
        out = A2ATask.from_dict(task.to_dict())
        if p.history_length is not None and out.history is not None:
            out.history = out.history[len(out.history) - p.history_length :] if p.history_length else []
        return out

    def cancel(self, p: TaskCancelParams, grant: grantex.VerifiedGrant) -> A2ATask:
        task = self._find(p.id, grant)
        if task.status.state in TERMINAL:
            raise RpcFailure(TASK_NOT_CANCELABLE, f"task `{p.id}` is already finished")
        task.status = A2ATaskStatus("canceled", timestamp=now_iso())
        return task


@dataclass
class Stats:
    """Request counters (the tests use them to prove a refused token never reached the app)."""

    rpc_requests: int = 0
    accepted: int = 0
    card_requests: int = 0

    @property
    def rejected(self) -> int:
        return self.rpc_requests - self.accepted


class EchoAgent:
    """The agent: ``asgi`` is the whole app (card route + guarded JSON-RPC endpoint)."""

    def __init__(self, guard: A2AGuard, name: str = "Grantex Python echo agent") -> None:
        self.guard = guard
        self.name = name
        self.card: Optional[A2AAgentCard] = None
        self.tasks = EchoTasks()
        self.stats = Stats()
        self._guarded = GrantexA2AMiddleware(self._rpc_app, guard, paths=["/"])

    def publish(self, url: str) -> A2AAgentCard:
        """Build the card for the URL the agent is reachable at; its Grantex scheme comes from
        the guard, so the card says exactly what the guard enforces."""
        self.card = build_grantex_agent_card(
            name=self.name,
            description="Echoes the text parts of each message back as a completed task",
            url=url,
            version=grantex.__version__,
            skills=[{"id": "echo", "name": "Echo", "description": "Returns the text it is sent"}],
            guard=self.guard,
        )
        return self.card

    async def asgi(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope.get("path"), scope.get("method")
        if path == AGENT_CARD_PATH and method in ("GET", "HEAD"):
            self.stats.card_requests += 1
            if self.card is None:
                await _json(send, 503, {"error": "the agent is starting"})
            else:
                await _raw(send, 200, self.card.to_json().encode())
            return
        if path == "/" and method == "POST":
            self.stats.rpc_requests += 1
            await self._guarded(scope, receive, send)
            return
        status = 405 if path in ("/", AGENT_CARD_PATH) else 404
        await _json(send, status, {"error": "not found" if status == 404 else "method not allowed"})

    async def _rpc_app(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        """Reached only with a verified grant (the middleware answered every refusal)."""
        self.stats.accepted += 1
        grant: grantex.VerifiedGrant = scope["state"][GRANT_STATE_KEY]
        body = await _read_all(receive)
        try:
            request = json.loads(body)
        except ValueError:
            await _rpc_error(send, 400, None, PARSE_ERROR, "the body is not JSON")
            return
        rid = request.get("id") if isinstance(request, dict) else None
        if (
            not isinstance(request, dict)
            or request.get("jsonrpc") != "2.0"
            or not isinstance(request.get("method"), str)
            or isinstance(rid, bool)
            or not isinstance(rid, (str, int, float))
        ):
            msg = 'a request needs "jsonrpc": "2.0", a method and a string or number id (no batches)'
            await _rpc_error(send, 400, None, INVALID_REQUEST, msg)
            return
        try:
            task = self._dispatch(request["method"], request.get("params"), grant)
        except RpcFailure as e:
            await _rpc_error(send, 200, rid, e.code, str(e))
            return
        await _json(send, 200, {"jsonrpc": "2.0", "id": rid, "result": task.to_dict()})

    def _dispatch(self, method: str, params: Any, grant: grantex.VerifiedGrant) -> A2ATask:
        if method not in ("tasks/send", "tasks/get", "tasks/cancel"):
            raise RpcFailure(METHOD_NOT_FOUND, f"method `{method}` is not supported")
        try:
            if not isinstance(params, dict):
                raise TypeError("params must be an object")
            if method == "tasks/send":
                return self.tasks.send(TaskSendParams.from_dict(params), grant)
            if method == "tasks/get":
                return self.tasks.get(TaskGetParams.from_dict(params), grant)
            return self.tasks.cancel(TaskCancelParams.from_dict(params), grant)
        except (KeyError, TypeError, AttributeError, ValueError) as e:
            raise RpcFailure(INVALID_PARAMS, f"invalid params: {e}") from None


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _raw(send: Send, status: int, data: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _json(send: Send, status: int, payload: Any) -> None:
    await _raw(send, status, json.dumps(payload, separators=(",", ":")).encode())


async def _rpc_error(send: Send, status: int, rid: Any, code: int, message: str) -> None:
    await _json(send, status, {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}})


# ─── Command line ──────────────────────────────────────────────────────────────


def make_guard(args: argparse.Namespace) -> A2AGuard:
    """The policy from the flags: the local Grantex server's JWKS, scopes, delegation, and
    (unless ``--revocation-check off``) online revocation with the developer's API key."""
    if not args.grantex_url:
        raise SystemExit("python_agent: set GRANTEX_BASE_URL or --grantex-url")
    with grantex.Grantex(api_key=args.api_key or "unused", base_url=args.grantex_url) as gx:
        jwks_uri = gx.jwks_uri  # the SDK knows where the server publishes its keys
    revocation = None
    if args.revocation_check == "online":
        if not args.api_key:
            raise SystemExit("python_agent: online revocation needs GRANTEX_API_KEY or --api-key")
        revocation = RevocationOnline(args.grantex_url, args.api_key, args.revocation_cache_ttl)
    return A2AGuard(
        A2APolicy(
            jwks_uri=jwks_uri,
            audience=args.audience,
            required_scopes=args.required_scope or ["tasks:send"],
            allow_delegation=args.allow_delegation,
            max_delegation_depth=args.max_depth,
            clock_tolerance=args.clock_tolerance,
            revocation=revocation,
        )
    )


async def serve(agent: EchoAgent, host: str, port: int, ready: Callable[[str], None]) -> None:
    """Serve until SIGINT/SIGTERM; ``ready(url)`` is called once the port is bound."""
    server = Server(agent.asgi, host, port)
    url = await server.start()
    agent.publish(url)
    ready(url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()


def call(url: str, token: str, text: str, task_id: Optional[str]) -> int:
    """Client mode: one ``tasks/send`` through ``A2AClient``; prints the JSON result."""
    try:
        client = A2AClient(url, token)
        task = client.send_task(TaskSendParams(message=A2AMessage.user_text(text), id=task_id))
    except A2AError as e:
        error: Dict[str, Any] = {"code": e.code, "reason": e.reason, "status": e.status, "message": str(e)}
        if isinstance(e, A2ARpcError):
            error["rpcError"] = e.error
        print(json.dumps({"error": error}))
        print(f"python_agent: {e}", file=sys.stderr)
        return 1
    print(json.dumps(task.to_dict()))
    return 0


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    p.add_argument("--name", default="Grantex Python echo agent", help="agent name in the card")
    p.add_argument("--grantex-url", default=os.environ.get("GRANTEX_BASE_URL"), help="Grantex server (env GRANTEX_BASE_URL)")
    p.add_argument("--api-key", default=os.environ.get("GRANTEX_API_KEY"), help="developer API key, for revocation checks (env GRANTEX_API_KEY)")
    p.add_argument("--required-scope", action="append", metavar="SCOPE", help="scope every request needs (repeatable; default tasks:send)")
    p.add_argument("--audience", help="audience the token's aud must contain (refuses delegated tokens)")
    p.add_argument("--allow-delegation", action="store_true", help="accept tokens delegated to sub-agents")
    p.add_argument("--max-depth", type=int, help="with --allow-delegation: most delegation hops accepted")
    p.add_argument("--clock-tolerance", type=int, default=0, help="seconds of leeway on exp/nbf/iat")
    p.add_argument("--revocation-check", choices=("online", "off"), default="online", help="ask the Grantex server whether tokens were revoked (default online)")
    p.add_argument("--revocation-cache-ttl", type=float, default=0.0, help="seconds an 'active' answer is reused, 0-300 (default 0: ask every time)")
    p.add_argument("--call", metavar="AGENT_URL", help="client mode: send a task to this agent and print the result")
    p.add_argument("--token", help="client mode: the grant token to send")
    p.add_argument("--text", default="hello", help="client mode: the message text")
    p.add_argument("--task-id", help="client mode: continue this task id")
    args = p.parse_args(argv)
    if args.max_depth is not None and not args.allow_delegation:
        p.error("--max-depth needs --allow-delegation")
    if args.call and not args.token:
        p.error("--call needs --token")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.call:
        return call(args.call, args.token, args.text, args.task_id)
    try:
        agent = EchoAgent(make_guard(args), args.name)
    except grantex.GrantexError as e:
        print(f"python_agent: invalid configuration: {e}", file=sys.stderr)
        return 2

    def ready(url: str) -> None:
        print(url, flush=True)

    try:
        asyncio.run(serve(agent, args.host, args.port, ready))
    except OSError as e:
        print(f"python_agent: cannot listen: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
