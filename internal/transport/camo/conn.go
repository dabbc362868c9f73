package camo

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// Conn is a transport.Conn over TLS camouflage connections. It is safe for concurrent use.
type Conn struct {
	cfg    Config
	log    *slog.Logger
	auth   *authenticator
	local  netip.AddrPort
	ln     net.Listener
	cliTLS *tls.Config
	srvTLS *tls.Config

	h1, h2     *http.Server  // HTTP/1.1 (mesh upgrades and decoy) and HTTP/2 (decoy) over accepted conns
	h1ln, h2ln *connListener // what feeds them

	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine of the Conn

	pending   chan struct{} // one token per unauthenticated accepted connection
	recv      chan datagram
	recvBytes atomic.Int64 // bytes waiting in recv
	queued    atomic.Int64 // bytes waiting in all send queues
	scratch   sync.Pool    // *[]byte of MaxDatagramSize+1 bytes for WebSocket reads

	mu     sync.RWMutex
	peers  map[netip.AddrPort]*peer
	gone   map[netip.AddrPort]int64 // source addresses of clients that left: Unix ns of departure
	closed bool

	stats counters
	timing
}

// timing holds the Conn's timeouts: the constants, except in tests, which shorten them.
type timing struct {
	linkIdle, linkWrite, peerIdle, reap time.Duration
}

func defaultTiming() timing {
	return timing{linkIdle: linkIdleTimeout, linkWrite: linkWriteTimeout, peerIdle: peerIdleTimeout, reap: reapInterval}
}

var _ transport.Conn = (*Conn)(nil)

type datagram struct {
	b    []byte
	from netip.AddrPort
}

// Stats counts a Conn's connections and losses since it was opened.
type Stats struct {
	// Peers is the number of peers with a send queue, and Links the number of authenticated
	// connections, now.
	Peers, Links int
	// Pending is the number of accepted connections not authenticated, now: in the TLS
	// handshake, before their first request, or being served the decoy.
	Pending int
	// Refused counts accepted connections closed at once because MaxPending were pending.
	Refused uint64
	// HandshakeFailures counts accepted connections whose TLS handshake failed or which sent no
	// complete request head in time.
	HandshakeFailures uint64
	// Decoys counts accepted connections handed to the decoy.
	Decoys uint64
	// Accepted counts accepted connections that authenticated and switched to mesh mode.
	Accepted uint64
	// Dials counts outgoing connections that reached mesh mode, DialFailures those that did not.
	Dials, DialFailures uint64
	// SendDrops counts datagrams dropped on send: queue full, peer in backoff or unreachable,
	// too many peers, or a connection that broke with them queued.
	SendDrops uint64
	// RecvDrops counts datagrams received but dropped because ReadFrom's queue was full.
	RecvDrops uint64
}

type counters struct {
	refused, handshakeFailures, decoys, accepted atomic.Uint64
	dials, dialFailures, sendDrops, recvDrops    atomic.Uint64
}

// Listen opens a Conn that accepts connections on cfg.Listen and dials peers on demand.
func Listen(cfg Config) (*Conn, error) { return listenTiming(cfg, defaultTiming()) }

func listenTiming(cfg Config, tm timing) (*Conn, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	auth, err := newAuthenticator(cfg.Key)
	if err != nil {
		return nil, err
	}
	cert := cfg.Certificate
	if cert == nil {
		c, err := SelfSignedCertificate(cfg.ServerName, cfg.Now())
		if err != nil {
			return nil, err
		}
		cert = &c
	}
	network, addr := "tcp6", cfg.Listen
	if a := addr.Addr().Unmap(); a.Is4() {
		network, addr = "tcp4", netip.AddrPortFrom(a, addr.Port())
	} else if a.IsUnspecified() {
		network = "tcp"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), network, addr.String())
	if err != nil {
		return nil, fmt.Errorf("camo: listen on %v: %w", cfg.Listen, err)
	}
	la := ln.Addr().(*net.TCPAddr).AddrPort()
	ctx, cancel := context.WithCancel(context.Background())
	c := &Conn{
		cfg:     cfg,
		log:     cfg.Logger,
		auth:    auth,
		local:   netip.AddrPortFrom(la.Addr().Unmap(), la.Port()),
		ln:      ln,
		cliTLS:  clientTLS(cfg),
		srvTLS:  serverTLS(*cert),
		ctx:     ctx,
		cancel:  cancel,
		pending: make(chan struct{}, cfg.MaxPending),
		recv:    make(chan datagram, recvQueueLen),
		peers:   make(map[netip.AddrPort]*peer),
		gone:    make(map[netip.AddrPort]int64),
		timing:  tm,
	}
	c.scratch.New = func() any { b := make([]byte, MaxDatagramSize+1); return &b }
	c.startServers()
	c.wg.Add(2)
	go c.acceptLoop()
	go c.reapLoop()
	return c, nil
}

// ReadFrom implements transport.Conn.
func (c *Conn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	select {
	case <-c.ctx.Done():
		return 0, netip.AddrPort{}, errClosed("read")
	default:
	}
	select {
	case d := <-c.recv:
		c.recvBytes.Add(-int64(len(d.b)))
		return copy(b, d.b), d.from, nil
	case <-c.ctx.Done():
		return 0, netip.AddrPort{}, errClosed("read")
	}
}

