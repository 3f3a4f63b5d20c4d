package grantex_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// The fast path of Verifier.Verify and VerifyGrantToken (one cgo crossing: the grant's strings
// copied into a pooled Go buffer, one string for all of them, the grant in one allocation) must
// give exactly what the accessor-by-accessor path gives (readGrant, taken when reference
// options are set, or when a grant does not fit the copy), and its results must not share
// memory with later verifications.

// slowPath forces the accessor path: a reference option this verifier accepts (it asks for
// what the verifier does anyway).
func slowPath(o grantex.VerifyOptions) grantex.VerifyOptions {
	o.ReferenceOptions = map[string]any{"algorithms": []any{"RS256"}}
	return o
}

func TestVerifyFastPathMatchesAccessors(t *testing.T) {
	var vec tokenVectors
	readVectors(t, "token-vectors.json", &vec)
	ctx := context.Background()
	verifiers := map[string]*grantex.Verifier{}
	defer func() {
		for _, v := range verifiers {
			v.Close()
		}
	}()
	n := 0
	for _, c := range vec.Cases {
		// Cases that set reference options take the accessor path anyway.
		if c.Expect != "valid" || len(c.Options.ReferenceOptions) > 0 {
			continue
		}
		v := verifiers[c.Options.Jwks]
		if v == nil {
			doc := vec.Jwks
			if c.Options.Jwks != "" {
				doc = vec.JwksSets[c.Options.Jwks]
			}
			var err error
			if v, err = grantex.NewStaticVerifier(doc); err != nil {
				t.Fatal(err)
			}
			verifiers[c.Options.Jwks] = v
		}
		issuer := c.Options.Issuer
		if issuer == "" {
			issuer = vec.Issuer
		}
		opts := grantex.VerifyOptions{
			Issuer: issuer, Audience: c.Options.Audience, RequiredScopes: c.Options.RequiredScopes,
			ClockTolerance:     time.Duration(c.Options.ClockTolerance) * time.Second,
			MaxDelegationDepth: c.Options.MaxDelegationDepth, AllowSandbox: c.Options.AllowSandbox,
			Now: time.Unix(vec.Now, 0),
		}
		fast, err := v.Verify(ctx, c.Token, opts)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		slow, err := v.Verify(ctx, c.Token, slowPath(opts))
		if err != nil {
			t.Fatalf("%s (accessor path): %v", c.Name, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s: fast path\n%+v\naccessor path\n%+v", c.Name, fast, slow)
		}
		n++
	}
	if n < 30 {
		t.Fatalf("only %d valid vectors", n)
	}
}

// signer signs legacy-layout grant tokens with the vectors' primary key (kid grantex-2026-01).
type signer struct {
	key    *rsa.PrivateKey
	vec    tokenVectors
	verify *grantex.Verifier
}

func newSigner(t *testing.T) *signer {
	t.Helper()
	var s signer
	readVectors(t, "token-vectors.json", &s.vec)
	var keys struct {
		Keys []struct {
			Kid   string `json:"kid"`
			Pkcs8 string `json:"pkcs8"`
		} `json:"keys"`
	}
	readVectors(t, "keys.json", &keys)
	for _, k := range keys.Keys {
		if k.Kid != "grantex-2026-01" {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(k.Pkcs8)
		if err != nil {
			t.Fatal(err)
		}
		key, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatal(err)
		}
		s.key = key.(*rsa.PrivateKey)
	}
	if s.key == nil {
		t.Fatal("no key grantex-2026-01 in vectors/keys.json")
	}
	v, err := grantex.NewStaticVerifier(s.vec.Jwks)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	s.verify = v
	return &s
}

func (s *signer) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(raw)
	}
	body := map[string]any{
		"iss": s.vec.Issuer, "sub": "usr_1", "agt": "did:grantex:ag_1", "dev": "dev_1",
		"scp": []string{"calendar:read"}, "grnt": "grnt_1", "jti": "tok_1",
		"iat": s.vec.Now - 60, "exp": s.vec.Now + 3600,
	}
	for k, v := range claims {
		body[k] = v
	}
	signing := enc(map[string]any{"alg": "RS256", "kid": "grantex-2026-01"}) + "." + enc(body)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (s *signer) opts() grantex.VerifyOptions {
	return grantex.VerifyOptions{Issuer: s.vec.Issuer, Now: time.Unix(s.vec.Now, 0)}
}

