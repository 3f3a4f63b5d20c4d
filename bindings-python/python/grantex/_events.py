"""The event stream: ``client.events.stream()`` (an iterator, or an async iterator on
``AsyncGrantex``) and ``client.events.subscribe(handler)`` (a background thread), with the
reference SDK's names (``EventsClient``, ``GrantexStreamEvent``, ``StreamOptions``,
``Subscription``). The core follows the server's stream and reconnects by itself after a
dropped connection or a restart, resuming after the last event returned (``last_event_id``):
no event is lost or repeated. Only a refusal (bad key, unknown type, expired cursor) raises.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Sequence

if TYPE_CHECKING:
    from . import _native


@dataclass(frozen=True)
class GrantexEvent:
    """One event, as webhooks deliver it, with its position in the server's event log."""

    id: str
    type: str
    created_at: str
    data: Dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    """Pass it as ``StreamOptions(last_event_id=...)`` to resume after this event."""

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "GrantexEvent":
        return cls(
            id=d["id"],
            type=d["type"],
            created_at=d["createdAt"],
            data=d.get("data") or {},
            seq=int(d.get("seq") or 0),
        )


GrantexStreamEvent = GrantexEvent


@dataclass(frozen=True)
class StreamOptions:
    """Which events: ``types`` (all when ``None``), and where to resume (``last_event_id``,
    an event's ``seq``; from now on when ``None``)."""

    types: Optional[Sequence[str]] = None
    last_event_id: Optional[int] = None


def _open(native: "_native.NativeClient", options: Optional[StreamOptions]) -> "_native.NativeEventStream":
    o = options or StreamOptions()
    if isinstance(o.types, str):
        raise TypeError("StreamOptions.types must be a sequence of event types, not a str")
    return native.event_stream(list(o.types) if o.types is not None else None, o.last_event_id)


class _Stream:
    """What both streams have: the native stream, its position, closing."""

    def __init__(self, native: "_native.NativeEventStream") -> None:
        self._native = native

    @property
    def last_event_id(self) -> Optional[int]:
        """The ``seq`` of the last event returned."""
        return self._native.last_event_id

    @property
    def closed(self) -> bool:
        return self._native.closed

    def close(self) -> None:
        """Stops the stream; a waiting iteration ends (from any thread)."""
        self._native.close()


class EventStream(_Stream):
    """The events in order; iterate it (blocking). ``close()`` (or leaving a ``with`` block)
    ends the iteration, also from another thread."""

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> GrantexEvent:
        raw = self._native.next()
        if raw is None:
            raise StopIteration
        return GrantexEvent.from_dict(raw)

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncEventStream(_Stream):
    """The events in order; ``async for`` over it. ``aclose()``/``close()`` ends it."""

    def __aiter__(self) -> "AsyncEventStream":
        return self

    async def __anext__(self) -> GrantexEvent:
        raw = await self._native.anext()
        if raw is None:
            raise StopAsyncIteration
        return GrantexEvent.from_dict(raw)

    async def aclose(self) -> None:
        self.close()

    async def __aenter__(self) -> "AsyncEventStream":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


EventHandler = Callable[[GrantexEvent], None]
ErrorHandler = Callable[[Exception], None]


class Subscription:
    """Handle returned by ``EventsClient.subscribe``: the stream runs on a background thread."""

    def __init__(self, stream: EventStream, thread: threading.Thread) -> None:
        self._stream = stream
        self._thread = thread

    @property
    def active(self) -> bool:
        """``True`` while the subscription's thread runs."""
        return self._thread.is_alive()

    @property
    def last_event_id(self) -> Optional[int]:
        return self._stream.last_event_id

    def unsubscribe(self) -> None:
        """Stops the stream and waits (up to 5 s) for the thread to end; the handler is not
        called once this returns, unless it is the thread calling it."""
        self._stream.close()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)


class EventsClient:
    """``client.events``."""

    def __init__(self, native: "_native.NativeClient") -> None:
        self._native = native

    def stream(self, options: Optional[StreamOptions] = None) -> EventStream:
        """Follow the developer's events (connects at the first ``next``)."""
        return EventStream(_open(self._native, options))

    def subscribe(
        self,
        handler: EventHandler,
        options: Optional[StreamOptions] = None,
        *,
        on_error: Optional[ErrorHandler] = None,
    ) -> Subscription:
        """Call ``handler`` with each event on a background thread until ``unsubscribe()``.
        A refusal, or an exception of the handler, ends the subscription and goes to
        ``on_error`` when given."""
        stream = self.stream(options)

        def run() -> None:
            try:
                for event in stream:
                    handler(event)
            except Exception as exc:  # noqa: BLE001 - handed to on_error, as the reference does
                stream.close()
                if on_error is not None:
                    on_error(exc)

        thread = threading.Thread(target=run, name="grantex-events", daemon=True)
        thread.start()
        return Subscription(stream, thread)


class AsyncEventsClient:
    """``client.events`` of ``AsyncGrantex``."""

    def __init__(self, native: "_native.NativeClient") -> None:
        self._native = native

    def stream(self, options: Optional[StreamOptions] = None) -> AsyncEventStream:
        """Follow the developer's events (connects at the first ``__anext__``)."""
        return AsyncEventStream(_open(self._native, options))


__all__ = [
    "AsyncEventStream",
    "AsyncEventsClient",
    "EventStream",
    "EventsClient",
    "GrantexEvent",
    "GrantexStreamEvent",
    "StreamOptions",
    "Subscription",
]
