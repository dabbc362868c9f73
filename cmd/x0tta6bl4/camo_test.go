package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/camo"
)

// decoyPage is the page the camo nodes of TestCamoNodes serve to clients without the key.
const decoyPage = "<!DOCTYPE html>\n<html><head><title>Bakery</title></head><body>Fresh bread daily.</body></html>\n"

// TestCamoNodes runs node processes over the TLS camouflage transport, in each mode: two nodes
// sharing a camouflage key form a session and ping each other; a plain HTTPS GET to a node's camo
// port gets the decoy page; a node with another camouflage key gets no session.
func TestCamoNodes(t *testing.T) {
	h := newHealNet(t, "alpha", "beta", "gamma")
	cli(t, h.bin, h.dir, "camo", "genkey", "--out", "camo.key")
	cli(t, h.bin, h.dir, "camo", "genkey", "--out", "other.key")
	if err := os.WriteFile(filepath.Join(h.dir, "index.html"), []byte(decoyPage), 0o600); err != nil {
		t.Fatal(err)
	}
	https := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, ServerName: "www.example.com"}, // like curl -k
	}}
	t.Cleanup(https.CloseIdleConnections)
	for _, mode := range []string{"tls", "websocket"} {
		t.Run(mode, func(t *testing.T) {
			section := func(key string) string {
				return fmt.Sprintf("camo: {listen: 127.0.0.1:%%d, key_file: %s, server_name: www.example.com, mode: %s, decoy_page: index.html}\n", key, mode)
			}
			// The nodes' UDP listen ports are their camo TCP ports, which peers name; UDP is not bound.
			pa, pb, pg := freePort(t, "tcp"), freePort(t, "tcp"), freePort(t, "tcp")
			alpha := h.start(t, "alpha", pa, nil, fmt.Sprintf(section("camo.key"), pa))
			beta := h.start(t, "beta", pb, []int{pa}, fmt.Sprintf(section("camo.key"), pb))
			gamma := h.start(t, "gamma", pg, []int{pa}, fmt.Sprintf(section("other.key"), pg))
			waitFor(t, "alpha and beta up", 20*time.Second, func() bool { return upPeers(t, alpha) == 1 && upPeers(t, beta) == 1 })
			res, err := client(beta).Ping(ctx5(t), api.PingRequest{Peer: nodeID(t, alpha), Count: 5})
			if err != nil || res.Received != 5 {
				t.Fatalf("ping over camo %s: %+v, %v", mode, res, err)
			}
			want := fmt.Sprintf("kind=camo listen=127.0.0.1:%d mode=%s", pa, mode)
			if !strings.Contains(alpha.log.String(), want) {
				t.Errorf("alpha's log does not say %q", want)
			}
			cfg, err := client(alpha).Config(ctx5(t))
			if err != nil || cfg.Camo.Listen != fmt.Sprintf("127.0.0.1:%d", pa) || cfg.Camo.Mode != mode {
				t.Errorf("served camo section %+v, %v", cfg.Camo, err)
			}

			// A web client gets the decoy page, over TLS 1.3.
			for _, path := range []string{"/", "/index.html"} {
				resp, err := https.Get(fmt.Sprintf("https://127.0.0.1:%d%s", pa, path))
				if err != nil {
					t.Fatalf("HTTPS GET %s: %v", path, err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || string(body) != decoyPage || resp.TLS.Version != tls.VersionTLS13 ||
					!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("HTTPS GET %s: %s %q %q, TLS %x, %v", path, resp.Status, resp.Header.Get("Content-Type"), body, resp.TLS.Version, err)
				}
			}

			time.Sleep(3 * time.Second) // gamma has been trying for as long
			if n := upPeers(t, gamma); n != 0 {
				t.Fatalf("gamma, with another camouflage key, has %d sessions", n)
			}
			if n := upPeers(t, alpha); n != 1 {
				t.Fatalf("alpha has %d sessions, want only beta's", n)
			}
		})
	}
}

