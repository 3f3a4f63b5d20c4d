package grantex_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

func newClient(t *testing.T, key string, opts ...grantex.Option) *grantex.Client {
	t.Helper()
	c := grantex.NewClient(key, append([]grantex.Option{grantex.WithBaseURL(server.BaseURL)}, opts...)...)
	t.Cleanup(func() { c.Close() })
	return c
}

// freshAccount signs up a new live developer and returns a client for it.
func freshAccount(t *testing.T, ctx context.Context) *grantex.Client {
	t.Helper()
	acct, err := grantex.Signup(ctx, grantex.SignupParams{Name: "go-" + t.Name()}, grantex.WithBaseURL(server.BaseURL))
	if err != nil {
		t.Fatalf("signup: %v", err)
	}
	if acct.APIKey == "" || acct.DeveloperID == "" || acct.Mode != "live" {
		t.Fatalf("signup answer: %+v", acct)
	}
	return newClient(t, acct.APIKey)
}

// liveGrant runs authorize → consent → exchange for agentID on behalf of principal.
func liveGrant(t *testing.T, ctx context.Context, c *grantex.Client, agentID, principal string, scopes []string) *grantex.ExchangeTokenResponse {
	t.Helper()
	auth, err := c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agentID, PrincipalID: principal, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	approval, err := c.Consent.Approve(ctx, auth.AuthRequestID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Tokens.Exchange(ctx, grantex.ExchangeTokenParams{Code: approval.Code, AgentID: agentID})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestFlow(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	me, err := c.Me(ctx)
	if err != nil || !strings.HasPrefix(c.JwksURI(), server.BaseURL) {
		t.Fatalf("me: %v %+v", err, me)
	}

	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "travel-assistant", Description: "books trips", Scopes: []string{"calendar:read", "email:send"}})
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	sub, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "calendar-reader", Scopes: []string{"calendar:read"}})
	if err != nil {
		t.Fatalf("register sub: %v", err)
	}
	if got, err := c.Agents.Get(ctx, agent.ID); err != nil || got.DID != agent.DID || got.Name != "travel-assistant" {
		t.Fatalf("get: %v %+v", err, got)
	}
	newName := "travel-assistant-2"
	if got, err := c.Agents.Update(ctx, agent.ID, grantex.UpdateAgentParams{Name: &newName}); err != nil || got.Name != newName {
		t.Fatalf("update: %v %+v", err, got)
	}
	if list, err := c.Agents.List(ctx); err != nil || len(list.Agents) != 2 {
		t.Fatalf("list: %v %+v", err, list)
	}

	// Authorize with PKCE, consent, exchange.
	pkce, err := grantex.GeneratePKCE()
	if err != nil || len(pkce.CodeVerifier) < 43 || pkce.CodeChallengeMethod != "S256" {
		t.Fatalf("pkce: %v %+v", err, pkce)
	}
	auth, err := c.Authorize(ctx, grantex.AuthorizeParams{
		AgentID: agent.ID, PrincipalID: "usr_alice", Scopes: []string{"calendar:read", "email:send"},
		CodeChallenge: pkce.CodeChallenge, CodeChallengeMethod: "S256",
	})
	if err != nil || auth.ConsentURL == "" || auth.Code != "" {
		t.Fatalf("authorize: %v %+v", err, auth)
	}
	approval, err := c.Consent.Approve(ctx, auth.AuthRequestID)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	tok, err := c.Tokens.Exchange(ctx, grantex.ExchangeTokenParams{Code: approval.Code, AgentID: agent.ID, CodeVerifier: pkce.CodeVerifier})
	if err != nil || tok.GrantToken == "" || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v %+v", err, tok)
	}

	// Verify offline against the server's published keys.
	grant, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, grantex.VerifyOptions{JwksURI: c.JwksURI(), RequiredScopes: []string{"calendar:read"}})
	if err != nil {
		t.Fatalf("verify offline: %v", err)
	}
	if grant.PrincipalID != "usr_alice" || grant.AgentDID != agent.DID || grant.GrantID != tok.GrantID || grant.DeveloperID != me.DeveloperID {
		t.Fatalf("verified grant: %+v", grant)
	}
	// The reference's empty-value semantics: a root grant's token carries no depth (nil), and
	// this server's tokens carry both claim layouts, agreeing, so no alias is reported.
	if grant.DelegationDepth != nil || grant.Act != nil || grant.ClientID != nil || len(grant.LegacyClaimsUsed) != 0 {
		t.Fatalf("root grant's optional claims: depth %v act %v client %v legacy %v", grant.DelegationDepth, grant.Act, grant.ClientID, grant.LegacyClaimsUsed)
	}
	_, err = grantex.VerifyGrantToken(ctx, tok.GrantToken, grantex.VerifyOptions{JwksURI: c.JwksURI(), RequiredScopes: []string{"payments:initiate"}})
	var te *grantex.TokenError
	if !errors.As(err, &te) || te.Code != "missing_scopes" {
		t.Fatalf("missing scope: %v", err)
	}
	if on, err := c.Tokens.Verify(ctx, tok.GrantToken); err != nil || !on.Valid {
		t.Fatalf("verify online: %v %+v", err, on)
	}

	// Delegate to the sub-agent and verify the delegated token.
	del, err := c.Grants.Delegate(ctx, grantex.DelegateParams{ParentGrantToken: tok.GrantToken, SubAgentID: sub.ID, Scopes: []string{"calendar:read"}, ExpiresIn: "1h"})
	if err != nil {
		t.Fatalf("delegate: %v", err)
	}
	dg, err := grantex.VerifyGrantToken(ctx, del.GrantToken, grantex.VerifyOptions{JwksURI: c.JwksURI()})
	if err != nil || dg.ParentGrantID == nil || *dg.ParentGrantID != tok.GrantID || dg.DelegationDepth == nil || *dg.DelegationDepth != 1 || dg.AgentDID != sub.DID {
		t.Fatalf("delegated grant: %v %+v", err, dg)
	}
	if _, err := grantex.VerifyGrantToken(ctx, del.GrantToken, grantex.VerifyOptions{JwksURI: c.JwksURI(), MaxDelegationDepth: grantex.Int(0)}); !errors.As(err, &te) || te.Code != "delegation_too_deep" {
		t.Fatalf("depth limit: %v", err)
	}

	// Grants, audit log, refresh, principal session.
	if g, err := c.Grants.Get(ctx, tok.GrantID); err != nil || g.Status != "active" || g.AgentID != agent.ID {
		t.Fatalf("grant get: %v %+v", err, g)
	}
	if gl, err := c.Grants.List(ctx, grantex.ListGrantsParams{AgentID: agent.ID}); err != nil || len(gl.Grants) != 1 {
		t.Fatalf("grant list: %v %+v", err, gl)
	}
	entry, err := c.Audit.Log(ctx, grantex.LogAuditParams{AgentID: agent.ID, AgentDID: agent.DID, GrantID: tok.GrantID, PrincipalID: "usr_alice", Action: "calendar.read", Metadata: map[string]any{"events": 3}})
	if err != nil || entry.Hash == "" {
		t.Fatalf("audit log: %v %+v", err, entry)
	}
	if got, err := c.Audit.Get(ctx, entry.EntryID); err != nil || got.Hash != entry.Hash {
		t.Fatalf("audit get: %v %+v", err, got)
	}
	// The server audits the token issue itself (grantex.token.issued): ours is the one
	// calendar.read entry of the grant.
	if al, err := c.Audit.List(ctx, grantex.ListAuditParams{GrantID: tok.GrantID}); err != nil || countAction(al.Entries, "calendar.read") != 1 || countAction(al.Entries, "grantex.token.issued") != 1 {
		t.Fatalf("audit list: %v %+v", err, al)
	}
	if cp, err := c.Audit.Checkpoint(ctx); err != nil || cp.HeadEntryID != entry.EntryID {
		t.Fatalf("checkpoint: %v %+v", err, cp)
	}
	refreshed, err := c.Tokens.Refresh(ctx, grantex.RefreshTokenParams{RefreshToken: tok.RefreshToken, AgentID: agent.ID})
	if err != nil || refreshed.GrantID != tok.GrantID || refreshed.GrantToken == "" {
		t.Fatalf("refresh: %v %+v", err, refreshed)
	}
	ps, err := c.PrincipalSessions.Create(ctx, grantex.CreatePrincipalSessionParams{PrincipalID: "usr_alice", ExpiresIn: "1h"})
	if err != nil || ps.SessionToken == "" || ps.DashboardURL == "" {
		t.Fatalf("principal session: %v %+v", err, ps)
	}
	// The session works until the developer ends every session of that principal.
	sessionStatus := func() int {
		req, _ := http.NewRequestWithContext(ctx, "GET", server.BaseURL+"/v1/principal/grants", nil)
		req.Header.Set("Authorization", "Bearer "+ps.SessionToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("principal grants: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := sessionStatus(); st != 200 {
		t.Fatalf("live session: %d", st)
	}
	if err := c.PrincipalSessions.Revoke(ctx, "usr_alice"); err != nil {
		t.Fatalf("revoke sessions: %v", err)
	}
	if st := sessionStatus(); st != 401 {
		t.Fatalf("revoked session: %d", st)
	}

	// Revoke: the grant and, by cascade, the delegated one are invalid online.
	if err := c.Grants.Revoke(ctx, tok.GrantID); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	for _, token := range []string{refreshed.GrantToken, del.GrantToken} {
		if on, err := c.Tokens.Verify(ctx, token); err != nil || on.Valid {
			t.Fatalf("online verify after revoke: %v %+v", err, on)
		}
		if _, err := c.Grants.Verify(ctx, token); !errors.As(err, &te) || te.Code != "inactive" {
			t.Fatalf("grants.verify after revoke: %v", err)
		}
	}
	// A tampered token is refused offline.
	tampered := tok.GrantToken[:len(tok.GrantToken)-4] + "AAAA"
	if _, err := grantex.VerifyGrantToken(ctx, tampered, grantex.VerifyOptions{JwksURI: c.JwksURI()}); !errors.As(err, &te) || te.Code != "bad_signature" {
		t.Fatalf("tampered: %v", err)
	}
	// Token revocation by jti, then agent deletion.
	if err := c.Tokens.Revoke(ctx, grant.TokenID); err != nil {
		t.Fatalf("token revoke: %v", err)
	}
	if err := c.Agents.Delete(ctx, sub.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	var apiErr *grantex.APIError
	if _, err := c.Agents.Get(ctx, sub.ID); !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("get deleted: %v", err)
	}
}

func TestSandboxTokens(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, server.SandboxAPIKey)
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "sandbox-agent", Scopes: []string{"calendar:read"}})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agent.ID, PrincipalID: "usr_bob", Scopes: []string{"calendar:read"}})
	if err != nil || auth.Code == "" {
		t.Fatalf("sandbox authorize: %v %+v", err, auth)
	}
	tok, err := c.Tokens.Exchange(ctx, grantex.ExchangeTokenParams{Code: auth.Code, AgentID: agent.ID})
	if err != nil {
		t.Fatal(err)
	}
	// The server marks a sandbox developer's tokens (urn:grantex:environment): refused unless
	// the verifier accepts sandbox tokens.
	_, err = grantex.VerifyGrantToken(ctx, tok.GrantToken, grantex.VerifyOptions{JwksURI: c.JwksURI(), AllowSandbox: grantex.Bool(false)})
	var te *grantex.TokenError
	if !errors.As(err, &te) || te.Code != "sandbox_token" {
		t.Fatalf("sandbox token without AllowSandbox: want sandbox_token, got %v", err)
	}
	if _, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, grantex.VerifyOptions{JwksURI: c.JwksURI(), AllowSandbox: grantex.Bool(true)}); err != nil {
		t.Fatalf("sandbox allowed: %v", err)
	}
}

