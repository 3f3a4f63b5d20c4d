package grantex_test

import (
	"context"
	"net/url"
	"os"
	"testing"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// The reference's remaining verify options (issue 13) against the real server's tokens:
// legacy_claims false (standard claims only, typ at+jwt), proof_jkt /
// require_proof_of_possession (cnf.jkt) and IssuerDID (did:web, the server standing in for the
// DID's host in the explicit development mode).
func TestReferenceVerifyOptions(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "ref-root", Scopes: []string{"calendar:read"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "ref-sub", Scopes: []string{"calendar:read"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := liveGrant(t, ctx, c, agent.ID, "go_ref", []string{"calendar:read"})
	del, err := c.Grants.Delegate(ctx, grantex.DelegateParams{ParentGrantToken: tok.GrantToken, SubAgentID: sub.ID, Scopes: []string{"calendar:read"}})
	if err != nil {
		t.Fatal(err)
	}
	verify := func(refs map[string]any) (*grantex.VerifiedGrant, error) {
		return grantex.VerifyGrantToken(ctx, del.GrantToken, grantex.VerifyOptions{JwksURI: c.JwksURI(), ReferenceOptions: refs})
	}

	g, err := verify(map[string]any{"legacy_claims": false})
	if err != nil || g.ParentAgentDID == nil || *g.ParentAgentDID != agent.DID || len(g.LegacyClaimsUsed) != 0 {
		t.Fatalf("standard claims only: %v %+v", err, g)
	}
	for _, tc := range []struct {
		refs map[string]any
		want string
	}{
		{map[string]any{"proof_jkt": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"}, "not_key_bound"},
		{map[string]any{"requireProofOfPossession": true}, "proof_required"},
	} {
		if _, err := verify(tc.refs); optionOutcome(err) != tc.want {
			t.Errorf("%v: got %v, want %s", tc.refs, err, tc.want)
		}
	}

	u, err := url.Parse(server.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	did := "did:web:localhost%3A" + u.Port()
	// Outside the development mode a local host is refused before anything is fetched.
	if _, err := grantex.VerifyGrantToken(ctx, del.GrantToken, grantex.VerifyOptions{IssuerDID: did}); optionOutcome(err) != "config_error" {
		t.Fatalf("localhost DID outside development mode: %v", err)
	}
	os.Setenv("GRANTEX_DID_WEB_ALLOW_LOCALHOST", "1")
	defer os.Unsetenv("GRANTEX_DID_WEB_ALLOW_LOCALHOST")
	// No JwksURI: the DID names where the keys are; the issuer is this server's own URL.
	if g, err := grantex.VerifyGrantToken(ctx, del.GrantToken, grantex.VerifyOptions{IssuerDID: did, Issuer: server.Issuer}); err != nil || g.GrantID != del.GrantID {
		t.Fatalf("did:web: %v %+v", err, g)
	}
	// A JwksURI elsewhere is not used: the DID is the trust anchor.
	elsewhere := grantex.VerifyOptions{JwksURI: "http://127.0.0.1:9/.well-known/jwks.json", IssuerDID: did, Issuer: server.Issuer}
	if _, err := grantex.VerifyGrantToken(ctx, del.GrantToken, elsewhere); err != nil {
		t.Fatalf("did:web with another JwksURI: %v", err)
	}
	// Without an explicit issuer the DID's location is expected, which these tokens do not name.
	if _, err := grantex.VerifyGrantToken(ctx, del.GrantToken, grantex.VerifyOptions{IssuerDID: did}); optionOutcome(err) != "wrong_issuer" {
		t.Fatalf("did:web without issuer: %v", err)
	}
}
