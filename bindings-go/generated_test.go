package grantex_test

import (
	"context"
	"testing"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// The methods generated from the catalog for the operations the reference SDK has no method
// for (methods_gen.go), and the operation table.
func TestGeneratedMethods(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	name := "Acme"
	if r, err := c.UpdateSettings(ctx, grantex.UpdateSettingsParams{FidoRpName: &name}); err != nil || !r.Updated {
		t.Fatalf("UpdateSettings: %v %+v", err, r)
	}
	if me, err := c.Me(ctx); err != nil || me.FidoRpName == nil || *me.FidoRpName != "Acme" {
		t.Fatalf("Me after UpdateSettings: %v %+v", err, me)
	}
	keys, err := c.Jwks(ctx)
	if err != nil || len(keys.Keys) == 0 || keys.Keys[0].Kty != "RSA" {
		t.Fatalf("Jwks: %v %+v", err, keys)
	}
	if h, err := c.Health(ctx); err != nil || h.Status == "" {
		t.Fatalf("Health: %v %+v", err, h)
	}
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "consent-page", Description: "reads mail", Scopes: []string{"email:read"}})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agent.ID, PrincipalID: "usr_d", Scopes: []string{"email:read"}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.Consent.Get(ctx, auth.AuthRequestID)
	if err != nil || req.AgentDID != agent.DID || len(req.Scopes) != 1 || req.Status == "" {
		t.Fatalf("Consent.Get: %v %+v", err, req)
	}
	if err := c.Consent.Deny(ctx, auth.AuthRequestID); err != nil {
		t.Fatalf("Consent.Deny: %v", err)
	}
	names := map[string]bool{}
	for _, op := range grantex.Operations {
		names[op.Name] = true
		if op.Method == "" || op.Path == "" {
			t.Errorf("operation %+v", op)
		}
	}
	for _, op := range []string{grantex.OpSignup, grantex.OpAgentsGet, grantex.OpConsentGet, grantex.OpPrincipalSessionsCreate} {
		if !names[op] {
			t.Errorf("%s missing from Operations", op)
		}
	}
}
