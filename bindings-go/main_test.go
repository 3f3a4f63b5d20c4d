package grantex_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// server is the grantex-server the tests run against (started by TestMain).
var server struct {
	BaseURL       string `json:"baseUrl"`
	APIKey        string `json:"apiKey"`
	SandboxAPIKey string `json:"sandboxApiKey"`
	JwksURI       string `json:"jwksUri"`
}

// repoRoot is the repository root (the tests run in bindings-go/).
var repoRoot = func() string { p, _ := filepath.Abs(".."); return p }()

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bin := os.Getenv("GRANTEX_SERVER_BIN")
	if bin == "" {
		target := os.Getenv("CARGO_TARGET_DIR")
		if target == "" {
			target = filepath.Join(repoRoot, "target")
		}
		bin = filepath.Join(target, "debug", "grantex-server")
	}
	if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(os.Stderr, "grantex-server not built at %s (cargo build -p grantex-server): %v\n", bin, err)
		return 1
	}
	dataDir, err := os.MkdirTemp("", "grantex-go-tests.")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dataDir)
	logFile, err := os.Create(filepath.Join(dataDir, "server.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--data-dir", dataDir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// If the test binary dies without running the deferred stop (a panic in a test), the
	// kernel stops the server.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		raw, err := os.ReadFile(filepath.Join(dataDir, "server.json"))
		if err == nil && json.Unmarshal(raw, &server) == nil && server.BaseURL != "" {
			break
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dataDir, "server.log"))
			fmt.Fprintf(os.Stderr, "grantex-server exited (%v):\n%s\n", err, log)
			return 1
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "grantex-server did not write server.json within 30 s")
			return 1
		}
	}
	return m.Run()
}
