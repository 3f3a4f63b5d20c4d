package grantex_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/grantex-rs/grantex/bindings-go/internal/testserver"
)

// server is the grantex-server the tests run against (started by TestMain).
var server testserver.Info

// repoRoot is the repository root (the tests run in bindings-go/).
var repoRoot = func() string { p, _ := filepath.Abs(".."); return p }()

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// A test server is a development server: webhook receivers live on loopback.
	info, stop, err := testserver.Start(repoRoot, "--allow-private-webhooks", "--webhook-retry-base-ms", "200")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	server = *info
	return m.Run()
}
