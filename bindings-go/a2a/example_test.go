package a2a_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/grantex-rs/grantex/bindings-go/a2a"
)

// These examples are compiled, not run (they need a live agent and issuer).

// Calling a remote agent with a grant token: the client checks the token against the agent's
// card offline, then sends tasks/send.
func ExampleClient() {
	ctx := context.Background()
	client, err := a2a.NewClient("https://agent.example", os.Getenv("GRANT_TOKEN"), a2a.ClientOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	task, err := client.SendText(ctx, "book a table for two")
	var refused *a2a.Error
	switch {
	case errors.As(err, &refused):
		fmt.Println("refused:", refused.Code, refused.Reason, refused.Status)
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(task.ID, task.Status.State)
	}
}

// Guarding an agent's JSON-RPC endpoint: only requests with a valid grant token holding
// tasks:send reach the handler.
func ExampleGuard_Middleware() {
	guard, err := a2a.NewGuard(a2a.Policy{
		JwksURI:        "https://grantex.example/.well-known/jwks.json",
		RequiredScopes: []string{"tasks:send"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer guard.Close()
	handler := guard.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		grant := a2a.GrantFromContext(r.Context())
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":1,"result":{"principal":%q}}`, grant.PrincipalID)
	}))
	log.Fatal(http.ListenAndServe(":8080", handler))
}
