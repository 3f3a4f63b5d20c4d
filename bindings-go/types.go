package grantex

import "encoding/json"

// The request and response types carry the reference Go SDK's names and fields; their JSON
// names are the API's wire names. A member the core does not know (a reference field this
// server has no use for, when set) is refused with an *Error "invalid_argument" before
// anything is sent, never silently dropped.

// SignupParams are the parameters of Signup.
type SignupParams struct {
	// Name is the developer account's display name.
	Name string `json:"name"`
	// Email is the account's contact address (optional).
	Email string `json:"email,omitempty"`
	// Mode is "live" (default) or "sandbox" (not in the reference Go SDK).
	Mode string `json:"mode,omitempty"`
}

// SignupResponse is the answer of Signup; the API key is shown only here.
type SignupResponse struct {
	// DeveloperID identifies the new account.
	DeveloperID string `json:"developerId"`
	// APIKey is the account's API key.
	APIKey string `json:"apiKey"`
	// Name is the account's display name.
	Name string `json:"name"`
	// Email is the contact address, if any.
	Email *string `json:"email"`
	// Mode is "live" or "sandbox".
	Mode string `json:"mode"`
	// CreatedAt is the creation time (RFC 3339).
	CreatedAt string `json:"createdAt"`
}

// RotateKeyResponse is the answer of RotateKey.
type RotateKeyResponse struct {
	// APIKey is the new key; the old one no longer works.
	APIKey string `json:"apiKey"`
	// RotatedAt is the rotation time (RFC 3339).
	RotatedAt string `json:"rotatedAt"`
}

// DeveloperAccount is the answer of Me.
type DeveloperAccount struct {
	// DeveloperID identifies the account.
	DeveloperID string `json:"developerId"`
	// Name is the account's display name.
	Name string `json:"name"`
	// Email is the contact address, if any.
	Email *string `json:"email"`
	// Mode is "live" or "sandbox".
	Mode string `json:"mode"`
	// Plan is the account's plan, if any.
	Plan *string `json:"plan"`
	// FidoRequired tells whether consent requires WebAuthn.
	FidoRequired *bool `json:"fidoRequired"`
	// FidoRpName is the WebAuthn relying-party name, if set.
	FidoRpName *string `json:"fidoRpName"`
	// CreatedAt is the creation time (RFC 3339).
	CreatedAt string `json:"createdAt"`
}

// Agent is a registered agent.
type Agent struct {
	// ID is the agent id (ag_...).
	ID string `json:"agentId"`
	// DID is the agent's decentralised identifier (did:grantex:...).
	DID string `json:"did"`
	// Name is the agent's name.
	Name string `json:"name"`
	// Description says what the agent does.
	Description string `json:"description"`
	// Scopes are the scopes the agent may ask for.
	Scopes []string `json:"scopes"`
	// Status is "active", "suspended" or "revoked".
	Status string `json:"status"`
	// DeveloperID is the owning developer.
	DeveloperID string `json:"developerId"`
	// CreatedAt is the creation time (RFC 3339).
	CreatedAt string `json:"createdAt"`
	// UpdatedAt is the last update time (RFC 3339).
	UpdatedAt string `json:"updatedAt"`
	// RedirectURIs are where authorization may send the user back; when non-empty, Authorize
	// accepts exactly these redirect URIs and no other.
	RedirectURIs []string `json:"redirectUris,omitempty"`
	// ResourceServers are the RFC 8707 resources the agent may ask for as a grant's audience.
	ResourceServers []string `json:"resourceServers,omitempty"`
	// PublicJWK is the agent's bound public key, when one is registered.
	PublicJWK map[string]any `json:"publicJwk,omitempty"`
	// KeyThumbprint is the RFC 7638 thumbprint of PublicJWK.
	KeyThumbprint *string `json:"keyThumbprint,omitempty"`
	// KeyBindingConfigured says whether a public key is bound to the agent.
	KeyBindingConfigured bool `json:"keyBindingConfigured,omitempty"`
	// StatusChangedAt is when Status last changed (RFC 3339).
	StatusChangedAt *string `json:"statusChangedAt,omitempty"`
	// StatusReason is why Status last changed, when the change said.
	StatusReason *string `json:"statusReason,omitempty"`
}

