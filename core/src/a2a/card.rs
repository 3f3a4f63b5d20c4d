//! The A2A Agent Card (`/.well-known/agent.json`) with the Grantex bearer scheme.
//!
//! Grantex declares itself as an object in `authentication.schemes`:
//! `{"scheme":"bearer","grantexConfig":{"jwksUri","issuer","requiredScopes"?,"delegationAllowed"?}}`.
//! Plain A2A cards list scheme *names* (`["bearer"]`); both forms parse.

use super::error::A2AError;
use serde::{Deserialize, Deserializer, Serialize};

/// Well-known path of an agent's card, relative to its URL.
pub const AGENT_CARD_PATH: &str = "/.well-known/agent.json";

/// Largest card accepted by [`AgentCard::from_json`] (and fetched by the client).
pub const MAX_CARD_BYTES: usize = 1024 * 1024;

/// Grantex settings of the bearer scheme: where callers' tokens are verified and what they need.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantexAuthConfig {
    pub jwks_uri: String,
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_allowed: Option<bool>,
}

/// One entry of `authentication.schemes`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthScheme {
    pub scheme: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grantex_config: Option<GrantexAuthConfig>,
}

impl<'de> Deserialize<'de> for AuthScheme {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Object {
            scheme: String,
            #[serde(default)]
            grantex_config: Option<GrantexAuthConfig>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Name(String),
            Object(Object),
        }
        Ok(match Either::deserialize(d)? {
            Either::Name(scheme) => AuthScheme {
                scheme,
                grantex_config: None,
            },
            Either::Object(o) => AuthScheme {
                scheme: o.scheme,
                grantex_config: o.grantex_config,
            },
        })
    }
}

/// `authentication` of a card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentAuthentication {
    pub schemes: Vec<AuthScheme>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
}

/// Who runs the agent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentProvider {
    pub organization: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Optional protocol features the agent supports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCapabilities {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_notifications: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_transition_history: Option<bool>,
}

/// Something the agent can do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSkill {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_modes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modes: Option<Vec<String>>,
}

/// An A2A Agent Card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCard {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<AgentProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<AgentCapabilities>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<AgentAuthentication>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_input_modes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_output_modes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<AgentSkill>>,
}

/// The options of the reference `buildGrantexAgentCard` / `build_grantex_agent_card`
/// (camelCase on the wire; unknown names are refused so a typo cannot drop a setting).
/// Every binding builds its cards through [`AgentCard::from_options`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentCardOptions {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub url: String,
    #[serde(default)]
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub required_scopes: Option<Vec<String>>,
    #[serde(default)]
    pub delegation_allowed: Option<bool>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub provider: Option<AgentProvider>,
    #[serde(default)]
    pub capabilities: Option<AgentCapabilities>,
    #[serde(default)]
    pub skills: Option<Vec<AgentSkill>>,
    #[serde(default)]
    pub default_input_modes: Option<Vec<String>>,
    #[serde(default)]
    pub default_output_modes: Option<Vec<String>>,
}

impl AgentCard {
    /// Builds a card from the reference builder's options: Grantex settings only when a JWKS URI
    /// or issuer is given (then both are required), modes default to `text/plain`.
    pub fn from_options(o: AgentCardOptions) -> Result<AgentCard, A2AError> {
        let mut b = AgentCard::builder(o.name, o.description, o.url);
        if o.jwks_uri.is_some() || o.issuer.is_some() {
            b = b.grantex(o.jwks_uri.unwrap_or_default(), o.issuer.unwrap_or_default());
        }
        if let Some(scopes) = o.required_scopes {
            b = b.required_scopes(scopes);
        }
        if let Some(allowed) = o.delegation_allowed {
            b = b.delegation_allowed(allowed);
        }
        if let Some(v) = o.version {
            b = b.version(v);
        }
        if let Some(p) = o.provider {
            b = b.provider(p);
        }
        if let Some(c) = o.capabilities {
            b = b.capabilities(c);
        }
        for skill in o.skills.into_iter().flatten() {
            b = b.skill(skill);
        }
        if o.default_input_modes.is_some() || o.default_output_modes.is_some() {
            let plain = || vec!["text/plain".to_owned()];
            b = b.modes(
                o.default_input_modes.unwrap_or_else(plain),
                o.default_output_modes.unwrap_or_else(plain),
            );
        }
        b.build()
    }

    /// Starts a card; `url` is where the agent takes JSON-RPC requests.
    pub fn builder(
        name: impl Into<String>,
        description: impl Into<String>,
        url: impl Into<String>,
    ) -> AgentCardBuilder {
        AgentCardBuilder {
            card: AgentCard {
                name: name.into(),
                description: description.into(),
                url: url.into(),
                version: None,
                provider: None,
                capabilities: None,
                authentication: None,
                default_input_modes: Some(vec!["text/plain".into()]),
                default_output_modes: Some(vec!["text/plain".into()]),
                skills: None,
            },
            grantex: None,
        }
    }

