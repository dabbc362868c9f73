package fault

import (
	"net/netip"
	"time"
)

// delayed is a datagram waiting in the delay queue.
type delayed struct {
	due time.Time
	b   []byte
	to  netip.AddrPort
}

// SetDelay holds every datagram sent after it for d (clamped to [0, MaxDelay]) before passing it
// to the wrapped Conn; 0 sends at once again. WriteTo never blocks on the delay: datagrams wait in
// a FIFO queue bounded by MaxDelayedDatagrams and MaxDelayedBytes, served by one goroutine that
// Close stops, and a datagram that does not fit is dropped (Stats.QueueDrops), as a full router
// queue does. Datagrams already queued keep their due time.
func (c *Conn) SetDelay(d time.Duration) {
	d = min(max(d, 0), MaxDelay)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.delay = d
	if d > 0 && c.queue == nil && !c.closed {
		c.queue = make(chan delayed, MaxDelayedDatagrams)
		c.done = make(chan struct{})
		c.stopped = make(chan struct{})
		go c.sendDelayed(c.queue, c.done, c.stopped)
	}
}

// enqueue queues b for to if a delay is set; it reports whether it took the datagram (queued or
// dropped for a full queue).
func (c *Conn) enqueue(b []byte, to netip.AddrPort) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.delay == 0 || c.queue == nil || c.closed {
		return false // sent at once, or refused by the closed inner Conn
	}
	if c.queued >= MaxDelayedDatagrams || c.queuedBytes+len(b) > MaxDelayedBytes {
		c.stats.QueueDrops++
		return true
	}
	// The channel holds MaxDelayedDatagrams and c.queued counts what it holds plus the datagram
	// the sender is waiting on, so this send never blocks.
	c.queue <- delayed{due: time.Now().Add(c.delay), b: append([]byte(nil), b...), to: to}
	c.queued++
	c.queuedBytes += len(b)
	return true
}

// sendDelayed sends queued datagrams when they are due, until done is closed.
func (c *Conn) sendDelayed(queue <-chan delayed, done <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		var d delayed
		select {
		case d = <-queue:
		case <-done:
			return
		}
		if wait := time.Until(d.due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-done:
				return
			}
		}
		c.mu.Lock()
		c.queued--
		c.queuedBytes -= len(d.b)
		c.mu.Unlock()
		_ = c.inner.WriteTo(d.b, d.to) // delivery is not guaranteed, as with any datagram
	}
}
