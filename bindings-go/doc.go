// Package grantex is the Go SDK of Grantex ("OAuth 2.0 for AI agents") on the Grantex core:
// every request, input check, retry and the strict offline verifier run in the Rust core
// through the C library libgrantex (cgo), so Go gets exactly what the Rust, Python, Node and C
// SDKs get. Its API follows the reference Go SDK (github.com/mishrasanjeev/grantex-go):
// NewClient with the same options, the namespaces Agents, Tokens, Grants, Audit and
// PrincipalSessions, Authorize, Signup, RotateKey, VerifyGrantToken, GeneratePKCE, and the
// error types *APIError, *AuthError, *TokenError and *NetworkError.
//
//	client := grantex.NewClient(apiKey, grantex.WithBaseURL(baseURL))
//	defer client.Close()
//	agent, err := client.Agents.Register(ctx, grantex.RegisterAgentParams{
//		Name:   "travel-assistant",
//		Scopes: []string{"calendar:read"},
//	})
//
// Every operation of the core's catalog is reachable: the reference-shaped methods, and
// Client.Call with an Op constant (operations_gen.go, generated from the catalog) for the rest.
//
// Contexts: every call returns ctx.Err() as soon as its context ends. The C call itself cannot
// be interrupted; it finishes on its own goroutine (bounded by the client's timeout) and its
// result is dropped. Clients and Verifiers are safe for concurrent use.
//
// Building: the package links libgrantex with cgo (a C compiler is needed, no cargo). The
// default build links the prebuilt static library the packaged module carries for linux/amd64
// (internal/lib/linux_amd64/libgrantex.a; in the repository, scripts/lib/go-prebuilt.sh makes
// it). With a libgrantex of your own (`make -C bindings-c install PREFIX=$PREFIX`): build with
// -tags grantex_shared and PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig (shared library), or with
// -tags grantex_static and CGO_CFLAGS=-I$PREFIX/include CGO_LDFLAGS=-L$PREFIX/lib (static).
package grantex
