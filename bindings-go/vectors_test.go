package grantex_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

func readVectors(t testing.TB, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

// outcome is "valid" or the stable error string of a token error ("" plus a failure for
// anything else).
func outcome(t *testing.T, name string, err error) string {
	t.Helper()
	if err == nil {
		return "valid"
	}
	var te *grantex.TokenError
	if errors.As(err, &te) {
		return te.Code
	}
	t.Errorf("%s: not a *TokenError: %T %v", name, err, err)
	return ""
}

// optionOutcome is "valid", a token error's code or an *Error's code ("config_error").
func optionOutcome(err error) string {
	var te *grantex.TokenError
	var ge *grantex.Error
	switch {
	case err == nil:
		return "valid"
	case errors.As(err, &te):
		return te.Code
	case errors.As(err, &ge):
		return ge.Code
	}
	return fmt.Sprintf("%T %v", err, err)
}

// claimsOf is a verified grant in the vectors' claims shape (JSON-normalised).
func claimsOf(t *testing.T, g *grantex.VerifiedGrant) map[string]any {
	t.Helper()
	m := map[string]any{
		"tokenId": g.TokenID, "grantId": g.GrantID, "principalId": g.PrincipalID,
		"agentDid": g.AgentDID, "developerId": g.DeveloperID, "scopes": g.Scopes,
		"issuedAt": g.IssuedAt, "expiresAt": g.ExpiresAt, "audience": g.Audience,
		"issuer": g.Issuer, "parentAgentDid": g.ParentAgentDID, "parentGrantId": g.ParentGrantID,
		"delegationDepth": g.DelegationDepth, "budget": g.Budget, "clientId": g.ClientID,
		"authorizationDetails": g.AuthorizationDetails, "act": g.Act, "cnf": g.Cnf,
		"webauthnEvidence": g.WebAuthnEvidence, "legacyClaimsUsed": g.LegacyClaimsUsed,
	}
	// nil Go maps and slices are JSON null; the vectors spell an absent raw claim null and no
	// legacy claim as [].
	if g.LegacyClaimsUsed == nil {
		m["legacyClaimsUsed"] = []string{}
	}
	if g.Audience == nil {
		m["audience"] = []string{}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// goShape is a vector's claims in the Go VerifiedGrant's shape: aud as a list (a single string
// is a list of one, absent is empty); every other member as the vector has it.
func goShape(claims map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range claims {
		out[k] = v
	}
	switch a := claims["audience"].(type) {
	case nil:
		out["audience"] = []any{}
	case string:
		out["audience"] = []any{a}
	default:
		out["audience"] = a
	}
	return out
}

type tokenVectors struct {
	Now      int64                      `json:"now"`
	Issuer   string                     `json:"issuer"`
	Jwks     json.RawMessage            `json:"jwks"`
	JwksSets map[string]json.RawMessage `json:"jwksSets"`
	Cases    []struct {
		Name    string `json:"name"`
		Token   string `json:"token"`
		Options struct {
			Audience           string   `json:"audience"`
			Issuer             string   `json:"issuer"`
			RequiredScopes     []string `json:"requiredScopes"`
			ClockTolerance     int64    `json:"clockTolerance"`
			MaxDelegationDepth *int     `json:"maxDelegationDepth"`
			Jwks               string   `json:"jwks"`
			AllowSandbox       *bool    `json:"allowSandbox"`
			ExpectedPrincipal  *string  `json:"expectedPrincipalId"`
			ExpectedAgent      *string  `json:"expectedAgentDid"`
			ReferenceOptions   []struct {
				Name  string `json:"name"`
				Value any    `json:"value"`
			} `json:"referenceOptions"`
		} `json:"options"`
		Expect string         `json:"expect"`
		Claims map[string]any `json:"claims"`
	} `json:"cases"`
}

func TestTokenVectors(t *testing.T) {
	var vec tokenVectors
	readVectors(t, "token-vectors.json", &vec)
	verifiers := map[string]*grantex.Verifier{}
	verifierFor := func(set string) *grantex.Verifier {
		if v, ok := verifiers[set]; ok {
			return v
		}
		doc := vec.Jwks
		if set != "" {
			doc = vec.JwksSets[set]
		}
		v, err := grantex.NewStaticVerifier(doc)
		if err != nil {
			t.Fatalf("key set %q: %v", set, err)
		}
		verifiers[set] = v
		return v
	}
	defer func() {
		for _, v := range verifiers {
			v.Close()
		}
	}()
	ctx := context.Background()
	counts := map[string]int{}
	for _, c := range vec.Cases {
		issuer := c.Options.Issuer
		if issuer == "" {
			issuer = vec.Issuer
		}
		opts := grantex.VerifyOptions{
			Issuer:              issuer,
			Audience:            c.Options.Audience,
			RequiredScopes:      c.Options.RequiredScopes,
			ClockTolerance:      time.Duration(c.Options.ClockTolerance) * time.Second,
			MaxDelegationDepth:  c.Options.MaxDelegationDepth,
			AllowSandbox:        c.Options.AllowSandbox,
			ExpectedPrincipalID: c.Options.ExpectedPrincipal,
			ExpectedAgentDID:    c.Options.ExpectedAgent,
			Now:                 time.Unix(vec.Now, 0),
		}
		for _, r := range c.Options.ReferenceOptions {
			if opts.ReferenceOptions == nil {
				opts.ReferenceOptions = map[string]any{}
			}
			opts.ReferenceOptions[r.Name] = r.Value
		}
		g, err := verifierFor(c.Options.Jwks).Verify(ctx, c.Token, opts)
		got := outcome(t, c.Name, err)
		if got != c.Expect {
			t.Errorf("%s: got %q (%v), want %q", c.Name, got, err, c.Expect)
			continue
		}
		if c.Expect == "valid" {
			if claims := claimsOf(t, g); !reflect.DeepEqual(claims, goShape(c.Claims)) {
				t.Errorf("%s: claims\n got %v\nwant %v", c.Name, claims, c.Claims)
			}
		}
		counts[c.Expect]++
	}
	if len(vec.Cases) < 200 || counts["valid"] == 0 || counts["sandbox_token"] == 0 {
		t.Errorf("unexpected vector file: %d cases, %v", len(vec.Cases), counts)
	}
	t.Logf("%d token vectors, outcomes %v", len(vec.Cases), counts)
}

func TestJwksVectors(t *testing.T) {
	var vec struct {
		Now    int64  `json:"now"`
		Issuer string `json:"issuer"`
		Cases  []struct {
			Name        string `json:"name"`
			Jwks        string `json:"jwks"`
			Expect      string `json:"expect"`
			Token       string `json:"token"`
			TokenExpect string `json:"tokenExpect"`
		} `json:"cases"`
	}
	readVectors(t, "jwks-vectors.json", &vec)
	for _, c := range vec.Cases {
		v, err := grantex.NewStaticVerifier([]byte(c.Jwks))
		got := "ok"
		if err != nil {
			got = outcome(t, c.Name, err)
		}
		if got != c.Expect {
			t.Errorf("%s: load %q (%v), want %q", c.Name, got, err, c.Expect)
			continue
		}
		if v == nil {
			continue
		}
		_, err = v.Verify(context.Background(), c.Token, grantex.VerifyOptions{Issuer: vec.Issuer, Now: time.Unix(vec.Now, 0)})
		if got := outcome(t, c.Name, err); got != c.TokenExpect {
			t.Errorf("%s: token %q (%v), want %q", c.Name, got, err, c.TokenExpect)
		}
		v.Close()
	}
	t.Logf("%d key-set vectors", len(vec.Cases))
}

func TestIssuerVectors(t *testing.T) {
	var vec struct {
		Cases []struct {
			JwksURI string `json:"jwksUri"`
			Issuer  string `json:"issuer"`
		} `json:"cases"`
	}
	readVectors(t, "issuer-vectors.json", &vec)
	for _, c := range vec.Cases {
		got, err := grantex.DeriveIssuer(c.JwksURI)
		if err != nil || got != c.Issuer {
			t.Errorf("DeriveIssuer(%q) = %q, %v; want %q", c.JwksURI, got, err, c.Issuer)
		}
	}
	if len(vec.Cases) == 0 {
		t.Fatal("no issuer vectors")
	}
}

func TestVerifyOptionVectors(t *testing.T) {
	var tokens tokenVectors
	readVectors(t, "token-vectors.json", &tokens)
	var valid string
	for _, c := range tokens.Cases {
		if c.Name == "valid_legacy_realistic" {
			valid = c.Token
		}
	}
	v, err := grantex.NewStaticVerifier(tokens.Jwks)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var vec struct {
		Cases []struct {
			Name     string `json:"name"`
			JsName   string `json:"jsName"`
			Value    any    `json:"value"`
			Accepted bool   `json:"accepted"`
			Verify   string `json:"verify"`
		} `json:"cases"`
	}
	readVectors(t, "verify-option-vectors.json", &vec)
	for _, c := range vec.Cases {
		for _, name := range []string{c.Name, c.JsName} {
			opts := grantex.VerifyOptions{
				Issuer:           tokens.Issuer,
				Now:              time.Unix(tokens.Now, 0),
				ReferenceOptions: map[string]any{name: c.Value},
			}
			_, err := v.Verify(context.Background(), valid, opts)
			var ge *grantex.Error
			switch {
			case c.Accepted:
				if got := optionOutcome(err); got != c.Verify {
					t.Errorf("%s=%v: got %q (%v), want %q", name, c.Value, got, err, c.Verify)
				}
			case !errors.As(err, &ge) || ge.Code != "config_error" || !strings.Contains(ge.Message, name):
				t.Errorf("%s=%v: want a config *Error naming it, got %T %v", name, c.Value, err, err)
			}
		}
	}
	// The reference field IssuerDID goes through the same rule: a bad DID is refused, a good
	// one names where the keys are read, which a static set cannot stand in for.
	for did, want := range map[string]string{"did:web:127.0.0.1": "config_error", "did:web:example.com": "config_error"} {
		_, err = v.Verify(context.Background(), valid, grantex.VerifyOptions{Issuer: tokens.Issuer, Now: time.Unix(tokens.Now, 0), IssuerDID: did})
		if got := optionOutcome(err); got != want {
			t.Errorf("IssuerDID %s: got %q (%v), want %q", did, got, err, want)
		}
	}
}
