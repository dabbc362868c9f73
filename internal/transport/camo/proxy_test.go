package camo

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// testProxy is a real HTTP CONNECT proxy (RFC 9110 section 9.3.6) on loopback, built from
// net/http: it checks Basic credentials when set, dials the target and copies bytes both ways.
type testProxy struct {
	srv     *httptest.Server
	user    string // "user:password" required, or ""
	extra   string // bytes sent after the 200, to test a misbehaving proxy
	tunnels atomic.Int64
	wg      sync.WaitGroup
}

func newTestProxy(t *testing.T, user, extra string) *testProxy {
	p := &testProxy{user: user, extra: extra}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.srv.Close()
		p.wg.Wait()
	})
	return p
}

func (p *testProxy) url(withUser bool) *url.URL {
	u, _ := url.Parse(p.srv.URL)
	if withUser && p.user != "" {
		name, pw, _ := bytes.Cut([]byte(p.user), []byte(":"))
		u.User = url.UserPassword(string(name), string(pw))
	}
	return u
}

func (p *testProxy) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	if p.user != "" && r.Header.Get("Proxy-Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(p.user)) {
		w.Header().Set("Proxy-Authenticate", `Basic realm="test"`)
		http.Error(w, "auth", http.StatusProxyAuthRequired)
		return
	}
	up, err := net.Dial("tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	down, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		return
	}
	// Added before the client can see the tunnel, hence before the test can end and Wait.
	p.wg.Add(2)
	p.tunnels.Add(1)
	io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n"+p.extra)
	pipe := func(dst, src net.Conn, r io.Reader) {
		defer p.wg.Done()
		io.Copy(dst, r)
		dst.Close()
		src.Close()
	}
	go pipe(up, down, brw.Reader)
	go pipe(down, up, up)
}

// TestProxy exchanges datagrams in both modes through an authenticating CONNECT proxy.
func TestProxy(t *testing.T) {
	px := newTestProxy(t, "mesh:s3cret", "")
	for _, mode := range []Mode{ModeTLS, ModeWebSocket} {
		t.Run(mode.String(), func(t *testing.T) {
			srv := listen(t, testConfig(mode))
			cfg := testConfig(mode)
			cfg.Proxy = px.url(true)
			cl := listen(t, cfg)
			before := px.tunnels.Load()
			for i := range 20 {
				msg := bytes.Repeat([]byte{byte(i)}, 100*i)
				if err := cl.WriteTo(msg, srv.LocalAddr()); err != nil {
					t.Fatal(err)
				}
				got, from := readWithin(t, srv)
				if !bytes.Equal(got, msg) || from.Port() == cl.LocalAddr().Port() {
					t.Fatalf("datagram %d: %d bytes from %v, want the proxy's source address", i, len(got), from)
				}
				srv.WriteTo(msg, from)
				if got, _ := readWithin(t, cl); !bytes.Equal(got, msg) {
					t.Fatalf("reply %d: %d bytes", i, len(got))
				}
			}
			if n := px.tunnels.Load() - before; n != 1 {
				t.Fatalf("%d tunnels, want 1", n)
			}
		})
	}
}

func TestProxyErrors(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	tests := []struct {
		name string
		px   *testProxy
		cred bool
	}{
		{"no credentials", newTestProxy(t, "mesh:s3cret", ""), false},
		{"data before the tunnel", newTestProxy(t, "", "unexpected"), false},
	}
	for _, tt := range tests {
		cfg := testConfig(ModeTLS)
		cfg.Proxy = tt.px.url(tt.cred)
		cl := listen(t, cfg)
		if _, err := cl.dial(t.Context(), srv.LocalAddr()); !errors.Is(err, ErrProxy) {
			t.Errorf("%s: %v, want ErrProxy", tt.name, err)
		}
	}
	// A proxy that is not there.
	cfg := testConfig(ModeTLS)
	d := listen(t, testConfig(ModeTLS))
	cfg.Proxy = &url.URL{Scheme: "http", Host: d.LocalAddr().String()} // speaks TLS, not HTTP
	cl := listen(t, cfg)
	if _, err := cl.dial(t.Context(), srv.LocalAddr()); !errors.Is(err, ErrProxy) {
		t.Errorf("TLS server as proxy: %v, want ErrProxy", err)
	}
}
