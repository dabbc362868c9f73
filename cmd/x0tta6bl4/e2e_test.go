package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// buildBinary compiles the x0tta6bl4 binary once per test run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "x0tta6bl4-e2e-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "x0tta6bl4")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// freePort returns a currently unused loopback port for the given network.
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type proc struct {
	cmd *exec.Cmd
	log *syncBuffer
	api string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func cli(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("x0tta6bl4 %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// startNode writes a config, with the YAML lines of extra appended, and starts a node process; it is
// killed when the test ends.
func startNode(t *testing.T, bin, dir, name, ca string, udp int, peers []int, extra ...string) *proc {
	t.Helper()
	apiAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	var ps []string
	for _, p := range peers {
		ps = append(ps, fmt.Sprintf("{address: 127.0.0.1:%d}", p))
	}
	cfg := fmt.Sprintf("listen: 127.0.0.1:%d\nidentity: {key: %s.key, cert: %s.crt, ca: %s}\npeers: [%s]\napi: {listen: %s}\nlog: {level: debug}\ntimers: {keepalive: 1s}\n",
		udp, name, name, ca, strings.Join(ps, ", "), apiAddr) + strings.Join(extra, "")
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &proc{log: &syncBuffer{}, api: "http://" + apiAddr}
	p.cmd = exec.Command(bin, "node", "--config", path)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, p.log)
		}
	})
	return p
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ready(url string) bool {
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestTwoProcesses runs two node processes on real UDP sockets on 127.0.0.1: they handshake and
// exchange 10,000 echo datagrams with none lost, duplicated or corrupted; a node with a certificate
// from another CA is refused with the reason logged.
func TestTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs processes")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cli(t, bin, dir, "ca", "init", "--dir", "ca")
	cli(t, bin, dir, "ca", "init", "--dir", "otherca", "--name", "other")
	for _, n := range []string{"alpha", "beta", "mallory"} {
		cli(t, bin, dir, "keygen", "--out", n+".key")
	}
	cli(t, bin, dir, "ca", "sign", "--dir", "ca", "--pub", "alpha.pub", "--name", "alpha")
	cli(t, bin, dir, "ca", "sign", "--dir", "ca", "--pub", "beta.pub", "--name", "beta")
	cli(t, bin, dir, "ca", "sign", "--dir", "otherca", "--pub", "mallory.pub", "--name", "mallory")

	pa, pb, pm := freePort(t, "udp"), freePort(t, "udp"), freePort(t, "udp")
	beta := startNode(t, bin, dir, "beta", "ca/ca.crt", pb, nil)
	// mallory's certificate comes from another CA: alpha and mallory must refuse each other.
	mallory := startNode(t, bin, dir, "mallory", "otherca/ca.crt", pm, []int{pa})
	alpha := startNode(t, bin, dir, "alpha", "ca/ca.crt", pa, []int{pb, pm})
	waitFor(t, "alpha ready", 20*time.Second, func() bool { return ready(alpha.api) })

	out := cli(t, bin, dir, "ping", "--api", alpha.api, "--count", "10000", "--size", "512", "--json", "beta")
	var res api.PingResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("ping output %q: %v", out, err)
	}
	if res.Sent != 10000 || res.Received != 10000 || res.Lost != 0 || res.Duplicated != 0 || res.Corrupted != 0 {
		t.Fatalf("ping: %+v", res)
	}
	peers := cli(t, bin, dir, "peers", "--api", beta.api)
	if !strings.Contains(peers, "alpha") || !strings.Contains(peers, "up") {
		t.Fatalf("beta's peers:\n%s", peers)
	}

	for _, p := range []*proc{alpha, mallory} {
		waitFor(t, "the rejection to be logged", 20*time.Second, func() bool {
			return strings.Contains(p.log.String(), "rejected peer")
		})
		sc := bufio.NewScanner(strings.NewReader(p.log.String()))
		for sc.Scan() {
			if strings.Contains(sc.Text(), "rejected peer") && !strings.Contains(sc.Text(), "reason=") {
				t.Fatalf("rejection without a reason: %s", sc.Text())
			}
		}
	}
	var list []api.PeerInfo
	c := &api.Client{Base: alpha.api}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if list, err = c.Peers(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if p.Name == "mallory" {
			t.Fatalf("alpha lists mallory as a peer: %+v", p)
		}
	}
}
