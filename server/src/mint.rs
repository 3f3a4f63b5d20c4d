//! Issuing grant tokens: claims, signature, and the rows that make the token
//! revocable (`grant_tokens`) and refreshable (`refresh_tokens`).

use crate::error::ApiResult;
use crate::keys::KeyRing;
use crate::store::{self, Conn};
use crate::time;
use serde_json::{json, Value};

/// Delegation lineage carried by delegated tokens.
#[derive(Debug, Clone)]
pub struct Lineage {
    pub parent_agent_did: String,
    pub parent_grant_id: String,
    pub depth: u32,
    /// The delegating agents, nearest first (`parent_agent_did`, then its own delegator, ...
    /// up to the root grant's agent): the RFC 8693 `act` chain, one level per hop.
    pub actors: Vec<String>,
}

impl Lineage {
    /// The lineage of a grant delegated from `parent_grant_id` by `parent_agent_did`, with the
    /// delegators above the parent read from the parent grants' rows.
    pub fn read(
        conn: &Conn,
        developer_id: &str,
        parent_agent_did: &str,
        parent_grant_id: &str,
        depth: u32,
    ) -> ApiResult<Lineage> {
        let mut actors = vec![parent_agent_did.to_owned()];
        let mut next = Some(parent_grant_id.to_owned());
        // Bounded by the depth (at most 10 hops), whatever the rows say.
        while let Some(id) = next.take().filter(|_| actors.len() < depth as usize) {
            let Some(g) = store::grants::find(conn, developer_id, &id)? else {
                break;
            };
            if let Some(a) = g.parent_agent_did {
                actors.push(a);
                next = g.parent_grant_id;
            }
        }
        Ok(Lineage {
            parent_agent_did: parent_agent_did.to_owned(),
            parent_grant_id: parent_grant_id.to_owned(),
            depth,
            actors,
        })
    }

    /// `act` (RFC 8693 §4.1): `sub` is the delegating agent, each nested `act` the one above
    /// it. `None` unless the chain has one level per hop (a verifier refuses any other length).
    fn act(&self) -> Option<Value> {
        if self.actors.len() != self.depth as usize {
            return None;
        }
        self.actors.iter().rev().fold(None, |inner, sub| {
            let mut a = json!({ "sub": sub });
            if let Some(i) = inner {
                a["act"] = i;
            }
            Some(a)
        })
    }
}

/// Everything a grant token says.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    pub jti: String,
    pub grant_id: String,
    pub developer_id: String,
    pub principal_id: String,
    pub agent_did: String,
    pub scopes: Vec<String>,
    pub audience: Option<String>,
    pub iat: i64,
    pub exp: i64,
    pub lineage: Option<Lineage>,
    /// Issued for a sandbox developer (grants approved without a human): the token says so in
    /// `urn:grantex:environment`, and the SDKs' verifiers refuse it unless the caller opts in.
    pub sandbox: bool,
    /// The agent key the token is bound to (RFC 7638 thumbprint): the token carries it as
    /// `cnf.jkt` (RFC 7800, RFC 9449 §6), so a resource server can require a DPoP proof made
    /// with that key.
    pub cnf_jkt: Option<String>,
    /// What the grant has left to spend (`store::budgets::effective_remaining`) when it has a
    /// budget: the token says so in `bdg` (advisory; the debit is the authority).
    pub budget: Option<f64>,
}

impl TokenSpec {
    /// The claims: the standard layout always (RFC 9068 `scope`, RFC 8693 `act` for a
    /// delegated grant, the grant's own fields under `urn:grantex:grant`), plus the legacy
    /// aliases (`agt`, `dev`, `scp`, `grnt`, `parentAgt`, `parentGrnt`, `delegationDepth`) when
    /// `legacy` is on, for verifiers that predate the standard layout. Both say the same.
    pub fn claims(&self, issuer: &str, legacy: bool) -> Value {
        let mut grant = json!({
            "grant_id": self.grant_id,
            "agent_did": self.agent_did,
            "developer_id": self.developer_id,
        });
        let mut c = json!({
            "iss": issuer,
            "sub": self.principal_id,
            "scope": self.scopes.join(" "),
            "jti": self.jti,
            "iat": self.iat,
            "exp": self.exp,
        });
        if let Some(aud) = &self.audience {
            c["aud"] = json!(aud);
        }
        if let Some(l) = &self.lineage {
            grant["parent_grant_id"] = json!(l.parent_grant_id);
            grant["delegation_depth"] = json!(l.depth);
            if let Some(act) = l.act() {
                c["act"] = act;
            }
        }
        c["urn:grantex:grant"] = grant;
        if let Some(jkt) = &self.cnf_jkt {
            c["cnf"] = json!({ "jkt": jkt });
        }
        if legacy {
            c["agt"] = json!(self.agent_did);
            c["dev"] = json!(self.developer_id);
            c["scp"] = json!(self.scopes);
            c["grnt"] = json!(self.grant_id);
            if let Some(l) = &self.lineage {
                c["parentAgt"] = json!(l.parent_agent_did);
                c["parentGrnt"] = json!(l.parent_grant_id);
                c["delegationDepth"] = json!(l.depth);
            }
        }
        if self.sandbox {
            c[grantex::verify::ENVIRONMENT_CLAIM] = json!("sandbox");
        }
        if let Some(b) = self.budget {
            c["bdg"] = json!(b);
        }
        c
    }