// RegisterAgentParams are the parameters of AgentsService.Register.
type RegisterAgentParams struct {
	// Name is the agent's name (required).
	Name string `json:"name"`
	// Description says what the agent does.
	Description string `json:"description,omitempty"`
	// Scopes are the scopes the agent may ask for.
	Scopes []string `json:"scopes,omitempty"`
	// RedirectURIs are the exact redirect URIs the agent may use (absolute https URLs; http
	// only for loopback).
	RedirectURIs []string `json:"redirectUris,omitempty"`
	// ResourceServers are the RFC 8707 resources (absolute URIs) the agent may ask for as a
	// grant's audience; when set, Authorize refuses any other audience.
	ResourceServers []string `json:"resourceServers,omitempty"`
	// PublicJWK binds the agent to its public key (RSA >= 2048 bits or EC, no private members).
	PublicJWK map[string]any `json:"publicJwk,omitempty"`
}

// UpdateAgentParams are the parameters of AgentsService.Update; nil fields are left unchanged.
type UpdateAgentParams struct {
	// Name is the new name.
	Name *string `json:"name,omitempty"`
	// Description is the new description.
	Description *string `json:"description,omitempty"`
	// Scopes are the new scopes: nil leaves them, an empty non-nil slice clears them.
	Scopes []string `json:"scopes,omitempty"`
	// Status is the new status ("active", "suspended").
	Status *string `json:"status,omitempty"`
	// RedirectURIs replaces the registered redirect URIs: nil leaves them, an empty non-nil
	// slice removes them all.
	RedirectURIs []string `json:"redirectUris,omitempty"`
	// ResourceServers replaces the registered resource servers: nil leaves them, an empty
	// non-nil slice removes them all.
	ResourceServers []string `json:"resourceServers,omitempty"`
	// PublicJWK replaces the bound public key.
	PublicJWK map[string]any `json:"publicJwk,omitempty"`
	// StatusReason says why the status changes.
	StatusReason *string `json:"statusReason,omitempty"`
}

// MarshalJSON keeps an empty, non-nil Scopes or RedirectURIs (clear them) apart from a nil
// one (leave them).
func (p UpdateAgentParams) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	if p.Name != nil {
		m["name"] = *p.Name
	}
	if p.Description != nil {
		m["description"] = *p.Description
	}
	if p.Scopes != nil {
		m["scopes"] = p.Scopes
	}
	if p.Status != nil {
		m["status"] = *p.Status
	}
	if p.RedirectURIs != nil {
		m["redirectUris"] = p.RedirectURIs
	}
	if p.ResourceServers != nil {
		m["resourceServers"] = p.ResourceServers
	}
	if p.PublicJWK != nil {
		m["publicJwk"] = p.PublicJWK
	}
	if p.StatusReason != nil {
		m["statusReason"] = *p.StatusReason
	}
	return json.Marshal(m)
}

// ListAgentsResponse is the answer of AgentsService.List.
type ListAgentsResponse struct {
	// Agents are the developer's agents.
	Agents []Agent `json:"agents"`
}

// AuthorizeParams are the parameters of Client.Authorize.
type AuthorizeParams struct {
	// Audience is the resource the grant is for (the token's aud), optional.
	Audience string `json:"audience,omitempty"`
	// AgentID is the agent asking (required).
	AgentID string `json:"agentId"`
	// PrincipalID is the human the agent acts for (required).
	PrincipalID string `json:"principalId"`
	// Scopes are the scopes asked for (required).
	Scopes []string `json:"scopes"`
	// ExpiresIn is the grant's lifetime, e.g. "24h".
	ExpiresIn string `json:"expiresIn,omitempty"`
	// RedirectURI is where consent sends the principal back.
	RedirectURI string `json:"redirectUri,omitempty"`
	// CodeChallenge is the PKCE challenge (see GeneratePKCE).
	CodeChallenge string `json:"codeChallenge,omitempty"`
	// CodeChallengeMethod is the PKCE method, "S256".
	CodeChallengeMethod string `json:"codeChallengeMethod,omitempty"`
	// State is echoed back on the redirect.
	State string `json:"state,omitempty"`
	// Purpose is what the grant is for (e.g. "aml.cdd.onboarding"), optional.
	Purpose string `json:"purpose,omitempty"`
	// DataRegion is where the grant's data may be processed ("eu", "in", ...), optional.
	DataRegion string `json:"dataRegion,omitempty"`
}

