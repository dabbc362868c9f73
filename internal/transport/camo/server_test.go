package camo

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// webClient is an HTTPS client like curl (protos nil: no ALPN, HTTP/1.1) or a browser (h2).
func webClient(t *testing.T, h2 bool) *http.Client {
	t.Helper()
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true, ServerName: testName},
		ForceAttemptHTTP2: h2,
		DisableKeepAlives: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: waitFor}
}

func get(t *testing.T, cl *http.Client, method, u string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestDecoyToWebClients checks what curl-like (HTTP/1.1) and browser-like (HTTP/2) clients get.
func TestDecoyToWebClients(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	base := "https://" + srv.LocalAddr().String()
	tests := []struct {
		name, method, path string
		h2                 bool
		status             int
		body               string
	}{
		{"curl GET /", http.MethodGet, "/", false, 200, defaultDecoyPage},
		{"curl GET /index.html", http.MethodGet, "/index.html", false, 200, defaultDecoyPage},
		{"curl HEAD /", http.MethodHead, "/", false, 200, ""},
		{"curl GET /favicon.ico", http.MethodGet, "/favicon.ico", false, 404, "404 page not found\n"},
		{"curl POST /", http.MethodPost, "/", false, 405, "Method Not Allowed\n"},
		{"browser GET /", http.MethodGet, "/", true, 200, defaultDecoyPage},
		{"browser GET /x", http.MethodGet, "/x", true, 404, "404 page not found\n"},
	}
	for _, tt := range tests {
		resp, body := get(t, webClient(t, tt.h2), tt.method, base+tt.path)
		wantProto := "HTTP/1.1"
		if tt.h2 {
			wantProto = "HTTP/2.0"
		}
		if resp.StatusCode != tt.status || body != tt.body || resp.Proto != wantProto {
			t.Errorf("%s: %s %d %q, want %s %d %q", tt.name, resp.Proto, resp.StatusCode, body, wantProto, tt.status, tt.body)
		}
		if resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("Upgrade") != "" {
			t.Errorf("%s: mesh headers in a decoy response: %v", tt.name, resp.Header)
		}
	}
	if s := srv.Stats(); s.Accepted != 0 || s.Decoys != uint64(len(tests)) {
		t.Fatalf("stats %+v, want %d decoys and nothing accepted", s, len(tests))
	}
}

// TestProxyDecoy checks the reverse-proxy decoy: a prober sees the real site's pages.
func TestProxyDecoy(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "real site: %s %s host=%s", r.Method, r.URL.Path, r.Host)
	}))
	defer site.Close()
	target, _ := url.Parse(site.URL)
	decoy, err := NewProxyDecoy(target, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(ModeTLS)
	cfg.Decoy = decoy
	srv := listen(t, cfg)
	for _, h2 := range []bool{false, true} {
		_, body := get(t, webClient(t, h2), http.MethodGet, "https://"+srv.LocalAddr().String()+"/about")
		if want := "real site: GET /about host=" + target.Host; body != want {
			t.Fatalf("h2=%v: %q, want %q", h2, body, want)
		}
	}
	// An unreachable site gives a 502, as any reverse proxy would.
	dead, _ := url.Parse("http://127.0.0.1:1")
	d2, _ := NewProxyDecoy(dead, nil)
	rec := httptest.NewRecorder()
	d2.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusBadGateway {
		t.Fatalf("unreachable upstream: %d", rec.Code)
	}
	d2.CloseIdleConnections()
}

// rawTLS opens a TLS connection to the server, offering protos.
func rawTLS(t *testing.T, addr netip.AddrPort, protos ...string) *tls.Conn {
	t.Helper()
	tc, err := tls.Dial("tcp", addr.String(), &tls.Config{InsecureSkipVerify: true, ServerName: testName, NextProtos: protos})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	tc.SetDeadline(time.Now().Add(waitFor))
	return tc
}

// authRequest is the request a ModeTLS client sends.
func authRequest(token string) string {
	return "GET / HTTP/1.1\r\nHost: " + testName + "\r\nConnection: Upgrade\r\nUpgrade: binary\r\nCookie: sid=" + token + "\r\n\r\n"
}