func TestCamoGenkey(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "camo.key")
	tests := []struct {
		name, out string
		ok        bool
	}{
		{"writes a key", out, true},
		{"never overwrites", out, false},
		{"missing directory", filepath.Join(dir, "none", "camo.key"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(context.Background(), "camo", "genkey", "--out", tt.out)
			if (code == 0) != tt.ok {
				t.Fatalf("exit %d: %s%s", code, stdout, stderr)
			}
			if !tt.ok {
				if !strings.Contains(stderr, "camo genkey") {
					t.Errorf("stderr %q", stderr)
				}
				return
			}
			b, err := os.ReadFile(tt.out)
			if err != nil {
				t.Fatal(err)
			}
			k, err := config.ParseCamoKey(string(b))
			if err != nil || len(k) != camo.MinKeySize || bytes.Equal(k, make([]byte, camo.MinKeySize)) {
				t.Fatalf("genkey wrote %q: %v", b, err)
			}
			if fi, err := os.Stat(tt.out); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, %v", fi.Mode(), err)
			}
		})
	}
}

// TestNodeTransport checks the choice of transport in process: camo when its section is on, UDP
// (obfuscated or not) otherwise, and the errors of each.
func TestNodeTransport(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, "camo", "genkey", "--out", filepath.Join(dir, "camo.key"))
	mustCLI(t, "obfs", "genkey", "--out", filepath.Join(dir, "obfs.key"))
	cert, err := camo.SelfSignedCertificate("www.example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"tls.crt":   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		"tls.key":   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		"page.html": []byte(decoyPage),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	busyTCP, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busyTCP.Close()
	busyUDP, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busyUDP.Close()
	base := "listen: 127.0.0.1:0\nidentity: {key: k, cert: c, ca: a}\n"
	camoAt := func(addr, extra string) string {
		return base + "camo: {listen: " + addr + ", key_file: camo.key, server_name: www.example.com" + extra + "}\n"
	}
	free := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))
	tests := []struct {
		name, yaml string
		wantType   string // the Conn's type, or "" for an error
		wantLog    string // in the log, or in the error
	}{
		{"udp", base, "*transport.UDPConn", "kind=udp"},
		{"udp obfuscated", base + "obfs: {key_file: obfs.key}\n", "*obfs.Conn", "obfs=true"},
		{"camo", camoAt(free, ""), "*camo.Conn", "kind=camo listen=" + free + " mode=tls server_name=www.example.com certificate=self-signed decoy=\"placeholder page\""},
		{"camo websocket, proxy decoy", camoAt(free, ", mode: websocket, decoy_proxy: \"https://www.example.com/\""), "*camo.Conn", "mode=websocket"},
		{"camo certificate, decoy page", camoAt(free, ", certificate: tls.crt, certificate_key: tls.key, decoy_page: page.html"), "*camo.Conn",
			"certificate=" + filepath.Join(dir, "tls.crt") + " decoy=" + filepath.Join(dir, "page.html")},
		{"camo decoy page missing", camoAt(free, ", decoy_page: none.html"), "", "camo.decoy_page"},
		{"camo port taken", camoAt(busyTCP.Addr().String(), ""), "", "camo: "},
		{"udp port taken", strings.Replace(base, "127.0.0.1:0", busyUDP.LocalAddr().String(), 1), "", "address already in use"},
		{"obfs key missing", base + "obfs: {key_file: none.key}\n", "", "obfs.key_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "node.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			var logb bytes.Buffer
			conn, err := nodeTransport(cfg, slog.New(slog.NewTextHandler(&logb, nil)))
			if tt.wantType == "" {
				if err == nil {
					conn.Close()
					t.Fatal("no error")
				}
				if !strings.Contains(err.Error(), tt.wantLog) {
					t.Fatalf("err %v, want %q", err, tt.wantLog)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if got := fmt.Sprintf("%T", conn); got != tt.wantType {
				t.Errorf("transport %s, want %s", got, tt.wantType)
			}
			if !strings.Contains(logb.String(), tt.wantLog) || strings.Count(logb.String(), "transport on") != 1 {
				t.Errorf("log %q, want one transport line with %q", logb.String(), tt.wantLog)
			}
		})
	}
}