// AuthorizationRequest is the answer of Client.Authorize.
type AuthorizationRequest struct {
	// AuthRequestID identifies the request (for ConsentService).
	AuthRequestID string `json:"authRequestId"`
	// ConsentURL is the page the principal approves on.
	ConsentURL string `json:"consentUrl"`
	// AgentID is the asking agent.
	AgentID string `json:"agentId"`
	// PrincipalID is the principal.
	PrincipalID string `json:"principalId"`
	// Scopes are the scopes asked for.
	Scopes []string `json:"scopes"`
	// ExpiresIn is the requested lifetime.
	ExpiresIn string `json:"expiresIn"`
	// ExpiresAt is when the request expires (RFC 3339).
	ExpiresAt string `json:"expiresAt"`
	// Status is the request's status.
	Status string `json:"status"`
	// CreatedAt is the creation time (RFC 3339).
	CreatedAt string `json:"createdAt"`
	// Code is the authorization code, set at once for a sandbox key (not in the reference Go
	// SDK).
	Code string `json:"code,omitempty"`
	// Sandbox is true for a sandbox key's request (not in the reference Go SDK).
	Sandbox bool `json:"sandbox,omitempty"`
	// PolicyEnforced is set when a policy decided the request.
	PolicyEnforced *bool `json:"policyEnforced,omitempty"`
	// Effect is the policy's decision ("allow" or "deny") when one was enforced.
	Effect *string `json:"effect,omitempty"`
	// Purpose is the purpose the request binds the grant to, when one was given.
	Purpose *string `json:"purpose,omitempty"`
	// DataRegion is the data region the request binds the grant to (lowercased).
	DataRegion *string `json:"dataRegion,omitempty"`
}

// ExchangeTokenParams are the parameters of TokensService.Exchange.
type ExchangeTokenParams struct {
	// Code is the authorization code (required).
	Code string `json:"code"`
	// AgentID is the agent the code was issued to (required).
	AgentID string `json:"agentId"`
	// CodeVerifier is the PKCE verifier, when the request had a challenge.
	CodeVerifier string `json:"codeVerifier,omitempty"`
	// RedirectURI is a reference field this server does not take: setting it is refused.
	RedirectURI string `json:"redirectUri,omitempty"`
	// CredentialFormat is "jwt" (the default), "vc-jwt" or "both": the latter two also issue
	// the grant as a verifiable credential (ExchangeTokenResponse.VerifiableCredential).
	CredentialFormat string `json:"credentialFormat,omitempty"`
}

