package stream

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/node"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/memnet"
)

// meshNode is a node.Node on memnet with a Mux and an Endpoint, wired as the lead wires them.
type meshNode struct {
	id   *identity.PrivateIdentity
	cert *identity.Certificate
	addr netip.AddrPort
	n    *node.Node
	ep   *Endpoint
}

type meshHarness struct {
	t   *testing.T
	net *memnet.Network
	ca  *identity.CA
}

func newMeshHarness(t *testing.T) *meshHarness {
	t.Helper()
	ca, err := identity.NewCA(crand.Reader, "test-ca", 2*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	nw, err := memnet.New(memnet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nw.Close() })
	return &meshHarness{t: t, net: nw, ca: ca}
}

func (h *meshHarness) member(name, addr string) *meshNode {
	h.t.Helper()
	id, err := identity.GenerateIdentity(crand.Reader)
	if err != nil {
		h.t.Fatal(err)
	}
	now := time.Now()
	cert, err := h.ca.Sign(crand.Reader, id.PublicIdentity(), name, []string{"test"}, now.Add(-time.Minute), now.Add(time.Hour))
	if err != nil {
		h.t.Fatal(err)
	}
	return &meshNode{id: id, cert: cert, addr: netip.MustParseAddrPort(addr)}
}

// start runs m with static peers; the Mux's send function and the node's OnDatagram refer to each
// other, so the node is assigned before Run starts any traffic.
func (h *meshHarness) start(m *meshNode, peers ...*meshNode) {
	h.t.Helper()
	conn, err := h.net.Listen(m.addr)
	if err != nil {
		h.t.Fatal(err)
	}
	var n *node.Node
	mux := NewMux(m.id.ID(), func(to identity.NodeID, p []byte) error { return n.Send(to, p) })
	opt := node.Options{
		Identity: m.id, Cert: m.cert, CA: h.ca.Cert, Conn: conn, Rand: crand.Reader,
		Keepalive: 100 * time.Millisecond, MinPeers: -1, OnDatagram: mux.Deliver,
	}
	for _, p := range peers {
		opt.Peers = append(opt.Peers, node.StaticPeer{Addr: p.addr})
	}
	n, err = node.New(opt)
	if err != nil {
		conn.Close()
		h.t.Fatal(err)
	}
	m.n = n
	ep, err := NewEndpoint(Config{Mux: mux, Rand: crand.Reader})
	if err != nil {
		h.t.Fatal(err)
	}
	m.ep = ep
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		n.Run(ctx)
		close(done)
	}()
	h.t.Cleanup(func() {
		ep.Close()
		cancel()
		<-done
		mux.Close()
	})
}

// socksConnect does the SOCKS5 handshake with the proxy for target and returns the reply code.
func socksConnect(t *testing.T, proxy string, target string) (net.Conn, byte) {
	t.Helper()
	c, err := net.Dial("tcp", proxy)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := ParseTarget(target)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write([]byte{5, 1, 0}); err != nil {
		t.Fatal(err)
	}
	var sel [2]byte
	if _, err := io.ReadFull(c, sel[:]); err != nil || sel != [2]byte{5, 0} {
		t.Fatalf("method selection %v %v", sel, err)
	}
	if _, err := c.Write(appendSOCKSRequest(nil, tg)); err != nil {
		t.Fatal(err)
	}
	var rep [10]byte
	if _, err := io.ReadFull(c, rep[:]); err != nil {
		t.Fatalf("reply: %v", err)
	}
	if rep[0] != 5 || rep[3] != socksAtypIPv4 {
		t.Fatalf("reply %x", rep)
	}
	c.SetDeadline(time.Time{})
	return c, rep[1]
}

func httpGet(t *testing.T, c net.Conn, host string) string {
	t.Helper()
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	return string(body)
}

// TestSOCKSAndForwardOverMesh runs a line a - b - c (a and c not neighbours), a SOCKS5 proxy on a
// exiting at c, and fetches a local web page through it and through port forwarding.
func TestSOCKSAndForwardOverMesh(t *testing.T) {
	const page = "hello from behind the exit"
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, page) }))
	defer web.Close()
	// a second server on 127.0.0.1 whose port the policy does not allow
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	webAddr := netip.MustParseAddrPort(web.Listener.Addr().String())

	h := newMeshHarness(t)
	a := h.member("alpha", "127.0.0.1:1001")
	b := h.member("beta", "127.0.0.1:1002")
	c := h.member("gamma", "127.0.0.1:1003")
	h.start(b)
	h.start(a, b)
	h.start(c, b)
	deadline := time.Now().Add(20 * time.Second)
	for !hasRoute(a.n, c.id.ID(), b.id.ID()) {
		if time.Now().After(deadline) {
			t.Fatal("no route from alpha to gamma")
		}
		time.Sleep(10 * time.Millisecond)
	}

	t.Logf("route alpha -> gamma via beta after %v", time.Since(deadline.Add(-20*time.Second)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 3)
	exitL, err := c.ep.Listen(ExitPort)
	if err != nil {
		t.Fatal(err)
	}
	exit := &ExitServer{Allow: Policy{Rules: []Rule{{Prefix: netip.MustParsePrefix("127.0.0.1/32"), FirstPort: webAddr.Port(), LastPort: webAddr.Port()}}, ResolveNames: true}}
	go func() { served <- exit.Serve(ctx, exitL) }()

	socksL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	socks := &SOCKSServer{Streams: a.ep, Exit: c.id.ID()}
	go func() { served <- socks.Serve(ctx, socksL) }()

	fwdL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fwd := &Forward{Streams: a.ep, To: c.id.ID(), Target: webAddr.String()}
	go func() { served <- fwd.Serve(ctx, fwdL) }()

	t.Run("socks by address", func(t *testing.T) {
		conn, code := socksConnect(t, socksL.Addr().String(), webAddr.String())
		if code != ReplySucceeded {
			t.Fatalf("reply %#x", code)
		}
		if got := httpGet(t, conn, webAddr.String()); got != page {
			t.Fatalf("page %q", got)
		}
	})
	t.Run("socks by name", func(t *testing.T) {
		target := fmt.Sprintf("localhost:%d", webAddr.Port())
		conn, code := socksConnect(t, socksL.Addr().String(), target)
		if code != ReplySucceeded {
			conn.Close()
			t.Skipf("localhost did not resolve to an allowed address here (reply %#x)", code)
		}
		if got := httpGet(t, conn, target); got != page {
			t.Fatalf("page %q", got)
		}
	})
	t.Run("socks not allowed", func(t *testing.T) {
		conn, code := socksConnect(t, socksL.Addr().String(), other.Listener.Addr().String())
		conn.Close()
		if code != ReplyNotAllowed {
			t.Fatalf("reply %#x, want not allowed", code)
		}
	})
	t.Run("forward", func(t *testing.T) {
		conn, err := net.Dial("tcp", fwdL.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if got := httpGet(t, conn, webAddr.String()); got != page {
			t.Fatalf("page %q", got)
		}
	})
	cancel()
	for range 3 {
		if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve: %v", err)
		}
	}
}

// hasRoute reports whether n routes to through via.
func hasRoute(n *node.Node, to, via identity.NodeID) bool {
	for _, r := range n.Routes() {
		if r.Destination == to.String() && r.Selected && r.NextHop == via.String() {
			return true
		}
	}
	return false
}
