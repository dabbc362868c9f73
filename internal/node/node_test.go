package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/memnet"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type harness struct {
	t   *testing.T
	net *memnet.Network
	ca  *identity.CA
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ca, err := identity.NewCA(rand.Reader, "test-ca", 2*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	nw, err := memnet.New(memnet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nw.Close() })
	return &harness{t: t, net: nw, ca: ca}
}

type member struct {
	name string
	id   *identity.PrivateIdentity
	cert *identity.Certificate
	addr netip.AddrPort
	log  *logBuffer
	got  chan []byte
}

func (h *harness) member(name string, addr string, ca *identity.CA) *member {
	h.t.Helper()
	id, err := identity.GenerateIdentity(rand.Reader)
	if err != nil {
		h.t.Fatal(err)
	}
	now := time.Now()
	cert, err := ca.Sign(rand.Reader, id.PublicIdentity(), name, []string{"test"}, now.Add(-time.Minute), now.Add(time.Hour))
	if err != nil {
		h.t.Fatal(err)
	}
	return &member{name: name, id: id, cert: cert, addr: netip.MustParseAddrPort(addr), log: &logBuffer{}, got: make(chan []byte, 16)}
}

type running struct {
	n      *Node
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returns
	err    error         // Run's result, valid after done is closed
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	<-r.done
	if r.err != nil {
		t.Errorf("Run: %v", r.err)
	}
}

