package grantex_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

func segment(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func tokenCode(err error) string {
	var te *grantex.TokenError
	if errors.As(err, &te) {
		return te.Code
	}
	return ""
}

// An agent registered with the public half of its DPoP key gets tokens bound to it (cnf.jkt);
// VerifyOptions.DPoP checks a proof made with that key against the real server's token, and
// crypto/ecdsa checks the proof on its own.
func TestDPoPBoundTokens(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	key, err := grantex.GenerateDPoPJWK()
	if err != nil {
		t.Fatal(err)
	}
	public, err := grantex.DPoPPublicJWKMap(key)
	if err != nil || public["d"] != nil || public["kty"] != "EC" {
		t.Fatalf("public jwk: %v %v", err, public)
	}
	agent, err := c.Agents.Register(ctx, grantex.RegisterAgentParams{Name: "go-dpop", Scopes: []string{"calendar:read"}, PublicJWK: public})
	if err != nil {
		t.Fatal(err)
	}
	tok := liveGrant(t, ctx, c, agent.ID, "go_dpop", []string{"calendar:read"}).GrantToken
	jkt, err := grantex.JWKThumbprint(key)
	if err != nil {
		t.Fatal(err)
	}
	if cnf, _ := segment(t, tok, 1)["cnf"].(map[string]any); cnf["jkt"] != jkt {
		t.Fatalf("cnf %v, want jkt %s", cnf, jkt)
	}

	const url = "https://tools.example.com/v1/calendar/events?week=1"
	proof, err := grantex.CreateDPoPProof(key, "GET", url, tok)
	if err != nil {
		t.Fatal(err)
	}
	// An independent ES256 check with the key in the proof's header.
	header := segment(t, proof, 0)
	jwk := header["jwk"].(map[string]any)
	coord := func(name string) *big.Int {
		b, err := base64.RawURLEncoding.DecodeString(jwk[name].(string))
		if err != nil {
			t.Fatal(err)
		}
		return new(big.Int).SetBytes(b)
	}
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: coord("x"), Y: coord("y")}
	parts := strings.Split(proof, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if header["typ"] != "dpop+jwt" || len(sig) != 64 ||
		!ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatalf("the proof is not an ES256 dpop+jwt: %v", header)
	}

	verify := func(p, method string) (*grantex.VerifiedGrant, error) {
		return grantex.VerifyGrantToken(ctx, tok, grantex.VerifyOptions{
			JwksURI:          c.JwksURI(),
			ReferenceOptions: map[string]any{"require_proof_of_possession": true},
			DPoP:             &grantex.DPoPRequest{Proof: p, Method: method, URL: url},
		})
	}
	g, err := verify(proof, "GET")
	if err != nil || g.Cnf["jkt"] != jkt {
		t.Fatalf("verify with a proof: %v %+v", err, g)
	}
	if _, err := verify(proof, "GET"); tokenCode(err) != "invalid_proof" {
		t.Fatalf("replay: %v", err)
	}
	other, _ := grantex.CreateDPoPProof(key, "GET", url, tok)
	if _, err := verify(other, "POST"); tokenCode(err) != "invalid_proof" {
		t.Fatalf("wrong method: %v", err)
	}
	unbound, _ := grantex.CreateDPoPProof(key, "GET", url, "")
	if _, err := verify(unbound, "GET"); tokenCode(err) != "invalid_proof" {
		t.Fatalf("no ath: %v", err)
	}
	thief, _ := grantex.GenerateDPoPJWK()
	stolen, _ := grantex.CreateDPoPProof(thief, "GET", url, tok)
	if _, err := verify(stolen, "GET"); tokenCode(err) != "proof_mismatch" {
		t.Fatalf("another key: %v", err)
	}
	var ge *grantex.Error
	if _, err := grantex.CreateDPoPProof(`{"kty":"EC"}`, "GET", url, ""); !errors.As(err, &ge) || ge.Code != "invalid_argument" {
		t.Fatalf("bad key: %v", err)
	}
}
