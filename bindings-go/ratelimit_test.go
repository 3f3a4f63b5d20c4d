package grantex_test

import (
	"context"
	"errors"
	"testing"

	grantex "github.com/grantex-rs/grantex/bindings-go"
	"github.com/grantex-rs/grantex/bindings-go/internal/testserver"
)

// Rate-limit headers as the server sends them: on the client's last response (nil before any,
// and after the JWKS route, which has none) and on a failed call's *APIError.
func TestLastRateLimit(t *testing.T) {
	ctx := context.Background()
	c := freshAccount(t, ctx)
	fresh := newClient(t, "gx_unused_key")
	if rl := fresh.LastRateLimit(); rl != nil {
		t.Fatalf("before any response: %+v", rl)
	}
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	rl := c.LastRateLimit()
	if rl == nil || rl.Limit <= 0 || rl.Remaining >= rl.Limit || rl.Reset < 1 || rl.Reset > 60 || rl.RetryAfter != 0 {
		t.Fatalf("after me: %+v", rl)
	}
	if _, err := c.Jwks(ctx); err != nil {
		t.Fatal(err)
	}
	if rl := c.LastRateLimit(); rl != nil {
		t.Fatalf("after the JWKS (no headers): %+v", rl)
	}
	_, err := c.Agents.Get(ctx, "ag_does_not_exist")
	var apiErr *grantex.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.RateLimit == nil || apiErr.RateLimit.Limit != rl.Limit {
		t.Fatalf("404: %v %+v", err, apiErr)
	}
	if got := c.LastRateLimit(); got == nil || *got != *apiErr.RateLimit {
		t.Fatalf("last after the 404: %+v, error's %+v", got, apiErr.RateLimit)
	}
	c.Close()
	if rl := c.LastRateLimit(); rl != nil {
		t.Fatalf("closed: %+v", rl)
	}
}

// A 429 from a server allowing 2 requests a minute per route: the *APIError carries the
// headers with Retry-After, and so does LastRateLimit.
func TestRateLimited(t *testing.T) {
	info, stop, err := testserver.Start(repoRoot, "--rate-limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := context.Background()
	c := grantex.NewClient(info.APIKey, grantex.WithBaseURL(info.BaseURL), grantex.WithMaxRetries(0))
	defer c.Close()
	// At most 2 answers per window, so 5 calls see a 429 even across a window boundary.
	var apiErr *grantex.APIError
	for i := 0; i < 5; i++ {
		if _, err := c.Me(ctx); err != nil {
			if !errors.As(err, &apiErr) {
				t.Fatalf("call %d: %v", i, err)
			}
			break
		}
	}
	if apiErr == nil || apiErr.StatusCode != 429 || apiErr.Code != "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("no 429 in 5 calls: %+v", apiErr)
	}
	rl := apiErr.RateLimit
	if rl == nil || rl.Limit != 2 || rl.Remaining != 0 || rl.RetryAfter < 1 || rl.RetryAfter > 60 || int64(rl.RetryAfter) != rl.Reset {
		t.Fatalf("429 rate limit: %+v", rl)
	}
	if got := c.LastRateLimit(); got == nil || *got != *rl {
		t.Fatalf("last after the 429: %+v", got)
	}
}
