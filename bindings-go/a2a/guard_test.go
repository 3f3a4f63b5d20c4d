package a2a_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	grantex "github.com/grantex-rs/grantex/bindings-go"
	"github.com/grantex-rs/grantex/bindings-go/a2a"
	"github.com/grantex-rs/grantex/bindings-go/internal/testserver"
)

var server testserver.Info

func TestMain(m *testing.M) {
	os.Exit(func() int {
		root, _ := filepath.Abs("../..")
		info, stop, err := testserver.Start(root)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer stop()
		server = *info
		return m.Run()
	}())
}

// tokens issues (with the developer's API key returned) a root grant token with the scope tasks:send and a token delegated from it,
// for a fresh live developer.
func tokens(t *testing.T) (c *grantex.Client, apiKey string, root *grantex.ExchangeTokenResponse, delegated *grantex.DelegateResponse) {
	t.Helper()
	ctx := context.Background()
	acct, err := grantex.Signup(ctx, grantex.SignupParams{Name: "a2a"}, grantex.WithBaseURL(server.BaseURL))
	if err != nil {
		t.Fatal(err)
	}
	apiKey = acct.APIKey
	c = grantex.NewClient(acct.APIKey, grantex.WithBaseURL(server.BaseURL))
	t.Cleanup(func() { c.Close() })
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "caller", Scopes: []string{"tasks:send"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "sub", Scopes: []string{"tasks:send"}})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agent.ID, PrincipalID: "usr_a2a", Scopes: []string{"tasks:send"}})
	if err != nil {
		t.Fatal(err)
	}
	approval, err := c.Consent.Approve(ctx, auth.AuthRequestID)
	if err != nil {
		t.Fatal(err)
	}
	root, err = c.Tokens.Exchange(ctx, grantex.ExchangeTokenParams{Code: approval.Code, AgentID: agent.ID})
	if err != nil {
		t.Fatal(err)
	}
	delegated, err = c.Grants.Delegate(ctx, grantex.DelegateParams{ParentGrantToken: root.GrantToken, SubAgentID: sub.ID, Scopes: []string{"tasks:send"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, apiKey, root, delegated
}

func rpc(t *testing.T, url, authorization, method string) (int, http.Header, string) {
	t.Helper()
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":%q,"params":{}}`, method)
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(out)
}

func TestMiddleware(t *testing.T) {
	c, apiKey, root, delegated := tokens(t)
	guard, err := a2a.NewGuard(a2a.Policy{
		JwksURI:        server.JwksURI,
		RequiredScopes: []string{"tasks:send"},
		MethodScopes:   map[string][]string{"tasks/cancel": {"tasks:cancel"}},
		Revocation:     &a2a.OnlineRevocation{BaseURL: server.BaseURL, APIKey: apiKey, CacheTTL: 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer guard.Close()
	var seen sync.Map
	srv := httptest.NewServer(guard.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g := a2a.GrantFromContext(r.Context())
		seen.Store(g.GrantID, string(body))
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":7,"result":{"principal":%q}}`, g.PrincipalID)
	})))
	defer srv.Close()

	status, _, body := rpc(t, srv.URL, "Bearer "+root.GrantToken, "tasks/send")
	if status != 200 || !strings.Contains(body, "usr_a2a") {
		t.Fatalf("accepted: %d %s", status, body)
	}
	if b, ok := seen.Load(root.GrantID); !ok || !strings.Contains(b.(string), `"tasks/send"`) {
		t.Fatalf("handler did not get the body: %v", b)
	}
	cases := []struct {
		name, auth, method string
		status             int
		reason             string
	}{
		{"no token", "", "tasks/send", 401, "missing_token"},
		{"not bearer", "Basic abc", "tasks/send", 401, "invalid_authorization_header"},
		{"forged", "Bearer " + root.GrantToken[:len(root.GrantToken)-3] + "AAA", "tasks/send", 401, "bad_signature"},
		{"under-scoped method", "Bearer " + root.GrantToken, "tasks/cancel", 403, "missing_scopes"},
		{"delegated", "Bearer " + delegated.GrantToken, "tasks/send", 403, "delegation_not_allowed"},
	}
	for _, tc := range cases {
		status, hdr, body := rpc(t, srv.URL, tc.auth, tc.method)
		if status != tc.status || !strings.Contains(body, tc.reason) || !strings.Contains(body, `"id":7`) || hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %q %s", tc.name, status, hdr.Get("WWW-Authenticate"), body)
		}
	}
	// Revoked: the online check refuses it.
	if err := c.Grants.Revoke(context.Background(), root.GrantID); err != nil {
		t.Fatal(err)
	}
	if status, _, body := rpc(t, srv.URL, "Bearer "+root.GrantToken, "tasks/send"); status != 401 || !strings.Contains(body, "revoked") {
		t.Fatalf("revoked: %d %s", status, body)
	}
}

func TestGuardCheck(t *testing.T) {
	_, _, root, delegated := tokens(t)
	guard, err := a2a.NewGuard(a2a.Policy{JwksURI: server.JwksURI, AllowDelegation: true, MaxDelegationDepth: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer guard.Close()
	ctx := context.Background()
	g, rej, err := guard.Check(ctx, "Bearer "+delegated.GrantToken, "tasks/send", `"x"`)
	if err != nil || rej != nil || g.DelegationDepth == nil || *g.DelegationDepth != 1 || g.ParentGrantID == nil || *g.ParentGrantID != root.GrantID {
		t.Fatalf("delegated accepted: %v %+v %+v", err, rej, g)
	}
	_, rej, err = guard.Check(ctx, "", "", "")
	if err != nil || rej == nil || rej.Status != 401 || rej.Reason != "missing_token" || rej.RPCCode == 0 || !strings.Contains(string(rej.Body), `"id":null`) {
		t.Fatalf("missing token: %v %+v", err, rej)
	}
	if m, id := a2a.PeekRequest([]byte(`{"jsonrpc":"2.0","id":"r1","method":"tasks/get"}`)); m != "tasks/get" || id != `"r1"` {
		t.Fatalf("peek: %q %q", m, id)
	}
	if m, id := a2a.PeekRequest([]byte(`not json`)); m != "" || id != "" {
		t.Fatalf("peek bad json: %q %q", m, id)
	}
	// A key set that cannot be fetched fails closed (503), and ctx is honoured.
	dead, err := a2a.NewGuard(a2a.Policy{JwksURI: "http://127.0.0.1:1/.well-known/jwks.json", Issuer: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	if _, rej, err := dead.Check(ctx, "Bearer "+root.GrantToken, "tasks/send", ""); err != nil || rej == nil || rej.Status != 503 {
		t.Fatalf("unreachable keys: %v %+v", err, rej)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := guard.Check(cctx, "Bearer x", "", ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	// Bad policies are refused when the guard is made.
	var ge *grantex.Error
	if _, err := a2a.NewGuard(a2a.Policy{JWKS: []byte(`{"keys":[]}`)}); !errors.As(err, &ge) {
		t.Fatalf("bad static policy: %v", err)
	}
	if _, err := a2a.NewGuard(a2a.Policy{}); !errors.As(err, &ge) || ge.Code != "config_error" {
		t.Fatalf("empty policy: %v", err)
	}
	guard.Close()
	if _, _, err := guard.Check(ctx, "", "", ""); !errors.Is(err, grantex.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
	// Many goroutines share one guard.
	g2, err := a2a.NewGuard(a2a.Policy{JwksURI: server.JwksURI})
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close()
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if g, rej, err := g2.Check(cctx, "Bearer "+root.GrantToken, "tasks/send", "1"); err != nil || rej != nil || g.GrantID != root.GrantID {
				t.Errorf("concurrent check: %v %+v", err, rej)
			}
		}()
	}
	wg.Wait()
}
