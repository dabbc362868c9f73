package config

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/camo"
)

// writeCamoFiles writes a camo key, a bad key, a PEM certificate and key, and a decoy page to dir.
func writeCamoFiles(t *testing.T, dir string) {
	t.Helper()
	cert, err := camo.SelfSignedCertificate("www.example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"camo.key":   []byte("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"), // bytes 0..31
		"short.key":  []byte("AAECAw==\n"),
		"notb64.key": []byte("not base64!\n"),
		"tls.crt":    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		"tls.key":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		"index.html": []byte("<html>hello decoy</html>"),
		"page.noext": []byte("plain words"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCamo(t *testing.T) {
	dir := t.TempDir()
	writeCamoFiles(t, dir)
	const on = "camo: {listen: 127.0.0.1:7443, key_file: camo.key, server_name: www.example.com"
	decoyBody := func(t *testing.T, cc camo.Config) (string, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		cc.Decoy.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		return rec.Header().Get("Content-Type"), rec.Body.String()
	}
	tests := []struct {
		name, yaml string
		field      string // expected validation error field, or "" for a valid file
		check      func(*testing.T, *Config)
	}{
		{"off by default", "", "", func(t *testing.T, c *Config) {
			if c.Camo.On() || c.Camo.ModeName() != "tls" {
				t.Errorf("camo %+v on=%v", c.Camo, c.Camo.On())
			}
		}},
		{"defaults", on + "}\n", "", func(t *testing.T, c *Config) {
			cc, err := c.Camo.Transport(nil)
			if err != nil {
				t.Fatal(err)
			}
			if cc.Listen.String() != "127.0.0.1:7443" || len(cc.Key) != 32 || cc.Key[31] != 31 || cc.ServerName != "www.example.com" ||
				cc.Mode != camo.ModeTLS || cc.Certificate != nil || cc.Decoy != nil || cc.Proxy != nil || cc.VerifyServer ||
				cc.Path != "" || cc.HandshakeTimeout != 0 || cc.MaxPending != 0 || cc.MaxPeers != 0 {
				t.Errorf("camo config %+v", cc)
			}
			if c.Camo.KeyFile != filepath.Join(dir, "camo.key") {
				t.Errorf("key_file not resolved: %s", c.Camo.KeyFile)
			}
			// Transport's result is a configuration camo accepts.
			cc.Listen = netip.AddrPortFrom(cc.Listen.Addr(), 0) // any free port
			conn, err := camo.Listen(cc)
			if err != nil {
				t.Fatal(err)
			}
			conn.Close()
		}},
		{"all set", on + ", certificate: tls.crt, certificate_key: tls.key, verify_server: true, mode: websocket, path: /ws," +
			" proxy: \"http://proxy:3128\", decoy_page: index.html, handshake_timeout: 5s, max_pending: 16, max_peers: 32}\n", "",
			func(t *testing.T, c *Config) {
				cc, err := c.Camo.Transport(nil)
				if err != nil {
					t.Fatal(err)
				}
				if cc.Mode != camo.ModeWebSocket || cc.Certificate == nil || len(cc.Certificate.Certificate) != 1 || !cc.VerifyServer ||
					cc.Path != "/ws" || cc.Proxy.String() != "http://proxy:3128" || cc.HandshakeTimeout != 5*time.Second ||
					cc.MaxPending != 16 || cc.MaxPeers != 32 {
					t.Errorf("camo config %+v", cc)
				}
				if ct, body := decoyBody(t, cc); body != "<html>hello decoy</html>" || !strings.HasPrefix(ct, "text/html") {
					t.Errorf("decoy page %q %q", ct, body)
				}
			}},
		{"decoy page without extension", on + ", decoy_page: page.noext}\n", "", func(t *testing.T, c *Config) {
			cc, err := c.Camo.Transport(nil)
			if err != nil {
				t.Fatal(err)
			}
			if ct, body := decoyBody(t, cc); body != "plain words" || !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("decoy page %q %q", ct, body)
			}
		}},
		{"decoy proxy", on + ", decoy_proxy: \"https://www.example.com/\"}\n", "", func(t *testing.T, c *Config) {
			cc, err := c.Camo.Transport(nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := cc.Decoy.(*camo.ProxyDecoy); !ok {
				t.Errorf("decoy %T", cc.Decoy)
			}
		}},
		{"missing key file", "camo: {listen: 127.0.0.1:7443, key_file: none.key, server_name: a.example}\n", "", func(t *testing.T, c *Config) {
			if _, err := c.Camo.Transport(nil); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("err %v", err)
			}
		}},
		{"short key", "camo: {listen: 127.0.0.1:7443, key_file: short.key, server_name: a.example}\n", "", func(t *testing.T, c *Config) {
			if _, err := c.Camo.Transport(nil); !errors.Is(err, camo.ErrConfig) || !strings.Contains(err.Error(), "short.key") {
				t.Errorf("err %v", err)
			}
		}},
		{"key not base64", "camo: {listen: 127.0.0.1:7443, key_file: notb64.key, server_name: a.example}\n", "", func(t *testing.T, c *Config) {
			if _, err := c.Camo.Transport(nil); !errors.Is(err, camo.ErrConfig) || !strings.Contains(err.Error(), "base64") {
				t.Errorf("err %v", err)
			}
		}},
		{"missing certificate", on + ", certificate: none.crt, certificate_key: tls.key}\n", "", func(t *testing.T, c *Config) {
			if _, err := c.Camo.Transport(nil); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "camo.certificate") {
				t.Errorf("err %v", err)
			}
		}},
		{"missing decoy page", on + ", decoy_page: none.html}\n", "", func(t *testing.T, c *Config) {
			if _, err := c.Camo.Transport(nil); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "camo.decoy_page") {
				t.Errorf("err %v", err)
			}
		}},
		{"settings without listen", "camo: {key_file: camo.key}\n", "camo.listen", nil},
		{"with obfs", on + "}\nobfs: {key_file: camo.key}\n", "camo: camo and obfs are both set", nil},
		{"listen not ip:port", "camo: {listen: localhost:443, key_file: camo.key, server_name: a.example}\n", "camo.listen", nil},
		{"listen port 0", "camo: {listen: 127.0.0.1:0, key_file: camo.key, server_name: a.example}\n", "camo.listen", nil},
		{"no key file", "camo: {listen: 127.0.0.1:443, server_name: a.example}\n", "camo.key_file", nil},
		{"no server name", "camo: {listen: 127.0.0.1:443, key_file: camo.key}\n", "camo.server_name", nil},
		{"server name with space", "camo: {listen: 127.0.0.1:443, key_file: camo.key, server_name: \"a b\"}\n", "camo.server_name", nil},
		{"certificate without key", on + ", certificate: tls.crt}\n", "camo.certificate", nil},
		{"verify without certificate", on + ", verify_server: true}\n", "camo.verify_server", nil},
		{"bad mode", on + ", mode: quic}\n", "camo.mode", nil},
		{"relative path", on + ", path: ws}\n", "camo.path", nil},
		{"path with space", on + ", path: \"/a b\"}\n", "camo.path", nil},
		{"proxy not a URL", on + ", proxy: \"http://[::1\"}\n", "camo.proxy", nil},
		{"proxy scheme", on + ", proxy: \"socks5://p:1080\"}\n", "camo.proxy", nil},
		{"proxy without port", on + ", proxy: \"http://p\"}\n", "camo.proxy", nil},
		{"proxy credentials", on + ", proxy: \"http://u:pw@p:3128\"}\n", "camo.proxy: credentials", nil},
		{"both decoys", on + ", decoy_page: index.html, decoy_proxy: \"https://a.example\"}\n", "camo.decoy_page", nil},
		{"decoy proxy not a URL", on + ", decoy_proxy: \"https://[::1\"}\n", "camo.decoy_proxy", nil},
		{"decoy proxy scheme", on + ", decoy_proxy: \"ftp://a.example\"}\n", "camo.decoy_proxy", nil},
		{"decoy proxy credentials", on + ", decoy_proxy: \"https://u:pw@a.example\"}\n", "camo.decoy_proxy: credentials", nil},
		{"nul in path", on + ", decoy_page: \"a\\0b\"}\n", "camo.decoy_page: contains a NUL", nil},
		{"handshake timeout too short", on + ", handshake_timeout: 10ms}\n", "camo.handshake_timeout", nil},
		{"handshake timeout too long", on + ", handshake_timeout: 2m}\n", "camo.handshake_timeout", nil},
		{"negative max pending", on + ", max_pending: -1}\n", "camo.max_pending", nil},
		{"max peers too high", on + ", max_peers: 100000}\n", "camo.max_peers", nil},
		{"unknown field", on + ", sni: x}\n", "sni", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "node.yaml")
			if err := os.WriteFile(path, []byte(healingBase+tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if tt.field != "" {
				if err == nil || !strings.Contains(err.Error(), tt.field) {
					t.Fatalf("err = %v, want one naming %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}
