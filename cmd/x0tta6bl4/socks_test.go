package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
		io.ReadFull(c, l[:])
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

// TestSOCKSThroughThreeHops runs four nodes a-b-c-d in a line with the node command: a SOCKS5 request
// on a exits at d, three hops away, and fetches a page from a local HTTP server; a port the exit does
// not allow is refused.
func TestSOCKSThroughThreeHops(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "hello through the mesh")
	}))
	defer web.Close()
	webPort := web.Listener.Addr().(*net.TCPAddr).Port

	dir := t.TempDir()
	mustCLI(t, "ca", "init", "--dir", filepath.Join(dir, "ca"))
	names := []string{"a", "b", "c", "d"}
	ids := map[string]string{}
	for _, n := range names {
		out := mustCLI(t, "keygen", "--out", filepath.Join(dir, n+".key"))
		ids[n] = strings.TrimSpace(strings.SplitN(strings.SplitN(out, "node ID: ", 2)[1], "\n", 2)[0])
		mustCLI(t, "ca", "sign", "--dir", filepath.Join(dir, "ca"), "--pub", filepath.Join(dir, n+".pub"), "--name", n)
	}
	udp := map[string]int{}
	for _, n := range names {
		udp[n] = freePort(t, "udp")
	}
	socks := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	apiA := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, len(names))
	for i, n := range names {
		extra := ""
		if i > 0 {
			extra += fmt.Sprintf("peers: [{address: '127.0.0.1:%d'}]\n", udp[names[i-1]])
		}
		api := "off"
		switch n {
		case "a":
			extra += fmt.Sprintf("socks: {listen: '%s', exit: %s}\n", socks, ids["d"])
			api = apiA
		case "d":
			extra += fmt.Sprintf("exit: {allow: ['127.0.0.1/32:%d'], resolve_names: true}\n", webPort)
		}
		cfg := fmt.Sprintf("listen: 127.0.0.1:%d\nidentity: {key: %s.key, cert: %s.crt, ca: ca/ca.crt}\nmin_peers: -1\napi: {listen: '%s'}\n%s", udp[n], n, n, api, extra)
		path := filepath.Join(dir, n+".yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		go func() {
			code, _, errs := runCLI(ctx, "node", "--config", path)
			if code != 0 {
				t.Errorf("node %s: %s", n, errs)
			}
			done <- code
		}()
	}
	defer func() {
		cancel()
		for range names {
			<-done
		}
	}()
	waitFor(t, "a to route to d", 20*time.Second, func() bool {
		out, err := routesOf("http://" + apiA)
		return err == nil && strings.Contains(out, ids["d"][:16])
	})
	body, err := socksGet(socks, "localhost", webPort, "/")
	if err != nil || body != "hello through the mesh" {
		t.Fatalf("GET through SOCKS5: %q, %v", body, err)
	}
	if _, err := socksGet(socks, "127.0.0.1", webPort+1, "/"); err == nil || !strings.Contains(err.Error(), "reply code 2") {
		t.Fatalf("a port the exit does not allow: %v", err)
	}
}

// routesOf returns the routes table of the node whose API is at url.
func routesOf(url string) (string, error) {
	code, out, errs := runCLI(context.Background(), "routes", "--api", url)
	if code != 0 {
		return "", fmt.Errorf("%s", errs)
	}
	return out, nil
}