func TestRotateKey(t *testing.T) {
	ctx := context.Background()
	acct, err := grantex.Signup(ctx, grantex.SignupParams{Name: "rotate"}, grantex.WithBaseURL(server.BaseURL))
	if err != nil {
		t.Fatal(err)
	}
	old := newClient(t, acct.APIKey)
	rot, err := old.RotateKey(ctx)
	if err != nil || rot.APIKey == "" || rot.APIKey == acct.APIKey {
		t.Fatalf("rotate: %v %+v", err, rot)
	}
	_, err = old.Me(ctx)
	var authErr *grantex.AuthError
	var apiErr *grantex.APIError
	if !errors.As(err, &authErr) || authErr.StatusCode != 401 || !errors.As(err, &apiErr) || apiErr.RequestID == "" || apiErr.Code == "" || len(apiErr.Body) == 0 {
		t.Fatalf("old key: %T %v", err, err)
	}
	if _, err := newClient(t, rot.APIKey).Me(ctx); err != nil {
		t.Fatalf("new key: %v", err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, server.APIKey)

	_, err := c.Agents.Get(ctx, "ag_does_not_exist")
	var apiErr *grantex.APIError
	var authErr *grantex.AuthError
	if !errors.As(err, &apiErr) || errors.As(err, &authErr) || apiErr.StatusCode != 404 || apiErr.Code == "" || apiErr.RequestID == "" || apiErr.Message == "" {
		t.Fatalf("404: %T %v", err, err)
	}
	if apiErr.RateLimit == nil || c.LastRateLimit() == nil {
		t.Fatalf("404 without rate-limit headers: %+v %+v", apiErr.RateLimit, c.LastRateLimit())
	}

	_, err = newClient(t, "gx_wrong_key").Agents.List(ctx)
	if !errors.As(err, &authErr) || authErr.StatusCode != 401 {
		t.Fatalf("401: %T %v", err, err)
	}

	// Resource servers are taken and checked by the server (RFC 8707: no fragment).
	bound, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "x", ResourceServers: []string{"https://a.example"}})
	if err != nil || len(bound.ResourceServers) != 1 || bound.ResourceServers[0] != "https://a.example" {
		t.Fatalf("resource servers: %+v %v", bound, err)
	}
	_, err = c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "x", ResourceServers: []string{"https://a.example/#f"}})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("resource server with a fragment: %T %v", err, err)
	}
	// Refused before anything is sent: an unknown operation, a member of the wrong type.
	var ge *grantex.Error
	if err := c.Call(ctx, "agents.nope", nil, nil); !errors.As(err, &ge) || ge.Code != "invalid_argument" {
		t.Fatalf("unknown op: %v", err)
	}
	if err := c.Call(ctx, grantex.OpAgentsRegister, map[string]any{"name": 7}, nil); !errors.As(err, &ge) || ge.Code != "invalid_argument" {
		t.Fatalf("wrong type: %v", err)
	}
	// Generic call of an operation without a typed method.
	var settings struct {
		Updated bool `json:"updated"`
	}
	if err := c.Call(ctx, grantex.OpUpdateSettings, map[string]any{"fidoRpName": "Acme"}, &settings); err != nil || !settings.Updated {
		t.Fatalf("update_settings: %v %+v", err, settings)
	}
	var health map[string]any
	if err := c.Call(ctx, grantex.OpHealth, nil, &health); err != nil || health["status"] == nil {
		t.Fatalf("health: %v %v", err, health)
	}

	// Configuration errors surface on the first call.
	if _, err := grantex.NewClient("k", grantex.WithBaseURL("ftp://nope")).Me(ctx); !errors.As(err, &ge) || ge.Code != "config_error" {
		t.Fatalf("bad base URL: %v", err)
	}
	if _, err := grantex.NewClient("k", grantex.WithBaseURL(server.BaseURL), grantex.WithMaxRetries(1000)).Me(ctx); !errors.As(err, &ge) || ge.Code != "invalid_argument" {
		t.Fatalf("retries out of range: %v", err)
	}

	// Connection refused: a *NetworkError.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	_, err = grantex.NewClient("k", grantex.WithBaseURL(dead), grantex.WithMaxRetries(0)).Me(ctx)
	var ne *grantex.NetworkError
	if !errors.As(err, &ne) || ne.Timeout {
		t.Fatalf("refused: %T %v", err, err)
	}
	// A JWKS endpoint that cannot be reached is a token error jwks_fetch.
	var te *grantex.TokenError
	if _, err := grantex.VerifyGrantToken(ctx, wellFormedToken(t), grantex.VerifyOptions{JwksURI: dead + "/.well-known/jwks.json"}); !errors.As(err, &te) || te.Code != "jwks_fetch" {
		t.Fatalf("unreachable jwks: %v", err)
	}

	// A closed client.
	closed := grantex.NewClient(server.APIKey, grantex.WithBaseURL(server.BaseURL))
	closed.Close()
	closed.Close()
	if _, err := closed.Me(ctx); !errors.Is(err, grantex.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}

