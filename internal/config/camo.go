package config

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/camo"
)

// Bounds of the camo section's limits; zero takes camo's default for each.
const (
	// MinCamoHandshakeTimeout and MaxCamoHandshakeTimeout bound camo.handshake_timeout when set.
	MinCamoHandshakeTimeout, MaxCamoHandshakeTimeout = time.Second, time.Minute
	// MaxCamoPending bounds camo.max_pending.
	MaxCamoPending = 1 << 16
	// MaxCamoPeers bounds camo.max_peers.
	MaxCamoPeers = 1 << 16
)

// Camo carries the node's datagrams over TLS 1.3 (or WebSocket over TLS 1.3) connections that look
// like HTTPS (internal/transport/camo, docs/censorship.md "TLS camouflage"). With Listen set the
// node listens on that TCP address INSTEAD of binding its UDP listen address, and peers' addresses
// are their camo listeners: a network uses one transport on all its nodes, with the same key,
// server name, path and verify_server. Clients that do not authenticate with the key are served a
// decoy web site. Without Listen the node uses UDP.
type Camo struct {
	// Listen is the TCP address (IP:port) the node accepts camouflaged connections on.
	Listen string `yaml:"listen"`
	// KeyFile holds the network's camouflage key in base64, at least camo.MinKeySize bytes
	// (`x0tta6bl4 camo genkey`). A relative path is resolved against the configuration file's
	// directory.
	KeyFile string `yaml:"key_file"`
	// ServerName is the name sent as SNI and Host, and the name of the self-signed certificate
	// made when Certificate is empty: the name of the site the decoy imitates.
	ServerName string `yaml:"server_name"`
	// Certificate is a PEM certificate chain for ServerName, with CertificateKey its PEM private
	// key; both empty makes a self-signed certificate at start.
	Certificate string `yaml:"certificate"`
	// CertificateKey is the PEM private key of Certificate.
	CertificateKey string `yaml:"certificate_key"`
	// VerifyServer makes the node verify the certificate of every node it dials against the
	// system's roots; every node then needs a certificate from a public CA.
	VerifyServer bool `yaml:"verify_server"`
	// Mode is how the node's outgoing connections carry datagrams: "tls" (the default) or
	// "websocket". A node accepts both.
	Mode string `yaml:"mode"`
	// Path is the request path of the authentication request, "/" when empty.
	Path string `yaml:"path"`
	// Proxy is an HTTP proxy URL (http://host:port) through which outgoing connections are
	// tunnelled with CONNECT. Credentials are refused: the configuration is served by the API.
	Proxy string `yaml:"proxy"`
	// DecoyPage is an HTML (or other) file served at / to clients that do not authenticate;
	// empty serves a placeholder page. A relative path is resolved like KeyFile.
	DecoyPage string `yaml:"decoy_page"`
	// DecoyProxy is an http or https URL of a real site to which such clients' requests are
	// passed instead (a reverse proxy). At most one of DecoyPage and DecoyProxy is set.
	DecoyProxy string `yaml:"decoy_proxy"`
	// HandshakeTimeout bounds an accepted connection's TLS handshake and first request, and a
	// whole dial (0: camo.DefaultHandshakeTimeout).
	HandshakeTimeout Duration `yaml:"handshake_timeout"`
	// MaxPending is the most unauthenticated connections at once (0: camo.DefaultMaxPending).
	MaxPending int `yaml:"max_pending"`
	// MaxPeers is the most peers at once (0: camo.DefaultMaxPeers).
	MaxPeers int `yaml:"max_peers"`
}

// On reports whether the node uses the camouflage transport instead of UDP.
func (c Camo) On() bool { return c.Listen != "" }

// ModeName returns the mode the section selects: "tls" when Mode is empty.
func (c Camo) ModeName() string {
	if c.Mode == "" {
		return camo.ModeTLS.String()
	}
	return c.Mode
}

// Transport reads the section's files and returns its camo.Config with Logger set to log, whose
// decoy, when DecoyProxy is set, logs to log too. Call it on a validated Config.
func (c Camo) Transport(log *slog.Logger) (camo.Config, error) {
	b, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return camo.Config{}, fmt.Errorf("camo.key_file: %w", err)
	}
	key, err := ParseCamoKey(string(b))
	if err != nil {
		return camo.Config{}, fmt.Errorf("camo.key_file %s: %w", c.KeyFile, err)
	}
	cfg := camo.Config{
		Listen: netip.MustParseAddrPort(c.Listen), Key: key, ServerName: c.ServerName,
		VerifyServer: c.VerifyServer, Path: c.Path, HandshakeTimeout: time.Duration(c.HandshakeTimeout),
		MaxPending: c.MaxPending, MaxPeers: c.MaxPeers, Logger: log,
	}
	if c.ModeName() == camo.ModeWebSocket.String() {
		cfg.Mode = camo.ModeWebSocket
	}
	if c.Certificate != "" {
		cert, err := tls.LoadX509KeyPair(c.Certificate, c.CertificateKey)
		if err != nil {
			return camo.Config{}, fmt.Errorf("camo.certificate %s, camo.certificate_key %s: %w", c.Certificate, c.CertificateKey, err)
		}
		cfg.Certificate = &cert
	}
	if c.Proxy != "" {
		if cfg.Proxy, err = url.Parse(c.Proxy); err != nil {
			return camo.Config{}, fmt.Errorf("camo.proxy: %w", err)
		}
	}
	switch {
	case c.DecoyPage != "":
		page, err := os.ReadFile(c.DecoyPage)
		if err != nil {
			return camo.Config{}, fmt.Errorf("camo.decoy_page: %w", err)
		}
		ct := mime.TypeByExtension(filepath.Ext(c.DecoyPage))
		if ct == "" {
			ct = http.DetectContentType(page)
		}
		cfg.Decoy = camo.StaticDecoy(ct, page)
	case c.DecoyProxy != "":
		u, err := url.Parse(c.DecoyProxy)
		if err != nil {
			return camo.Config{}, fmt.Errorf("camo.decoy_proxy: %w", err)
		}
		d, err := camo.NewProxyDecoy(u, log)
		if err != nil {
			return camo.Config{}, fmt.Errorf("camo.decoy_proxy: %w", err)
		}
		cfg.Decoy = d
	}
	return cfg, nil
}

