package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// socksGet fetches url's path from host:port through a SOCKS5 proxy with a domain-name CONNECT, as
// `curl --socks5-hostname` does, and returns the HTTP response body.
func socksGet(proxy, host string, port int, path string) (string, error) {
	c, err := net.DialTimeout("tcp", proxy, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write([]byte{5, 1, 0}); err != nil {
		return "", err
	}
	var hello [2]byte
	if _, err := io.ReadFull(c, hello[:]); err != nil || hello != [2]byte{5, 0} {
		return "", fmt.Errorf("method reply %v: %v", hello, err)
	}
	req := append([]byte{5, 1, 0, 3, byte(len(host))}, host...)
	req = binary.BigEndian.AppendUint16(req, uint16(port))
	if _, err := c.Write(req); err != nil {
		return "", err
	}
	var head [4]byte
	if _, err := io.ReadFull(c, head[:]); err != nil {
		return "", err
	}
	if head[1] != 0 {
		return "", fmt.Errorf("SOCKS reply code %d", head[1])
	}
	skip := map[byte]int{1: 4 + 2, 4: 16 + 2}[head[3]]
	if head[3] == 3 {
		var l [1]byte
		if _, err := io.ReadFull(c, l[:]); err != nil {
			return "", err
		}
		skip = int(l[0]) + 2
	}
	if _, err := io.CopyN(io.Discard, c, int64(skip)); err != nil {
		return "", err
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

// TestFiveProcessesSOCKS runs five node processes n1-n2-n3-n4-n5 in a line on 127.0.0.1, each
// with static peers only to its neighbours and no spare-peer dialing. n1's routes API must show n4
// and n5 reachable through n2; a SOCKS5 request on n1 exits at n4, three hops away, and fetches a
// page from a local HTTP server; a port n4 does not allow is refused; and a forward entry on n1
// carries 1 MiB to a TCP echo server behind n5 and back unchanged.
func TestFiveProcessesSOCKS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs processes")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "hello through the mesh")
	}))
	defer web.Close()
	webPort := web.Listener.Addr().(*net.TCPAddr).Port
	echo := startEcho(t)

	dir := t.TempDir()
	cli(t, bin, dir, "ca", "init", "--dir", "ca")
	names := []string{"n1", "n2", "n3", "n4", "n5"}
	ids := map[string]string{}
	udp := map[string]int{}
	for _, n := range names {
		out := cli(t, bin, dir, "keygen", "--out", n+".key")
		_, id, ok := strings.Cut(out, "node ID: ")
		if !ok {
			t.Fatalf("keygen output without a node ID:\n%s", out)
		}
		ids[n] = strings.TrimSpace(strings.SplitN(id, "\n", 2)[0])
		cli(t, bin, dir, "ca", "sign", "--dir", "ca", "--pub", n+".pub", "--name", n)
		udp[n] = freePort(t, "udp")
	}
	socks := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	fwd := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	extra := map[string]string{
		"n1": fmt.Sprintf("socks: {listen: '%s', exit: %s}\nforward:\n  - {listen: '%s', exit: %s, target: '%s'}\n",
			socks, ids["n4"], fwd, ids["n5"], echo),
		"n4": fmt.Sprintf("exit: {allow: ['127.0.0.1/32:%d'], resolve_names: true}\n", webPort),
		"n5": fmt.Sprintf("exit: {allow: ['%s/32:%d']}\n", echo.IP, echo.Port),
	}
	procs := map[string]*proc{}
	for i, n := range names {
		var peers []int
		if i > 0 {
			peers = []int{udp[names[i-1]]}
		}
		// min_peers -1: no dialing of spare peers, so the line stays a line.
		procs[n] = startNode(t, bin, dir, n, "ca/ca.crt", udp[n], peers, "min_peers: -1\n", extra[n])
	}
	n1 := procs["n1"]
	c := &api.Client{Base: n1.api}
	waitFor(t, "n1 to route to n4 and n5 through n2", 25*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		routes, err := c.Routes(ctx)
		return err == nil && routedVia(routes, ids["n4"], ids["n2"]) && routedVia(routes, ids["n5"], ids["n2"])
	})
	if !strings.Contains(n1.log.String(), "forward listening") {
		t.Fatalf("n1 did not log its forward:\n%s", n1.log)
	}

	body, err := socksGet(socks, "localhost", webPort, "/")
	if err != nil || body != "hello through the mesh" {
		t.Fatalf("GET through SOCKS5: %q, %v", body, err)
	}
	if _, err := socksGet(socks, "127.0.0.1", webPort+1, "/"); err == nil || !strings.Contains(err.Error(), "reply code 2") {
		t.Fatalf("a port the exit does not allow: %v", err)
	}

	const size = 1 << 20
	data := make([]byte, size)
	rand.Read(data)
	got, err := echoThrough(fwd, data)
	if err != nil {
		t.Fatalf("forward: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("forward: got %d bytes back, want the %d sent (first difference at %d)", len(got), len(data), firstDiff(got, data))
	}
}

