package camo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"
)

// Mode is how a Conn carries datagrams on the connections it dials. A listening Conn accepts
// both modes whatever its own.
type Mode int

const (
	// ModeTLS carries datagrams as length-prefixed frames directly on the TLS stream after an
	// HTTP/1.1 Upgrade. It is the faster mode; it needs a direct TCP path (or a CONNECT proxy).
	ModeTLS Mode = iota
	// ModeWebSocket carries each datagram as one binary WebSocket message, which passes HTTP
	// proxies and CDNs that terminate TLS and forward WebSocket.
	ModeWebSocket
)

// String returns "tls" or "websocket".
func (m Mode) String() string {
	switch m {
	case ModeTLS:
		return "tls"
	case ModeWebSocket:
		return "websocket"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Config configures a Conn. Listen, Key and ServerName are required.
type Config struct {
	// Listen is the TCP address to accept connections on; port 0 picks a free port. Its port is
	// announced to the peers this Conn dials, so that they can dial back.
	Listen netip.AddrPort

	// Key is the network's camouflage key, at least MinKeySize bytes, shared by every node of the
	// network: whoever holds it is served the mesh rather than the decoy. It is not the CA key
	// and grants nothing inside the mesh.
	Key []byte

	// ServerName is the name clients send as SNI and as the Host header, and the name of the
	// self-signed certificate made when Certificate is nil. Pick the name of the site the decoy
	// imitates.
	ServerName string

	// Certificate is the server's X.509 certificate chain and key. Nil makes a self-signed
	// ECDSA P-256 certificate for ServerName at Listen (SelfSignedCertificate); an active prober
	// can see that it is self-signed, so real deployments should give one a public CA issued.
	Certificate *tls.Certificate

	// VerifyServer makes clients verify the server's certificate chain and ServerName against
	// RootCAs (the system roots when nil). Without it any certificate is accepted: the mesh's
	// handshake authenticates peers inside, but a TLS interceptor could read the token request.
	VerifyServer bool

	// RootCAs are the roots VerifyServer checks against; nil means the system's.
	RootCAs *x509.CertPool

	// Mode is how this Conn's outgoing connections carry datagrams.
	Mode Mode

	// Path is the request path of the authentication request, DefaultPath when empty. A CDN in
	// front of the server may route on it.
	Path string

	// Proxy, when set, is an HTTP proxy ("http://[user:password@]host:port") through which
	// outgoing connections are tunnelled with CONNECT.
	Proxy *url.URL

	// Decoy serves every client that does not authenticate; nil serves a small static page
	// (StaticDecoy). NewProxyDecoy passes requests through to a real site.
	Decoy http.Handler

	// HandshakeTimeout is DefaultHandshakeTimeout when zero.
	HandshakeTimeout time.Duration

	// MaxPending is DefaultMaxPending when zero.
	MaxPending int

	// MaxPeers is DefaultMaxPeers when zero.
	MaxPeers int

	// Logger receives debug logs of refused connections and failed dials; nil discards them.
	Logger *slog.Logger

	// Now is the clock of token timestamps; nil means time.Now. Tests set it.
	Now func() time.Time
}

// normalize checks cfg and fills in defaults.
func (cfg Config) normalize() (Config, error) {
	bad := func(format string, a ...any) (Config, error) {
		return Config{}, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
	}
	switch {
	case !cfg.Listen.IsValid():
		return bad("listen address %v", cfg.Listen)
	case len(cfg.Key) < MinKeySize:
		return bad("key of %d bytes, at least %d", len(cfg.Key), MinKeySize)
	case cfg.ServerName == "" || !validToken(cfg.ServerName):
		return bad("server name %q", cfg.ServerName)
	case cfg.Mode != ModeTLS && cfg.Mode != ModeWebSocket:
		return bad("mode %v", cfg.Mode)
	case cfg.HandshakeTimeout < 0 || cfg.MaxPending < 0 || cfg.MaxPeers < 0:
		return bad("negative limit")
	}
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if cfg.Path[0] != '/' || !validToken(cfg.Path) {
		return bad("path %q", cfg.Path)
	}
	if p := cfg.Proxy; p != nil && (p.Scheme != "http" || p.Host == "" || p.Port() == "") {
		return bad("proxy %q: want http://host:port", p.Redacted())
	}
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.MaxPeers == 0 {
		cfg.MaxPeers = DefaultMaxPeers
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Decoy == nil {
		cfg.Decoy = StaticDecoy("text/html; charset=utf-8", []byte(defaultDecoyPage))
	}
	cfg.Key = append([]byte(nil), cfg.Key...)
	return cfg, nil
}

// validToken reports whether s has no spaces, controls or non-ASCII bytes: a name or path that
// can go into a request line and header as it is.
func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// curves returns the key-exchange preference of both ends: Go 1.26's default list, spelt out so
// that X25519MLKEM768 stays first whatever the toolchain's default becomes, and so that a client's
// ClientHello is the same as any Go HTTPS client's.
func curves() []tls.CurveID {
	return []tls.CurveID{
		tls.X25519MLKEM768, tls.SecP256r1MLKEM768, tls.SecP384r1MLKEM1024,
		tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521,
	}
}

// alpn returns what clients offer and servers accept, in a browser's order.
func alpn() []string { return []string{"h2", "http/1.1"} }

func serverTLS(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:       tls.VersionTLS13,
		CurvePreferences: curves(),
		NextProtos:       alpn(),
		Certificates:     []tls.Certificate{cert},
	}
}

// errNotTLS13 is returned by a client's VerifyConnection for a connection below TLS 1.3.
var errNotTLS13 = errors.New("camo: server negotiated a TLS version below 1.3")

// clientTLS returns the client configuration. Its ClientHello is the same, extension by
// extension, as that of net/http's default client (TestClientHello): it offers TLS 1.2 and 1.3
// like every Go HTTPS client (a ClientHello offering only 1.3 would be rarer and easier to single
// out), but VerifyConnection refuses anything below 1.3, so no datagram travels over TLS 1.2.
func clientTLS(cfg Config) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		CurvePreferences:   curves(),
		NextProtos:         alpn(),
		ServerName:         cfg.ServerName,
		RootCAs:            cfg.RootCAs,
		InsecureSkipVerify: !cfg.VerifyServer, // the mesh handshake authenticates peers
		// No ClientSessionCache: net/http's default client has none, and its session_ticket and
		// psk_key_exchange_modes extensions would set this ClientHello apart from Go's.
		VerifyConnection: func(cs tls.ConnectionState) error {
			if cs.Version != tls.VersionTLS13 {
				return errNotTLS13
			}
			return nil
		},
	}
}

// SelfSignedCertificate returns a new self-signed ECDSA P-256 certificate for name (a DNS name or
// an IP address), valid from an hour before now for 90 days, as a public CA would issue.
func SelfSignedCertificate(name string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("camo: certificate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("camo: certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(90 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if ip := net.ParseIP(name); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{name}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("camo: create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("camo: parse certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