func roundTrip(t *testing.T, tc *tls.Conn, req string) (*http.Response, string, *bufio.Reader) {
	t.Helper()
	if _, err := io.WriteString(tc, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(tc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ = io.ReadAll(resp.Body)
	}
	return resp, string(body), br
}

// TestAuthGate sends hand-made authentication requests: only a fresh token under the right key,
// used once, switches to mesh mode; everything else gets the decoy page.
func TestAuthGate(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cfg := testConfig(ModeTLS)
	cfg.Now = func() time.Time { return now }
	srv := listen(t, cfg)
	good := newAuth(t, testKey)
	valid := mustToken(t, good, now, 4242)
	tests := []struct {
		name    string
		request string
		mesh    bool
	}{
		{"wrong key", authRequest(mustToken(t, newAuth(t, otherKey), now, 1)), false},
		// A token bound to another TLS connection: what a TLS interceptor that terminated a
		// ModeTLS client's connection could relay.
		{"relayed", authRequest(mustBoundToken(t, good, now, 1, bytes.Repeat([]byte{7}, bindingSize))), false},
		{"stale", authRequest(mustToken(t, good, now.Add(-time.Hour), 1)), false},
		{"no cookie", strings.Replace(authRequest(valid), "Cookie", "X-Cookie", 1), false},
		{"no upgrade", strings.Replace(authRequest(valid), "Upgrade: binary", "Upgrade: h2c", 1), false},
		{"other path", strings.Replace(authRequest(valid), "GET / ", "GET /x ", 1), false},
		{"query", strings.Replace(authRequest(valid), "GET / ", "GET /?a=1 ", 1), false},
		{"valid", authRequest(valid), true},
		{"replayed", authRequest(valid), false},
	}
	for _, tt := range tests {
		tc := rawTLS(t, srv.LocalAddr(), "http/1.1")
		resp, body, br := roundTrip(t, tc, tt.request)
		if !tt.mesh {
			if resp.StatusCode == http.StatusSwitchingProtocols || resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("%s: switched to mesh mode", tt.name)
			}
			if tt.name != "other path" && tt.name != "query" && body != defaultDecoyPage {
				t.Errorf("%s: %d %q, want the decoy page", tt.name, resp.StatusCode, body)
			}
			continue
		}
		if resp.StatusCode != http.StatusSwitchingProtocols || !checkProofHeader(good, resp, valid) {
			t.Fatalf("%s: %s, want 101 with a proof", tt.name, resp.Status)
		}
		// The connection now carries frames; the server reports the announced port.
		frame := binary.BigEndian.AppendUint16(nil, 5)
		tc.Write(append(frame, "hello"...))
		got, from := readWithin(t, srv)
		if string(got) != "hello" || from != netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 4242) {
			t.Fatalf("got %q from %v", got, from)
		}
		// And replies come back on it.
		if err := srv.WriteTo([]byte("back"), from); err != nil {
			t.Fatal(err)
		}
		b, err := readFrame(br)
		if err != nil || string(b) != "back" {
			t.Fatalf("reply: %q %v", b, err)
		}
	}
}

func checkProofHeader(a *authenticator, resp *http.Response, tok string) bool {
	for _, ck := range resp.Cookies() {
		if ck.Name == authCookie && a.checkProof(tok, ck.Value) {
			return true
		}
	}
	return false
}

// TestAnnouncedPortZero checks that a client announcing no port is known by its source address.
func TestAnnouncedPortZero(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	tc := rawTLS(t, srv.LocalAddr())
	resp, _, _ := roundTrip(t, tc, authRequest(mustToken(t, newAuth(t, testKey), time.Now(), 0)))
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatal(resp.Status)
	}
	tc.Write([]byte{0, 1, 'x'})
	_, from := readWithin(t, srv)
	if want := tc.LocalAddr().(*net.TCPAddr).AddrPort(); from != want {
		t.Fatalf("from %v, want the source address %v", from, want)
	}
	// Nothing listens at a source address: once the connection is gone, so is the peer, and
	// datagrams to it are dropped without a dial.
	tc.Close()
	eventually(t, "peer forgotten", func() bool { return srv.Stats().Peers == 0 })
	srv.WriteTo([]byte("y"), from)
	eventually(t, "datagram dropped", func() bool { return srv.Stats().SendDrops == 1 })
	if s := srv.Stats(); s.DialFailures != 0 || s.Dials != 0 {
		t.Fatalf("dialled a source address: %+v", s)
	}
}