func (h *harness) start(m *member, mod func(*Options), peers ...*member) *running {
	h.t.Helper()
	conn, err := h.net.Listen(m.addr)
	if err != nil {
		h.t.Fatal(err)
	}
	opt := Options{
		Identity: m.id, Cert: m.cert, CA: h.ca.Cert, Conn: conn, Rand: rand.Reader,
		Keepalive: 100 * time.Millisecond,
		Logger:    slog.New(slog.NewTextHandler(m.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnDatagram: func(_ identity.NodeID, p []byte) {
			select {
			case m.got <- bytes.Clone(p):
			default:
			}
		},
	}
	for _, p := range peers {
		opt.Peers = append(opt.Peers, StaticPeer{Addr: p.addr})
	}
	if mod != nil {
		mod(&opt)
	}
	n, err := New(opt)
	if err != nil {
		conn.Close()
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{n: n, cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = n.Run(ctx)
		close(r.done)
	}()
	h.t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
		}
	})
	return r
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func peerState(n *Node, name string) string {
	for _, p := range n.Peers() {
		if p.Name == name {
			return p.State
		}
	}
	return ""
}

func TestConnectPingAndSend(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	rb := h.start(b, nil)
	ra := h.start(a, nil, b)
	if ok, why := ra.n.Ready(); ok || why == "" {
		t.Fatalf("Ready before connecting = %v %q", ok, why)
	}
	eventually(t, "both up", 10*time.Second, func() bool {
		return peerState(ra.n, "beta") == "up" && peerState(rb.n, "alpha") == "up"
	})
	res, err := ra.n.Ping(context.Background(), api.PingRequest{Peer: "beta", Count: 500, Size: 100, Window: 16, Timeout: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 500 || res.Received != 500 || res.Lost+res.Duplicated+res.Corrupted != 0 {
		t.Fatalf("ping %+v", res)
	}
	if err := ra.n.Send(b.id.ID(), []byte("hello beta")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-b.got:
		if string(got) != "hello beta" {
			t.Fatalf("got %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("datagram not delivered")
	}
	if err := ra.n.Send(a.id.ID(), []byte("me")); !errors.Is(err, mesh.ErrInvalidDestination) {
		t.Fatalf("Send to self = %v", err)
	}
	info := ra.n.Node()
	if info.Name != "alpha" || info.ID != a.id.ID().String() || info.Listen != "127.0.0.1:1001" {
		t.Fatalf("Node() = %+v", info)
	}
	peers := ra.n.Peers()
	if len(peers) != 1 || peers[0].RxBytes == 0 || peers[0].TxBytes == 0 || peers[0].SessionAge <= 0 {
		t.Fatalf("Peers() = %+v", peers)
	}
	if ok, _ := rb.n.Ready(); !ok {
		t.Fatal("beta not ready")
	}
	checkMetrics(t, ra.n)
	ra.stop(t)
	rb.stop(t)
}

// checkMetrics gathers the node's Prometheus metrics and checks a few values.
func checkMetrics(t *testing.T, n *Node) {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := reg.Register(n.Collector()); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			got[key] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	for key, min := range map[string]float64{
		"x0tta6bl4_peers{state=up}":                      1,
		"x0tta6bl4_session_bytes_total{direction=tx}":    1000,
		"x0tta6bl4_handshakes_total{role=initiator}":     1,
		"x0tta6bl4_mesh_packets_total{event=originated}": 1,
		"x0tta6bl4_mesh_sessions_established_total":      1,
		"x0tta6bl4_mesh_table_entries{table=neighbours}": 1,
	} {
		if got[key] < min {
			t.Errorf("metric %s = %v, want >= %v (have %v)", key, got[key], min, got)
		}
	}
	if _, ok := got["x0tta6bl4_mesh_drops_total{reason=no_route}"]; !ok {
		t.Error("no mesh drop counter")
	}
}

func TestPingErrors(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	b2 := h.member("beta2", "127.0.0.1:1003", h.ca)
	h.start(b, nil)
	h.start(b2, nil)
	ra := h.start(a, nil, b, b2)
	eventually(t, "both up", 10*time.Second, func() bool {
		return peerState(ra.n, "beta") == "up" && peerState(ra.n, "beta2") == "up"
	})
	tests := []struct {
		peer string
		want error
	}{
		{"nobody", api.ErrNotFound},
		{"", api.ErrBadRequest}, // every ID has the empty prefix
	}
	for _, tt := range tests {
		if _, err := ra.n.Ping(context.Background(), api.PingRequest{Peer: tt.peer, Count: 1, Window: 1, Timeout: 1}); !errors.Is(err, tt.want) {
			t.Errorf("Ping(%q) = %v, want %v", tt.peer, err, tt.want)
		}
	}
	res, err := ra.n.Ping(context.Background(), api.PingRequest{Peer: b.id.ID().String()[:10], Count: 3, Window: 1, Timeout: 5})
	if err != nil || res.Received != 3 {
		t.Fatalf("ping by ID prefix: %+v %v", res, err)
	}
}

func TestPeerRestartReconnects(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	ra := h.start(a, nil, b)
	rb := h.start(b, nil)
	eventually(t, "up", 10*time.Second, func() bool { return peerState(ra.n, "beta") == "up" })
	rb.stop(t)
	eventually(t, "alpha to see beta down", 10*time.Second, func() bool { return peerState(ra.n, "beta") == "down" })
	if !strings.Contains(a.log.String(), "peer down") {
		t.Fatalf("no 'peer down' log:\n%s", a.log)
	}
	h.start(b, nil) // beta comes back with the same identity and address, but no sessions
	eventually(t, "alpha to reconnect", 30*time.Second, func() bool { return peerState(ra.n, "beta") == "up" })
	res, err := ra.n.Ping(context.Background(), api.PingRequest{Peer: "beta", Count: 10, Window: 4, Timeout: 5})
	if err != nil || res.Received != 10 {
		t.Fatalf("ping after restart: %+v %v", res, err)
	}
}

func TestRejectsOtherCA(t *testing.T) {
	h := newHarness(t)
	other, err := identity.NewCA(rand.Reader, "other", 2*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	m := h.member("mallory", "127.0.0.1:1666", other)
	h.start(m, func(o *Options) { o.CA = other.Cert })
	ra := h.start(a, nil, m)
	eventually(t, "rejection logged", 15*time.Second, func() bool { return strings.Contains(a.log.String(), "rejected peer") })
	if !strings.Contains(a.log.String(), "reason=") {
		t.Fatalf("rejection has no reason:\n%s", a.log)
	}
	if ok, _ := ra.n.Ready(); ok {
		t.Fatal("alpha ready with only a foreign peer")
	}
}

func TestRejectsPinMismatch(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	h.start(b, nil)
	ra := h.start(a, func(o *Options) { o.Peers[0].Pin = identity.NodeID{7} }, b)
	_ = ra
	eventually(t, "pin rejection", 15*time.Second, func() bool { return strings.Contains(a.log.String(), "does not match the configured pin") })
}

func TestRevocationReload(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	crlPath := filepath.Join(dir, "ca.crl")
	now := time.Now()
	empty, err := h.ca.SignRevocationList(rand.Reader, nil, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := identity.WriteRevocationList(crlPath, empty); err != nil {
		t.Fatal(err)
	}
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	h.start(b, nil)
	ra := h.start(a, func(o *Options) {
		o.RevocationListPath = crlPath
		o.ReloadInterval = 50 * time.Millisecond
	}, b)
	eventually(t, "up", 10*time.Second, func() bool { return peerState(ra.n, "beta") == "up" })

	// A newer list revoking beta drops it, and beta cannot come back.
	revoked, err := h.ca.SignRevocationList(rand.Reader, [][16]byte{b.cert.Serial}, 2, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := identity.WriteRevocationList(crlPath+".new", revoked); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(crlPath+".new", crlPath); err != nil {
		t.Fatal(err)
	}
	eventually(t, "beta dropped", 10*time.Second, func() bool { return peerState(ra.n, "beta") != "up" })
	eventually(t, "revocation logged", 5*time.Second, func() bool {
		return strings.Contains(a.log.String(), "revoked")
	})
	time.Sleep(300 * time.Millisecond)
	if peerState(ra.n, "beta") == "up" {
		t.Fatal("revoked beta reconnected")
	}
}

func TestNewValidates(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	conn, err := h.net.Listen(a.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	base := Options{Identity: a.id, Cert: a.cert, CA: h.ca.Cert, Conn: conn, Rand: rand.Reader}
	tests := []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"no identity", func(o *Options) { o.Identity = nil }, "required"},
		{"no conn", func(o *Options) { o.Conn = nil }, "transport"},
		{"no rand", func(o *Options) { o.Rand = nil }, "randomness"},
		{"cert of another key", func(o *Options) { o.Cert = b.cert }, "does not match"},
		{"missing crl", func(o *Options) { o.RevocationListPath = filepath.Join(t.TempDir(), "none") }, "revocation list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.mod(&o)
			if _, err := New(o); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

// TestMultiHop runs a line alpha - beta - gamma where alpha and gamma are not neighbours: a datagram
// from alpha reaches gamma through beta over an end-to-end session, and gamma's answer comes back.
func TestMultiHop(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	g := h.member("gamma", "127.0.0.1:1003", h.ca)
	noSpares := func(o *Options) { o.MinPeers = -1 } // keep the line a line
	h.start(b, nil)
	ra := h.start(a, noSpares, b)
	rg := h.start(g, noSpares, b)
	eventually(t, "alpha to learn a route to gamma", 20*time.Second, func() bool {
		for _, r := range ra.n.Routes() {
			if r.Destination == g.id.ID().String() && r.Selected && r.NextHop == b.id.ID().String() {
				return true
			}
		}
		return false
	})
	if err := ra.n.Send(g.id.ID(), []byte("over two hops")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-g.got:
		if string(got) != "over two hops" {
			t.Fatalf("gamma got %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("datagram did not reach gamma")
	}
	if err := rg.n.Send(a.id.ID(), []byte("and back")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-a.got:
		if string(got) != "and back" {
			t.Fatalf("alpha got %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("answer did not reach alpha")
	}
	// gamma is not a peer of alpha: the ping runs end to end through beta, and its echoes are not
	// handed to the application.
	res, err := ra.n.Ping(context.Background(), api.PingRequest{Peer: g.id.ID().String()[:12], Count: 20, Size: 100, Window: 4, Timeout: 10})
	if err != nil || res.Received != 20 || res.Corrupted != 0 || res.Peer != g.id.ID().String() {
		t.Fatalf("end-to-end ping: %+v %v", res, err)
	}
	select {
	case got := <-g.got:
		t.Fatalf("an echo reached gamma's application: %q", got)
	default:
	}
	tests := []struct {
		key  string
		want error
	}{
		{"0000000000000000000000000000000000000000000000000000000000000000", api.ErrNotFound},
		{"zz", api.ErrNotFound},
	}
	for _, tt := range tests {
		if _, err := ra.n.Ping(context.Background(), api.PingRequest{Peer: tt.key, Count: 1, Window: 1, Timeout: 1}); !errors.Is(err, tt.want) {
			t.Errorf("Ping(%q) = %v, want %v", tt.key, err, tt.want)
		}
	}
}
