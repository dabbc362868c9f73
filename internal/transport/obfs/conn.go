package obfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// Conn is a transport.Conn that obfuscates every datagram it sends through an inner Conn and
// delivers only the datagrams it receives that authenticate under the network's key, are within
// the clock skew and are not replays; it drops everything else silently and counts it. It is safe
// for concurrent use.
type Conn struct {
	inner  transport.Conn
	set    settings
	codec  *codec
	sender uint64
	next   atomic.Uint64 // counter of the next datagram sent
	replay *replayFilter
	flows  *flowTable // nil without junk
	bufs   sync.Pool  // of *buffer
	done   chan struct{}
	closed atomic.Bool
	stats  counters
}

var _ transport.Conn = (*Conn)(nil)

// buffer is the scratch space of one ReadFrom or WriteTo.
type buffer struct {
	data [transport.MaxDatagramSize]byte
	rand randSource
}

// counters are the atomic fields behind Stats.
type counters struct {
	sent, junkSent, received, junkReceived                    atomic.Uint64
	droppedShort, droppedAuth, droppedMalformed, droppedStale atomic.Uint64
	droppedReplay                                             atomic.Uint64
}

// Stats counts what a Conn sent, delivered and dropped.
type Stats struct {
	// Sent counts datagrams sent for WriteTo; JunkSent counts junk datagrams sent before flows.
	Sent, JunkSent uint64
	// Received counts datagrams delivered by ReadFrom; JunkReceived counts authenticated junk
	// datagrams dropped.
	Received, JunkReceived uint64
	// DroppedShort counts datagrams shorter than Overhead.
	DroppedShort uint64
	// DroppedAuth counts datagrams that did not authenticate: random bytes, truncated or altered
	// datagrams, or datagrams under another key.
	DroppedAuth uint64
	// DroppedMalformed counts authenticated datagrams whose header this version refuses (an
	// unknown kind, a length past the end); only a holder of the key can send one.
	DroppedMalformed uint64
	// DroppedStale counts authenticated datagrams whose timestamp was more than MaxClockSkew from
	// this node's clock.
	DroppedStale uint64
	// DroppedReplay counts authenticated datagrams already received, too far behind their
	// sender's newest counter, or from a forgotten sender and not newer than it.
	DroppedReplay uint64
	// Senders is the number of sender IDs whose replay windows are kept (at most MaxSenders).
	Senders int
}

// Dropped returns the number of datagrams dropped for any reason (junk is not counted).
func (s Stats) Dropped() uint64 {
	return s.DroppedShort + s.DroppedAuth + s.DroppedMalformed + s.DroppedStale + s.DroppedReplay
}

// New returns a Conn that obfuscates the datagrams of inner, which it owns from then on: Close
// closes it. Its sender ID is drawn from cfg.Rand.
func New(inner transport.Conn, cfg Config) (*Conn, error) {
	if inner == nil {
		return nil, fmt.Errorf("%w: no inner Conn", ErrConfig)
	}
	set, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	codec, err := newCodec(cfg.Key)
	if err != nil {
		return nil, err
	}
	var id [8]byte
	if _, err := io.ReadFull(set.rand, id[:]); err != nil {
		return nil, fmt.Errorf("obfs: reading randomness: %w", err)
	}
	c := &Conn{
		inner:  inner,
		set:    set,
		codec:  codec,
		sender: binary.LittleEndian.Uint64(id[:]),
		replay: newReplayFilter(),
		done:   make(chan struct{}),
	}
	c.bufs.New = func() any { return new(buffer) }
	if set.junkCount > 0 {
		c.flows = newFlowTable(set.flowIdle)
	}
	return c, nil
}

// ReadFrom implements transport.Conn: it returns the payload of the next datagram that
// authenticates, is within the clock skew and is not a replay, truncated to len(b) as UDP would.
// Every other datagram is dropped without an answer and counted in Stats.
func (c *Conn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	buf := c.bufs.Get().(*buffer)
	defer c.bufs.Put(buf)
	for {
		n, from, err := c.inner.ReadFrom(buf.data[:])
		if err != nil {
			return 0, from, err
		}
		h, payload, err := c.open(buf.data[:n])
		switch {
		case err != nil:
			c.countDrop(err)
		case h.kind == kindJunk:
			c.stats.junkReceived.Add(1)
		default:
			c.stats.received.Add(1)
			return copy(b, payload), from, nil
		}
	}
}

// open authenticates pkt and checks its timestamp and counter.
func (c *Conn) open(pkt []byte) (header, []byte, error) {
	h, payload, err := c.codec.open(pkt)
	if err != nil {
		return h, nil, err
	}
	now := c.set.clock.Now().UnixMilli()
	if h.millis < now-c.set.maxSkewMillis || h.millis > now+c.set.maxSkewMillis {
		return h, nil, errStale
	}
	if !c.replay.accept(h.sender, h.counter, h.millis) {
		return h, nil, errReplay
	}
	return h, payload, nil
}

