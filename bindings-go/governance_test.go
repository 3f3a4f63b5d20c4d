package grantex_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

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
	auth, err := c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agent.ID, PrincipalID: "alice", Scopes: []string{"calendar:read"}})
	if err != nil || auth.Code == "" || auth.Status != "approved" {
		t.Fatalf("an allow approves at once: %+v %v", auth, err)
	}
	deny, err := c.Policies.Create(ctx, grantex.CreatePolicyParams{Name: "no payments", Effect: "deny", Scopes: []string{"payments:transfer"}, Priority: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agent.ID, PrincipalID: "alice", Scopes: []string{"calendar:read", "payments:transfer"}})
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
	d, err := c.Policies.Evaluate(ctx, grantex.EvaluatePolicyParams{AgentID: agent.ID, PrincipalID: "alice", Scopes: []string{"payments:transfer"}})
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

// TestWebhookDeliveries registers an endpoint served here (the test server runs with
// --allow-private-webhooks), checks every delivery with VerifyWebhook and
// VerifyWebhookSignature, lets the first attempt fail, and reads the delivery log.
func TestWebhookDeliveries(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	var mu sync.Mutex
	var secret string
	failNext := 1
	got := map[string]int{}
	refused := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if failNext > 0 {
			failNext--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var ev struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		}
		ok := grantex.VerifyWebhook(body, r.Header.Get("X-Grantex-Signature-V2"), r.Header.Get("X-Grantex-Timestamp"), secret, 5*time.Minute) &&
			grantex.VerifyWebhookSignature(body, r.Header.Get("X-Grantex-Signature"), secret) &&
			json.Unmarshal(body, &ev) == nil && ev.ID == r.Header.Get("X-Grantex-Event-Id")
		if !ok {
			refused++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got[ev.Type]++
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	w, err := c.Webhooks.Create(ctx, grantex.CreateWebhookParams{URL: srv.URL + "/hook", Events: []string{"agent.created", "agent.updated"}})
	if err != nil || !strings.HasPrefix(w.Secret, "whsec_") {
		t.Fatalf("create: %+v %v", w, err)
	}
	mu.Lock()
	secret = w.Secret
	mu.Unlock()
	a, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "go-hooked", Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Agents.Update(ctx, a.ID, grantex.UpdateAgentParams{Name: ptr("go-hooked-2")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		done := got["agent.created"] == 1 && got["agent.updated"] == 1
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries: %v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if refused != 0 {
		t.Fatalf("%d deliveries did not verify", refused)
	}
	// An attempt is recorded once the receiver has answered: wait until none is pending.
	var log *grantex.WebhookDeliveryList
	for until := time.Now().Add(20 * time.Second); ; {
		log, err = c.Webhooks.Deliveries(ctx, w.ID, grantex.ListDeliveriesParams{})
		if err != nil || log.Total != 2 {
			t.Fatalf("log: %+v %v", log, err)
		}
		pending := false
		for _, d := range log.Deliveries {
			pending = pending || d.Status == "pending"
		}
		if !pending || time.Now().After(until) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	attempts := 0
	for _, d := range log.Deliveries {
		if d.Status != "delivered" {
			t.Fatalf("delivery: %+v", d)
		}
		attempts += int(d.Attempts)
	}
	if attempts < 3 {
		t.Fatalf("the failed first attempt was not retried: %d attempts", attempts)
	}
	list, err := c.Webhooks.List(ctx)
	if err != nil || len(list.Webhooks) != 1 || list.Webhooks[0].ID != w.ID {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := c.Webhooks.Delete(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	var apiErr *grantex.APIError
	if err := c.Webhooks.Delete(ctx, w.ID); !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("second delete: %v", err)
	}
}

// TestComplianceAndAnomalies: the summary and exports agree with the data, the evidence pack's
// chain verifies, and a first high-risk scope is found once and acknowledged (issue 15 items
// 3 and 4).
func TestComplianceAndAnomalies(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	a, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "go-compliance", Scopes: []string{"read", "payments:initiate"}})
	if err != nil {
		t.Fatal(err)
	}
	liveGrant(t, ctx, c, a.ID, "alice", []string{"read"})
	tok := liveGrant(t, ctx, c, a.ID, "bob", []string{"read"})
	if err := c.Grants.Revoke(ctx, tok.GrantID); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compliance.GetSummary(ctx, grantex.ComplianceSummaryParams{})
	if err != nil || s.Grants["total"] != 2 || s.Grants["revoked"] != 1 || s.Plan != "self-hosted" {
		t.Fatalf("summary: %+v %v", s, err)
	}
	g, err := c.Compliance.ExportGrants(ctx, grantex.ComplianceExportGrantsParams{Status: ptr("active")})
	if err != nil || g.Total != 1 || len(g.Grants) != 1 {
		t.Fatalf("export grants: %+v %v", g, err)
	}
	audit, err := c.Compliance.ExportAudit(ctx, grantex.ComplianceExportAuditParams{})
	if err != nil || audit.Total != s.AuditEntries["total"] {
		t.Fatalf("export audit: %+v %v", audit, err)
	}
	pack, err := c.Compliance.EvidencePack(ctx, grantex.EvidencePackParams{})
	if err != nil || !pack.ChainIntegrity.Valid || pack.ChainIntegrity.CheckedEntries != audit.Total {
		t.Fatalf("evidence pack: %+v %v", pack, err)
	}

	if d, err := c.Anomalies.Detect(ctx); err != nil || d.Total != 0 {
		t.Fatalf("quiet detect: %+v %v", d, err)
	}
	liveGrant(t, ctx, c, a.ID, "alice", []string{"payments:initiate"})
	d, err := c.Anomalies.Detect(ctx)
	if err != nil || d.Total != 1 || d.Anomalies[0].Kind != "new_high_risk_scope" {
		t.Fatalf("detect: %+v %v", d, err)
	}
	acked, err := c.Anomalies.Acknowledge(ctx, d.Anomalies[0].ID)
	if err != nil || acked.AcknowledgedAt == nil {
		t.Fatalf("acknowledge: %+v %v", acked, err)
	}
	open, err := c.Anomalies.List(ctx, grantex.ListAnomaliesParams{Unacknowledged: true})
	if err != nil || open.Total != 0 {
		t.Fatalf("open anomalies: %+v %v", open, err)
	}
}
