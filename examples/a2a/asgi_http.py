"""A minimal HTTP/1.1 server for ASGI apps, standard library only (asyncio streams).

Enough to serve the example A2A agent without a framework or uvicorn: keep-alive,
``Content-Length`` and chunked request bodies, ``Expect: 100-continue``, bounded heads and
bodies, idle timeouts. Responses are buffered and sent with a ``Content-Length``. Not a
production server: use uvicorn or hypercorn there (``GrantexA2AMiddleware`` is plain ASGI).
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Optional, Set, Tuple
from urllib.parse import unquote

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 8 * 1024 * 1024
IDLE_TIMEOUT = 30.0
READ_TIMEOUT = 10.0

_REASONS = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 413: "Payload Too Large", 500: "Internal Server Error",
    501: "Not Implemented", 503: "Service Unavailable",
}


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Server:
    """Serves one ASGI app on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: Optional[asyncio.AbstractServer] = None
        self._connections: Set["asyncio.Task[None]"] = set()

    async def start(self) -> str:
        """Bind and start accepting; returns ``http://host:port``."""
        self._server = await asyncio.start_server(
            self._connection, self.host, self.port, limit=MAX_HEAD_BYTES
        )
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def close(self) -> None:
        """Stop accepting, end open connections, wait for them."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            keep_alive = True
            while keep_alive:
                keep_alive = await self._one_request(reader, writer)
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
            pass
        except asyncio.CancelledError:
            pass  # close() ends open connections; finish normally so asyncio logs nothing
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, asyncio.CancelledError):
                pass

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT)
        except asyncio.LimitOverrunError:
            await _write(writer, 400, [], b"request head too large\n", close=True)
            return False
        except asyncio.IncompleteReadError as e:
            if e.partial:
                raise
            return False  # the client closed an idle connection
        try:
            method, target, version, headers = _parse_head(head)
            connection = _header(headers, b"connection").lower()
            body = await _read_body(reader, writer, headers)
        except _BadRequest as e:
            await _write(writer, e.status, [], f"{e}\n".encode(), close=True)
            return False
        keep_alive = version == "HTTP/1.1" and connection != b"close"

        path, _, query = target.partition("?")
        peer = writer.get_extra_info("peername")
        sock = writer.get_extra_info("sockname")
        scope: Dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": version[5:],
            "method": method,
            "scheme": "http",
            "path": unquote(path),
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": headers,
            "client": tuple(peer[:2]) if peer else None,
            "server": tuple(sock[:2]) if sock else None,
            "state": {},
        }
        done = asyncio.Event()
        body_sent = False
        start: Dict[str, Any] = {}
        chunks: List[bytes] = []

        async def receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    done.set()

        try:
            await self.app(scope, receive, send)
        except Exception:  # the app failed: answer 500 if it had not answered yet
            if not start:
                await _write(writer, 500, [], b"internal error\n", close=True)
                return False
            raise
        finally:
            done.set()
        if not start:
            await _write(writer, 500, [], b"the app sent no response\n", close=True)
            return False
        app_headers = [
            (bytes(k), bytes(v))
            for k, v in start.get("headers", [])
            if bytes(k).lower() not in (b"content-length", b"transfer-encoding", b"connection")
        ]
        await _write(writer, int(start["status"]), app_headers, b"".join(chunks), close=not keep_alive)
        return keep_alive


def _parse_head(head: bytes) -> Tuple[str, str, str, List[Tuple[bytes, bytes]]]:
    lines = head[:-4].split(b"\r\n")
    try:
        method, target, version = lines[0].decode("latin-1").split(" ")
    except ValueError:
        raise _BadRequest(400, "malformed request line") from None
    if version not in ("HTTP/1.1", "HTTP/1.0") or not target.startswith("/"):
        raise _BadRequest(400, "unsupported request line")
    headers: List[Tuple[bytes, bytes]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise _BadRequest(400, "malformed header line")
        headers.append((name.lower(), value.strip()))
    return method, target, version, headers


def _header(headers: List[Tuple[bytes, bytes]], name: bytes) -> bytes:
    values = [v for k, v in headers if k == name]
    if len(values) > 1:
        raise _BadRequest(400, f"repeated {name.decode()} header")
    return values[0] if values else b""


async def _read_body(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: List[Tuple[bytes, bytes]]
) -> bytes:
    length = _header(headers, b"content-length")
    chunked = _header(headers, b"transfer-encoding").lower()
    if length and chunked:
        raise _BadRequest(400, "both Content-Length and Transfer-Encoding")
    if chunked and chunked != b"chunked":
        raise _BadRequest(501, "only chunked transfer encoding is supported")
    if _header(headers, b"expect").lower() == b"100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
    if chunked:
        return await _read_chunked(reader)
    if not length:
        return b""
    if not length.isdigit():
        raise _BadRequest(400, "invalid Content-Length")
    size = int(length)
    if size > MAX_BODY_BYTES:
        raise _BadRequest(413, "request body too large")
    return await asyncio.wait_for(reader.readexactly(size), READ_TIMEOUT)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    out = bytearray()
    while True:
        line = await asyncio.wait_for(reader.readuntil(b"\r\n"), READ_TIMEOUT)
        size_text = line[:-2].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _BadRequest(400, "invalid chunk size") from None
        if size == 0:
            # Trailers, if any, end with an empty line.
            while await asyncio.wait_for(reader.readuntil(b"\r\n"), READ_TIMEOUT) != b"\r\n":
                pass
            return bytes(out)
        if len(out) + size > MAX_BODY_BYTES:
            raise _BadRequest(413, "request body too large")
        chunk = await asyncio.wait_for(reader.readexactly(size + 2), READ_TIMEOUT)
        if chunk[-2:] != b"\r\n":
            raise _BadRequest(400, "malformed chunk")
        out += chunk[:-2]


async def _write(
    writer: asyncio.StreamWriter,
    status: int,
    headers: List[Tuple[bytes, bytes]],
    body: bytes,
    *,
    close: bool,
) -> None:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}".encode()]
    if not any(k.lower() == b"content-type" for k, _ in headers):
        headers = [(b"content-type", b"text/plain; charset=utf-8"), *headers]
    lines += [k + b": " + v for k, v in headers]
    lines.append(b"content-length: " + str(len(body)).encode())
    if close:
        lines.append(b"connection: close")
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    await writer.drain()