    /// Signs the token (CPU work; call from the blocking pool, outside the write lock).
    pub fn sign(&self, keys: &KeyRing) -> ApiResult<String> {
        keys.sign_grant(
            self.sandbox,
            &self.claims(keys.issuer(), keys.legacy_claims()),
        )
    }

    /// The grant as a W3C verifiable credential in the VC Data Model 1.1 JWT encoding (§6.3.1),
    /// signed like the token (`typ: vc+jwt`, so it never passes as a grant token). The key
    /// that signs it stays published until `exp` (record it with [`KeyRing::record_token_exp`]).
    pub fn sign_credential(
        &self,
        keys: &KeyRing,
        purpose: Option<&str>,
        data_region: Option<&str>,
    ) -> ApiResult<String> {
        let mut subject = json!({
            "id": self.agent_did,
            "grantId": self.grant_id,
            "principalId": self.principal_id,
            "developerId": self.developer_id,
            "scopes": self.scopes,
            "delegationDepth": self.lineage.as_ref().map_or(0, |l| l.depth),
        });
        if let Some(p) = purpose {
            subject["purpose"] = json!(p);
        }
        if let Some(r) = data_region {
            subject["dataRegion"] = json!(r);
        }
        if let Some(l) = &self.lineage {
            subject["parentGrantId"] = json!(l.parent_grant_id);
            subject["parentAgentDid"] = json!(l.parent_agent_did);
        }
        let mut claims = json!({
            "iss": keys.issuer(),
            "sub": self.agent_did,
            "jti": format!("urn:grantex:credential:{}", self.jti),
            "iat": self.iat,
            "nbf": self.iat,
            "exp": self.exp,
            "vc": {
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiableCredential", "GrantexGrantCredential"],
                "issuanceDate": time::iso_secs(self.iat),
                "expirationDate": time::iso_secs(self.exp),
                "credentialSubject": subject,
            },
        });
        if self.sandbox {
            claims[grantex::verify::ENVIRONMENT_CLAIM] = json!("sandbox");
        }
        keys.sign_typed_for(self.sandbox, "vc+jwt", &claims)
    }

    /// Records the issued token (and its kid's max `exp`) inside the caller's transaction.
    /// `token` is what [`TokenSpec::sign`] returned: its header names the key that signed it.
    pub fn record(&self, tx: &Conn, keys: &KeyRing, token: &str) -> ApiResult<()> {
        let kid = keys.kid_of(token)?;
        store::tokens::insert_issued(
            tx,
            &self.jti,
            &self.grant_id,
            &self.developer_id,
            &kid,
            self.iat,
            self.exp,
        )?;
        keys.record_token_exp(tx, token, self.exp)
    }

    /// Writes the server's audit entry for this token (`grantex.token.issued`, `…refreshed`,
    /// `grantex.grant.delegated`) inside the same transaction as [`TokenSpec::record`].
    pub fn audit(&self, tx: &Conn, action: &str, agent_id: &str) -> ApiResult<()> {
        let mut metadata = json!({
            "jti": self.jti,
            "scopes": self.scopes,
            "expiresAt": time::iso_secs(self.exp),
        });
        if let Some(l) = &self.lineage {
            metadata["parentGrantId"] = json!(l.parent_grant_id);
            metadata["delegationDepth"] = json!(l.depth);
        }
        crate::store::audit::record_event(
            tx,
            &self.developer_id,
            action,
            crate::store::audit::Subject {
                agent_id,
                agent_did: &self.agent_did,
                grant_id: &self.grant_id,
                principal_id: &self.principal_id,
            },
            false,
            metadata,
        )?;
        Ok(())
    }
}