// hangingServer accepts connections and never answers until stopped.
func hangingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + ln.Addr().String()
}

func TestCancellation(t *testing.T) {
	url := hangingServer(t)
	c := grantex.NewClient("k", grantex.WithBaseURL(url), grantex.WithTimeout(3*time.Second), grantex.WithMaxRetries(0))

	// A deadline: ctx.Err() comes back promptly, the C call is abandoned.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Agents.List(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("deadline: %v after %v", err, time.Since(start))
	}
	// Cancellation while in flight.
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel2() }()
	start = time.Now()
	if _, err := grantex.VerifyGrantToken(ctx2, wellFormedToken(t), grantex.VerifyOptions{JwksURI: url + "/.well-known/jwks.json"}); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("cancel: %v after %v", err, time.Since(start))
	}
	// An already cancelled context never starts a call.
	if err := c.Call(ctx2, grantex.OpMe, nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("pre-cancelled: %v", err)
	}
	// Close with abandoned calls still running: the handle is freed when they end; the core's
	// timeout ends them, and a new call on the closed client is refused.
	c.Close()
	if _, err := c.Me(context.Background()); !errors.Is(err, grantex.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
	// Without a context deadline the client's own timeout applies: a *NetworkError with Timeout.
	c2 := grantex.NewClient("k", grantex.WithBaseURL(url), grantex.WithTimeout(300*time.Millisecond), grantex.WithMaxRetries(0))
	defer c2.Close()
	var ne *grantex.NetworkError
	if _, err := c2.Me(context.Background()); !errors.As(err, &ne) || !ne.Timeout {
		t.Fatalf("timeout: %T %v", err, err)
	}
}

