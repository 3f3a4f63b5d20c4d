package grantex_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// Calls that end, calls abandoned by their context and closed clients leave no goroutine
// behind once the core's timeout has ended the abandoned C calls.
func TestNoGoroutineLeak(t *testing.T) {
	runtime.GC()
	base := runtime.NumGoroutine()
	t.Run("calls", func(t *testing.T) {
		ctx := context.Background()
		c := grantex.NewClient(server.APIKey, grantex.WithBaseURL(server.BaseURL))
		for range 20 {
			if _, err := c.Agents.List(ctx); err != nil {
				t.Fatal(err)
			}
		}
		c.Close()
		url := hangingServer(t)
		h := grantex.NewClient("k", grantex.WithBaseURL(url), grantex.WithTimeout(300*time.Millisecond), grantex.WithMaxRetries(0))
		for range 5 {
			cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			if _, err := h.Me(cctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("abandoned call: %v", err)
			}
			cancel()
		}
		h.Close() // the handle is freed when the five abandoned calls end
	})
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A client or verifier dropped without Close is freed by its finalizer; the process keeps
// working (no double free with a later Close of other handles).
func TestFinalizers(t *testing.T) {
	for range 50 {
		_ = grantex.NewClient(server.APIKey, grantex.WithBaseURL(server.BaseURL))
		if _, err := grantex.NewVerifier(server.JwksURI); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.GC()
	c := grantex.NewClient(server.APIKey, grantex.WithBaseURL(server.BaseURL))
	defer c.Close()
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
}
