package grantex_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// The shared enforce vectors (vectors/enforce-vectors.json) through the Go Enforcer, every
// expectation compared.
func TestEnforceVectors(t *testing.T) {
	var vec struct {
		Config    map[string]any    `json:"config"`
		Manifests []json.RawMessage `json:"manifests"`
		Cases     []struct {
			Name   string         `json:"name"`
			Token  string         `json:"token"`
			Call   map[string]any `json:"call"`
			Config map[string]any `json:"config"`
			Expect map[string]any `json:"expect"`
		} `json:"cases"`
		ManifestCases []struct {
			Name     string          `json:"name"`
			Document json.RawMessage `json:"document"`
			Text     *string         `json:"text"`
			Expect   string          `json:"expect"`
		} `json:"manifestCases"`
	}
	readVectors(t, "enforce-vectors.json", &vec)
	ctx := context.Background()
	c := grantex.NewClient("gx_test_vectors", grantex.WithBaseURL("http://127.0.0.1:9"))
	defer c.Close()
	for _, tc := range vec.Cases {
		merged := map[string]any{}
		for k, v := range vec.Config {
			merged[k] = v
		}
		for k, v := range tc.Config {
			merged[k] = v
		}
		var config grantex.EnforceConfig
		raw, _ := json.Marshal(merged)
		if err := json.Unmarshal(raw, &config); err != nil {
			t.Fatalf("%s: config %v", tc.Name, err)
		}
		e, err := grantex.NewEnforcer(c, config)
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		for _, m := range vec.Manifests {
			if err := e.LoadManifestJSON(m); err != nil {
				t.Fatalf("%s: manifest: %v", tc.Name, err)
			}
		}
		call := map[string]any{"grantToken": tc.Token}
		for k, v := range tc.Call {
			call[k] = v
		}
		raw, _ = json.Marshal(call)
		var typed grantex.EnforceCall
		if err := json.Unmarshal(raw, &typed); err != nil {
			// A call the typed struct cannot hold (an amount that is not a number): skip only
			// that case's typed form, never silently: it must be the invalid-amount case.
			if tc.Expect["subReason"] != "invalid_amount" {
				t.Fatalf("%s: call %v", tc.Name, err)
			}
			e.Close()
			continue
		}
		r, err := e.Enforce(ctx, typed)
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		got := map[string]any{}
		raw, _ = json.Marshal(r)
		_ = json.Unmarshal(raw, &got)
		for key, want := range tc.Expect {
			value := got[key]
			if key == "wouldDeny" {
				value = r.WouldDeny["reason_code"]
			}
			if !reflect.DeepEqual(value, want) {
				t.Errorf("%s: %s = %#v, want %#v", tc.Name, key, value, want)
			}
		}
		e.Close()
	}
	e, _ := grantex.NewEnforcer(c, grantex.EnforceConfig{})
	defer e.Close()
	for _, mc := range vec.ManifestCases {
		doc := []byte(mc.Document)
		if mc.Text != nil {
			doc = []byte(*mc.Text)
		}
		err := e.LoadManifestJSON(doc)
		var ge *grantex.Error
		switch {
		case mc.Expect == "valid" && err != nil:
			t.Errorf("%s: %v", mc.Name, err)
		case mc.Expect != "valid" && !(errors.As(err, &ge) && ge.Code == "manifest_invalid" && strings.Contains(ge.Message, mc.Expect)):
			t.Errorf("%s: %v, want manifest_invalid containing %q", mc.Name, err, mc.Expect)
		}
	}
	t.Logf("%d enforce vectors, %d manifest vectors", len(vec.Cases), len(vec.ManifestCases))
}

// Enforce against the real server: allowed, refused, revoked (online), bad settings.
func TestEnforceLive(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "enforced", Scopes: []string{"tool:crm:write"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := liveGrant(t, ctx, c, agent.ID, "go_enforce", []string{"tool:crm:write"})
	if _, err := grantex.NewEnforcer(c, grantex.EnforceConfig{EnforceMode: "lenient"}); err == nil {
		t.Fatal("a bad enforce mode was accepted")
	}
	e, err := grantex.NewEnforcer(c, grantex.EnforceConfig{RevocationCheck: "online"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.LoadPrebuiltManifest("crm"); err != nil {
		t.Fatal(err)
	}
	call := func(tool string) *grantex.EnforceResult {
		r, err := e.Enforce(ctx, grantex.EnforceCall{GrantToken: tok.GrantToken, Connector: "crm", Tool: tool})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := call("create_contact"); !r.Allowed || r.Grant == nil || r.Grant.PrincipalID != "go_enforce" {
		t.Fatalf("allowed: %+v", r)
	}
	if r := call("delete_contact"); r.ReasonCode != grantex.DenialPermissionInsufficient {
		t.Fatalf("refused: %+v", r)
	}
	names, err := grantex.PrebuiltManifestNames()
	if err != nil || len(names) < 8 {
		t.Fatalf("prebuilt: %v %v", names, err)
	}
	fed, err := grantex.NewEnforcer(c, grantex.EnforceConfig{RevocationCheck: "feed", RevocationFeedStaleAfter: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer fed.Close()
	if err := fed.LoadPrebuiltManifest("crm"); err != nil {
		t.Fatal(err)
	}
	fedCall := grantex.EnforceCall{GrantToken: tok.GrantToken, Connector: "crm", Tool: "create_contact"}
	if r, err := fed.Enforce(ctx, fedCall); err != nil || !r.Allowed {
		t.Fatalf("feed allowed: %+v %v", r, err)
	}
	if st, err := fed.RevocationFeedState(); err != nil || st == nil || !st.Synced || !st.Fresh {
		t.Fatalf("feed state: %+v %v", st, err)
	}
	if st, err := e.RevocationFeedState(); err != nil || st != nil {
		t.Fatalf("no feed: %+v %v", st, err)
	}
	if err := c.Grants.Revoke(ctx, call("create_contact").GrantID); err != nil {
		t.Fatal(err)
	}
	if r := call("create_contact"); r.ReasonCode != grantex.DenialGrantRevoked || r.SubReason != "revoked" {
		t.Fatalf("revoked: %+v", r)
	}
	seen := false
	for i := 0; i < 100 && !seen; i++ {
		r, err := fed.Enforce(ctx, fedCall)
		if err != nil {
			t.Fatal(err)
		}
		seen = r.SubReason == "revoked"
		if !seen {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !seen {
		t.Fatal("the feed never saw the revocation")
	}
	e.Close()
	if _, err := e.Enforce(ctx, grantex.EnforceCall{}); !errors.Is(err, grantex.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}
