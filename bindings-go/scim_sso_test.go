package grantex_test

import (
	"context"
	"testing"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// TestScim runs the scim namespace against the real server (issue 19): a SCIM token (the secret
// shown once), users provisioned by a client keyed with that token, pagination, PATCH, the
// uniqueness refusal, deprovisioning revoking the principal's grant in the same request, and the
// revoked token refused.
func TestScim(t *testing.T) {
	ctx := context.Background()
	dev := freshAccount(t, ctx)
	created, err := dev.Scim.CreateToken(ctx, grantex.CreateScimTokenParams{Label: "go-idp"})
	if err != nil || len(created.Token) < 32 || created.Label != "go-idp" {
		t.Fatalf("create token: %+v %v", created, err)
	}
	if list, err := dev.Scim.ListTokens(ctx); err != nil || len(list.Tokens) != 1 || list.Tokens[0].ID != created.ID {
		t.Fatalf("list tokens: %+v %v", list, err)
	}
	idp := newClient(t, created.Token)
	alice, err := idp.Scim.CreateUser(ctx, grantex.CreateScimUserParams{
		UserName: "alice@example.com", DisplayName: ptr("Alice"),
		Emails: []grantex.ScimEmail{{Value: "alice@example.com", Primary: true}},
	})
	if err != nil || alice.UserName != "alice@example.com" || !alice.Active || alice.Meta.ResourceType != "User" {
		t.Fatalf("create user: %+v %v", alice, err)
	}
	bob, err := idp.Scim.CreateUser(ctx, grantex.CreateScimUserParams{UserName: "bob@example.com", Active: ptr(false)})
	if err != nil || bob.Active {
		t.Fatalf("create inactive user: %+v %v", bob, err)
	}
	if _, err := idp.Scim.CreateUser(ctx, grantex.CreateScimUserParams{UserName: "Alice@Example.com"}); err == nil {
		t.Fatal("a duplicate userName was accepted")
	} else if s, _ := apiCode(err); s != 409 {
		t.Fatalf("duplicate: %v", err)
	}
	page, err := idp.Scim.ListUsers(ctx, grantex.ListScimUsersParams{StartIndex: ptr(int64(2)), Count: ptr(int64(1))})
	if err != nil || page.TotalResults != 2 || len(page.Resources) != 1 || page.Resources[0].ID != bob.ID {
		t.Fatalf("list users: %+v %v", page, err)
	}

	agent, err := dev.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "go-scim", Scopes: []string{"calendar:read"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := liveGrant(t, ctx, dev, agent.ID, alice.ID, []string{"calendar:read"})
	if v, err := dev.Tokens.Verify(ctx, tok.GrantToken); err != nil || !v.Valid {
		t.Fatalf("before: %+v %v", v, err)
	}
	off, err := idp.Scim.UpdateUser(ctx, alice.ID, grantex.ScimPatchParams{Operations: []grantex.ScimPatchOperation{
		{Op: "replace", Path: ptr("active"), Value: false},
	}})
	if err != nil || off.Active {
		t.Fatalf("deactivate: %+v %v", off, err)
	}
	if v, err := dev.Tokens.Verify(ctx, tok.GrantToken); err != nil || v.Valid {
		t.Fatalf("a deprovisioned principal's grant still verifies: %+v %v", v, err)
	}

	if err := idp.Scim.DeleteUser(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := idp.Scim.GetUser(ctx, bob.ID); !errorsStatus(err, 404) {
		t.Fatalf("deleted user: %v", err)
	}
	if _, err := dev.Scim.ListUsers(ctx, grantex.ListScimUsersParams{}); !errorsStatus(err, 401) {
		t.Fatalf("an API key on /scim/v2: %v", err)
	}
	if err := dev.Scim.RevokeToken(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := idp.Scim.GetUser(ctx, alice.ID); !errorsStatus(err, 401) {
		t.Fatalf("revoked SCIM token: %v", err)
	}
}

// TestSsoConnections runs the sso namespace's management calls against the real server: an OIDC
// connection (its secret never read back), list, update, test against an IdP that does not
// resolve, enforcement, the (empty) session list, delete.
func TestSsoConnections(t *testing.T) {
	ctx := context.Background()
	dev := freshAccount(t, ctx)
	conn, err := dev.Sso.CreateConnection(ctx, grantex.CreateSsoConnectionParams{
		Name: "Go Okta", Protocol: "oidc", IssuerURL: ptr("https://idp.invalid"),
		ClientID: ptr("go-rp"), ClientSecret: ptr("go-rp-secret"), Domains: []string{"example.com"},
		GroupMappings: map[string][]string{"admins": {"calendar:write"}},
	})
	if err != nil || conn.Protocol != "oidc" || conn.GroupMappings["admins"][0] != "calendar:write" {
		t.Fatalf("create: %+v %v", conn, err)
	}
	got, err := dev.Sso.GetConnection(ctx, conn.ID)
	if err != nil || got.ClientID == nil || *got.ClientID != "go-rp" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if list, err := dev.Sso.ListConnections(ctx); err != nil || len(list.Connections) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if up, err := dev.Sso.UpdateConnection(ctx, conn.ID, grantex.UpdateSsoConnectionParams{Name: ptr("Go Okta 2")}); err != nil || up.Name != "Go Okta 2" {
		t.Fatalf("update: %+v %v", up, err)
	}
	// An IdP that does not resolve: 422 (success: false), as the reference.
	if res, err := dev.Sso.TestConnection(ctx, conn.ID); !errorsStatus(err, 422) {
		t.Fatalf("test of an unresolvable IdP: %+v %v", res, err)
	}
	if e, err := dev.Sso.SetEnforcement(ctx, grantex.SsoEnforcementParams{Enforce: true}); err != nil || !e.Enforce {
		t.Fatalf("enforce: %+v %v", e, err)
	}
	if e, err := dev.Sso.SetEnforcement(ctx, grantex.SsoEnforcementParams{Enforce: false}); err != nil || e.Enforce {
		t.Fatalf("unenforce: %+v %v", e, err)
	}
	if s, err := dev.Sso.ListSessions(ctx); err != nil || len(s.Sessions) != 0 {
		t.Fatalf("sessions: %+v %v", s, err)
	}
	if err := dev.Sso.DeleteConnection(ctx, conn.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Sso.GetConnection(ctx, conn.ID); !errorsStatus(err, 404) {
		t.Fatalf("deleted connection: %v", err)
	}
}

func errorsStatus(err error, status int) bool {
	s, _ := apiCode(err)
	return s == status
}