    /// Parses a card (at most [`MAX_CARD_BYTES`]); anything else is `A2AError::Card`.
    pub fn from_json(json: &str) -> Result<AgentCard, A2AError> {
        if json.len() > MAX_CARD_BYTES {
            return Err(A2AError::card("the agent card is larger than 1 MiB"));
        }
        let card: AgentCard = serde_json::from_str(json)
            .map_err(|e| A2AError::card(format!("the agent card is not valid: {e}")))?;
        if let Some(cfg) = card.grantex_config() {
            if cfg.jwks_uri.is_empty() || cfg.issuer.is_empty() {
                return Err(A2AError::card(
                    "the card's grantexConfig needs a non-empty jwksUri and issuer",
                ));
            }
        }
        Ok(card)
    }

    /// Serialises the card as the JSON served at [`AGENT_CARD_PATH`].
    pub fn to_json(&self) -> String {
        // A struct of strings, options and vectors always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The Grantex settings of the first bearer scheme that carries them.
    pub fn grantex_config(&self) -> Option<&GrantexAuthConfig> {
        self.authentication
            .as_ref()?
            .schemes
            .iter()
            .filter(|s| s.scheme.eq_ignore_ascii_case("bearer"))
            .find_map(|s| s.grantex_config.as_ref())
    }

    /// Scopes the card says every caller's token needs (empty when none are declared).
    pub fn required_scopes(&self) -> &[String] {
        self.grantex_config()
            .and_then(|c| c.required_scopes.as_deref())
            .unwrap_or(&[])
    }
}

/// Builds an [`AgentCard`]; [`build`](Self::build) checks the URLs.
#[derive(Debug, Clone)]
pub struct AgentCardBuilder {
    card: AgentCard,
    grantex: Option<GrantexAuthConfig>,
}

impl AgentCardBuilder {
    /// Declares the Grantex bearer scheme: tokens signed by `issuer`, keys at `jwks_uri`.
    pub fn grantex(mut self, jwks_uri: impl Into<String>, issuer: impl Into<String>) -> Self {
        let cfg = self.grantex.get_or_insert_with(Default::default);
        cfg.jwks_uri = jwks_uri.into();
        cfg.issuer = issuer.into();
        self
    }

    /// Scopes every caller needs (part of the Grantex scheme).
    pub fn required_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let cfg = self.grantex.get_or_insert_with(Default::default);
        cfg.required_scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Whether delegated (sub-agent) tokens are accepted (part of the Grantex scheme).
    pub fn delegation_allowed(mut self, allowed: bool) -> Self {
        self.grantex
            .get_or_insert_with(Default::default)
            .delegation_allowed = Some(allowed);
        self
    }

    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.card.version = Some(version.into());
        self
    }

    pub fn provider(mut self, provider: AgentProvider) -> Self {
        self.card.provider = Some(provider);
        self
    }

    pub fn capabilities(mut self, capabilities: AgentCapabilities) -> Self {
        self.card.capabilities = Some(capabilities);
        self
    }

    pub fn skill(mut self, skill: AgentSkill) -> Self {
        self.card.skills.get_or_insert_with(Vec::new).push(skill);
        self
    }

    /// Replaces the default `["text/plain"]` input and output modes.
    pub fn modes(mut self, input: Vec<String>, output: Vec<String>) -> Self {
        self.card.default_input_modes = Some(input);
        self.card.default_output_modes = Some(output);
        self
    }

    /// The card. The agent URL and JWKS URI must be http(s) URLs, the issuer non-empty; a
    /// Grantex setting given without [`grantex`](Self::grantex) is an error too.
    pub fn build(self) -> Result<AgentCard, A2AError> {
        let mut card = self.card;
        if card.name.trim().is_empty() {
            return Err(A2AError::invalid("the agent card needs a name"));
        }
        check_http_url(&card.url, "agent URL")?;
        if let Some(cfg) = self.grantex {
            if cfg.jwks_uri.is_empty() || cfg.issuer.is_empty() {
                return Err(A2AError::invalid(
                    "Grantex scheme settings need .grantex(jwks_uri, issuer)",
                ));
            }
            check_http_url(&cfg.jwks_uri, "JWKS URI")?;
            card.authentication = Some(AgentAuthentication {
                schemes: vec![AuthScheme {
                    scheme: "bearer".into(),
                    grantex_config: Some(cfg),
                }],
                credentials: None,
            });
        }
        Ok(card)
    }
}

pub(crate) fn check_http_url(value: &str, what: &str) -> Result<url::Url, A2AError> {
    let url = url::Url::parse(value)
        .map_err(|e| A2AError::invalid(format!("{what} `{value}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(A2AError::invalid(format!(
            "{what} `{value}` must be an http(s) URL"
        )));
    }
    Ok(url)
}
