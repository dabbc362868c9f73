package camo

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/netip"
	"net/url"
	"testing"
	"time"
)

func TestConfigErrors(t *testing.T) {
	good := testConfig(ModeTLS)
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no listen address", func(c *Config) { c.Listen = netip.AddrPort{} }},
		{"short key", func(c *Config) { c.Key = c.Key[:MinKeySize-1] }},
		{"no server name", func(c *Config) { c.ServerName = "" }},
		{"server name with space", func(c *Config) { c.ServerName = "a b" }},
		{"unknown mode", func(c *Config) { c.Mode = 7 }},
		{"relative path", func(c *Config) { c.Path = "x" }},
		{"path with newline", func(c *Config) { c.Path = "/a\r\nX: y" }},
		{"negative timeout", func(c *Config) { c.HandshakeTimeout = -1 }},
		{"negative pending", func(c *Config) { c.MaxPending = -1 }},
		{"negative peers", func(c *Config) { c.MaxPeers = -1 }},
		{"socks proxy", func(c *Config) { c.Proxy = &url.URL{Scheme: "socks5", Host: "127.0.0.1:1080"} }},
		{"proxy without port", func(c *Config) { c.Proxy = &url.URL{Scheme: "http", Host: "proxy"} }},
	}
	for _, tt := range tests {
		cfg := good
		tt.edit(&cfg)
		if c, err := Listen(cfg); !errors.Is(err, ErrConfig) {
			if c != nil {
				c.Close()
			}
			t.Errorf("%s: %v, want ErrConfig", tt.name, err)
		}
	}
	if _, err := NewProxyDecoy(&url.URL{Scheme: "ftp", Host: "x"}, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("ftp decoy: %v", err)
	}
	if _, err := NewProxyDecoy(nil, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("nil decoy: %v", err)
	}
}

func TestConfigDefaults(t *testing.T) {
	key := append([]byte(nil), testKey...)
	cfg, err := Config{Listen: loopback(), Key: key, ServerName: testName}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != DefaultPath || cfg.HandshakeTimeout != DefaultHandshakeTimeout ||
		cfg.MaxPending != DefaultMaxPending || cfg.MaxPeers != DefaultMaxPeers ||
		cfg.Decoy == nil || cfg.Logger == nil || cfg.Now == nil {
		t.Fatalf("defaults not filled in: %+v", cfg)
	}
	key[0] ^= 1
	if cfg.Key[0] == key[0] {
		t.Fatal("Config.Key aliases the caller's slice")
	}
}

func TestListenErrors(t *testing.T) {
	c := listen(t, testConfig(ModeTLS))
	cfg := testConfig(ModeTLS)
	cfg.Listen = c.LocalAddr() // taken
	if d, err := Listen(cfg); err == nil {
		d.Close()
		t.Fatal("listened twice on one port")
	}
}

func TestModeString(t *testing.T) {
	for m, want := range map[Mode]string{ModeTLS: "tls", ModeWebSocket: "websocket", 9: "Mode(9)"} {
		if got := m.String(); got != want {
			t.Errorf("%d: %q, want %q", int(m), got, want)
		}
	}
}

func TestSelfSignedCertificate(t *testing.T) {
	now := time.Now()
	for _, name := range []string{"www.example.com", "192.0.2.7"} {
		cert, err := SelfSignedCertificate(name, now)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(cert.Leaf)
		if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool, CurrentTime: now}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool, CurrentTime: now.Add(91 * 24 * time.Hour)}); err == nil {
			t.Errorf("%s: valid after 91 days", name)
		}
	}
}

// TestTLSConfigs checks the camouflage's TLS parameters: TLS 1.3 and X25519MLKEM768 first on both
// ends, the browser's ALPN offer, and the configured SNI.
func TestTLSConfigs(t *testing.T) {
	cert, err := SelfSignedCertificate(testName, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := serverTLS(cert)
	cfg, _ := testConfig(ModeTLS).normalize()
	c := clientTLS(cfg)
	if s.MinVersion != tls.VersionTLS13 || s.CurvePreferences[0] != tls.X25519MLKEM768 || c.CurvePreferences[0] != tls.X25519MLKEM768 {
		t.Fatalf("server min %x curves %v, client curves %v", s.MinVersion, s.CurvePreferences, c.CurvePreferences)
	}
	if c.ServerName != testName || len(c.NextProtos) != 2 || c.NextProtos[0] != "h2" || c.NextProtos[1] != "http/1.1" {
		t.Fatalf("client SNI %q ALPN %v", c.ServerName, c.NextProtos)
	}
	if err := c.VerifyConnection(tls.ConnectionState{Version: tls.VersionTLS12}); !errors.Is(err, errNotTLS13) {
		t.Fatalf("client accepts TLS 1.2: %v", err)
	}
	if err := c.VerifyConnection(tls.ConnectionState{Version: tls.VersionTLS13}); err != nil {
		t.Fatalf("client refuses TLS 1.3: %v", err)
	}
}
