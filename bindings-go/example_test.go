package grantex_test

import (
	"context"
	"fmt"
	"log"
	"os"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// The examples are compiled (not run: they need a server); TestFlow runs the same steps.

func ExampleNewClient() {
	client := grantex.NewClient(os.Getenv("GRANTEX_API_KEY"), grantex.WithBaseURL("http://127.0.0.1:8080"))
	defer client.Close()
	agent, err := client.Agents.Register(context.Background(), grantex.RegisterAgentParams{
		Name:   "travel-assistant",
		Scopes: []string{"calendar:read"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(agent.DID)
}

func ExampleClient_Authorize() {
	ctx := context.Background()
	client := grantex.NewClient(os.Getenv("GRANTEX_API_KEY"))
	defer client.Close()
	auth, err := client.Authorize(ctx, grantex.AuthorizeParams{
		AgentID: "ag_...", PrincipalID: "usr_alice", Scopes: []string{"calendar:read"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("send the user to", auth.ConsentURL)
}

func ExampleTokensService_Exchange() {
	ctx := context.Background()
	client := grantex.NewClient(os.Getenv("GRANTEX_API_KEY"))
	defer client.Close()
	tok, err := client.Tokens.Exchange(ctx, grantex.ExchangeTokenParams{Code: "code-from-consent", AgentID: "ag_..."})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.GrantID)
}

func ExampleVerifyGrantToken() {
	grant, err := grantex.VerifyGrantToken(context.Background(), "eyJ...", grantex.VerifyOptions{
		JwksURI:        "https://api.grantex.dev/.well-known/jwks.json",
		RequiredScopes: []string{"calendar:read"},
	})
	if err != nil {
		log.Fatal(err) // a *grantex.TokenError says why (Code "expired", "bad_signature", ...)
	}
	fmt.Println(grant.PrincipalID, grant.Scopes)
}

func ExampleGrantsService_Delegate() {
	ctx := context.Background()
	client := grantex.NewClient(os.Getenv("GRANTEX_API_KEY"))
	defer client.Close()
	del, err := client.Grants.Delegate(ctx, grantex.DelegateParams{
		ParentGrantToken: "eyJ...", SubAgentID: "ag_sub", Scopes: []string{"calendar:read"}, ExpiresIn: "1h",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(del.GrantToken)
}

func ExampleGrantsService_Revoke() {
	client := grantex.NewClient(os.Getenv("GRANTEX_API_KEY"))
	defer client.Close()
	if err := client.Grants.Revoke(context.Background(), "grnt_..."); err != nil {
		log.Fatal(err)
	}
}