func TestConcurrency(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, server.SandboxAPIKey)
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "concurrent", Scopes: []string{"calendar:read"}})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agent.ID, PrincipalID: "usr_c", Scopes: []string{"calendar:read"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Tokens.Exchange(ctx, grantex.ExchangeTokenParams{Code: auth.Code, AgentID: agent.ID})
	if err != nil {
		t.Fatal(err)
	}
	remote, err := grantex.NewVerifier(c.JwksURI())
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	opts := grantex.VerifyOptions{JwksURI: c.JwksURI(), AllowSandbox: grantex.Bool(true), RequiredScopes: []string{"calendar:read"}}
	var wg sync.WaitGroup
	var failures atomic.Int32
	var calls, verifies atomic.Int32
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				var err error
				switch (i + j) % 4 {
				case 0:
					var g *grantex.VerifiedGrant
					g, err = grantex.VerifyGrantToken(ctx, tok.GrantToken, opts)
					if err == nil && g.GrantID != tok.GrantID {
						err = fmt.Errorf("grant %s", g.GrantID)
					}
					verifies.Add(1)
				case 1:
					_, err = remote.Verify(ctx, tok.GrantToken, opts)
					verifies.Add(1)
				case 2:
					_, err = c.Agents.Get(ctx, agent.ID)
					calls.Add(1)
				default:
					var on *grantex.VerifyTokenResponse
					on, err = c.Tokens.Verify(ctx, tok.GrantToken)
					if err == nil && !on.Valid {
						err = errors.New("online verify: invalid")
					}
					calls.Add(1)
				}
				if err != nil {
					failures.Add(1)
					t.Errorf("goroutine %d: %v", i, err)
				}
			}
		}()
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d failures", failures.Load())
	}
	t.Logf("100 goroutines: %d verifications, %d API calls", verifies.Load(), calls.Load())
}