func (c *Conn) countDrop(err error) {
	switch {
	case errors.Is(err, errShort):
		c.stats.droppedShort.Add(1)
	case errors.Is(err, errAuth):
		c.stats.droppedAuth.Add(1)
	case errors.Is(err, errStale):
		c.stats.droppedStale.Add(1)
	case errors.Is(err, errReplay):
		c.stats.droppedReplay.Add(1)
	default:
		c.stats.droppedMalformed.Add(1)
	}
}

// WriteTo implements transport.Conn: it sends b, at most MaxPayloadSize bytes, as one obfuscated
// datagram, preceded by junk datagrams if it starts a flow and delayed by the jitter if any.
func (c *Conn) WriteTo(b []byte, to netip.AddrPort) error {
	switch {
	case c.closed.Load():
		return fmt.Errorf("obfs: write: %w", transport.ErrClosed)
	case len(b) > MaxPayloadSize:
		return fmt.Errorf("obfs: write: %w: %d-byte payload, at most %d", transport.ErrTooLarge, len(b), MaxPayloadSize)
	case !to.IsValid() || to.Port() == 0:
		return fmt.Errorf("obfs: write: %w: destination %v", transport.ErrInvalidAddr, to)
	}
	buf := c.bufs.Get().(*buffer)
	defer c.bufs.Put(buf)
	buf.rand.reset(c.set.rand)
	if c.flows != nil && c.flows.start(to, c.set.clock.Now()) {
		for range c.set.junkCount {
			size, err := buf.rand.intn(c.set.junkMax - c.set.junkMin)
			if err != nil {
				return err
			}
			if err := c.send(buf, kindJunk, nil, c.set.junkMin+size-Overhead, to); err != nil {
				return err
			}
			c.stats.junkSent.Add(1)
		}
	}
	if err := c.wait(buf); err != nil {
		return err
	}
	pad, err := buf.rand.intn(max(0, min(c.set.maxPadding, PaddedSizeLimit-Overhead-len(b))))
	if err != nil {
		return err
	}
	if err := c.send(buf, kindData, b, pad, to); err != nil {
		return err
	}
	c.stats.sent.Add(1)
	return nil
}

// wait sleeps for the jitter, drawn uniformly from [0, Jitter].
func (c *Conn) wait(buf *buffer) error {
	if c.set.jitter <= 0 {
		return nil
	}
	d, err := buf.rand.intn(int(c.set.jitter))
	if err != nil || d == 0 {
		return err
	}
	t := c.set.clock.NewTimer(time.Duration(d))
	select {
	case <-t.C():
		return nil
	case <-c.done:
		t.Stop()
		return fmt.Errorf("obfs: write: %w", transport.ErrClosed)
	}
}

// send seals payload with pad bytes of padding into buf and writes it to the inner Conn.
func (c *Conn) send(buf *buffer, kind byte, payload []byte, pad int, to netip.AddrPort) error {
	pkt := buf.data[:Overhead+len(payload)+pad]
	nonce, err := buf.rand.take(NonceSize)
	if err != nil {
		return err
	}
	copy(pkt, nonce)
	if c.set.shape {
		if err := buf.rand.printable(pkt[:ShapePrefixSize]); err != nil {
			return err
		}
	}
	h := header{kind: kind, sender: c.sender, counter: c.next.Add(1) - 1, millis: c.set.clock.Now().UnixMilli()}
	return c.inner.WriteTo(c.codec.seal(pkt, h, payload), to)
}

// LocalAddr implements transport.Conn.
func (c *Conn) LocalAddr() netip.AddrPort { return c.inner.LocalAddr() }

// Close implements transport.Conn: it closes the inner Conn and interrupts writes waiting for
// their jitter.
func (c *Conn) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return fmt.Errorf("obfs: close: %w", transport.ErrClosed)
	}
	close(c.done)
	return c.inner.Close()
}

// Stats returns the Conn's counters.
func (c *Conn) Stats() Stats {
	return Stats{
		Sent:             c.stats.sent.Load(),
		JunkSent:         c.stats.junkSent.Load(),
		Received:         c.stats.received.Load(),
		JunkReceived:     c.stats.junkReceived.Load(),
		DroppedShort:     c.stats.droppedShort.Load(),
		DroppedAuth:      c.stats.droppedAuth.Load(),
		DroppedMalformed: c.stats.droppedMalformed.Load(),
		DroppedStale:     c.stats.droppedStale.Load(),
		DroppedReplay:    c.stats.droppedReplay.Load(),
		Senders:          c.replay.len(),
	}
}