// TestForwardStartupError checks that a forward entry whose listen address is taken stops the node
// at startup with an error naming the entry, after the exit server had already started.
func TestForwardStartupError(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, "ca", "init", "--dir", filepath.Join(dir, "ca"))
	mustCLI(t, "keygen", "--out", filepath.Join(dir, "n.key"))
	mustCLI(t, "ca", "sign", "--dir", filepath.Join(dir, "ca"), "--pub", filepath.Join(dir, "n.pub"), "--name", "n")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := fmt.Sprintf("listen: 127.0.0.1:%d\nidentity: {key: n.key, cert: n.crt, ca: ca/ca.crt}\napi: {listen: 'off'}\n"+
		"exit: {allow: ['127.0.0.1/32:1']}\nforward: [{listen: '%s', exit: %s, target: '127.0.0.1:1'}]\n",
		freePort(t, "udp"), busy.Addr(), strings.Repeat("ab", 32))
	path := filepath.Join(dir, "n.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code, _, errs := runCLI(ctx, "node", "--config", path)
	if ctx.Err() != nil {
		t.Fatal("the node kept running after its forward failed to listen")
	}
	if code == 0 || !strings.Contains(errs, "forward[0] (listen "+busy.Addr().String()) || !strings.Contains(errs, "address already in use") {
		t.Fatalf("exit code %d, stderr:\n%s", code, errs)
	}
}

// TestNodeStartsForwardAndSOCKS runs the node command in-process with an exit, a SOCKS5 proxy and
// two forward entries: every listener accepts connections, each forward is logged with its listen
// address, exit and target, and the node stops cleanly when its context ends.
func TestNodeStartsForwardAndSOCKS(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, "ca", "init", "--dir", filepath.Join(dir, "ca"))
	mustCLI(t, "keygen", "--out", filepath.Join(dir, "n.key"))
	mustCLI(t, "ca", "sign", "--dir", filepath.Join(dir, "ca"), "--pub", filepath.Join(dir, "n.pub"), "--name", "n")
	exit := strings.Repeat("cd", 32)
	socks := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	fwd := []string{fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp")), fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))}
	cfg := fmt.Sprintf("listen: 127.0.0.1:%d\nidentity: {key: n.key, cert: n.crt, ca: ca/ca.crt}\napi: {listen: 'off'}\n"+
		"exit: {allow: ['127.0.0.1/32:1']}\nsocks: {listen: '%s', exit: %s}\n"+
		"forward: [{listen: '%s', exit: %s, target: '127.0.0.1:1'}, {listen: '%s', exit: %s, target: 'db.lan:5432'}]\n",
		freePort(t, "udp"), socks, exit, fwd[0], exit, fwd[1], exit)
	path := filepath.Join(dir, "n.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		code      int
		out, errs string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errs := runCLI(ctx, "node", "--config", path)
		done <- result{code, out, errs}
	}()
	for _, addr := range append([]string{socks}, fwd...) {
		waitFor(t, addr+" to accept", 10*time.Second, func() bool {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
			}
			return err == nil
		})
	}
	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the node did not stop")
	}
	if r.code != 0 {
		t.Fatalf("exit code %d:\n%s%s", r.code, r.out, r.errs)
	}
	logs := r.out + r.errs
	for i, target := range []string{"127.0.0.1:1", "db.lan:5432"} {
		want := fmt.Sprintf("msg=\"forward listening\" listen=%s exit=%s target=%s", fwd[i], exit[:16], target)
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// routedVia reports whether routes select a reachable route to dst whose next hop is via.
func routedVia(routes []api.RouteInfo, dst, via string) bool {
	for _, r := range routes {
		if r.Selected && r.Destination == dst && r.NextHop == via && r.Metric < api.MetricInfinity {
			return true
		}
	}
	return false
}

// startEcho runs a TCP echo server on 127.0.0.1 that copies each connection back to itself and then
// half-closes it; it stops when the test ends.
func startEcho(t *testing.T) *net.TCPAddr {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				if _, err := io.Copy(c, c); err == nil {
					_ = c.(*net.TCPConn).CloseWrite()
				}
			})
		}
	})
	return l.Addr().(*net.TCPAddr)
}

// echoThrough sends data to the echo server behind addr, half-closes, and returns what comes back.
func echoThrough(addr string, data []byte) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		if err == nil {
			err = c.(*net.TCPConn).CloseWrite()
		}
		werr <- err
	}()
	got, err := io.ReadAll(io.LimitReader(c, int64(len(data))+1))
	return got, errors.Join(err, <-werr)
}

// firstDiff returns the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
