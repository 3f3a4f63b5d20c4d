//! The echo agent's tasks: an in-memory, bounded store, each task owned by the principal (and
//! developer) whose grant created it, so one user's agents never see another user's tasks.

use crate::time::now_iso;
use grantex::a2a::jsonrpc::codes;
use grantex::a2a::{
    Artifact, JsonRpcError, Message, Part, Role, Task, TaskCancelParams, TaskGetParams,
    TaskSendParams, TaskState, TaskStatus,
};
use grantex::VerifiedGrant;
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

/// Most tasks kept; the oldest is forgotten beyond this.
pub const TASK_CAPACITY: usize = 10_000;
/// Longest task id accepted from a caller.
const MAX_TASK_ID: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Owner {
    developer_id: String,
    principal_id: String,
}

impl Owner {
    fn of(grant: &VerifiedGrant) -> Owner {
        Owner {
            developer_id: grant.developer_id.clone(),
            principal_id: grant.principal_id.clone(),
        }
    }
}

#[derive(Debug)]
struct Stored {
    owner: Owner,
    task: Task,
}

#[derive(Debug, Default)]
struct Inner {
    tasks: HashMap<String, Stored>,
    order: VecDeque<String>,
}

/// All tasks of one agent.
#[derive(Debug, Default)]
pub struct TaskStore {
    inner: Mutex<Inner>,
}

fn not_found(id: &str) -> JsonRpcError {
    JsonRpcError::new(codes::TASK_NOT_FOUND, format!("task `{id}` not found"))
}

fn invalid(message: impl Into<String>) -> JsonRpcError {
    JsonRpcError::new(codes::INVALID_PARAMS, message)
}

/// Who asked, recorded on the task so callers can see which grant the agent acted under.
fn caller_metadata(grant: &VerifiedGrant) -> serde_json::Value {
    json!({ "grantex": {
        "grantId": grant.grant_id,
        "agentDid": grant.agent_did,
        "principalId": grant.principal_id,
        "delegationDepth": grant.depth(),
        "parentAgentDid": grant.parent_agent_did,
    }})
}

impl TaskStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Number of tasks held.
    pub fn len(&self) -> usize {
        self.lock().tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `tasks/send`: echoes the text parts into a completed task with an `echo` artifact.
    /// With `metadata.defer: true` the task is left `working` (so it can be canceled).
    pub fn send(&self, p: TaskSendParams, grant: &VerifiedGrant) -> Result<Task, JsonRpcError> {
        if p.message.parts.is_empty() {
            return Err(invalid("the message has no parts"));
        }
        let id = match p.id {
            Some(id) if id.is_empty() || id.len() > MAX_TASK_ID => {
                return Err(invalid("the task id must be 1-256 characters"))
            }
            Some(id) => id,
            None => uuid::Uuid::new_v4().to_string(),
        };
        let defer = p
            .metadata
            .as_ref()
            .and_then(|m| m.get("defer"))
            .and_then(serde_json::Value::as_bool)
            == Some(true);
        let owner = Owner::of(grant);
        let mut inner = self.lock();
        let mut history = match inner.tasks.get(&id) {
            Some(s) if s.owner != owner => return Err(not_found(&id)),
            Some(s) if s.task.status.state == TaskState::Canceled => {
                return Err(invalid(format!("task `{id}` was canceled")))
            }
            Some(s) => s.task.history.clone().unwrap_or_default(),
            None => Vec::new(),
        };
        history.push(p.message.clone());
        let (status, artifacts) = if defer {
            let status = TaskStatus {
                state: TaskState::Working,
                message: None,
                timestamp: Some(now_iso()),
            };
            (status, None)
        } else {
            let echoed: Vec<Part> = p
                .message
                .parts
                .iter()
                .filter_map(Part::as_text)
                .map(Part::text)
                .collect();
            let reply = Message {
                role: Role::Agent,
                parts: echoed.clone(),
                metadata: None,
            };
            history.push(reply.clone());
            let status = TaskStatus {
                state: TaskState::Completed,
                message: Some(reply),
                timestamp: Some(now_iso()),
            };
            let artifact = Artifact {
                name: Some("echo".into()),
                description: Some("the text parts of the last message".into()),
                parts: echoed,
                metadata: None,
            };
            (status, Some(vec![artifact]))
        };
        let task = Task {
            id: id.clone(),
            status,
            artifacts,
            history: Some(history),
            metadata: Some(caller_metadata(grant)),
        };
        if !inner.tasks.contains_key(&id) {
            while inner.tasks.len() >= TASK_CAPACITY {
                let Some(oldest) = inner.order.pop_front() else {
                    break;
                };
                inner.tasks.remove(&oldest);
            }
            inner.order.push_back(id.clone());
        }
        inner.tasks.insert(
            id,
            Stored {
                owner,
                task: task.clone(),
            },
        );
        Ok(task)
    }

    /// `tasks/get`: the caller's task, with at most `historyLength` latest messages.
    pub fn get(&self, p: TaskGetParams, grant: &VerifiedGrant) -> Result<Task, JsonRpcError> {
        let inner = self.lock();
        let stored = inner
            .tasks
            .get(&p.id)
            .filter(|s| s.owner == Owner::of(grant))
            .ok_or_else(|| not_found(&p.id))?;
        let mut task = stored.task.clone();
        if let (Some(n), Some(history)) = (p.history_length, task.history.as_mut()) {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            let skip = history.len().saturating_sub(n);
            history.drain(..skip);
        }
        Ok(task)
    }

    /// `tasks/cancel`: cancels a task that is not finished yet.
    pub fn cancel(&self, p: TaskCancelParams, grant: &VerifiedGrant) -> Result<Task, JsonRpcError> {
        let mut inner = self.lock();
        let stored = inner
            .tasks
            .get_mut(&p.id)
            .filter(|s| s.owner == Owner::of(grant))
            .ok_or_else(|| not_found(&p.id))?;
        if stored.task.status.state.is_terminal() {
            return Err(JsonRpcError::new(
                codes::TASK_NOT_CANCELABLE,
                format!("task `{}` is already finished", p.id),
            ));
        }
        stored.task.status = TaskStatus {
            state: TaskState::Canceled,
            message: None,
            timestamp: Some(now_iso()),
        };
        Ok(stored.task.clone())
    }
}