// RefreshTokenParams are the parameters of TokensService.Refresh.
type RefreshTokenParams struct {
	// RefreshToken is the refresh token (required).
	RefreshToken string `json:"refreshToken"`
	// AgentID is the agent holding it (required).
	AgentID string `json:"agentId"`
	// IdempotencyKey is sent as the Idempotency-Key header on every attempt (one is generated
	// when empty).
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// ExchangeTokenResponse is the answer of TokensService.Exchange and Refresh.
type ExchangeTokenResponse struct {
	// GrantToken is the signed grant token (a JWT).
	GrantToken string `json:"grantToken"`
	// ExpiresAt is its expiry (RFC 3339).
	ExpiresAt string `json:"expiresAt"`
	// Scopes are the granted scopes.
	Scopes []string `json:"scopes"`
	// RefreshToken refreshes it.
	RefreshToken string `json:"refreshToken"`
	// GrantID identifies the grant.
	GrantID string `json:"grantId"`
	// VerifiableCredential is the grant as a VC-JWT, when CredentialFormat asked for one.
	VerifiableCredential *string `json:"verifiableCredential,omitempty"`
}

// VerifyTokenResponse is the answer of TokensService.Verify (online verification).
type VerifyTokenResponse struct {
	// Valid is false for an unknown, expired or revoked token.
	Valid bool `json:"valid"`
	// GrantID identifies the grant, when valid.
	GrantID *string `json:"grantId,omitempty"`
	// Scopes are the granted scopes, when valid.
	Scopes []string `json:"scopes,omitempty"`
	// Principal is the principal id, when valid.
	Principal *string `json:"principal,omitempty"`
	// Agent is the agent DID, when valid.
	Agent *string `json:"agent,omitempty"`
	// ExpiresAt is the expiry (RFC 3339), when valid.
	ExpiresAt *string `json:"expiresAt,omitempty"`
}

// Grant is an authorization grant.
type Grant struct {
	// ID is the grant id.
	ID string `json:"grantId"`
	// AgentID is the agent it was granted to.
	AgentID string `json:"agentId"`
	// AgentDID is that agent's DID.
	AgentDID string `json:"agentDid"`
	// PrincipalID is the granting principal.
	PrincipalID string `json:"principalId"`
	// DeveloperID is the owning developer.
	DeveloperID string `json:"developerId"`
	// Scopes are the granted scopes.
	Scopes []string `json:"scopes"`
	// Status is "active", "revoked" or "expired".
	Status string `json:"status"`
	// IssuedAt is the issue time (RFC 3339).
	IssuedAt string `json:"issuedAt"`
	// ExpiresAt is the expiry (RFC 3339).
	ExpiresAt string `json:"expiresAt"`
	// RevokedAt is the revocation time, if revoked.
	RevokedAt *string `json:"revokedAt,omitempty"`
	// DelegationDepth is the number of delegation hops (not in the reference Go SDK).
	DelegationDepth *int `json:"delegationDepth,omitempty"`
	// ParentGrantID is the grant this one was delegated from (not in the reference Go SDK).
	ParentGrantID *string `json:"parentGrantId,omitempty"`
	// Purpose is what the grant is for, when its request said.
	Purpose *string `json:"purpose,omitempty"`
	// DataRegion is where the grant's data may be processed, when its request said.
	DataRegion *string `json:"dataRegion,omitempty"`
	// WebAuthnEvidence is the WebAuthn assertion the grant was approved with, if any.
	WebAuthnEvidence *WebAuthnGrantEvidence `json:"webauthnEvidence,omitempty"`
}

// ListGrantsParams are the filters of GrantsService.List.
type ListGrantsParams struct {
	// AgentID filters by agent.
	AgentID string `json:"agentId,omitempty"`
	// PrincipalID filters by principal.
	PrincipalID string `json:"principalId,omitempty"`
	// Status filters by status.
	Status string `json:"status,omitempty"`
	// Page is the page number (from 1).
	Page int `json:"page,omitempty"`
	// PageSize is the page size.
	PageSize int `json:"pageSize,omitempty"`
}

// ListGrantsResponse is the answer of GrantsService.List.
type ListGrantsResponse struct {
	// Grants are the matching grants.
	Grants []Grant `json:"grants"`
	// Total is the number of matching grants.
	Total int `json:"total"`
	// Page is the page number.
	Page int `json:"page"`
	// PageSize is the page size.
	PageSize int `json:"pageSize"`
}

// DelegateParams are the parameters of GrantsService.Delegate.
type DelegateParams struct {
	// ParentGrantToken is the delegating agent's grant token (required).
	ParentGrantToken string `json:"parentGrantToken"`
	// SubAgentID is the agent receiving the subset (required).
	SubAgentID string `json:"subAgentId"`
	// Scopes are the delegated scopes, a subset of the parent's (required).
	Scopes []string `json:"scopes"`
	// ExpiresIn is the delegated grant's lifetime, e.g. "1h".
	ExpiresIn string `json:"expiresIn,omitempty"`
}

// DelegateResponse is the answer of GrantsService.Delegate.
type DelegateResponse struct {
	// GrantToken is the sub-agent's grant token.
	GrantToken string `json:"grantToken"`
	// ExpiresAt is its expiry (RFC 3339).
	ExpiresAt string `json:"expiresAt"`
	// Scopes are the delegated scopes.
	Scopes []string `json:"scopes"`
	// GrantID identifies the delegated grant.
	GrantID string `json:"grantId"`
}

// VerifiedGrant is the verified content of a grant token, from either claim layout.
type VerifiedGrant struct {
	// Issuer is the token's iss.
	Issuer string `json:"issuer,omitempty"`
	// TokenID is the token's jti (what TokensService.Revoke takes).
	TokenID string `json:"tokenId"`
	// GrantID is the grant id (else the jti).
	GrantID string `json:"grantId"`
	// PrincipalID is the token's sub.
	PrincipalID string `json:"principalId"`
	// AgentDID is the agent's DID.
	AgentDID string `json:"agentDid"`
	// DeveloperID is the developer the grant was issued for.
	DeveloperID string `json:"developerId"`
	// Scopes are the granted scopes.
	Scopes []string `json:"scopes"`
	// IssuedAt is iat (Unix seconds).
	IssuedAt int64 `json:"issuedAt"`
	// ExpiresAt is exp (Unix seconds).
	ExpiresAt int64 `json:"expiresAt"`
	// ParentAgentDID is the delegating agent's DID on a delegated grant.
	ParentAgentDID *string `json:"parentAgentDid,omitempty"`
	// ParentGrantID is the parent grant on a delegated grant.
	ParentGrantID *string `json:"parentGrantId,omitempty"`
	// DelegationDepth is the number of delegation hops; nil when the token does not say (a
	// root grant), as in the reference SDKs.
	DelegationDepth *int `json:"delegationDepth,omitempty"`
	// Audience is the aud claim as a list (empty when absent).
	Audience []string `json:"audience,omitempty"`
	// Budget is the remaining budget at issuance (advisory), when the token has one (not in
	// the reference Go SDK).
	Budget *float64 `json:"budget,omitempty"`
	// ClientID is the OAuth client the token was issued to (client_id), when present.
	ClientID *string `json:"clientId,omitempty"`
	// AuthorizationDetails is the raw RFC 9396 authorization_details claim (an array of
	// objects), when present.
	AuthorizationDetails []map[string]any `json:"authorizationDetails,omitempty"`
	// Act is the raw RFC 8693 act claim on a delegated token: the delegating actor ("sub"),
	// earlier actors nested under "act".
	Act map[string]any `json:"act,omitempty"`
	// Cnf is the raw confirmation claim (such as {"jkt": ...}), when present.
	Cnf map[string]any `json:"cnf,omitempty"`
	// WebAuthnEvidence is the WebAuthn assertion the grant was approved with, when the token
	// carries one.
	WebAuthnEvidence *WebAuthnGrantEvidence `json:"webauthnEvidence,omitempty"`
	// LegacyClaimsUsed lists the legacy claim names read because the token lacked the standard
	// claim ("agt", "dev", "grnt", "scp", ...); empty for a token in the standard layout.
	LegacyClaimsUsed []string `json:"legacyClaimsUsed,omitempty"`
}

// WebAuthnGrantEvidence is the reference to the WebAuthn assertion a grant was approved with.
type WebAuthnGrantEvidence struct {
	// Type is always "GrantexWebAuthnAssertion".
	Type string `json:"type"`
	// Version is the evidence format version, 1.
	Version int `json:"version"`
	// AuthRequestID is the authorization request the assertion approved.
	AuthRequestID string `json:"authRequestId"`
	// RpID is the WebAuthn relying party id.
	RpID string `json:"rpId"`
	// Origin is the origin the assertion was made on.
	Origin string `json:"origin"`
	// UserVerified tells whether the authenticator verified the user.
	UserVerified bool `json:"userVerified"`
	// AssertedAt is when the assertion was made (RFC 3339).
	AssertedAt string `json:"assertedAt"`
	// Digest is the hex SHA-256 of the assertion material.
	Digest string `json:"digest"`
}

// LogAuditParams are the parameters of AuditService.Log.
type LogAuditParams struct {
	// AgentID is the acting agent (required).
	AgentID string `json:"agentId"`
	// AgentDID is its DID (required).
	AgentDID string `json:"agentDid"`
	// GrantID is the grant it acted under (required).
	GrantID string `json:"grantId"`
	// PrincipalID is the principal it acted for (required).
	PrincipalID string `json:"principalId"`
	// Action names what it did (required).
	Action string `json:"action"`
	// Metadata is any JSON detail.
	Metadata map[string]any `json:"metadata,omitempty"`
	// Status is "success" (default), "failure" or "blocked".
	Status string `json:"status,omitempty"`
}

// AuditEntry is one hash-chained audit entry.
type AuditEntry struct {
	// EntryID identifies the entry.
	EntryID string `json:"entryId"`
	// AgentID is the acting agent.
	AgentID string `json:"agentId"`
	// AgentDID is its DID.
	AgentDID string `json:"agentDid"`
	// GrantID is the grant.
	GrantID string `json:"grantId"`
	// PrincipalID is the principal.
	PrincipalID string `json:"principalId"`
	// DeveloperID is the developer (part of the hashed content).
	DeveloperID string `json:"developerId"`
	// Action names what was done.
	Action string `json:"action"`
	// Metadata is the logged detail.
	Metadata map[string]any `json:"metadata"`
	// Hash is the entry's chain hash.
	Hash string `json:"hash"`
	// PrevHash is the previous entry's hash (nil for the first).
	PrevHash *string `json:"prevHash"`
	// Timestamp is the entry's time (RFC 3339).
	Timestamp string `json:"timestamp"`
	// Status is "success", "failure" or "blocked".
	Status string `json:"status"`
	// Purpose is the purpose of the grant the entry was recorded under, when it has one.
	Purpose *string `json:"purpose,omitempty"`
}

// ListAuditParams are the filters of AuditService.List.
type ListAuditParams struct {
	// AgentID filters by agent.
	AgentID string `json:"agentId,omitempty"`
	// GrantID filters by grant.
	GrantID string `json:"grantId,omitempty"`
	// PrincipalID filters by principal.
	PrincipalID string `json:"principalId,omitempty"`
	// Action filters by action.
	Action string `json:"action,omitempty"`
	// Since keeps entries at or after this time (RFC 3339).
	Since string `json:"since,omitempty"`
	// Until keeps entries at or before this time (RFC 3339).
	Until string `json:"until,omitempty"`
	// Page is the 1-based page number (with PageSize).
	Page int `json:"page,omitempty"`
	// PageSize is the page size.
	PageSize int `json:"pageSize,omitempty"`
}

// ListAuditResponse is the answer of AuditService.List.
type ListAuditResponse struct {
	// Entries are the matching entries, oldest first.
	Entries []AuditEntry `json:"entries"`
}

// AuditCheckpoint is a signed snapshot of the audit chain's head.
type AuditCheckpoint struct {
	// CheckpointID identifies the checkpoint.
	CheckpointID string `json:"checkpointId"`
	// HeadEntryID is the newest entry covered.
	HeadEntryID string `json:"headEntryId"`
	// HeadHash is its hash.
	HeadHash string `json:"headHash"`
	// HeadTimestamp is its time.
	HeadTimestamp string `json:"headTimestamp"`
	// EntryCount is the number of entries covered.
	EntryCount int `json:"entryCount"`
	// SignedCheckpoint is the signed statement (a JWT).
	SignedCheckpoint string `json:"signedCheckpoint"`
	// WitnessRequired tells that an external witness is needed before it is
	// operator-independent evidence.
	WitnessRequired bool `json:"witnessRequired"`
}

// CreatePrincipalSessionParams are the parameters of PrincipalSessionsService.Create.
type CreatePrincipalSessionParams struct {
	// PrincipalID is the principal (required).
	PrincipalID string `json:"principalId"`
	// ExpiresIn is the session's lifetime, e.g. "1h".
	ExpiresIn string `json:"expiresIn,omitempty"`
}

// PrincipalSessionResponse is the answer of PrincipalSessionsService.Create.
type PrincipalSessionResponse struct {
	// SessionToken authenticates the principal's dashboard session.
	SessionToken string `json:"sessionToken"`
	// DashboardURL is where the principal sees and revokes their grants.
	DashboardURL string `json:"dashboardUrl"`
	// ExpiresAt is the session's expiry (RFC 3339).
	ExpiresAt string `json:"expiresAt"`
}

// ConsentApproval is the answer of ConsentService.Approve.
type ConsentApproval struct {
	// Code is the authorization code for TokensService.Exchange.
	Code string `json:"code"`
	// RedirectURI is where the principal is sent back, if any.
	RedirectURI *string `json:"redirectUri"`
	// State is the request's state, if any.
	State *string `json:"state"`
}

// UnmarshalJSON reads a verified grant in the core's JSON form, where audience is the token's
// raw aud claim: a string (a list of one here) or a list of strings.
func (g *VerifiedGrant) UnmarshalJSON(b []byte) error {
	type plain VerifiedGrant
	aux := struct {
		*plain
		Audience json.RawMessage `json:"audience,omitempty"`
	}{plain: (*plain)(g)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	if len(g.LegacyClaimsUsed) == 0 {
		g.LegacyClaimsUsed = nil // as the fast path has it: nil when the token used none
	}
	g.Audience = nil
	if len(aux.Audience) == 0 || string(aux.Audience) == "null" {
		return nil
	}
	var one string
	if err := json.Unmarshal(aux.Audience, &one); err == nil {
		g.Audience = []string{one}
		return nil
	}
	return json.Unmarshal(aux.Audience, &g.Audience)
}
