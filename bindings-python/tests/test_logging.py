"""The core's tracing events reach the standard `logging` logger "grantex" (issue 18).

Each HTTP call of the core ends with a DEBUG record on `grantex.http` (method, path, status,
request id as record attributes); a retry is an INFO record; the logger's level decides, and
changing it takes effect at once (no GIL deadlock from the worker threads, sync or async).
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List

import pytest

import grantex


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture()
def captured() -> Iterator[_Collect]:
    logger = logging.getLogger("grantex")
    handler = _Collect()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def _calls(records: List[logging.LogRecord], message: str) -> List[logging.LogRecord]:
    return [r for r in records if getattr(r, "grantex_message", None) == message]


def test_a_call_gives_a_debug_record(server: Dict[str, Any], captured: _Collect) -> None:
    with grantex.Grantex(server["apiKey"], base_url=server["baseUrl"]) as c:
        c.agents.list()
    done = _calls(captured.records, "grantex call succeeded")
    assert len(done) == 1, [r.getMessage() for r in captured.records]
    r = done[0]
    assert r.name == "grantex.http"
    assert r.levelno == logging.DEBUG
    fields = r.grantex_fields  # type: ignore[attr-defined]
    assert fields["method"] == "GET"
    assert fields["path"] == "/v1/agents"
    assert fields["status"] == 200
    assert fields["op"] == "agents.list"
    assert fields["attempts"] == 1
    assert isinstance(fields["elapsed_ms"], int)
    assert r.request_id == fields["request_id"] and r.request_id  # type: ignore[attr-defined]
    assert r.grantex_span == "grantex.call"  # type: ignore[attr-defined]
    text = r.getMessage()
    assert text.startswith("grantex call succeeded ")
    assert "method=GET" in text and "path=/v1/agents" in text and "status=200" in text
    # Formatters see the attributes like any `extra`.
    line = logging.Formatter("%(levelname)s %(name)s %(request_id)s").format(r)
    assert line == f"DEBUG grantex.http {r.request_id}"  # type: ignore[attr-defined]


def test_api_errors_are_recorded_too(server: Dict[str, Any], captured: _Collect) -> None:
    with grantex.Grantex(server["apiKey"], base_url=server["baseUrl"]) as c:
        with pytest.raises(grantex.GrantexApiError):
            c.agents.get("ag_does_not_exist")
    failed = _calls(captured.records, "grantex call failed")
    assert len(failed) == 1
    fields = failed[0].grantex_fields  # type: ignore[attr-defined]
    assert fields["status"] == 404 and fields["method"] == "GET"
    assert fields["path"] == "/v1/agents/ag_does_not_exist"


class _Flaky(BaseHTTPRequestHandler):
    """503 (Retry-After: 0) on every other request, else an empty agent list."""

    lock = threading.Lock()
    count = 0

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        with type(self).lock:
            type(self).count += 1
            n = type(self).count
        if n % 2 == 1:
            status, body, extra = 503, b'{"message":"busy","code":"UNAVAILABLE"}', [("Retry-After", "0")]
        else:
            status, body, extra = 200, b'{"agents":[]}', []
        self.send_response(status)
        for k, v in [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("X-Request-Id", f"req-{n}")] + extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def flaky() -> Iterator[str]:
    _Flaky.count = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_retry_gives_an_info_record(flaky: str, captured: _Collect) -> None:
    with grantex.Grantex("k", base_url=flaky, max_retries=2) as c:
        assert c.agents.list().agents == ()
    retries = [r for r in captured.records if r.levelno == logging.INFO]
    assert len(retries) == 1, [r.getMessage() for r in captured.records]
    r = retries[0]
    assert r.grantex_message == "grantex call retrying after a transient status"  # type: ignore[attr-defined]
    assert r.grantex_fields["status"] == 503  # type: ignore[attr-defined]
    assert r.grantex_fields["attempt"] == 1  # type: ignore[attr-defined]
    assert r.grantex_fields["path"] == "/v1/agents"  # type: ignore[attr-defined]
    assert r.request_id == "req-1"  # type: ignore[attr-defined]
    done = _calls(captured.records, "grantex call succeeded")
    assert [d.grantex_fields["attempts"] for d in done] == [2]  # type: ignore[attr-defined]


def test_level_decides_and_changes_apply_at_once(flaky: str, captured: _Collect) -> None:
    logger = logging.getLogger("grantex")
    with grantex.Grantex("k", base_url=flaky, max_retries=2) as c:
        logger.setLevel(logging.WARNING)
        c.agents.list()
        assert captured.records == []
        logger.setLevel(logging.INFO)
        c.agents.list()
        assert [r.levelno for r in captured.records] == [logging.INFO]
        captured.records.clear()
        # A child logger configured apart is honoured too.
        logger.setLevel(logging.WARNING)
        child = logging.getLogger("grantex.http")
        child.setLevel(logging.DEBUG)
        try:
            c.agents.list()
        finally:
            child.setLevel(logging.NOTSET)
        assert sorted(r.levelno for r in captured.records) == [logging.DEBUG, logging.INFO]
        captured.records.clear()
        # logging.disable() counts as configuration as well.
        logger.setLevel(logging.DEBUG)
        logging.disable(logging.CRITICAL)
        try:
            c.agents.list()
        finally:
            logging.disable(logging.NOTSET)
        assert captured.records == []


def test_async_calls_log_from_worker_threads(server: Dict[str, Any], captured: _Collect) -> None:
    async def main() -> None:
        async with grantex.AsyncGrantex(server["apiKey"], base_url=server["baseUrl"]) as c:
            await asyncio.gather(*(c.agents.list() for _ in range(20)))

    asyncio.run(main())
    done = _calls(captured.records, "grantex call succeeded")
    assert len(done) == 20
    assert all(r.grantex_fields["status"] == 200 for r in done)  # type: ignore[attr-defined]
    assert len({r.request_id for r in done}) == 20  # type: ignore[attr-defined]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_logs_its_calls(server: Dict[str, Any], captured: _Collect) -> None:
    with grantex.Grantex(server["apiKey"], base_url=server["baseUrl"]) as c:
        c.agents.list()  # the parent's runtime is running when it forks
        captured.records.clear()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover (child)
            try:
                c.agents.list()
                with grantex.Grantex(server["apiKey"], base_url=server["baseUrl"]) as c2:
                    c2.agents.list()
                n = len(_calls(captured.records, "grantex call succeeded"))
                os.write(w, str(n).encode())
            finally:
                os._exit(0)
        os.close(w)
        got = b""
        try:
            while select.select([r], [], [], 30)[0]:
                chunk = os.read(r, 64)
                if not chunk:
                    break
                got += chunk
        finally:
            os.close(r)
            if not os.waitpid(pid, os.WNOHANG)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        assert got == b"2"
        c.agents.list()
        assert len(_calls(captured.records, "grantex call succeeded")) == 1
