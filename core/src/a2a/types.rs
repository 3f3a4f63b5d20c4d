//! The A2A (Google agent-to-agent, draft 0.1) JSON shapes the Grantex bridge speaks: tasks,
//! messages, parts and artifacts, plus the `tasks/*` method parameters.
//!
//! Field names are the wire names (camelCase) so agents written against other Grantex A2A
//! bridges interoperate. Unknown fields are ignored when parsing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// JSON-RPC method: create or continue a task with a message.
pub const METHOD_SEND: &str = "tasks/send";
/// JSON-RPC method: read a task.
pub const METHOD_GET: &str = "tasks/get";
/// JSON-RPC method: cancel a task.
pub const METHOD_CANCEL: &str = "tasks/cancel";

/// Lifecycle state of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskState {
    Submitted,
    Working,
    InputRequired,
    Completed,
    Canceled,
    Failed,
    /// Any state this crate does not know (newer agents); serialised as `"unknown"`.
    #[serde(other)]
    Unknown,
}

impl TaskState {
    /// Completed, canceled and failed tasks never change state again.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Canceled | Self::Failed)
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Agent,
}

/// A file referenced (`uri`) or inlined (`bytes`, base64) by a file part.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
}

/// One piece of a message or artifact, discriminated by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Part {
    /// `{"type":"text","text":...}`
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metadata: Option<Value>,
    },
    /// `{"type":"data","data":...,"mimeType"?:...}`
    Data {
        data: Value,
        #[serde(rename = "mimeType", default, skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metadata: Option<Value>,
    },
    /// `{"type":"file","file":{"uri":...,"mimeType"?:...}}`; some senders put `mimeType` on
    /// the part itself, which is kept too.
    File {
        file: FileContent,
        #[serde(rename = "mimeType", default, skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metadata: Option<Value>,
    },
}

impl Part {
    /// A text part without metadata.
    pub fn text(text: impl Into<String>) -> Part {
        Part::Text {
            text: text.into(),
            metadata: None,
        }
    }

    /// A data part without a MIME type or metadata.
    pub fn data(data: Value) -> Part {
        Part::Data {
            data,
            mime_type: None,
            metadata: None,
        }
    }

    /// The text of a text part.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Part::Text { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// A message exchanged between a user (the calling agent) and the remote agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl Message {
    /// A user message holding one text part.
    pub fn user_text(text: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            parts: vec![Part::text(text)],
            metadata: None,
        }
    }
}

/// A task's state, with the agent's latest message and an ISO-8601 timestamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatus {
    pub state: TaskState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// An output of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// A unit of work on the remote agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub status: TaskStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<Vec<Artifact>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<Message>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// `tasks/send` params: `id` absent asks the agent to create a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSendParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub message: Message,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// `tasks/get` params.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskGetParams {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_length: Option<u32>,
}

/// `tasks/cancel` params.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskCancelParams {
    pub id: String,
}