// ParseCamoKey decodes a camouflage key file's content: standard base64 (surrounding white space
// ignored) of at least camo.MinKeySize bytes. Errors wrap camo.ErrConfig.
func ParseCamoKey(text string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return nil, fmt.Errorf("%w: key is not base64: %w", camo.ErrConfig, err)
	}
	if len(k) < camo.MinKeySize {
		return nil, fmt.Errorf("%w: key of %d bytes, at least %d", camo.ErrConfig, len(k), camo.MinKeySize)
	}
	return k, nil
}

// validateCamo checks the camo section.
func (c *Config) validateCamo(add func(field, format string, args ...any)) {
	s := c.Camo
	if !s.On() {
		if s != (Camo{}) {
			add("camo.listen", "required when other camo settings are given")
		}
		return
	}
	if c.Obfs.On() {
		add("camo", "camo and obfs are both set: a node uses one transport (obfuscated UDP or TLS camouflage)")
	}
	if ap, err := netip.ParseAddrPort(s.Listen); err != nil {
		add("camo.listen", "%q is not IP:port (%v)", s.Listen, err)
	} else if ap.Port() == 0 {
		add("camo.listen", "port 0: peers dial this port, so it must be fixed")
	}
	if s.KeyFile == "" {
		add("camo.key_file", "required: the network's camouflage key (x0tta6bl4 camo genkey)")
	}
	switch {
	case s.ServerName == "":
		add("camo.server_name", "required: the name of the site the decoy imitates, such as www.example.com")
	case !printable(s.ServerName):
		add("camo.server_name", "%q contains a space, control or non-ASCII character", s.ServerName)
	}
	if (s.Certificate == "") != (s.CertificateKey == "") {
		add("camo.certificate", "camo.certificate and camo.certificate_key go together")
	}
	if s.VerifyServer && s.Certificate == "" {
		add("camo.verify_server", "needs camo.certificate: a self-signed certificate never verifies")
	}
	switch s.Mode {
	case "", camo.ModeTLS.String(), camo.ModeWebSocket.String():
	default:
		add("camo.mode", "%q is not tls or websocket", s.Mode)
	}
	if s.Path != "" && (s.Path[0] != '/' || !printable(s.Path)) {
		add("camo.path", "%q is not a request path: it starts with / and has no space, control or non-ASCII character", s.Path)
	}
	if s.Proxy != "" {
		u, err := url.Parse(s.Proxy)
		switch {
		case err != nil:
			add("camo.proxy", "%v", err)
		case u.Scheme != "http" || u.Host == "" || u.Port() == "":
			add("camo.proxy", "%q is not http://host:port", u.Redacted())
		case u.User != nil:
			add("camo.proxy", "credentials are not allowed in the configuration, which the API serves")
		}
	}
	if s.DecoyPage != "" && s.DecoyProxy != "" {
		add("camo.decoy_page", "camo.decoy_page and camo.decoy_proxy are exclusive")
	}
	if s.DecoyProxy != "" {
		u, err := url.Parse(s.DecoyProxy)
		switch {
		case err != nil:
			add("camo.decoy_proxy", "%v", err)
		case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			add("camo.decoy_proxy", "%q is not an http or https URL with a host", u.Redacted())
		case u.User != nil:
			add("camo.decoy_proxy", "credentials are not allowed in the configuration, which the API serves")
		}
	}
	for field, p := range map[string]string{"camo.key_file": s.KeyFile, "camo.certificate": s.Certificate,
		"camo.certificate_key": s.CertificateKey, "camo.decoy_page": s.DecoyPage} {
		if strings.ContainsRune(p, 0) {
			add(field, "contains a NUL byte")
		}
	}
	if d := time.Duration(s.HandshakeTimeout); d != 0 && (d < MinCamoHandshakeTimeout || d > MaxCamoHandshakeTimeout) {
		add("camo.handshake_timeout", "%v is outside %v..%v (0: %v)", d, MinCamoHandshakeTimeout, MaxCamoHandshakeTimeout, camo.DefaultHandshakeTimeout)
	}
	if s.MaxPending < 0 || s.MaxPending > MaxCamoPending {
		add("camo.max_pending", "%d is outside 0..%d (0: %d)", s.MaxPending, MaxCamoPending, camo.DefaultMaxPending)
	}
	if s.MaxPeers < 0 || s.MaxPeers > MaxCamoPeers {
		add("camo.max_peers", "%d is outside 0..%d (0: %d)", s.MaxPeers, MaxCamoPeers, camo.DefaultMaxPeers)
	}
}

// printable reports whether s has no space, control or non-ASCII byte.
func printable(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f })
}
