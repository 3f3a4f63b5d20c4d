package grantex_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

func apiCode(err error) (int, string) {
	var apiErr *grantex.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode, apiErr.Code
	}
	return 0, ""
}

// TestBudgets runs the budgets namespace against the real server (issue 16 item 2): exact
// balances, the errors, fifty concurrent debits against thirty, idempotency keys, the bdg claim
// of refreshed and delegated tokens read by the Go verifier, children bounded by their parents.
func TestBudgets(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "go-budgets", Scopes: []string{"pay", "read"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := liveGrant(t, ctx, c, agent.ID, "alice", []string{"pay", "read"})
	b, err := c.Budgets.Allocate(ctx, grantex.AllocateBudgetParams{GrantID: tok.GrantID, InitialBudget: 10})
	if err != nil || b.InitialBudget != "10.0000" || b.RemainingBudget != "10.0000" || b.Currency != "USD" {
		t.Fatalf("allocate: %+v %v", b, err)
	}
	if _, err := c.Budgets.Allocate(ctx, grantex.AllocateBudgetParams{GrantID: tok.GrantID, InitialBudget: 1}); !errorsIs(err, 409, "CONFLICT") {
		t.Fatalf("second allocation: %v", err)
	}
	d, err := c.Budgets.Debit(ctx, grantex.DebitBudgetParams{GrantID: tok.GrantID, Amount: 0.1})
	if err != nil || d.Remaining != "9.9000" {
		t.Fatalf("debit: %+v %v", d, err)
	}
	d2, err := c.Budgets.Debit(ctx, grantex.DebitBudgetParams{GrantID: tok.GrantID, Amount: 2.9, IdempotencyKey: ptr("go-once")})
	if err != nil || d2.Remaining != "7.0000" {
		t.Fatalf("debit: %+v %v", d2, err)
	}
	again, err := c.Budgets.Debit(ctx, grantex.DebitBudgetParams{GrantID: tok.GrantID, Amount: 2.9, IdempotencyKey: ptr("go-once")})
	if err != nil || again.TransactionID != d2.TransactionID {
		t.Fatalf("a repeated key answers the first debit: %+v %v", again, err)
	}
	if _, err := c.Budgets.Debit(ctx, grantex.DebitBudgetParams{GrantID: tok.GrantID, Amount: 100}); !errorsIs(err, 402, "INSUFFICIENT_BUDGET") {
		t.Fatalf("overspend: %v", err)
	}
	txs, err := c.Budgets.Transactions(ctx, tok.GrantID, grantex.BudgetTransactionsParams{PageSize: ptr(int64(1))})
	if err != nil || txs.Total != 2 || len(txs.Transactions) != 1 || txs.Transactions[0].ID != d2.TransactionID {
		t.Fatalf("transactions: %+v %v", txs, err)
	}
	all, err := c.Budgets.ListAllocations(ctx)
	if err != nil || len(all.Allocations) != 1 {
		t.Fatalf("allocations: %+v %v", all, err)
	}

	// The refreshed token carries what is left; so does a delegated one, bounded by the parent.
	refreshed, err := c.Tokens.Refresh(ctx, grantex.RefreshTokenParams{RefreshToken: tok.RefreshToken, AgentID: agent.ID})
	if err != nil {
		t.Fatal(err)
	}
	g, err := grantex.VerifyGrantToken(ctx, refreshed.GrantToken, grantex.VerifyOptions{JwksURI: c.JwksURI()})
	if err != nil || g.Budget == nil || *g.Budget != 7 {
		t.Fatalf("bdg of the refreshed token: %+v %v", g, err)
	}
	sub, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "go-sub", Scopes: []string{"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	del, err := c.Grants.Delegate(ctx, grantex.DelegateParams{ParentGrantToken: refreshed.GrantToken, SubAgentID: sub.ID, Scopes: []string{"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Budgets.Allocate(ctx, grantex.AllocateBudgetParams{GrantID: del.GrantID, InitialBudget: 8}); !errorsIs(err, 422, "BUDGET_EXCEEDS_PARENT") {
		t.Fatalf("child above its parent: %v", err)
	}
	if _, err := c.Budgets.Allocate(ctx, grantex.AllocateBudgetParams{GrantID: del.GrantID, InitialBudget: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Budgets.Debit(ctx, grantex.DebitBudgetParams{GrantID: del.GrantID, Amount: 4}); err != nil {
		t.Fatal(err)
	}
	if bal, err := c.Budgets.Balance(ctx, tok.GrantID); err != nil || bal.RemainingBudget != "3.0000" {
		t.Fatalf("the child spends the parent's budget: %+v %v", bal, err)
	}

	// Fifty concurrent debits against thirty.
	tok2 := liveGrant(t, ctx, c, agent.ID, "bob", []string{"pay"})
	if _, err := c.Budgets.Allocate(ctx, grantex.AllocateBudgetParams{GrantID: tok2.GrantID, InitialBudget: 30}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Budgets.Debit(ctx, grantex.DebitBudgetParams{GrantID: tok2.GrantID, Amount: 1})
			_, code := apiCode(err)
			if err == nil {
				code = "ok"
			}
			mu.Lock()
			outcomes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if outcomes["ok"] != 30 || outcomes["INSUFFICIENT_BUDGET"] != 20 {
		t.Fatalf("outcomes: %v", outcomes)
	}
	if bal, err := c.Budgets.Balance(ctx, tok2.GrantID); err != nil || bal.RemainingBudget != "0.0000" {
		t.Fatalf("balance after the race: %+v %v", bal, err)
	}
}

func errorsIs(err error, status int, code string) bool {
	s, c := apiCode(err)
	return s == status && c == code
}

// TestBudgetThresholdEvents: the 50%, 80% and exhausted events reach a real webhook receiver
// once each.
func TestBudgetThresholdEvents(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	var mu sync.Mutex
	var got [][2]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var e struct {
			Type string `json:"type"`
			Data struct {
				Pct int `json:"pct"`
			} `json:"data"`
		}
		if json.Unmarshal(body, &e) == nil {
			mu.Lock()
			got = append(got, [2]any{e.Type, e.Data.Pct})
			mu.Unlock()
		}
		w.WriteHeader(204)
	}))
	defer hook.Close()
	if _, err := c.Webhooks.Create(ctx, grantex.CreateWebhookParams{URL: hook.URL + "/hook", Events: []string{"budget.threshold", "budget.exhausted"}}); err != nil {
		t.Fatal(err)
	}
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "go-thresholds", Scopes: []string{"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := liveGrant(t, ctx, c, agent.ID, "carol", []string{"pay"})
	if _, err := c.Budgets.Allocate(ctx, grantex.AllocateBudgetParams{GrantID: tok.GrantID, InitialBudget: 10}); err != nil {
		t.Fatal(err)
	}
	for _, amount := range []float64{5, 1, 2.5, 1.5} {
		if _, err := c.Budgets.Debit(ctx, grantex.DebitBudgetParams{GrantID: tok.GrantID, Amount: amount}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(got, func(i, j int) bool { return got[i][1].(int) < got[j][1].(int) })
	want := [][2]any{{"budget.threshold", 50}, {"budget.threshold", 80}, {"budget.exhausted", 100}}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("events: %v", got)
	}
}

// TestUsage: the usage namespace counts the developer's metered requests of the day.
func TestUsage(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "go-usage", Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := liveGrant(t, ctx, c, agent.ID, "dora", []string{"read"})
	if _, err := c.Tokens.Verify(ctx, tok.GrantToken); err != nil {
		t.Fatal(err)
	}
	u, err := c.Usage.Current(ctx)
	if err != nil || u.Authorizations != 1 || u.TokenExchanges != 1 || u.Verifications != 1 || u.TotalRequests != 3 {
		t.Fatalf("usage: %+v %v", u, err)
	}
	h, err := c.Usage.History(ctx, grantex.UsageHistoryParams{Days: ptr(int64(2))})
	if err != nil || h.Days != 2 || len(h.Entries) != 1 || h.Entries[0].Date != u.Period || h.Entries[0].TotalRequests != 3 {
		t.Fatalf("history: %+v %v", h, err)
	}
}