// TestNotHTTPS checks plain HTTP, garbage and a wrong protocol after h2 against the TLS port.
func TestNotHTTPS(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	exchange := func(payload string) string {
		c, err := net.Dial("tcp", srv.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(waitFor))
		io.WriteString(c, payload)
		b, err := io.ReadAll(c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%q: connection still open after %v", payload, waitFor)
		}
		return string(b)
	}
	if got := exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); got != plainHTTPResponse {
		t.Errorf("plain HTTP: %q, want Go's 400 response", got)
	}
	garbage := make([]byte, 600)
	rand.Read(garbage)
	garbage[0] = 0x99 // not a TLS record type
	got := exchange(string(garbage))
	if strings.Contains(got, "HTTP") || len(got) > 7 {
		t.Errorf("garbage: %q, want nothing or a TLS alert", got)
	}
	t.Logf("answer to 600 random non-TLS bytes: %d bytes %q, then the connection closes", len(got), got)
	// A client that negotiated h2 but speaks HTTP/1.1 without a token is dropped, as an HTTP/2
	// server drops a connection without the client preface.
	tc := rawTLS(t, srv.LocalAddr(), "h2", "http/1.1")
	if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("negotiated %q, want h2", p)
	}
	io.WriteString(tc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if b, _ := io.ReadAll(tc); len(b) != 0 {
		t.Errorf("HTTP/1.1 on h2: %q, want the connection closed", b)
	}
	eventually(t, "handshake failures counted", func() bool { return srv.Stats().HandshakeFailures >= 2 })
	if s := srv.Stats(); s.Accepted != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestLongHead checks that a request head longer than the classification buffer still gets the
// decoy (its cookie is not a token).
func TestLongHead(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	tc := rawTLS(t, srv.LocalAddr())
	req := "GET / HTTP/1.1\r\nHost: " + testName + "\r\nCookie: big=" + strings.Repeat("a", 2*maxRequestHead) + "\r\n\r\n"
	resp, body, _ := roundTrip(t, tc, req)
	if resp.StatusCode != 200 || body != defaultDecoyPage {
		t.Fatalf("%s %q", resp.Status, body)
	}
}

// TestClientRefusesDecoy checks the client side: a server that does not prove the key (a real
// web server, or a camouflage server with another key) is not used, and is backed off from.
func TestClientRefusesDecoy(t *testing.T) {
	web := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A forged switch without a proof, for either mode.
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", r.Header.Get("Upgrade"))
		brw.Flush()
	}))
	defer web.Close()
	webAddr := netip.MustParseAddrPort(web.Listener.Addr().String())
	otherCfg := testConfig(ModeTLS)
	otherCfg.Key = otherKey
	other := listen(t, otherCfg)
	for _, mode := range []Mode{ModeTLS, ModeWebSocket} {
		cl := listen(t, testConfig(mode))
		for _, to := range []netip.AddrPort{webAddr, other.LocalAddr()} {
			if err := cl.WriteTo([]byte("x"), to); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "two refused dials", func() bool { return cl.Stats().DialFailures == 2 })
		// The forged 101 has no proof.
		if _, err := cl.dial(t.Context(), webAddr); !errors.Is(err, ErrNotMesh) {
			t.Fatalf("%v: dial to a web server: %v, want ErrNotMesh", mode, err)
		}
		// The server with another key negotiated h2 and, the token failing, handed the
		// connection to its HTTP/2 decoy, which drops an HTTP/1.1 request.
		if l, err := cl.dial(t.Context(), other.LocalAddr()); err == nil {
			l.close()
			t.Fatalf("%v: dial to a server with another key succeeded", mode)
		}
	}
	if s := other.Stats(); s.Accepted != 0 {
		t.Fatalf("server with another key accepted: %+v", s)
	}
}

