//go:build grantex_bench

package grantex_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	grantex "github.com/grantex-rs/grantex/bindings-go"
	"github.com/grantex-rs/grantex/bindings-go/internal/benchfloor"
)

// Offline verification benchmarks (build tag grantex_bench, a libgrantex built with
// FEATURES=bench; scripts/bench-go runs them): Verifier.Verify on a static key set against the
// raw RSA floor measured in the same run, and a pure-Go verification with a cached key.

func benchCase(b *testing.B) (tokenVectors, string) {
	var vec tokenVectors
	readVectors(b, "token-vectors.json", &vec)
	for _, c := range vec.Cases {
		if c.Name == "valid_legacy_realistic" {
			return vec, c.Token
		}
	}
	b.Fatal("no valid_legacy_realistic vector")
	return vec, ""
}

// BenchmarkVerifyVsFloor times Verifier.Verify and the raw RSA floor alternately in one run
// and reports both and their ratio (target: at most 1.3), with the C library's own ratio and
// the Go wrapper's cost measured in the same rounds.
func BenchmarkVerifyVsFloor(b *testing.B) {
	vec, token := benchCase(b)
	v, err := grantex.NewStaticVerifier(vec.Jwks)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	floor, err := benchfloor.New(string(vec.Jwks), token)
	if err != nil {
		b.Fatal(err)
	}
	defer floor.Close()
	ctx := context.Background()
	opts := grantex.VerifyOptions{Issuer: vec.Issuer, Now: time.Unix(vec.Now, 0)}
	if _, err := v.Verify(ctx, token, opts); err != nil || !floor.Verify() {
		b.Fatalf("warm-up: %v", err)
	}
	raw, err := benchfloor.NewRaw(string(vec.Jwks), token, vec.Issuer, vec.Now)
	if err != nil || !raw.Verify() {
		b.Fatalf("raw: %v", err)
	}
	// Interleaved rounds, so drift (frequency, other load) hits all sides alike; medians of the
	// rounds, as scripts/bench-c reports for C. Three sides: the floor, grantex_verify called
	// directly with options built once (what scripts/bench-c times), and Verifier.Verify.
	const round = 250
	var fWall, rWall, vWall []float64
	b.ResetTimer()
	for done := 0; done < b.N; done += round {
		n := min(round, b.N-done)
		start := time.Now()
		for range n {
			floor.Verify()
		}
		fWall = append(fWall, float64(time.Since(start))/float64(n))
		start = time.Now()
		for range n {
			raw.Verify()
		}
		rWall = append(rWall, float64(time.Since(start))/float64(n))
		start = time.Now()
		for range n {
			if _, err := v.Verify(ctx, token, opts); err != nil {
				b.Fatal(err)
			}
		}
		vWall = append(vWall, float64(time.Since(start))/float64(n))
	}
	b.StopTimer()
	b.ReportMetric(median(vWall), "verify-ns/op")
	b.ReportMetric(median(fWall), "floor-ns/op")
	b.ReportMetric(median(vWall)/median(fWall), "ratio")
	b.ReportMetric(median(rWall)/median(fWall), "c-ratio")
	b.ReportMetric(median(vWall)-median(rWall), "go-overhead-ns/op")
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// BenchmarkVerifyGrantToken is the one-call API through the process-wide cache of a remote
// key set (the local server's; warm after the first call).
func BenchmarkVerifyGrantToken(b *testing.B) {
	ctx := context.Background()
	c := grantex.NewClient(server.SandboxAPIKey, grantex.WithBaseURL(server.BaseURL))
	defer c.Close()
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "bench", Scopes: []string{"calendar:read"}})
	if err != nil {
		b.Fatal(err)
	}
	auth, err := c.Authorize(ctx, grantex.AuthorizeParams{AgentID: agent.ID, PrincipalID: "usr_b", Scopes: []string{"calendar:read"}})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := c.Tokens.Exchange(ctx, grantex.ExchangeTokenParams{Code: auth.Code, AgentID: agent.ID})
	if err != nil {
		b.Fatal(err)
	}
	opts := grantex.VerifyOptions{JwksURI: c.JwksURI(), AllowSandbox: grantex.Bool(true)}
	if _, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, opts); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPureGoCachedKey is a minimal pure-Go RS256 verification with the key parsed once
// (crypto/rsa, encoding/json): signature, exp and iss only, far less strict than the core's
// verifier. For the speed-up figure only; not part of CI.
func BenchmarkPureGoCachedKey(b *testing.B) {
	vec, token := benchCase(b)
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(vec.Jwks, &set); err != nil {
		b.Fatal(err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		n, _ := base64.RawURLEncoding.DecodeString(k.N)
		e, _ := base64.RawURLEncoding.DecodeString(k.E)
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	verify := func(tok string) error {
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			return errors.New("malformed")
		}
		hb, err := base64.RawURLEncoding.DecodeString(parts[0])
		if err != nil {
			return err
		}
		var header struct {
			Alg string `json:"alg"`
			Kid string `json:"kid"`
		}
		if err := json.Unmarshal(hb, &header); err != nil || header.Alg != "RS256" {
			return errors.New("header")
		}
		key := keys[header.Kid]
		if key == nil {
			return errors.New("unknown kid")
		}
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil {
			return err
		}
		digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
			return err
		}
		pb, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			return err
		}
		var claims map[string]any
		if err := json.Unmarshal(pb, &claims); err != nil {
			return err
		}
		if exp, _ := claims["exp"].(float64); int64(exp) <= vec.Now || claims["iss"] != vec.Issuer {
			return errors.New("claims")
		}
		return nil
	}
	if err := verify(token); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := verify(token); err != nil {
			b.Fatal(err)
		}
	}
}
