// Package memnet is an in-memory datagram network whose endpoints implement transport.Conn.
// Tests (and later the simulator) use it in place of UDP: no sockets, deterministic faults.
//
// Each datagram is copied on send. Every direction between two addresses can lose, duplicate or
// reorder datagrams with given probabilities decided by a seeded *math/rand/v2.Rand, and pairs
// of addresses can be partitioned with Block. Each Conn has a bounded receive queue; a datagram
// that finds it full is dropped and counted, as a socket buffer would.
package memnet

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"sync"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// Errors of memnet; the errors of transport (ErrClosed, ErrTooLarge, ErrInvalidAddr) are used
// for the same conditions as on UDP.
var (
	// ErrInvalidOptions reports Options or Faults that New or SetFaults refuses.
	ErrInvalidOptions = errors.New("memnet: invalid options")
	// ErrAddrInUse reports a Listen on an address that already has a Conn.
	ErrAddrInUse = errors.New("memnet: address already in use")
	// ErrNoFreePort reports that every ephemeral port of an address is taken.
	ErrNoFreePort = errors.New("memnet: no free ephemeral port")
)

// Faults are the misbehaviours of one direction of a link. Each is a probability in [0, 1],
// decided independently for every datagram.
type Faults struct {
	// Loss is the probability that a datagram is dropped.
	Loss float64
	// Duplicate is the probability that a datagram is delivered twice.
	Duplicate float64
	// Reorder is the probability that a datagram is held back and delivered right after the next
	// datagram of the same direction. At most one datagram per direction is held; Flush releases
	// it if no other datagram follows.
	Reorder float64
}

func (f Faults) zero() bool { return f == Faults{} }

func (f Faults) check() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"Loss", f.Loss}, {"Duplicate", f.Duplicate}, {"Reorder", f.Reorder}} {
		if math.IsNaN(p.v) || p.v < 0 || p.v > 1 {
			return fmt.Errorf("%w: %s probability %v outside [0, 1]", ErrInvalidOptions, p.name, p.v)
		}
	}
	return nil
}

// Options configure a Network.
type Options struct {
	// Rand decides every fault. It must be set if any fault is ever non-zero; a seeded source
	// makes a run reproducible. The Network uses it under its own lock; do not share it.
	Rand *rand.Rand
	// QueueLen is each Conn's receive queue in datagrams; 0 means DefaultQueueLen.
	QueueLen int
	// Faults apply to every direction that has none of its own (see SetFaults).
	Faults Faults
}

// Stats counts what happened to the datagrams written on a Network.
type Stats struct {
	// Sent counts datagrams passed to WriteTo.
	Sent uint64
	// Delivered counts datagrams put in a receive queue (a duplicate counts twice).
	Delivered uint64
	// Lost counts datagrams dropped by the Loss fault.
	Lost uint64
	// Duplicated counts datagrams the Duplicate fault delivered twice.
	Duplicated uint64
	// Reordered counts datagrams the Reorder fault held back.
	Reordered uint64
	// Blocked counts datagrams dropped by a partition (Block).
	Blocked uint64
	// NoRoute counts datagrams to an address without a Conn.
	NoRoute uint64
	// QueueFull counts datagrams dropped because the receiver's queue was full.
	QueueFull uint64
}

// link is one direction between two addresses.
type link struct{ from, to netip.AddrPort }

// datagram is a queued datagram.
type datagram struct {
	data []byte
	from netip.AddrPort
}

// linkState is the per-direction state: its own faults, if any, and a held datagram.
type linkState struct {
	faults *Faults
	held   *heldDatagram
}

// heldDatagram is a datagram the Reorder fault holds back, with the number of copies to deliver.
type heldDatagram struct {
	d      datagram
	copies int
}

// Network is an in-memory datagram network. It is safe for concurrent use.
type Network struct {
	mu       sync.Mutex
	rng      *rand.Rand
	queueLen int
	faults   Faults
	conns    map[netip.AddrPort]*Conn
	links    map[link]*linkState
	blocked  map[link]bool
	nextPort map[netip.Addr]uint16
	closed   bool
	stats    Stats
}

// New returns an empty network.
func New(opt Options) (*Network, error) {
	switch {
	case opt.QueueLen < 0 || opt.QueueLen > MaxQueueLen:
		return nil, fmt.Errorf("%w: QueueLen %d outside [0, %d]", ErrInvalidOptions, opt.QueueLen, MaxQueueLen)
	case !opt.Faults.zero() && opt.Rand == nil:
		return nil, fmt.Errorf("%w: faults without a Rand", ErrInvalidOptions)
	}
	if err := opt.Faults.check(); err != nil {
		return nil, err
	}
	if opt.QueueLen == 0 {
		opt.QueueLen = DefaultQueueLen
	}
	return &Network{
		rng:      opt.Rand,
		queueLen: opt.QueueLen,
		faults:   opt.Faults,
		conns:    map[netip.AddrPort]*Conn{},
		links:    map[link]*linkState{},
		blocked:  map[link]bool{},
		nextPort: map[netip.Addr]uint16{},
	}, nil
}

