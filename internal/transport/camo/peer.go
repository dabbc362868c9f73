package camo

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// peer is one remote address: a bounded send queue, the goroutine that drains it (dialling when
// there is no connection), and the authenticated connections to the address, dialled or accepted.
type peer struct {
	c        *Conn
	addr     netip.AddrPort
	dialable bool          // addr is a listening address; false for a client's source address
	queue    chan []byte   // copies of datagrams; their bytes are counted in c.queued
	stop     chan struct{} // closed by detach when an undialable peer loses its last connection

	lastWrite atomic.Int64 // Unix nanoseconds of the last WriteTo (or of creation)
	retryAt   atomic.Int64 // Unix nanoseconds before which no dial is tried; 0 when not backing off
	nlinks    atomic.Int32 // len(links)
	backoff   time.Duration

	mu    sync.Mutex
	links []*link // oldest first; datagrams go out on the newest
}

// addPeerLocked creates the peer for addr and starts its writer, or returns nil when MaxPeers
// peers exist. c.mu is held for writing and c is not closed.
func (c *Conn) addPeerLocked(addr netip.AddrPort, dialable bool) *peer {
	if len(c.peers) >= c.cfg.MaxPeers {
		return nil
	}
	p := &peer{c: c, addr: addr, dialable: dialable, queue: make(chan []byte, sendQueueLen), stop: make(chan struct{})}
	p.lastWrite.Store(time.Now().UnixNano())
	c.peers[addr] = p
	c.wg.Add(1)
	go p.run()
	return p
}

// admit reports whether a datagram written at now may be queued: not while the peer, with no
// connection, is backing off after a failed dial.
func (p *peer) admit(now int64) bool {
	p.lastWrite.Store(now)
	r := p.retryAt.Load()
	return r == 0 || now >= r || p.nlinks.Load() > 0
}

// enqueue queues a copy of b, or drops it when the queue or the Conn's byte budget is full.
func (p *peer) enqueue(b []byte) {
	n := int64(len(b))
	if p.c.queued.Add(n) > maxQueuedBytes {
		p.c.queued.Add(-n)
		p.c.stats.sendDrops.Add(1)
		return
	}
	select {
	case p.queue <- append([]byte(nil), b...):
	default:
		p.c.queued.Add(-n)
		p.c.stats.sendDrops.Add(1)
	}
}

// dequeued accounts for b leaving the queue.
func (p *peer) dequeued(b []byte) { p.c.queued.Add(-int64(len(b))) }

// dropQueued drops everything queued.
func (p *peer) dropQueued() {
	for {
		select {
		case b := <-p.queue:
			p.dequeued(b)
			p.c.stats.sendDrops.Add(1)
		default:
			return
		}
	}
}

// run is the peer's writer: it sends queued datagrams on the newest connection, dialling when
// there is none, and retires the peer once it has been idle for peerIdleTimeout.
func (p *peer) run() {
	c := p.c
	defer c.wg.Done()
	idle := time.NewTimer(c.peerIdle)
	defer idle.Stop()
	for {
		var b []byte
		select {
		case b = <-p.queue:
			p.dequeued(b)
		case <-idle.C:
			if p.retire() {
				return
			}
			idle.Reset(c.peerIdle)
			continue
		case <-c.ctx.Done():
			p.dropQueued()
			return
		case <-p.stop:
			p.dropQueued()
			return
		}
		l := p.current()
		if l == nil {
			if l = p.connect(); l == nil {
				c.stats.sendDrops.Add(1)
				p.dropQueued()
				continue
			}
		}
		p.send(l, b)
	}
}

// retire removes an idle peer: no connection, nothing queued and no WriteTo for peerIdleTimeout.
func (p *peer) retire() bool {
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(p.queue) > 0 || p.nlinks.Load() > 0 || time.Now().UnixNano()-p.lastWrite.Load() < int64(c.peerIdle) {
		return false
	}
	if c.peers[p.addr] == p {
		delete(c.peers, p.addr)
	}
	return true
}

// connect dials the peer unless it is backing off or is a client known by its connection's
// source address (nothing listens there), and returns the new connection or nil.
func (p *peer) connect() *link {
	c := p.c
	now := time.Now()
	if r := p.retryAt.Load(); !p.dialable || (r != 0 && now.UnixNano() < r) {
		return nil
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.HandshakeTimeout)
	l, err := c.dial(ctx, p.addr)
	cancel()
	if err != nil {
		c.stats.dialFailures.Add(1)
		p.backoff = min(max(2*p.backoff, minBackoff), maxBackoff)
		wait := p.backoff - rand.N(p.backoff/4) // up to 25% early, so that peers do not retry in step
		p.retryAt.Store(time.Now().Add(wait).UnixNano())
		if c.ctx.Err() == nil {
			c.log.Debug("camo: dial failed", "peer", p.addr, "err", err, "retry_in", wait)
		}
		return nil
	}
	p.backoff = 0
	p.retryAt.Store(0)
	c.stats.dials.Add(1)
	if !c.attach(p.addr, l, true) {
		return nil
	}
	return l
}

