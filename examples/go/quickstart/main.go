// Command quickstart runs the product-page flow, end to end, against a Grantex server, in the
// eight steps every language's quickstart prints:
//
// 1 register agents, 2 authorize, 3 consent, 4 exchange, 5 verify offline, 6 delegate,
// 7 revoke (cascades to the sub-agent), 8 a tampered token is refused offline.
//
// It reads GRANTEX_BASE_URL and GRANTEX_API_KEY (as grantex-server writes them to server.json).
// With a live key authorize waits for consent, which step 3 gives through the endpoint the
// consent page's Approve button calls; with a sandbox key authorize returns the code at once.
//
// Build: with the packaged module (the prebuilt libgrantex inside it) plain `go run .`; in this
// repository, put the library into the module first (cargo, release):
//
//	scripts/lib/go-prebuilt.sh && (cd examples/go/quickstart && go run .)
//
// or use a libgrantex installed under $PREFIX (`make -C bindings-c install PREFIX=$PREFIX`):
//
//	CGO_CFLAGS=-I$PREFIX/include CGO_LDFLAGS=-L$PREFIX/lib go run -tags grantex_static .
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "[go] FAILED: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("[go] done")
}

func run(ctx context.Context) error {
	client := grantex.NewClient("") // GRANTEX_API_KEY, GRANTEX_BASE_URL
	defer client.Close()
	fmt.Printf("[go] server: %s\n", client.BaseURL())

	// 1. Register the agent and the sub-agent it will delegate to.
	agent, err := client.Agents.Register(ctx, grantex.RegisterAgentParams{
		Name: "travel-assistant", Description: "Books trips and sends confirmations",
		Scopes: []string{"calendar:read", "email:send"},
	})
	if err != nil {
		return err
	}
	sub, err := client.Agents.Register(ctx, grantex.RegisterAgentParams{
		Name: "calendar-reader", Description: "Reads the calendar for the travel assistant",
		Scopes: []string{"calendar:read"},
	})
	if err != nil {
		return err
	}
	fmt.Printf("[go] 1. register: agents %s (travel-assistant) and %s (calendar-reader)\n", agent.ID, sub.ID)

	// 2. Ask the user for a grant: the human sees the consent URL.
	auth, err := client.Authorize(ctx, grantex.AuthorizeParams{
		AgentID: agent.ID, PrincipalID: "usr_alice", Scopes: []string{"calendar:read", "email:send"},
	})
	if err != nil {
		return err
	}
	fmt.Printf("[go] 2. authorize: consent URL %s\n", auth.ConsentURL)

	// 3. The human approves (here through the endpoint the consent page's Approve button
	//    calls); a sandbox key gets the code straight away.
	code := auth.Code
	if code != "" {
		fmt.Println("[go] 3. consent: sandbox key, authorize returned the code (no consent step)")
	} else {
		approval, err := client.Consent.Approve(ctx, auth.AuthRequestID)
		if err != nil {
			return err
		}
		code = approval.Code
		fmt.Println("[go] 3. consent: approved; authorization code received")
	}

	// 4. Exchange the code for a grant token.
	tok, err := client.Tokens.Exchange(ctx, grantex.ExchangeTokenParams{Code: code, AgentID: agent.ID})
	if err != nil {
		return err
	}
	fmt.Printf("[go] 4. exchange: grant token for %s, scopes %s\n", tok.GrantID, strings.Join(tok.Scopes, ", "))

	// 5. Any service verifies it offline against the published JWKS. A sandbox key's tokens
	//    (approved without a human) are accepted only when asked for.
	sandbox := auth.Code != ""
	grant, err := grantex.VerifyGrantToken(ctx, tok.GrantToken, grantex.VerifyOptions{
		JwksURI: client.JwksURI(), RequiredScopes: []string{"calendar:read"}, AllowSandbox: grantex.Bool(sandbox),
	})
	if err != nil {
		return err
	}
	fmt.Printf("[go] 5. verify offline: principal %s, agent %s, scopes %s\n",
		grant.PrincipalID, grant.AgentDID, strings.Join(grant.Scopes, ", "))

	// 6. Delegate a subset to the sub-agent.
	delegated, err := client.Grants.Delegate(ctx, grantex.DelegateParams{
		ParentGrantToken: tok.GrantToken, SubAgentID: sub.ID, Scopes: []string{"calendar:read"}, ExpiresIn: "1h",
	})
	if err != nil {
		return err
	}
	subGrant, err := grantex.VerifyGrantToken(ctx, delegated.GrantToken, grantex.VerifyOptions{
		JwksURI: client.JwksURI(), AllowSandbox: grantex.Bool(sandbox),
	})
	if err != nil {
		return err
	}
	fmt.Printf("[go] 6. delegate: grant %s to %s (depth %d, scopes %s)\n",
		delegated.GrantID, subGrant.AgentDID, *subGrant.DelegationDepth, strings.Join(subGrant.Scopes, ", "))

	// 7. Revoke the root grant: the cascade reaches the sub-agent at once.
	if err := client.Grants.Revoke(ctx, tok.GrantID); err != nil {
		return err
	}
	parent, err := client.Tokens.Verify(ctx, tok.GrantToken)
	if err != nil {
		return err
	}
	child, err := client.Tokens.Verify(ctx, delegated.GrantToken)
	if err != nil {
		return err
	}
	fmt.Printf("[go] 7. revoke: grant %s; online verify: grant valid=%t, delegated grant valid=%t\n",
		tok.GrantID, parent.Valid, child.Valid)
	if parent.Valid || child.Valid {
		return errors.New("a revoked grant still verifies online")
	}
	var te *grantex.TokenError
	if _, err := client.Grants.Verify(ctx, delegated.GrantToken); !errors.As(err, &te) {
		return fmt.Errorf("grants.verify accepted a revoked delegated grant (%v)", err)
	}
	fmt.Printf("[go]    grants.verify refuses the sub-agent's token: %s\n", te.Code)

	// 8. Offline verification cannot see revocation (use short lifetimes or the online check),
	//    but it still checks the signature: a tampered token is refused.
	dot := strings.LastIndexByte(tok.GrantToken, '.')
	sig := tok.GrantToken[dot+1:]
	first := "A"
	if strings.HasPrefix(sig, "A") {
		first = "B"
	}
	tampered := tok.GrantToken[:dot+1] + first + sig[1:]
	_, err = grantex.VerifyGrantToken(ctx, tampered, grantex.VerifyOptions{JwksURI: client.JwksURI()})
	if !errors.As(err, &te) || te.Code != "bad_signature" {
		return fmt.Errorf("a tampered token: %v, expected bad_signature", err)
	}
	fmt.Printf("[go] 8. tamper: the offline verifier refuses a forged signature: %s\n", te.Code)
	return nil
}
