package grantex

import "context"

// AgentsService registers and manages agents (Client.Agents).
type AgentsService struct{ c *Client }

// Register registers an agent.
func (s *AgentsService) Register(ctx context.Context, params RegisterAgentParams) (*Agent, error) {
	return callFor[Agent](ctx, s.c, OpAgentsRegister, params)
}

// Get returns one agent.
func (s *AgentsService) Get(ctx context.Context, agentID string) (*Agent, error) {
	return callFor[Agent](ctx, s.c, OpAgentsGet, map[string]string{"agentId": agentID})
}

// List returns the developer's agents.
func (s *AgentsService) List(ctx context.Context) (*ListAgentsResponse, error) {
	return callFor[ListAgentsResponse](ctx, s.c, OpAgentsList, nil)
}

// Update changes the given fields of an agent.
func (s *AgentsService) Update(ctx context.Context, agentID string, params UpdateAgentParams) (*Agent, error) {
	in, err := withMember(params, "agentId", agentID)
	if err != nil {
		return nil, err
	}
	return callFor[Agent](ctx, s.c, OpAgentsUpdate, in)
}

// Delete deletes an agent.
func (s *AgentsService) Delete(ctx context.Context, agentID string) error {
	return s.c.call(ctx, OpAgentsDelete, map[string]string{"agentId": agentID}, nil)
}

// TokensService exchanges, refreshes, verifies and revokes grant tokens (Client.Tokens).
type TokensService struct{ c *Client }

// Exchange trades an authorization code for a grant token.
func (s *TokensService) Exchange(ctx context.Context, params ExchangeTokenParams) (*ExchangeTokenResponse, error) {
	return callFor[ExchangeTokenResponse](ctx, s.c, OpTokensExchange, params)
}

// Refresh trades a refresh token for a new grant token (retried with one Idempotency-Key).
func (s *TokensService) Refresh(ctx context.Context, params RefreshTokenParams) (*ExchangeTokenResponse, error) {
	return callFor[ExchangeTokenResponse](ctx, s.c, OpTokensRefresh, params)
}

// Verify asks the server whether a grant token is valid (online; see VerifyGrantToken for the
// offline check).
func (s *TokensService) Verify(ctx context.Context, token string) (*VerifyTokenResponse, error) {
	return callFor[VerifyTokenResponse](ctx, s.c, OpTokensVerify, map[string]string{"token": token})
}

// Revoke revokes a grant token by its id (VerifiedGrant.TokenID, the jti).
func (s *TokensService) Revoke(ctx context.Context, tokenID string) error {
	return s.c.call(ctx, OpTokensRevoke, map[string]string{"jti": tokenID}, nil)
}

// GrantsService reads, lists, revokes and delegates grants (Client.Grants).
type GrantsService struct{ c *Client }

// Get returns one grant.
func (s *GrantsService) Get(ctx context.Context, grantID string) (*Grant, error) {
	return callFor[Grant](ctx, s.c, OpGrantsGet, map[string]string{"grantId": grantID})
}

// List returns the grants matching the filters.
func (s *GrantsService) List(ctx context.Context, params ListGrantsParams) (*ListGrantsResponse, error) {
	return callFor[ListGrantsResponse](ctx, s.c, OpGrantsList, params)
}

// Revoke revokes a grant and, by cascade, the grants delegated from it.
func (s *GrantsService) Revoke(ctx context.Context, grantID string) error {
	return s.c.call(ctx, OpGrantsRevoke, map[string]string{"grantId": grantID}, nil)
}

// Delegate gives a sub-agent a subset of a grant.
func (s *GrantsService) Delegate(ctx context.Context, params DelegateParams) (*DelegateResponse, error) {
	return callFor[DelegateResponse](ctx, s.c, OpGrantsDelegate, params)
}

// Verify verifies a grant token online: an inactive (e.g. revoked) grant is a *TokenError with
// Code "inactive" (not in the reference Go SDK).
func (s *GrantsService) Verify(ctx context.Context, token string) (*VerifiedGrant, error) {
	return callFor[VerifiedGrant](ctx, s.c, OpGrantsVerify, map[string]string{"token": token})
}

// AuditService writes and reads the hash-chained audit log (Client.Audit).
type AuditService struct{ c *Client }

// Log appends an entry to the developer's chain.
func (s *AuditService) Log(ctx context.Context, params LogAuditParams) (*AuditEntry, error) {
	return callFor[AuditEntry](ctx, s.c, OpAuditLog, params)
}

// List returns the entries matching the filters, oldest first.
func (s *AuditService) List(ctx context.Context, params ListAuditParams) (*ListAuditResponse, error) {
	return callFor[ListAuditResponse](ctx, s.c, OpAuditList, params)
}

// Get returns one entry.
func (s *AuditService) Get(ctx context.Context, entryID string) (*AuditEntry, error) {
	return callFor[AuditEntry](ctx, s.c, OpAuditGet, map[string]string{"entryId": entryID})
}

// Checkpoint signs a snapshot of the chain's head.
func (s *AuditService) Checkpoint(ctx context.Context) (*AuditCheckpoint, error) {
	return callFor[AuditCheckpoint](ctx, s.c, OpAuditCheckpoint, nil)
}

// PrincipalSessionsService creates dashboard sessions for principals (Client.PrincipalSessions).
type PrincipalSessionsService struct{ c *Client }

// Create creates a session for a principal to see and revoke their grants.
func (s *PrincipalSessionsService) Create(ctx context.Context, params CreatePrincipalSessionParams) (*PrincipalSessionResponse, error) {
	return callFor[PrincipalSessionResponse](ctx, s.c, OpPrincipalSessionsCreate, params)
}

// ConsentService is what the consent page calls (Client.Consent; not in the reference Go SDK).
type ConsentService struct{ c *Client }

// Approve approves an authorization request, yielding the code.
func (s *ConsentService) Approve(ctx context.Context, authRequestID string) (*ConsentApproval, error) {
	return callFor[ConsentApproval](ctx, s.c, OpConsentApprove, map[string]string{"authRequestId": authRequestID})
}

// Deny denies an authorization request.
func (s *ConsentService) Deny(ctx context.Context, authRequestID string) error {
	return s.c.call(ctx, OpConsentDeny, map[string]string{"authRequestId": authRequestID}, nil)
}

// withMember encodes params to a JSON object and adds one member (a path parameter).
func withMember(params any, name, value string) (map[string]any, error) {
	return withMembers(params, map[string]string{name: value})
}

// withMembers encodes params to a JSON object and adds members (path parameters).
func withMembers(params any, members map[string]string) (map[string]any, error) {
	js, err := encodeInput(params)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := jsonUnmarshalString(js, &m); err != nil {
		return nil, &Error{Code: "invalid_argument", Message: err.Error()}
	}
	for k, v := range members {
		m[k] = v
	}
	return m, nil
}
