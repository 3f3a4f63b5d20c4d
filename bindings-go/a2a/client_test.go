package a2a_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	grantex "github.com/grantex-rs/grantex/bindings-go"
	"github.com/grantex-rs/grantex/bindings-go/a2a"
	"github.com/grantex-rs/grantex/bindings-go/internal/testserver"
)

// agentB starts the example agent (examples/a2a-agent) trusting the test server: it needs
// tasks:send, accepts one hop of delegation and checks revocation online with apiKey on every
// call (the C tests' agent B).
func agentB(t *testing.T, apiKey string) string {
	t.Helper()
	root, _ := filepath.Abs("../..")
	url, stop, err := testserver.StartAgent(root, "--jwks-uri", server.JwksURI, "--required-scope", "tasks:send",
		"--allow-delegation", "--max-depth", "1", "--revocation-check", "online", "--grantex-url", server.BaseURL,
		"--api-key", apiKey, "--revocation-cache-ttl", "0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url
}

func newClient(t *testing.T, url, token string, opts a2a.ClientOptions) *a2a.Client {
	t.Helper()
	c, err := a2a.NewClient(url, token, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// a2aError asserts err is an *a2a.Error with code (and reason, status when given).
func a2aError(t *testing.T, what string, err error, code, reason string, status int) *a2a.Error {
	t.Helper()
	var e *a2a.Error
	if !errors.As(err, &e) || e.Code != code || (reason != "" && e.Reason != reason) || e.Status != status {
		t.Fatalf("%s: got %#v (%v), want %s/%s/%d", what, e, err, code, reason, status)
	}
	return e
}

func text(task *a2a.Task) string {
	if len(task.Artifacts) == 0 || len(task.Artifacts[0].Parts) == 0 {
		return ""
	}
	return task.Artifacts[0].Parts[0].Text
}

func TestClientAgainstTheExampleAgent(t *testing.T) {
	gx, apiKey, root, delegated := tokens(t)
	url := agentB(t, apiKey)
	ctx := context.Background()
	c := newClient(t, url, root.GrantToken, a2a.ClientOptions{Timeout: 10 * time.Second})
	if c.AgentURL() != url {
		t.Fatalf("agent URL %q", c.AgentURL())
	}

	// The card names the server's keys and issuer and the scope the agent needs.
	card, err := c.Card(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if card.URL != url || card.Authentication == nil || len(card.Authentication.Schemes) == 0 {
		t.Fatalf("card: %+v", card)
	}
	cfg := card.Authentication.Schemes[0].GrantexConfig
	if cfg == nil || cfg.JwksURI != server.JwksURI || cfg.Issuer != server.BaseURL || len(cfg.RequiredScopes) != 1 || cfg.RequiredScopes[0] != "tasks:send" {
		t.Fatalf("card's grantex config: %+v", cfg)
	}

	// Preflight, then tasks/send, tasks/get (typed and raw) and tasks/cancel of a finished task.
	g, err := c.Preflight(ctx)
	if err != nil || g.GrantID != root.GrantID || g.PrincipalID != "usr_a2a" {
		t.Fatalf("preflight: %v %+v", err, g)
	}
	task, err := c.SendText(ctx, "hello from Go")
	if err != nil || task.Status.State != a2a.TaskCompleted || !task.Status.State.Terminal() || text(task) != "hello from Go" {
		t.Fatalf("tasks/send: %v %+v", err, task)
	}
	got, err := c.GetTask(ctx, a2a.TaskGetParams{ID: task.ID})
	if err != nil || got.ID != task.ID || got.Status.State != a2a.TaskCompleted {
		t.Fatalf("tasks/get: %v %+v", err, got)
	}
	var raw map[string]any
	if err := c.Call(ctx, a2a.MethodGet, map[string]string{"id": task.ID}, &raw); err != nil || raw["id"] != task.ID {
		t.Fatalf("raw tasks/get: %v %v", err, raw)
	}
	_, err = c.CancelTask(ctx, a2a.TaskCancelParams{ID: task.ID})
	e := a2aError(t, "cancel a finished task", err, "a2a_rpc_error", "", 200)
	if e.RPC == nil || e.RPC.Code != -32011 {
		t.Fatalf("cancel: %+v", e.RPC)
	}
	if err := c.Call(ctx, "tasks/unknown", nil, nil); err == nil {
		t.Fatal("an unknown method was accepted")
	} else {
		a2aError(t, "unknown method", err, "a2a_rpc_error", "", 200)
	}
	var ge *grantex.Error
	if err := c.Call(ctx, "", nil, nil); !errors.As(err, &ge) || ge.Code != "invalid_argument" {
		t.Fatalf("empty method: %v", err)
	}
	// A data part and metadata go through as JSON.
	task, err = c.SendTask(ctx, a2a.TaskSendParams{
		Message:  a2a.Message{Role: a2a.RoleUser, Parts: []a2a.Part{a2a.TextPart("with data"), a2a.DataPart(json.RawMessage(`{"n":1}`))}},
		Metadata: json.RawMessage(`{"trace":"go"}`),
	})
	if err != nil || text(task) != "with data" {
		t.Fatalf("tasks/send with a data part: %v %+v", err, task)
	}

	// A delegated token (one hop) is accepted; two hops are refused by the agent (403).
	dc := newClient(t, url, delegated.GrantToken, a2a.ClientOptions{})
	if task, err := dc.SendText(ctx, "from the sub-agent"); err != nil || text(task) != "from the sub-agent" {
		t.Fatalf("delegated: %v %+v", err, task)
	}
	third, err := gx.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "third", Scopes: []string{"tasks:send"}})
	if err != nil {
		t.Fatal(err)
	}
	deeper, err := gx.Grants.Delegate(ctx, grantex.DelegateParams{ParentGrantToken: delegated.GrantToken, SubAgentID: third.ID, Scopes: []string{"tasks:send"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = newClient(t, url, deeper.GrantToken, a2a.ClientOptions{}).SendText(ctx, "too deep")
	e = a2aError(t, "two hops", err, "a2a_rpc_error", "delegation_too_deep", 403)
	if e.RPC == nil || e.RPC.Code != -32003 || !strings.Contains(string(e.RPC.Data), "delegation_too_deep") {
		t.Fatalf("two hops: %+v", e.RPC)
	}

	// A forged token never leaves: the preflight refuses it (no HTTP status), and errors.As
	// finds the token error too.
	forged := root.GrantToken[:len(root.GrantToken)-3] + "AAA"
	if forged == root.GrantToken {
		forged = root.GrantToken[:len(root.GrantToken)-3] + "BBB"
	}
	_, err = newClient(t, url, forged, a2a.ClientOptions{}).SendText(ctx, "forged")
	a2aError(t, "forged", err, "a2a_preflight", "bad_signature", 0)
	var te *grantex.TokenError
	if !errors.As(err, &te) || te.Code != "bad_signature" {
		t.Fatalf("forged as a token error: %v", err)
	}

	// No agent card at the Grantex server; nothing listening on port 9.
	_, err = newClient(t, server.BaseURL, root.GrantToken, a2a.ClientOptions{}).SendText(ctx, "x")
	a2aError(t, "no card", err, "a2a_card_error", "", 0)
	_, err = newClient(t, "http://127.0.0.1:9", root.GrantToken, a2a.ClientOptions{}).SendText(ctx, "x")
	var ne *grantex.NetworkError
	if !errors.As(err, &ne) {
		t.Fatalf("closed port: %v", err)
	}

	// 32 goroutines share one client.
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := fmt.Sprintf("goroutine %d", i)
			if task, err := c.SendText(ctx, msg); err != nil || text(task) != msg {
				t.Errorf("concurrent send: %v %+v", err, task)
			}
		}()
	}
	wg.Wait()

	// The agent checks revocation online: once the grant is revoked, it refuses (401 revoked).
	if err := gx.Grants.Revoke(ctx, root.GrantID); err != nil {
		t.Fatal(err)
	}
	_, err = c.SendText(ctx, "after revocation")
	e = a2aError(t, "revoked", err, "a2a_rpc_error", "revoked", 401)
	if e.RPC == nil || e.RPC.Code != -32001 {
		t.Fatalf("revoked: %+v", e.RPC)
	}

	// Contexts and Close.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.SendText(cctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	c.Close()
	c.Close()
	if _, err := c.Card(ctx); !errors.Is(err, grantex.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}

func TestClientOptions(t *testing.T) {
	_, apiKey, root, _ := tokens(t)
	url := agentB(t, apiKey)
	ctx := context.Background()
	card, err := newClient(t, url, root.GrantToken, a2a.ClientOptions{}).Card(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// A given card is not fetched: a client for a closed port has it and preflights (the
	// card's JWKS is the server's), but cannot send.
	offline := newClient(t, "http://127.0.0.1:9", root.GrantToken, a2a.ClientOptions{Card: card})
	if got, err := offline.Card(ctx); err != nil || got.URL != url {
		t.Fatalf("given card: %v %+v", err, got)
	}
	if _, err := offline.Preflight(ctx); err != nil {
		t.Fatalf("preflight with a given card: %v", err)
	}
	var ne *grantex.NetworkError
	if _, err := offline.SendText(ctx, "x"); !errors.As(err, &ne) {
		t.Fatalf("send to a closed port: %v", err)
	}

	// Pinned key set: by URI, or by document (fetched here, then never again).
	if _, err := newClient(t, url, root.GrantToken, a2a.ClientOptions{JwksURI: server.JwksURI}).Preflight(ctx); err != nil {
		t.Fatalf("pinned JWKS URI: %v", err)
	}
	resp, err := http.Get(server.JwksURI)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, err := newClient(t, url, root.GrantToken, a2a.ClientOptions{JWKS: jwks}).Preflight(ctx); err != nil {
		t.Fatalf("pinned JWKS document: %v", err)
	}

	// Issuer, audience and extra scopes are checked before anything is sent.
	_, err = newClient(t, url, root.GrantToken, a2a.ClientOptions{Issuer: "https://issuer.example"}).Preflight(ctx)
	a2aError(t, "other issuer", err, "a2a_card_error", "", 0)
	if _, err := newClient(t, url, root.GrantToken, a2a.ClientOptions{Issuer: server.BaseURL}).Preflight(ctx); err != nil {
		t.Fatalf("the card's issuer: %v", err)
	}
	_, err = newClient(t, url, root.GrantToken, a2a.ClientOptions{Audience: "https://agent.example"}).SendText(ctx, "x")
	a2aError(t, "audience", err, "a2a_preflight", "wrong_audience", 0)
	_, err = newClient(t, url, root.GrantToken, a2a.ClientOptions{RequiredScopes: []string{"payments:initiate"}}).SendText(ctx, "x")
	a2aError(t, "extra scope", err, "a2a_preflight", "missing_scopes", 0)
	c := newClient(t, url, root.GrantToken, a2a.ClientOptions{RequiredScopes: []string{"tasks:send"}, ClockTolerance: 30 * time.Second})
	if task, err := c.SendText(ctx, "with options"); err != nil || text(task) != "with options" {
		t.Fatalf("with options: %v %+v", err, task)
	}

	// Bad arguments and options are refused when the client is made.
	var ge *grantex.Error
	bad := []struct {
		name, url, token string
		opts             a2a.ClientOptions
		code             string
	}{
		{"empty token", url, " ", a2a.ClientOptions{}, "invalid_argument"},
		{"not http", "ftp://agent.example", root.GrantToken, a2a.ClientOptions{}, "invalid_argument"},
		{"URI and document", url, root.GrantToken, a2a.ClientOptions{JwksURI: server.JwksURI, JWKS: jwks}, "config_error"},
		{"bad JWKS URI", url, root.GrantToken, a2a.ClientOptions{JwksURI: "ftp://keys.example"}, "config_error"},
		{"clock tolerance", url, root.GrantToken, a2a.ClientOptions{ClockTolerance: 2 * time.Hour}, "config_error"},
		{"timeout", url, root.GrantToken, a2a.ClientOptions{Timeout: 48 * time.Hour}, "invalid_argument"},
	}
	for _, b := range bad {
		if _, err := a2a.NewClient(b.url, b.token, b.opts); !errors.As(err, &ge) || ge.Code != b.code {
			t.Errorf("%s: %v, want %s", b.name, err, b.code)
		}
	}
	var te *grantex.TokenError
	if _, err := a2a.NewClient(url, root.GrantToken, a2a.ClientOptions{JWKS: []byte(`{"keys":7}`)}); !errors.As(err, &te) || te.Code != "invalid_jwks" {
		t.Errorf("bad JWKS document: %v", err)
	}
	// A card the core refuses: a Grantex scheme without its issuer.
	badCard := &a2a.AgentCard{Name: "x", URL: url, Authentication: &a2a.AgentAuthentication{Schemes: []a2a.AuthScheme{
		{Scheme: "bearer", GrantexConfig: &a2a.GrantexAuthConfig{JwksURI: server.JwksURI}}}}}
	if _, err := a2a.NewClient(url, root.GrantToken, a2a.ClientOptions{Card: badCard}); err == nil {
		t.Error("a card without an issuer was accepted")
	} else {
		a2aError(t, "card without an issuer", err, "a2a_card_error", "", 0)
	}
	// Plain A2A cards list scheme names; both forms read.
	var named a2a.AgentCard
	if err := json.Unmarshal([]byte(`{"name":"n","url":"http://x","authentication":{"schemes":["bearer"]}}`), &named); err != nil ||
		named.Authentication.Schemes[0].Scheme != "bearer" || named.Authentication.Schemes[0].GrantexConfig != nil {
		t.Errorf("a scheme by name: %v %+v", err, named)
	}
}

// The Go client against a Go server guarded by Guard.Middleware: the two ends of the bridge in
// one language, with the guard's refusal reaching the client as an *a2a.Error.
func TestClientAgainstGoGuard(t *testing.T) {
	_, _, root, delegated := tokens(t)
	guard, err := a2a.NewGuard(a2a.Policy{JwksURI: server.JwksURI, RequiredScopes: []string{"tasks:send"}})
	if err != nil {
		t.Fatal(err)
	}
	defer guard.Close()
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/agent.json", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(a2a.AgentCard{
			Name: "go agent", URL: srv.URL,
			Authentication: &a2a.AgentAuthentication{Schemes: []a2a.AuthScheme{{Scheme: "bearer", GrantexConfig: &a2a.GrantexAuthConfig{
				JwksURI: server.JwksURI, Issuer: server.BaseURL, RequiredScopes: []string{"tasks:send"},
			}}}},
		})
	})
	mux.Handle("POST /", guard.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage    `json:"id"`
			Params a2a.TaskSendParams `json:"params"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		g := a2a.GrantFromContext(r.Context())
		task := a2a.Task{ID: "task-1", Status: a2a.TaskStatus{State: a2a.TaskCompleted},
			Artifacts: []a2a.Artifact{{Parts: []a2a.Part{a2a.TextPart(g.PrincipalID + ": " + req.Params.Message.Parts[0].Text)}}}}
		_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": task})
	})))
	srv = httptest.NewUnstartedServer(mux)
	srv.Start()
	defer srv.Close()

	ctx := context.Background()
	task, err := newClient(t, srv.URL, root.GrantToken, a2a.ClientOptions{}).SendText(ctx, "hi")
	if err != nil || text(task) != "usr_a2a: hi" {
		t.Fatalf("Go to Go: %v %+v", err, task)
	}
	_, err = newClient(t, srv.URL, delegated.GrantToken, a2a.ClientOptions{}).SendText(ctx, "hi")
	a2aError(t, "delegated to a guard that refuses delegation", err, "a2a_rpc_error", "delegation_not_allowed", 403)
}
