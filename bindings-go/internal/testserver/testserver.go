// Package testserver starts the throwaway grantex-server the tests run against (tests only).
package testserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Info is what the server writes to its data dir's server.json.
type Info struct {
	BaseURL       string `json:"baseUrl"`
	APIKey        string `json:"apiKey"`
	SandboxAPIKey string `json:"sandboxApiKey"`
	JwksURI       string `json:"jwksUri"`
	Issuer        string `json:"issuer"`
}

// Start runs $GRANTEX_SERVER_BIN (else <repo>/target/debug/grantex-server) on a free loopback
// port with a fresh data dir, waits for server.json, and returns it with the function that
// stops the server and removes the dir. repoRoot is the repository root; extraArgs are more
// server flags (e.g. --rate-limit 2).
func Start(repoRoot string, extraArgs ...string) (*Info, func(), error) {
	bin := os.Getenv("GRANTEX_SERVER_BIN")
	if bin == "" {
		target := os.Getenv("CARGO_TARGET_DIR")
		if target == "" {
			target = filepath.Join(repoRoot, "target")
		}
		bin = filepath.Join(target, "debug", "grantex-server")
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, nil, fmt.Errorf("grantex-server not built at %s (cargo build -p grantex-server): %w", bin, err)
	}
	dataDir, err := os.MkdirTemp("", "grantex-go-tests.")
	if err != nil {
		return nil, nil, err
	}
	logFile, err := os.Create(filepath.Join(dataDir, "server.log"))
	if err != nil {
		os.RemoveAll(dataDir)
		return nil, nil, err
	}
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0", "--data-dir", dataDir}, extraArgs...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// If the test binary dies without stopping it (a panic in a test), the kernel does.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		os.RemoveAll(dataDir)
		return nil, nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
		os.RemoveAll(dataDir)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var info Info
		raw, err := os.ReadFile(filepath.Join(dataDir, "server.json"))
		if err == nil && json.Unmarshal(raw, &info) == nil && info.BaseURL != "" {
			return &info, stop, nil
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dataDir, "server.log"))
			exited <- err
			stop()
			return nil, nil, fmt.Errorf("grantex-server exited (%v):\n%s", err, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return nil, nil, fmt.Errorf("grantex-server did not write server.json within 30 s")
		}
	}
}

// StartAgent runs the example A2A agent, grantex-a2a-agent ($GRANTEX_A2A_AGENT_BIN, else
// <repo>/target/debug/grantex-a2a-agent: cargo build -p grantex-a2a-agent), on a free loopback
// port with args (its flags: --jwks-uri, --required-scope, ...), and returns the URL it prints
// with the function that stops it.
func StartAgent(repoRoot string, args ...string) (string, func(), error) {
	bin := os.Getenv("GRANTEX_A2A_AGENT_BIN")
	if bin == "" {
		target := os.Getenv("CARGO_TARGET_DIR")
		if target == "" {
			target = filepath.Join(repoRoot, "target")
		}
		bin = filepath.Join(target, "debug", "grantex-a2a-agent")
	}
	if _, err := os.Stat(bin); err != nil {
		return "", nil, fmt.Errorf("grantex-a2a-agent not built at %s (cargo build -p grantex-a2a-agent): %w", bin, err)
	}
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan struct{})
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case url, ok := <-lines:
		if ok && url != "" {
			return url, stop, nil
		}
		stop()
		return "", nil, fmt.Errorf("grantex-a2a-agent exited: %s", stderr.String())
	case <-time.After(30 * time.Second):
		stop()
		return "", nil, fmt.Errorf("grantex-a2a-agent printed no URL within 30 s")
	}
}
