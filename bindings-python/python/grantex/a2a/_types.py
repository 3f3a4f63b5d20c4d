"""The A2A (Google agent-to-agent, draft 0.1) shapes: tasks, messages, parts, artifacts and the
``tasks/*`` params, as dataclasses with ``from_dict`` / ``to_dict`` over the wire's camelCase
JSON (names follow the reference ``grantex_a2a`` package). The core checks every shape when a
call is made; these classes only convert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

__all__ = [
    "A2AFileContent",
    "A2APart",
    "A2AMessage",
    "A2ATaskStatus",
    "A2AArtifact",
    "A2ATask",
    "TaskSendParams",
    "TaskGetParams",
    "TaskCancelParams",
]


def _drop_none(body: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


@dataclass
class A2AFileContent:
    """A file part's content: referenced by ``uri`` or inlined as base64 ``bytes``."""

    uri: Optional[str] = None
    mime_type: Optional[str] = None
    name: Optional[str] = None
    bytes: Optional[str] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> A2AFileContent:
        return cls(
            uri=data.get("uri"),
            mime_type=data.get("mimeType"),
            name=data.get("name"),
            bytes=data.get("bytes"),
        )

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {"uri": self.uri, "mimeType": self.mime_type, "name": self.name, "bytes": self.bytes}
        )


@dataclass
class A2APart:
    """One piece of a message or artifact; ``type`` is ``"text"``, ``"data"`` or ``"file"``."""

    type: str
    text: Optional[str] = None
    data: Any = None
    mime_type: Optional[str] = None
    file: Optional[A2AFileContent] = None
    metadata: Optional[Dict[str, Any]] = None

    @classmethod
    def of_text(cls, text: str) -> A2APart:
        return cls(type="text", text=text)

    @classmethod
    def of_data(cls, data: Any, mime_type: Optional[str] = None) -> A2APart:
        return cls(type="data", data=data, mime_type=mime_type)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> A2APart:
        file = data.get("file")
        return cls(
            type=data["type"],
            text=data.get("text"),
            data=data.get("data"),
            mime_type=data.get("mimeType"),
            file=A2AFileContent.from_dict(file) if isinstance(file, Mapping) else None,
            metadata=data.get("metadata"),
        )

    def to_dict(self) -> Dict[str, Any]:
        out = _drop_none(
            {
                "type": self.type,
                "text": self.text,
                "data": self.data,
                "mimeType": self.mime_type,
                "file": self.file.to_dict() if self.file is not None else None,
                "metadata": self.metadata,
            }
        )
        if self.type == "data":
            out["data"] = self.data  # JSON null is a valid payload of a data part
        return out


@dataclass
class A2AMessage:
    """A message; ``role`` is ``"user"`` (the calling agent) or ``"agent"``."""

    role: str
    parts: List[A2APart]
    metadata: Optional[Dict[str, Any]] = None

    @classmethod
    def user_text(cls, text: str) -> A2AMessage:
        return cls(role="user", parts=[A2APart.of_text(text)])

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> A2AMessage:
        return cls(
            role=data["role"],
            parts=[A2APart.from_dict(p) for p in data.get("parts") or ()],
            metadata=data.get("metadata"),
        )

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {
                "role": self.role,
                "parts": [p.to_dict() for p in self.parts],
                "metadata": self.metadata,
            }
        )


@dataclass
class A2ATaskStatus:
    """``state``: ``submitted``, ``working``, ``input-required``, ``completed``, ``canceled``,
    ``failed`` (``unknown`` for states the core does not know)."""

    state: str
    message: Optional[A2AMessage] = None
    timestamp: Optional[str] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> A2ATaskStatus:
        message = data.get("message")
        return cls(
            state=data["state"],
            message=A2AMessage.from_dict(message) if isinstance(message, Mapping) else None,
            timestamp=data.get("timestamp"),
        )

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {
                "state": self.state,
                "message": self.message.to_dict() if self.message is not None else None,
                "timestamp": self.timestamp,
            }
        )


@dataclass
class A2AArtifact:
    parts: List[A2APart]
    name: Optional[str] = None
    description: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> A2AArtifact:
        return cls(
            parts=[A2APart.from_dict(p) for p in data.get("parts") or ()],
            name=data.get("name"),
            description=data.get("description"),
            metadata=data.get("metadata"),
        )

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {
                "name": self.name,
                "description": self.description,
                "parts": [p.to_dict() for p in self.parts],
                "metadata": self.metadata,
            }
        )


@dataclass
class A2ATask:
    """A unit of work on the remote agent."""

    id: str
    status: A2ATaskStatus
    artifacts: Optional[List[A2AArtifact]] = None
    history: Optional[List[A2AMessage]] = None
    metadata: Optional[Dict[str, Any]] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> A2ATask:
        artifacts = data.get("artifacts")
        history = data.get("history")
        return cls(
            id=data["id"],
            status=A2ATaskStatus.from_dict(data["status"]),
            artifacts=[A2AArtifact.from_dict(a) for a in artifacts] if artifacts is not None else None,
            history=[A2AMessage.from_dict(m) for m in history] if history is not None else None,
            metadata=data.get("metadata"),
        )

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {
                "id": self.id,
                "status": self.status.to_dict(),
                "artifacts": [a.to_dict() for a in self.artifacts] if self.artifacts is not None else None,
                "history": [m.to_dict() for m in self.history] if self.history is not None else None,
                "metadata": self.metadata,
            }
        )


@dataclass
class TaskSendParams:
    """``tasks/send``: no ``id`` asks the agent to create a task."""

    message: A2AMessage
    id: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskSendParams:
        return cls(
            message=A2AMessage.from_dict(data["message"]),
            id=data.get("id"),
            metadata=data.get("metadata"),
        )

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none({"id": self.id, "message": self.message.to_dict(), "metadata": self.metadata})


@dataclass
class TaskGetParams:
    id: str
    history_length: Optional[int] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskGetParams:
        return cls(id=data["id"], history_length=data.get("historyLength"))

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none({"id": self.id, "historyLength": self.history_length})


@dataclass
class TaskCancelParams:
    id: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskCancelParams:
        return cls(id=data["id"])

    def to_dict(self) -> Dict[str, Any]:
        return {"id": self.id}

