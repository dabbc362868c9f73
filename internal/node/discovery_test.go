package node

import (
	"crypto/rand"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/discovery"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// lanList is a CandidateSource with a fixed list, as a discoverer that heard these beacons.
type lanList struct {
	mu    sync.Mutex
	cands []discovery.Candidate
	calls int
}

func (l *lanList) Candidates(time.Time) []discovery.Candidate {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	return append([]discovery.Candidate(nil), l.cands...)
}

func candidateOf(m *member) discovery.Candidate {
	return discovery.Candidate{ID: m.id.ID(), Addr: m.addr}
}

// TestLANDiscoveryConnects starts two nodes without static peers; each learns the other only from
// its candidate source, and they establish sessions through the real handshake.
func TestLANDiscoveryConnects(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	la := &lanList{cands: []discovery.Candidate{candidateOf(a), candidateOf(b)}} // own entry is skipped
	lb := &lanList{cands: []discovery.Candidate{candidateOf(a)}}
	ra := h.start(a, func(o *Options) { o.Discovery = la })
	rb := h.start(b, func(o *Options) { o.Discovery = lb })
	eventually(t, "both up", 10*time.Second, func() bool {
		return peerState(ra.n, "beta") == "up" && peerState(rb.n, "alpha") == "up"
	})
	if !strings.Contains(a.log.String(), "lan candidate offered") {
		t.Fatalf("alpha did not log the offer:\n%s", a.log)
	}
	// Once connected, polls offer nothing new: one peer entry per node.
	time.Sleep(2 * LANPollInterval)
	if n := len(ra.n.Peers()); n != 1 {
		t.Fatalf("alpha has %d peers: %+v", n, ra.n.Peers())
	}
	ra.stop(t)
	rb.stop(t)
}

// newIdleNode returns a node that is not running, for driving pollLAN with a synthetic clock.
func newIdleNode(t *testing.T, h *harness, m *member, src CandidateSource, minPeers int) *Node {
	t.Helper()
	conn, err := h.net.Listen(m.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	n, err := New(Options{Identity: m.id, Cert: m.cert, CA: h.ca.Cert, Conn: conn, Rand: rand.Reader, Discovery: src, MinPeers: minPeers})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLANPollBounds(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	static := netip.MustParseAddrPort("127.0.0.1:2000")
	src := &lanList{}
	for i := range MaxSparePeers + 10 {
		var id identity.NodeID
		id[0], id[1] = byte(i>>8)+1, byte(i)
		src.cands = append(src.cands, discovery.Candidate{ID: id, Addr: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), uint16(3000+i))})
	}
	src.cands = append(src.cands,
		discovery.Candidate{ID: identity.NodeID{0xee}, Addr: static},           // address of a static peer
		discovery.Candidate{ID: identity.NodeID{0xef}, Addr: netip.AddrPort{}}, // no address
		discovery.Candidate{Addr: static},                                      // no ID
	)
	n := newIdleNode(t, h, a, src, 0)
	n.byAddr[static] = &peer{addr: static, static: true}
	now := time.Now()
	n.pollLAN(now)
	n.pollLAN(now.Add(LANPollInterval / 2)) // not due: the source is not asked again
	if src.calls != 1 {
		t.Fatalf("source asked %d times", src.calls)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.spares) != MaxSparePeers || len(n.lan.offered) != MaxSparePeers {
		t.Fatalf("%d spares, %d offers; want %d", len(n.spares), len(n.lan.offered), MaxSparePeers)
	}
	for id, addr := range n.spares {
		if addr == static || id[0] >= 0xee {
			t.Fatalf("offered %s at %v", id.Short(), addr)
		}
	}
	// dialSpares takes as many as are missing (DefaultMinPeers), pinned to the advertised IDs.
	n.dialSpares()
	dialled := 0
	for addr, p := range n.byAddr {
		if addr != static {
			dialled++
			if o := n.lan.offered[addr]; o == nil || p.pin != o.id || !p.static {
				t.Fatalf("peer at %v: pin %s, offer %+v", addr, p.pin.Short(), o)
			}
		}
	}
	if dialled != DefaultMinPeers {
		t.Fatalf("dialled %d, want %d", dialled, DefaultMinPeers)
	}
}

// TestLANForgetsUnanswered checks that a peer dialled from a candidate that never answers is
// removed after LANDialTimeout and offered again while it is still a candidate.
func TestLANForgetsUnanswered(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	ghost := discovery.Candidate{ID: identity.NodeID{7}, Addr: netip.MustParseAddrPort("127.0.0.1:1999")}
	src := &lanList{cands: []discovery.Candidate{ghost}}
	n := newIdleNode(t, h, a, src, 0)
	now := time.Now()
	step := func(d time.Duration) {
		now = now.Add(d)
		n.pollLAN(now)
		n.mu.Lock()
		n.dialSpares()
		n.mu.Unlock()
	}
	has := func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.byAddr[ghost.Addr] != nil
	}
	step(0)
	if !has() {
		t.Fatal("candidate not dialled")
	}
	step(LANPollInterval) // starts the dial timer
	step(LANDialTimeout - LANPollInterval)
	if !has() {
		t.Fatal("forgotten before the timeout")
	}
	step(LANPollInterval)
	n.mu.Lock()
	_, offered := n.lan.offered[ghost.Addr]
	spare := n.spares[ghost.ID]
	n.mu.Unlock()
	// Pruned, then offered again by the same poll since the candidate still beacons, and dialled.
	if !offered || spare.IsValid() || !has() {
		t.Fatalf("offered=%v spare=%v dialled=%v", offered, spare, has())
	}
	// A candidate that stops beaconing is dropped after its next timeout and not offered again.
	src.mu.Lock()
	src.cands = nil
	src.mu.Unlock()
	step(LANPollInterval)
	step(LANDialTimeout)
	if has() {
		t.Fatal("silent candidate still dialled")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.lan.offered) != 0 {
		t.Fatalf("offers left: %d", len(n.lan.offered))
	}
}

