// Package fault wraps a transport.Conn with injected faults — loss and blackholes towards chosen
// remote addresses, loss towards every address, and a bounded delay queue on sends — so that failure handling can be tested and measured on real sockets without
// any help from the operating system (tc netem is not assumed to exist).
package fault

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// Conn is a transport.Conn whose traffic to and from chosen remote addresses can be dropped.
// It is safe for concurrent use.
type Conn struct {
	inner transport.Conn

	mu    sync.Mutex
	rng   *rand.Rand
	rules map[netip.AddrPort]float64 // drop probability per remote address; 1 is a blackhole
	all   float64                    // drop probability of addresses without a rule
	stats Stats

	// The delay queue (delay.go): started by the first SetDelay with a positive delay.
	delay       time.Duration
	queue       chan delayed
	queued      int // datagrams in the queue or awaited by the sender
	queuedBytes int
	done        chan struct{} // closed by Close to stop the sender
	stopped     chan struct{} // closed by the sender when it returns
	closed      bool
}

// Stats counts what the wrapper dropped.
type Stats struct {
	// DroppedIn and DroppedOut count datagrams dropped on receive and on send.
	DroppedIn, DroppedOut uint64
	// QueueDrops counts datagrams dropped because the delay queue was full (SetDelay).
	QueueDrops uint64
}

// QueueDrops returns Stats().QueueDrops: the datagrams the delay queue had no room for. A node
// reports it as its runtime's queue drops.
func (c *Conn) QueueDrops() uint64 { return c.Stats().QueueDrops }

// Wrap returns c with no faults. rng drives lossy rules; it is used under the Conn's lock.
func Wrap(c transport.Conn, rng *rand.Rand) *Conn {
	return &Conn{inner: c, rng: rng, rules: make(map[netip.AddrPort]float64)}
}

// Blackhole drops every datagram to and from addr.
func (c *Conn) Blackhole(addr netip.AddrPort) { c.SetLoss(addr, 1) }

// SetLoss drops datagrams to and from addr with probability p (clamped to [0, 1]); 0 removes the rule.
func (c *Conn) SetLoss(addr netip.AddrPort, p float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case p <= 0 || p != p:
		delete(c.rules, addr)
	case p >= 1:
		c.rules[addr] = 1
	default:
		c.rules[addr] = p
	}
}

// SetLossAll drops datagrams to and from every address that has no rule of its own (SetLoss,
// Blackhole) with probability p (clamped to [0, 1]); 0 turns it off.
func (c *Conn) SetLossAll(p float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case p <= 0 || p != p:
		c.all = 0
	case p >= 1:
		c.all = 1
	default:
		c.all = p
	}
}

// Clear removes every rule and the loss towards every address; it leaves the delay.
func (c *Conn) Clear() {
	c.mu.Lock()
	clear(c.rules)
	c.all = 0
	c.mu.Unlock()
}

// Stats returns the drop counters.
func (c *Conn) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// drop decides whether a datagram to or from addr is dropped, counting it.
func (c *Conn) drop(addr netip.AddrPort, out bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.rules[addr]
	if !ok {
		p = c.all
	}
	if p == 0 || (p < 1 && c.rng.Float64() >= p) {
		return false
	}
	if out {
		c.stats.DroppedOut++
	} else {
		c.stats.DroppedIn++
	}
	return true
}

// ReadFrom implements transport.Conn, skipping dropped datagrams.
func (c *Conn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	for {
		n, from, err := c.inner.ReadFrom(b)
		if err != nil || !c.drop(from, false) {
			return n, from, err
		}
	}
}

// WriteTo implements transport.Conn; a dropped datagram is reported as sent, as a lossy network does.
// With a delay (SetDelay) the datagram is queued and WriteTo returns at once; only a datagram over
// transport.MaxDatagramSize is refused then.
func (c *Conn) WriteTo(b []byte, to netip.AddrPort) error {
	if len(b) > transport.MaxDatagramSize {
		return fmt.Errorf("%w: %d bytes, at most %d", transport.ErrTooLarge, len(b), transport.MaxDatagramSize)
	}
	if c.drop(to, true) || c.enqueue(b, to) {
		return nil
	}
	return c.inner.WriteTo(b, to)
}

// LocalAddr implements transport.Conn.
func (c *Conn) LocalAddr() netip.AddrPort { return c.inner.LocalAddr() }

// Close implements transport.Conn. It stops the delay queue's goroutine, dropping what it holds.
func (c *Conn) Close() error {
	c.mu.Lock()
	done, stopped := c.done, c.stopped
	if !c.closed && done != nil {
		close(done)
	}
	c.closed = true
	c.mu.Unlock()
	err := c.inner.Close()
	if stopped != nil {
		<-stopped
	}
	return err
}