// send writes b and whatever else is queued, up to maxWriteBatch datagrams, then flushes. A
// connection that fails is closed; the datagrams written to it are lost, like UDP's.
func (p *peer) send(l *link, b []byte) {
	start := time.Now().UnixNano()
	l.writing.Store(start)
	err := l.f.write(b)
	for n, more := 1, true; err == nil && more && n < maxWriteBatch; n++ {
		select {
		case b = <-p.queue:
			p.dequeued(b)
			err = l.f.write(b)
		default:
			more = false
		}
	}
	if err == nil {
		err = l.f.flush()
	}
	l.writing.Store(0)
	if err != nil {
		p.c.stats.sendDrops.Add(1)
		p.c.logLinkError("write", l, err)
		p.c.detach(p, l)
		return
	}
	l.lastUse.Store(start)
}

// attach adds an authenticated connection to the peer at addr (creating the peer if need be,
// dialable or not) and starts its reader. It returns false, having closed l, when c is closed or
// has MaxPeers peers.
func (c *Conn) attach(addr netip.AddrPort, l *link, dialable bool) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		l.close()
		return false
	}
	p := c.peers[addr]
	if p == nil {
		delete(c.gone, addr)
		if p = c.addPeerLocked(addr, dialable); p == nil {
			c.mu.Unlock()
			l.close()
			return false
		}
	}
	evicted := p.addLink(l)
	c.wg.Add(1)
	c.mu.Unlock()
	if evicted != nil {
		evicted.close()
	}
	go c.readLoop(p, l)
	return true
}

// readLoop delivers the datagrams read from l until it fails.
func (c *Conn) readLoop(p *peer, l *link) {
	defer c.wg.Done()
	for {
		b, err := l.f.read()
		if err != nil {
			c.logLinkError("read", l, err)
			c.detach(p, l)
			return
		}
		l.lastUse.Store(time.Now().UnixNano())
		c.deliver(b, p.addr)
	}
}

func (c *Conn) logLinkError(op string, l *link, err error) {
	if c.ctx.Err() != nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return
	}
	c.log.Debug("camo: connection failed", "op", op, "remote", l.raw.RemoteAddr(), "err", err)
}

// current returns the newest connection, or nil.
func (p *peer) current() *link {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.links) == 0 {
		return nil
	}
	return p.links[len(p.links)-1]
}

// addLink adds l as the newest connection and returns the oldest one if that makes more than
// maxLinksPerPeer; the caller closes it.
func (p *peer) addLink(l *link) (evicted *link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.links = append(p.links, l)
	if len(p.links) > maxLinksPerPeer {
		evicted = p.links[0]
		p.links = append(p.links[:0], p.links[1:]...)
	}
	p.nlinks.Store(int32(len(p.links)))
	return evicted
}

// detach closes l and removes it from p. A peer that cannot be dialled is forgotten with its last
// connection: its address was that connection's, and nothing can reach it any more.
func (c *Conn) detach(p *peer, l *link) {
	l.close()
	if p.removeLink(l) > 0 || p.dialable {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.peers[p.addr] == p && p.nlinks.Load() == 0 {
		delete(c.peers, p.addr)
		close(p.stop)
		c.departedLocked(p.addr, time.Now().UnixNano())
	}
}

// removeLink removes l and returns how many connections remain.
func (p *peer) removeLink(l *link) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.links {
		if x == l {
			p.links = append(p.links[:i], p.links[i+1:]...)
			break
		}
	}
	p.nlinks.Store(int32(len(p.links)))
	return len(p.links)
}

// takeLinks removes and returns every connection.
func (p *peer) takeLinks() []*link {
	p.mu.Lock()
	defer p.mu.Unlock()
	ls := p.links
	p.links = nil
	p.nlinks.Store(0)
	return ls
}

// staleLinks returns the connections idle or stuck at now (link.stale).
func (p *peer) staleLinks(now int64, tm timing) []*link {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s []*link
	for _, l := range p.links {
		if l.stale(now, tm) {
			s = append(s, l)
		}
	}
	return s
}

func (p *peer) linkCount() int { return int(p.nlinks.Load()) }
