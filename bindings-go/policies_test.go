package grantex_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

func ptr[T any](v T) *T { return &v }

// TestPolicies runs the policies namespace against the real server (issue 15 item 1): CRUD,
// 404 across developers, 422 on bad fields, an allow approving /v1/authorize at once, a matching
// deny refusing it with 403 POLICY_DENIED naming the policy, and the dry run.
func TestPolicies(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	other := freshAccount(t, ctx)

	p, err := c.Policies.Create(ctx, grantex.CreatePolicyParams{
		Name: "alice calendars", Effect: "allow", Priority: 10,
		PrincipalID: ptr("alice"), Scopes: []string{"calendar:read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.ID, "pol_") || p.Version != 1 || p.AgentID != nil {
		t.Fatalf("created: %+v", p)
	}
	list, err := c.Policies.List(ctx)
	if err != nil || list.Total != 1 || list.Policies[0].ID != p.ID {
		t.Fatalf("list: %+v %v", list, err)
	}
	u, err := c.Policies.Update(ctx, p.ID, grantex.UpdatePolicyParams{Name: ptr("renamed")})
	if err != nil || u.Name != "renamed" || u.Version != 2 || len(u.Scopes) != 1 {
		t.Fatalf("update: %+v %v", u, err)
	}
	var apiErr *grantex.APIError
	if _, err := other.Policies.Get(ctx, p.ID); !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("another developer's policy: %v", err)
	}
	_, err = c.Policies.Create(ctx, grantex.CreatePolicyParams{Name: "x", Effect: "maybe"})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 422 || apiErr.Code != "VALIDATION_ERROR" {
		t.Fatalf("bad effect: %v", err)
	}

	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "go-policies", Scopes: []string{"calendar:read", "payments:transfer"}})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agent.AgentID, PrincipalID: "alice", Scopes: []string{"calendar:read"}})
	if err != nil || auth.Code == "" || auth.Status != "approved" {
		t.Fatalf("an allow approves at once: %+v %v", auth, err)
	}
	deny, err := c.Policies.Create(ctx, grantex.CreatePolicyParams{Name: "no payments", Effect: "deny", Scopes: []string{"payments:transfer"}, Priority: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agent.AgentID, PrincipalID: "alice", Scopes: []string{"calendar:read", "payments:transfer"}})
	var authErr *grantex.AuthError
	if !errors.As(err, &authErr) || authErr.StatusCode != 403 || authErr.Code != "POLICY_DENIED" {
		t.Fatalf("a matching deny refuses: %v", err)
	}
	var body struct {
		PolicyID string `json:"policyId"`
	}
	if json.Unmarshal(authErr.Body, &body) != nil || body.PolicyID != deny.ID {
		t.Fatalf("the refusal names its policy: %s", authErr.Body)
	}
	d, err := c.Policies.Evaluate(ctx, grantex.EvaluatePolicyParams{AgentID: agent.AgentID, PrincipalID: "alice", Scopes: []string{"payments:transfer"}})
	if err != nil || d.Decision != "deny" || d.PolicyID == nil || *d.PolicyID != deny.ID {
		t.Fatalf("dry run: %+v %v", d, err)
	}
	if err := c.Policies.Delete(ctx, deny.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Policies.Delete(ctx, deny.ID); !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("second delete: %v", err)
	}
}
