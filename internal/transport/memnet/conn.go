package memnet

import (
	"fmt"
	"net/netip"
	"sync/atomic"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// Conn is one endpoint of a Network. It implements transport.Conn and is safe for concurrent
// use.
type Conn struct {
	net     *Network
	addr    netip.AddrPort
	queue   chan datagram
	done    chan struct{} // closed by Close
	closed  bool          // guarded by net.mu
	dropped atomic.Uint64
}

var _ transport.Conn = (*Conn)(nil)

// ReadFrom implements transport.Conn: it blocks until a datagram is queued or the Conn is
// closed. A datagram longer than b is truncated, as with UDP.
func (c *Conn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	select {
	case <-c.done:
		return 0, netip.AddrPort{}, c.errClosed("read")
	default:
	}
	select {
	case d := <-c.queue:
		return copy(b, d.data), d.from, nil
	case <-c.done:
		return 0, netip.AddrPort{}, c.errClosed("read")
	}
}

// WriteTo implements transport.Conn. Like UDP it reports no error for a datagram that is lost,
// blocked or has no receiver; Network.Stats counts those.
func (c *Conn) WriteTo(b []byte, to netip.AddrPort) error {
	if len(b) > transport.MaxDatagramSize {
		return fmt.Errorf("memnet: write: %w: %d bytes, at most %d", transport.ErrTooLarge, len(b), transport.MaxDatagramSize)
	}
	if !to.IsValid() || to.Port() == 0 {
		return fmt.Errorf("memnet: write: %w: destination %v", transport.ErrInvalidAddr, to)
	}
	c.net.mu.Lock()
	defer c.net.mu.Unlock()
	if c.closed {
		return c.errClosed("write")
	}
	c.net.send(c.addr, unmap(to), b)
	return nil
}

// LocalAddr implements transport.Conn.
func (c *Conn) LocalAddr() netip.AddrPort { return c.addr }

// Close implements transport.Conn: it frees the address, discards queued datagrams and unblocks
// every ReadFrom.
func (c *Conn) Close() error {
	c.net.mu.Lock()
	defer c.net.mu.Unlock()
	if c.closed {
		return c.errClosed("close")
	}
	c.closed = true
	if c.net.conns[c.addr] == c {
		delete(c.net.conns, c.addr)
	}
	close(c.done)
	return nil
}

// Dropped returns how many datagrams were dropped because this Conn's queue was full.
func (c *Conn) Dropped() uint64 { return c.dropped.Load() }

func (c *Conn) errClosed(op string) error {
	return fmt.Errorf("memnet: %s %v: %w", op, c.addr, transport.ErrClosed)
}
