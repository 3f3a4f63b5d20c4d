//! `/v1/agents`: register, read, update (PATCH), delete.

use super::path::segment;
use super::Client;
use crate::error::Result;
use crate::http::Request;
use crate::types::{Agent, AgentList, RegisterAgentParams, UpdateAgentParams};

/// Agent calls, borrowed from a [`Client`] by [`Client::agents`].
#[derive(Debug, Clone, Copy)]
pub struct Agents<'a> {
    client: &'a Client,
}

impl<'a> Agents<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Agents { client }
    }

    /// `POST /v1/agents` → 201 agent.
    pub async fn register(&self, params: &RegisterAgentParams) -> Result<Agent> {
        self.client
            .http()
            .json(Request::post("/v1/agents").json(params)?)
            .await
    }

    /// `GET /v1/agents/:id`.
    pub async fn get(&self, agent_id: &str) -> Result<Agent> {
        let path = format!("/v1/agents/{}", segment(agent_id, "agent id")?);
        self.client.http().json(Request::get(path)).await
    }

    /// `GET /v1/agents` (newest first, not paginated).
    pub async fn list(&self) -> Result<AgentList> {
        self.client.http().json(Request::get("/v1/agents")).await
    }

    /// `PATCH /v1/agents/:id`, sending only the fields that are `Some`.
    pub async fn update(&self, agent_id: &str, params: &UpdateAgentParams) -> Result<Agent> {
        let path = format!("/v1/agents/{}", segment(agent_id, "agent id")?);
        self.client
            .http()
            .json(Request::patch(path).json(params)?)
            .await
    }

    /// `DELETE /v1/agents/:id` → 204. Cascades to the agent's grants and tokens.
    pub async fn delete(&self, agent_id: &str) -> Result<()> {
        let path = format!("/v1/agents/{}", segment(agent_id, "agent id")?);
        self.client.http().unit(Request::delete(path)).await
    }
}