func TestLANPruneKeepsOthers(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	n := newIdleNode(t, h, a, &lanList{}, 0)
	addrs := []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("10.0.0.2:1"), netip.MustParseAddrPort("10.0.0.3:1")}
	now := time.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lan.offered = map[netip.AddrPort]*lanOffer{
		addrs[0]: {id: identity.NodeID{1}, dialled: now.Add(-time.Hour)}, // a real peer now
		addrs[1]: {id: identity.NodeID{2}, dialled: now.Add(-time.Hour)}, // someone else's entry
		addrs[2]: {id: identity.NodeID{3}},                               // dropped from the spares
	}
	n.byAddr[addrs[0]] = &peer{addr: addrs[0], static: true, pin: identity.NodeID{1}, id: identity.NodeID{1}}
	n.byAddr[addrs[1]] = &peer{addr: addrs[1], static: true}
	n.pruneLAN(now)
	if len(n.lan.offered) != 0 {
		t.Fatalf("offers left: %v", n.lan.offered)
	}
	if n.byAddr[addrs[0]] == nil || n.byAddr[addrs[1]] == nil {
		t.Fatal("pruning removed a peer it did not add")
	}
}

func TestLANOffWhenSparesOff(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	src := &lanList{cands: []discovery.Candidate{{ID: identity.NodeID{7}, Addr: netip.MustParseAddrPort("127.0.0.1:1999")}}}
	n := newIdleNode(t, h, a, src, -1)
	n.pollLAN(time.Now())
	if src.calls != 0 || len(n.spares) != 0 {
		t.Fatalf("min_peers -1 still polled (%d) or offered (%d)", src.calls, len(n.spares))
	}
	n.closed = true
	n.opt.MinPeers = 1
	n.pollLAN(time.Now())
	if src.calls != 0 {
		t.Fatal("closed node polled")
	}
}
