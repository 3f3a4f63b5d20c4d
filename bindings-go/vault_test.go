package grantex_test

import (
	"context"
	"testing"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// TestVault runs the vault namespace against the real server (issue 16 item 1): store, list and
// get without the secret, the exchange authenticated by the grant token (not the API key), its
// refusals, delete.
func TestVault(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	stored, err := c.Vault.Store(ctx, grantex.StoreCredentialParams{
		PrincipalID: "alice", Service: "github", AccessToken: "gho_go_secret",
		Metadata: map[string]any{"login": "alice"},
	})
	if err != nil || stored.CredentialType != "oauth2" {
		t.Fatalf("store: %+v %v", stored, err)
	}
	list, err := c.Vault.List(ctx, grantex.ListVaultCredentialsParams{Service: ptr("github")})
	if err != nil || len(list.Credentials) != 1 || list.Credentials[0].ID != stored.ID {
		t.Fatalf("list: %+v %v", list, err)
	}
	if got, err := c.Vault.Get(ctx, stored.ID); err != nil || got.Service != "github" {
		t.Fatalf("get: %+v %v", got, err)
	}
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "go-vault", Scopes: []string{"vault:github:exchange", "read"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := liveGrant(t, ctx, c, agent.ID, "alice", []string{"vault:github:exchange"})
	got, err := c.Vault.Exchange(ctx, tok.GrantToken, grantex.ExchangeCredentialParams{Service: "github"})
	if err != nil || got.AccessToken != "gho_go_secret" {
		t.Fatalf("exchange: %+v %v", got, err)
	}
	narrow := liveGrant(t, ctx, c, agent.ID, "alice", []string{"read"})
	if _, err := c.Vault.Exchange(ctx, narrow.GrantToken, grantex.ExchangeCredentialParams{Service: "github"}); !errorsIs(err, 403, "FORBIDDEN") {
		t.Fatalf("missing scope: %v", err)
	}
	if err := c.Grants.Revoke(ctx, tok.GrantID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Vault.Exchange(ctx, tok.GrantToken, grantex.ExchangeCredentialParams{Service: "github"}); err == nil {
		t.Fatal("a revoked token exchanged")
	} else if s, _ := apiCode(err); s != 401 {
		t.Fatalf("revoked token: %v", err)
	}
	if err := c.Vault.Delete(ctx, stored.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Vault.Get(ctx, stored.ID); !errorsIs(err, 404, "NOT_FOUND") {
		t.Fatalf("after delete: %v", err)
	}
}