// TestMaxPeers checks that a server with MaxPeers peers refuses further clients and drops
// datagrams to new addresses.
func TestMaxPeers(t *testing.T) {
	cfg := testConfig(ModeTLS)
	cfg.MaxPeers = 1
	srv := listen(t, cfg)
	a := listen(t, testConfig(ModeTLS))
	b := listen(t, testConfig(ModeTLS))
	if err := a.WriteTo([]byte("a"), srv.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	readWithin(t, srv)
	if _, err := b.dial(t.Context(), srv.LocalAddr()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("second peer: %v, want a 503", err)
	}
	if err := srv.WriteTo([]byte("x"), b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if s := srv.Stats(); s.SendDrops != 1 || s.Peers != 1 {
		t.Fatalf("stats %+v, want one peer and one drop", s)
	}
}

// TestNegotiatedParameters checks, on the server, what a web client negotiates: TLS 1.3,
// X25519MLKEM768 and h2.
func TestNegotiatedParameters(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	cs := rawTLS(t, srv.LocalAddr(), "h2", "http/1.1").ConnectionState()
	if cs.Version != tls.VersionTLS13 || cs.CurveID != tls.X25519MLKEM768 || cs.NegotiatedProtocol != "h2" {
		t.Fatalf("version %x curve %v ALPN %q", cs.Version, cs.CurveID, cs.NegotiatedProtocol)
	}
	// A TLS 1.2-only client is refused.
	_, err := tls.Dial("tcp", srv.LocalAddr().String(), &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12})
	if err == nil {
		t.Fatal("TLS 1.2 handshake succeeded")
	}
}

// helloCatcher is a TLS listener that records the ClientHello of each connection and completes
// the handshake, as any HTTPS server would, then closes.
func helloCatcher(t *testing.T) (netip.AddrPort, <-chan *tls.ClientHelloInfo) {
	cert, err := SelfSignedCertificate(testName, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hellos := make(chan *tls.ClientHelloInfo, 4)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"http/1.1"},
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			hellos <- h
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String()), hellos
}

// TestClientHello captures a Conn's ClientHello: the configured SNI, the browser's ALPN offer,
// X25519MLKEM768 first — and compares it, field by field and extension by extension, with the
// ClientHello of Go's own HTTPS client (net/http's default transport), which the camouflage
// means to be indistinguishable from.
func TestClientHello(t *testing.T) {
	addr, hellos := helloCatcher(t)
	next := func() *tls.ClientHelloInfo {
		select {
		case h := <-hellos:
			return h
		case <-time.After(waitFor):
			t.Fatal("no ClientHello")
			return nil
		}
	}
	cl := listen(t, testConfig(ModeTLS))
	cl.WriteTo([]byte("x"), addr)
	ours := next()
	if ours.ServerName != testName || len(ours.SupportedProtos) != 2 || ours.SupportedProtos[0] != "h2" ||
		ours.SupportedCurves[0] != tls.X25519MLKEM768 {
		t.Fatalf("SNI %q ALPN %v curves %v", ours.ServerName, ours.SupportedProtos, ours.SupportedCurves)
	}
	eventually(t, "dial failure", func() bool { return cl.Stats().DialFailures == 1 })

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true, ServerName: testName}
	defer tr.CloseIdleConnections()
	if resp, err := (&http.Client{Transport: tr, Timeout: waitFor}).Get("https://" + addr.String() + "/"); err == nil {
		resp.Body.Close()
	}
	goHello := next()
	type fields struct {
		Ciphers    []uint16
		Curves     []tls.CurveID
		Points     []uint8
		Signatures []tls.SignatureScheme
		Protos     []string
		Versions   []uint16
		Extensions []uint16
	}
	f := func(h *tls.ClientHelloInfo) fields {
		return fields{h.CipherSuites, h.SupportedCurves, h.SupportedPoints, h.SignatureSchemes,
			h.SupportedProtos, h.SupportedVersions, h.Extensions}
	}
	if a, b := f(ours), f(goHello); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("ClientHello differs from Go's HTTPS client's:\nours %+v\nGo's %+v", a, b)
	}
}