// Listen attaches a Conn at addr. The address must be a concrete (not unspecified) IP; port 0
// picks a free port of the ephemeral range. IPv4-mapped IPv6 addresses are taken as IPv4.
func (n *Network) Listen(addr netip.AddrPort) (*Conn, error) {
	addr = unmap(addr)
	if !addr.IsValid() || addr.Addr().IsUnspecified() {
		return nil, fmt.Errorf("%w: listen address %v", transport.ErrInvalidAddr, addr)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, fmt.Errorf("memnet: listen: %w", transport.ErrClosed)
	}
	if addr.Port() == 0 {
		p, ok := n.freePort(addr.Addr())
		if !ok {
			return nil, fmt.Errorf("%w on %v", ErrNoFreePort, addr.Addr())
		}
		addr = netip.AddrPortFrom(addr.Addr(), p)
	} else if n.conns[addr] != nil {
		return nil, fmt.Errorf("%w: %v", ErrAddrInUse, addr)
	}
	c := &Conn{
		net:   n,
		addr:  addr,
		queue: make(chan datagram, n.queueLen),
		done:  make(chan struct{}),
	}
	n.conns[addr] = c
	return c, nil
}

// freePort returns the next unused ephemeral port of ip. Called with n.mu held.
func (n *Network) freePort(ip netip.Addr) (uint16, bool) {
	const size = EphemeralPortLast - EphemeralPortFirst + 1
	next := n.nextPort[ip]
	for range size {
		p := EphemeralPortFirst + next%size
		next = (next + 1) % size
		if n.conns[netip.AddrPortFrom(ip, p)] == nil {
			n.nextPort[ip] = next
			return p, true
		}
	}
	return 0, false
}

// SetFaults sets the faults of the direction from → to, replacing Options.Faults for it.
func (n *Network) SetFaults(from, to netip.AddrPort, f Faults) error {
	if err := f.check(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if !f.zero() && n.rng == nil {
		return fmt.Errorf("%w: faults without a Rand", ErrInvalidOptions)
	}
	n.state(link{unmap(from), unmap(to)}).faults = &f
	return nil
}

// Block partitions a and b: datagrams in both directions between them are dropped until Unblock.
func (n *Network) Block(a, b netip.AddrPort) {
	a, b = unmap(a), unmap(b)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.blocked[link{a, b}] = true
	n.blocked[link{b, a}] = true
}

// Unblock lifts a partition set by Block.
func (n *Network) Unblock(a, b netip.AddrPort) {
	a, b = unmap(a), unmap(b)
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.blocked, link{a, b})
	delete(n.blocked, link{b, a})
}

// Flush delivers every datagram the Reorder fault still holds back.
func (n *Network) Flush() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for l, s := range n.links {
		if h := s.held; h != nil {
			s.held = nil
			if n.blocked[l] {
				n.stats.Blocked++
				continue
			}
			for range h.copies {
				n.deliver(l.to, h.d)
			}
		}
	}
}

// Stats returns a snapshot of the network's counters.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats
}

// Close closes every Conn of the network; later Listen calls fail with transport.ErrClosed.
func (n *Network) Close() {
	n.mu.Lock()
	n.closed = true
	conns := make([]*Conn, 0, len(n.conns))
	for _, c := range n.conns {
		conns = append(conns, c)
	}
	n.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// state returns the state of a direction, creating it. Called with n.mu held.
func (n *Network) state(l link) *linkState {
	s := n.links[l]
	if s == nil {
		s = &linkState{}
		n.links[l] = s
	}
	return s
}

// chance reports true with probability p. Called with n.mu held; uses the source only if p > 0.
func (n *Network) chance(p float64) bool {
	return p > 0 && n.rng.Float64() < p
}

// send routes one datagram through the faults of its direction. Called with n.mu held.
func (n *Network) send(from, to netip.AddrPort, b []byte) {
	n.stats.Sent++
	l := link{from, to}
	if n.blocked[l] {
		n.stats.Blocked++
		return
	}
	s := n.links[l]
	f := n.faults
	if s != nil && s.faults != nil {
		f = *s.faults
	}
	if n.chance(f.Loss) {
		n.stats.Lost++
		return
	}
	d := datagram{data: append([]byte(nil), b...), from: from}
	copies := 1
	if n.chance(f.Duplicate) {
		n.stats.Duplicated++
		copies = 2
	}
	if (s == nil || s.held == nil) && n.chance(f.Reorder) {
		n.stats.Reordered++
		n.state(l).held = &heldDatagram{d: d, copies: copies}
		return
	}
	for range copies {
		n.deliver(to, d)
	}
	if s != nil && s.held != nil {
		h := s.held
		s.held = nil
		for range h.copies {
			n.deliver(to, h.d)
		}
	}
}

// deliver queues d at the Conn bound to to, if any. Called with n.mu held. Copies of one
// datagram share its bytes; ReadFrom only reads them.
func (n *Network) deliver(to netip.AddrPort, d datagram) {
	c := n.conns[to]
	if c == nil {
		n.stats.NoRoute++
		return
	}
	select {
	case c.queue <- d:
		n.stats.Delivered++
	default:
		n.stats.QueueFull++
		c.dropped.Add(1)
	}
}

func unmap(a netip.AddrPort) netip.AddrPort {
	if !a.IsValid() {
		return a
	}
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