// WriteTo implements transport.Conn. It never blocks on the network: the datagram is queued for
// the peer's connection, dialled if there is none, and dropped (Stats.SendDrops) if the queue
// is full, the peer is in dial backoff, or MaxPeers other peers exist.
func (c *Conn) WriteTo(b []byte, to netip.AddrPort) error {
	if len(b) > MaxDatagramSize {
		return fmt.Errorf("camo: write: %w: %d bytes, at most %d", transport.ErrTooLarge, len(b), MaxDatagramSize)
	}
	if !to.IsValid() || to.Port() == 0 {
		return fmt.Errorf("camo: write: %w: destination %v", transport.ErrInvalidAddr, to)
	}
	to = netip.AddrPortFrom(to.Addr().Unmap(), to.Port())
	now := time.Now().UnixNano()
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed("write")
	}
	p := c.peers[to]
	if p != nil {
		if !p.admit(now) {
			c.mu.RUnlock()
			c.stats.sendDrops.Add(1)
			return nil
		}
		p.enqueue(b)
		c.mu.RUnlock()
		return nil
	}
	c.mu.RUnlock()

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errClosed("write")
	}
	if p = c.peers[to]; p == nil {
		if c.wasClientLocked(to, now) {
			c.stats.sendDrops.Add(1)
			return nil
		}
		if p = c.addPeerLocked(to, true); p == nil {
			c.stats.sendDrops.Add(1)
			return nil
		}
	}
	if p.admit(now) {
		p.enqueue(b)
	} else {
		c.stats.sendDrops.Add(1)
	}
	return nil
}

// LocalAddr implements transport.Conn: the TCP address the Conn accepts on.
func (c *Conn) LocalAddr() netip.AddrPort { return c.local }

// Close implements transport.Conn: it stops accepting and dialling, closes every connection and
// returns when all the Conn's goroutines have.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errClosed("close")
	}
	c.closed = true
	var links []*link
	for _, p := range c.peers {
		links = append(links, p.takeLinks()...)
	}
	c.mu.Unlock()

	c.cancel()
	c.ln.Close()
	c.h1.Close()
	c.h2.Close()
	for _, l := range links {
		l.close()
	}
	c.wg.Wait()
	if d, ok := c.cfg.Decoy.(interface{ CloseIdleConnections() }); ok {
		d.CloseIdleConnections()
	}
	return nil
}

// Stats returns the Conn's counters.
func (c *Conn) Stats() Stats {
	s := Stats{
		Pending:           len(c.pending),
		Refused:           c.stats.refused.Load(),
		HandshakeFailures: c.stats.handshakeFailures.Load(),
		Decoys:            c.stats.decoys.Load(),
		Accepted:          c.stats.accepted.Load(),
		Dials:             c.stats.dials.Load(),
		DialFailures:      c.stats.dialFailures.Load(),
		SendDrops:         c.stats.sendDrops.Load(),
		RecvDrops:         c.stats.recvDrops.Load(),
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	s.Peers = len(c.peers)
	for _, p := range c.peers {
		s.Links += p.linkCount()
	}
	return s
}

// deliver queues a received datagram for ReadFrom, or drops it when the queue is full.
func (c *Conn) deliver(b []byte, from netip.AddrPort) {
	if c.recvBytes.Add(int64(len(b))) > maxRecvBytes {
		c.recvBytes.Add(-int64(len(b)))
		c.stats.recvDrops.Add(1)
		return
	}
	select {
	case c.recv <- datagram{b, from}:
	default:
		c.recvBytes.Add(-int64(len(b)))
		c.stats.recvDrops.Add(1)
	}
}

// enter registers a goroutine about to start with c.wg; it returns false once c is closed, so
// that Close's wg.Wait never races with an Add.
func (c *Conn) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	return true
}

// reapLoop closes idle and stuck connections.
func (c *Conn) reapLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.reap)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case now := <-t.C:
			c.reapStale(now.UnixNano())
		}
	}
}

// reapStale closes the connections idle or stuck at now, and forgets departed clients' addresses
// after peerIdle.
func (c *Conn) reapStale(now int64) {
	var stale []*link
	c.mu.Lock()
	for _, p := range c.peers {
		stale = append(stale, p.staleLinks(now, c.timing)...)
	}
	for a, t := range c.gone {
		if now-t >= int64(c.peerIdle) {
			delete(c.gone, a)
		}
	}
	c.mu.Unlock()
	for _, l := range stale {
		c.log.Debug("camo: closing idle or stuck connection", "remote", l.raw.RemoteAddr())
		l.close()
	}
}

// wasClientLocked reports whether to is the source address of a client whose connection closed
// less than peerIdle ago: nothing listens there, so datagrams to it are dropped, not dialled.
func (c *Conn) wasClientLocked(to netip.AddrPort, now int64) bool {
	t, ok := c.gone[to]
	if ok && now-t >= int64(c.peerIdle) {
		delete(c.gone, to)
		return false
	}
	return ok
}

// departedLocked records the source address of a client whose last connection closed, keeping at
// most MaxPeers such addresses (an arbitrary one is forgotten to make room).
func (c *Conn) departedLocked(addr netip.AddrPort, now int64) {
	if len(c.gone) >= c.cfg.MaxPeers {
		for a := range c.gone {
			delete(c.gone, a)
			break
		}
	}
	c.gone[addr] = now
}

func errClosed(op string) error {
	return fmt.Errorf("camo: %s: %w", op, transport.ErrClosed)
}
