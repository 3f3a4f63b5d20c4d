package grantex_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// The reference SDKs' identity-binding verify options (issue 13) against the real server:
// ExpectedPrincipalID, ExpectedAgentDID and CurrentAuthority (the client's online Grants.Verify
// as the authority).
func TestIdentityBinding(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	const aud = "https://calendar.example.com"
	issue := func(principal string) (*grantex.Agent, *grantex.ExchangeTokenResponse) {
		agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "bound", Scopes: []string{"calendar:read"}})
		if err != nil {
			t.Fatal(err)
		}
		auth, err := c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agent.ID, PrincipalID: principal, Scopes: []string{"calendar:read"}, Audience: aud})
		if err != nil {
			t.Fatal(err)
		}
		approval, err := c.Consent.Approve(ctx, auth.AuthRequestID)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := c.Tokens.Exchange(ctx, grantex.ExchangeTokenParams{Code: approval.Code, AgentID: agent.ID})
		if err != nil {
			t.Fatal(err)
		}
		return agent, tok
	}
	code := func(err error) string {
		var te *grantex.TokenError
		if errors.As(err, &te) {
			return te.Code
		}
		return fmt.Sprintf("not a token error: %v", err)
	}
	agent, tok := issue("go_bound")
	_, other := issue("go_other")
	base := grantex.VerifyOptions{JwksURI: c.JwksURI()}

	bound := base
	bound.ExpectedPrincipalID, bound.ExpectedAgentDID = grantex.String("go_bound"), grantex.String(agent.DID)
	if g, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, bound); err != nil || g.PrincipalID != "go_bound" {
		t.Fatalf("bound: %v %+v", err, g)
	}
	for _, tc := range []struct {
		principal, agent *string
		want             string
	}{
		{grantex.String("someone_else"), nil, "wrong_principal"},
		{grantex.String(""), nil, "wrong_principal"},
		{nil, grantex.String("did:grantex:ag_other"), "wrong_agent"},
	} {
		o := base
		o.ExpectedPrincipalID, o.ExpectedAgentDID = tc.principal, tc.agent
		if _, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, o); err == nil || code(err) != tc.want {
			t.Errorf("%v/%v: %v, want %s", tc.principal, tc.agent, err, tc.want)
		}
	}

	// The current authority: the server's online answer, once per verification.
	calls := 0
	withAuthority := base
	withAuthority.Audience = aud
	withAuthority.CurrentAuthority = func(ctx context.Context, token string) (*grantex.VerifiedGrant, error) {
		calls++
		return c.Grants.Verify(ctx, token)
	}
	if g, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, withAuthority); err != nil || g.GrantID != tok.GrantID || calls != 1 {
		t.Fatalf("authority: %v %+v calls %d", err, g, calls)
	}
	// Through a Verifier too.
	v, err := grantex.NewVerifier(c.JwksURI())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.Verify(ctx, tok.GrantToken, withAuthority); err != nil {
		t.Fatalf("verifier authority: %v", err)
	}
	otherAnswer, err := c.Grants.Verify(ctx, other.GrantToken)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(context.Context, string) (*grantex.VerifiedGrant, error){
		"another grant": func(context.Context, string) (*grantex.VerifiedGrant, error) { return otherAnswer, nil },
		"no grant":      func(context.Context, string) (*grantex.VerifiedGrant, error) { return nil, nil },
		"failing": func(context.Context, string) (*grantex.VerifiedGrant, error) {
			return nil, errors.New("authority offline")
		},
	} {
		o := withAuthority
		o.CurrentAuthority = f
		_, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, o)
		if code(err) != "authority_mismatch" {
			t.Errorf("%s: %v", name, err)
		}
		if name == "failing" && (errors.Unwrap(err) == nil || errors.Unwrap(err).Error() != "authority offline" || strings.Contains(err.Error(), "offline")) {
			t.Errorf("failing: the callback's error is not the cause: %v", err)
		}
	}
	// Revoked on the server: offline alone passes, the authority refuses.
	if err := c.Grants.Revoke(ctx, tok.GrantID); err != nil {
		t.Fatal(err)
	}
	offline := base
	offline.Audience = aud
	if _, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, offline); err != nil {
		t.Fatalf("offline after revoke: %v", err)
	}
	if _, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, withAuthority); code(err) != "authority_mismatch" {
		t.Fatalf("revoked: %v", err)
	}
	// An authority without an audience is a token error, as in the reference.
	noAud := withAuthority
	noAud.Audience = ""
	if _, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, noAud); code(err) != "authority_mismatch" {
		t.Fatalf("no audience: %v", err)
	}
	// A NUL byte cannot reach the C library cut short: refused, never matched as a prefix.
	nul := base
	nul.ExpectedPrincipalID = grantex.String("go_bound\x00tail")
	var ge *grantex.Error
	if _, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, nul); !errors.As(err, &ge) || ge.Code != "invalid_argument" {
		t.Fatalf("NUL in an option: %v", err)
	}
}