func TestWebhook(t *testing.T) {
	payload := []byte(`{"type":"grant.revoked","id":"evt_1"}`)
	const ts = 1767225600
	sig, err := grantex.SignWebhook(payload, "whsec_test", ts)
	if err != nil || !strings.HasPrefix(sig, "sha256=") {
		t.Fatalf("sign: %v %q", err, sig)
	}
	now := time.Unix(ts+10, 0)
	if !grantex.VerifyWebhookAt(payload, sig, fmt.Sprint(ts), "whsec_test", 0, now) {
		t.Fatal("valid signature refused")
	}
	if grantex.VerifyWebhookAt(append([]byte{' '}, payload...), sig, fmt.Sprint(ts), "whsec_test", 0, now) {
		t.Fatal("tampered payload accepted")
	}
	if grantex.VerifyWebhookAt(payload, sig, fmt.Sprint(ts), "other", 0, now) {
		t.Fatal("wrong secret accepted")
	}
	if grantex.VerifyWebhookAt(payload, sig, fmt.Sprint(ts), "whsec_test", time.Minute, time.Unix(ts+3600, 0)) {
		t.Fatal("replay outside the window accepted")
	}
	if grantex.VerifyWebhook(payload, sig, fmt.Sprint(ts), "whsec_test", 0) {
		t.Fatal("2026-01-01 timestamp accepted against the system clock")
	}
	if grantex.VerifyWebhookSignature(payload, "sha256=00", "whsec_test") {
		t.Fatal("bad V1 signature accepted")
	}
}