func list(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

// Lists longer than the copy holds (32), and at its limit, with long and non-ASCII strings: the
// accessor path and the copy, each against the other and against the claims.
func TestVerifyLargeGrants(t *testing.T) {
	s := newSigner(t)
	ctx := context.Background()
	long := strings.Repeat("é", 300)
	short := strings.Repeat("é", 20)
	for _, tc := range []struct {
		name             string
		scopes, audience int
	}{{"at the copy's limit", 32, 32}, {"scopes over it", 33, 1}, {"audience over it", 2, 40}, {"both over it", 64, 64}, {"none", 0, 0}} {
		scopes, audience := list("scope:"+short, tc.scopes), list("https://aud.example/", tc.audience)
		claims := map[string]any{"scp": scopes, "sub": "usr_" + long, "dev": "dev_" + long}
		if tc.audience > 0 {
			claims["aud"] = audience
		}
		token := s.token(t, claims)
		fast, err := s.verify.Verify(ctx, token, s.opts())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		slow, err := s.verify.Verify(ctx, token, slowPath(s.opts()))
		if err != nil {
			t.Fatalf("%s (accessor path): %v", tc.name, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s: fast path\n%+v\naccessor path\n%+v", tc.name, fast, slow)
		}
		if !reflect.DeepEqual(fast.Scopes, scopes) || len(fast.Audience) != tc.audience ||
			(tc.audience > 0 && !reflect.DeepEqual(fast.Audience, audience)) ||
			fast.PrincipalID != "usr_"+long || fast.DeveloperID != "dev_"+long {
			t.Errorf("%s: grant %+v", tc.name, fast)
		}
	}
}

// A grant keeps its values while the pooled buffers serve later verifications, on this
// goroutine and on others at the same time; appending to one list never writes into another.
func TestVerifyResultsIndependent(t *testing.T) {
	s := newSigner(t)
	ctx := context.Background()
	const tokens = 8
	want := make([]*grantex.VerifiedGrant, tokens)
	toks := make([]string, tokens)
	for i := range toks {
		toks[i] = s.token(t, map[string]any{
			"jti": fmt.Sprintf("tok_%d", i), "sub": fmt.Sprintf("usr_%d", i),
			"scp": list(fmt.Sprintf("s%d:", i), i+1), "aud": list(fmt.Sprintf("https://a%d.example/", i), i%3+1),
		})
		g, err := s.verify.Verify(ctx, toks[i], s.opts())
		if err != nil {
			t.Fatal(err)
		}
		want[i] = g
	}
	snapshot := func(g *grantex.VerifiedGrant) string {
		raw, _ := json.Marshal(g)
		return string(raw)
	}
	before := make([]string, tokens)
	for i, g := range want {
		before[i] = snapshot(g)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				i := (w + j) % tokens
				g, err := s.verify.Verify(ctx, toks[i], s.opts())
				if err != nil {
					errs <- err
					return
				}
				if got := snapshot(g); got != before[i] {
					errs <- fmt.Errorf("token %d: %s, want %s", i, got, before[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, g := range want {
		if got := snapshot(g); got != before[i] {
			t.Errorf("grant %d changed: %s, was %s", i, got, before[i])
		}
	}
	g := want[tokens-1]
	aud := append([]string(nil), g.Audience...)
	g.Scopes = append(g.Scopes, "appended")
	if !reflect.DeepEqual(g.Audience, aud) {
		t.Errorf("appending to Scopes changed Audience: %v, was %v", g.Audience, aud)
	}
}

// Failures are the accessor path's too: claims holding a NUL byte (refused by the core as
// control characters; the library's fast path also keeps grantex_verified_grant's own NUL
// refusal), a token cut at a NUL byte as C.CString would cut it, invalid UTF-8, empty.
func TestVerifyFastPathErrorsMatch(t *testing.T) {
	s := newSigner(t)
	ctx := context.Background()
	valid := s.token(t, nil)
	for _, tc := range []struct{ name, token string }{
		{"NUL in sub", s.token(t, map[string]any{"sub": "usr\x00x"})},
		{"NUL in a scope", s.token(t, map[string]any{"scp": []string{"a", "b\x00c"}})},
		{"NUL in the audience", s.token(t, map[string]any{"aud": []string{"https://a.example/\x00"}})},
		{"NUL after a valid token", valid + "\x00trailing"},
		{"NUL inside the token", valid[:20] + "\x00" + valid[20:]},
		{"invalid UTF-8", valid[:20] + "\xff" + valid[20:]},
		{"empty", ""},
	} {
		fast, errFast := s.verify.Verify(ctx, tc.token, s.opts())
		slow, errSlow := s.verify.Verify(ctx, tc.token, slowPath(s.opts()))
		if !reflect.DeepEqual(fast, slow) || fmt.Sprintf("%T %v", errFast, errFast) != fmt.Sprintf("%T %v", errSlow, errSlow) {
			t.Errorf("%s: fast path %+v, %T %v; accessor path %+v, %T %v", tc.name, fast, errFast, errFast, slow, errSlow, errSlow)
		}
		if tc.name == "NUL after a valid token" {
			if errFast != nil {
				t.Errorf("%s: %v (C sees the valid token before the NUL)", tc.name, errFast)
			}
		} else if errFast == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