// wellFormedToken is a signed token of the shared vectors (its key set is not any server's).
func wellFormedToken(t *testing.T) string {
	var vec tokenVectors
	readVectors(t, "token-vectors.json", &vec)
	return vec.Cases[0].Token
}

// countAction is how many audit entries have action.
func countAction(entries []grantex.AuditEntry, action string) int {
	n := 0
	for _, e := range entries {
		if e.Action == action {
			n++
		}
	}
	return n
}

// Registered redirect URIs: set on register, read back, replaced and removed by update (an
// empty non-nil slice), and refused when not https (http only for loopback).
func TestRedirectURIs(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "web", Scopes: []string{"calendar:read"}, RedirectURIs: []string{"https://app.example/cb"}})
	if err != nil || len(agent.RedirectURIs) != 1 || agent.RedirectURIs[0] != "https://app.example/cb" {
		t.Fatalf("register: %v %+v", err, agent)
	}
	got, err := c.Agents.Update(ctx, agent.ID, grantex.UpdateAgentParams{RedirectURIs: []string{"http://127.0.0.1:8080/cb", "https://app.example/cb2"}})
	if err != nil || len(got.RedirectURIs) != 2 {
		t.Fatalf("replace: %v %+v", err, got)
	}
	name := "web-2"
	if got, err := c.Agents.Update(ctx, agent.ID, grantex.UpdateAgentParams{Name: &name}); err != nil || len(got.RedirectURIs) != 2 {
		t.Fatalf("a nil slice leaves them: %v %+v", err, got)
	}
	if got, err := c.Agents.Update(ctx, agent.ID, grantex.UpdateAgentParams{RedirectURIs: []string{}}); err != nil || len(got.RedirectURIs) != 0 {
		t.Fatalf("remove: %v %+v", err, got)
	}
	var apiErr *grantex.APIError
	if _, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "x", RedirectURIs: []string{"http://app.example/cb"}}); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("plain http: %v", err)
	}
}
