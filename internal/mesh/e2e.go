package mesh

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
)

// peer is the end-to-end state of one remote node.
type peer struct {
	id   identity.NodeID
	addr netip.AddrPort
	cert *handshake.PeerCert // verified at the last handshake; nil before

	sessions session.Slots

	queue       []queued
	nextAttempt time.Time // no handshake is started before it
	// awaitingRoute is set when a handshake was wanted but there was no
	// route; the route's installation clears nextAttempt.
	awaitingRoute bool
	lastActive    time.Time

	// Session liveness (WireGuard's timers): unanswered is when data was
	// first sent to p since anything was last received from it (zero:
	// nothing unanswered); keepaliveDue is when to send a keepalive because
	// data came from p and nothing was sent back (zero: none due); stale is
	// set when unanswered grew older than StaleSessionTimeout, until a new
	// handshake starts.
	unanswered   time.Time
	keepaliveDue time.Time
	stale        bool

	// Relay accounting (probe.go): when a datagram was last sent, the next
	// hop of the answer-calling messages outstanding, and their number.
	lastSent    time.Time
	probeHop    identity.NodeID
	outstanding int
}

// queued is a datagram waiting for a session.
type queued struct {
	at      time.Time
	payload []byte // inner kind and data
}

// sessionRef maps a receiver index to its session and peer.
type sessionRef struct {
	peer *peer
	s    *session.Session
}

// live returns p's sessions.
func (p *peer) live() []*session.Session { return p.sessions.All() }

// usable reports whether p's current session can seal at now.
func (p *peer) usable(now time.Time) bool {
	return p.sessions.Current != nil && p.sessions.Current.Confirmed() && !p.sessions.Current.Expired(now)
}

// idle reports whether p holds nothing worth keeping.
func (p *peer) idle(now time.Time) bool {
	return p.sessions == (session.Slots{}) && len(p.queue) == 0 && !now.Before(p.nextAttempt)
}

// peer returns the peer id, creating it when create is set and the table
// has room (an idle peer is evicted if needed). It returns nil otherwise.
func (c *Core) peer(now time.Time, id identity.NodeID, create bool) *peer {
	if p := c.peers[id]; p != nil || !create {
		return p
	}
	addr := OverlayAddr(id)
	if old := c.byAddr[addr]; old != nil {
		// Another node shares the first 15 bytes of the ID: keep the one
		// that holds state.
		if !old.idle(now) {
			return nil
		}
		c.forget(old)
	}
	if len(c.peers) >= c.cfg.MaxPeers && !c.evictIdle(now) {
		return nil
	}
	p := &peer{id: id, addr: addr, lastActive: now}
	c.peers[id] = p
	c.byAddr[addr] = p
	return p
}

// evictIdle forgets the idle peer least recently active and reports whether
// there was one.
func (c *Core) evictIdle(now time.Time) bool {
	var victim *peer
	for _, p := range c.peers {
		if p.idle(now) && (victim == nil || p.lastActive.Before(victim.lastActive) ||
			p.lastActive.Equal(victim.lastActive) && compareID(p.id, victim.id) < 0) {
			victim = p
		}
	}
	if victim == nil {
		return false
	}
	c.forget(victim)
	return true
}

func (c *Core) forget(p *peer) {
	for _, s := range p.live() {
		c.dropSession(p, s)
	}
	delete(c.peers, p.id)
	if c.byAddr[p.addr] == p {
		delete(c.byAddr, p.addr)
	}
}

// Send sends the application datagram data to the node dst over an
// end-to-end session, starting a handshake if there is none. Until the
// session is up the datagram waits in a queue of MaxQueuedPerDestination,
// which drops its oldest entry when full. Delivery is not guaranteed, as
// with UDP. Send keeps no reference to data.
func (c *Core) Send(now time.Time, dst identity.NodeID, data []byte) error {
	switch {
	case dst.IsZero() || dst == c.self:
		return fmt.Errorf("%w: %s", ErrInvalidDestination, dst.Short())
	case len(data) > MaxDatagramSize:
		return fmt.Errorf("%w: %d bytes exceeds %d", ErrTooLarge, len(data), MaxDatagramSize)
	}
	p := c.peer(now, dst, true)
	if p == nil {
		return c.drop(now, dst, DropQueueFull, fmt.Errorf("%w: %d end-to-end peers", ErrQueueFull, len(c.peers)))
	}
	p.lastActive, p.lastSent = now, now
	c.maybeHandshake(now, p)
	kind := [1]byte{InnerDatagram}
	if p.usable(now) {
		return c.sealParts(now, p, kind[:], data)
	}
	payload := make([]byte, 1+len(data))
	payload[0] = InnerDatagram
	copy(payload[1:], data)
	var err error
	if len(p.queue) >= c.cfg.MaxQueuedPerDestination {
		p.queue = slices.Delete(p.queue, 0, 1)
		err = c.drop(now, dst, DropQueueFull, fmt.Errorf("%w: queue to %s, oldest datagram dropped", ErrQueueFull, dst.Short()))
	}
	p.queue = append(p.queue, queued{at: now, payload: payload})
	return err
}

// seal encrypts payload on p's current session and sends it.
func (c *Core) seal(now time.Time, p *peer, payload []byte) error {
	return c.sealParts(now, p, payload, nil)
}

// sealParts encrypts the concatenation of head and tail on p's current session and sends it. The
// packet is built in one allocation: the routing header, then the session frame sealed in place.
func (c *Core) sealParts(now time.Time, p *peer, head, tail []byte) error {
	const off = HeaderSize + session.HeaderSize
	n := len(head) + len(tail)
	buf := make([]byte, off+n+session.TagSize)
	copy(buf[off:], head)
	copy(buf[off+len(head):], tail)
	pkt := Header{HopLimit: uint8(c.cfg.HopLimit), Src: c.self, Dst: p.id}.Append(buf[:0])
	pkt, err := p.sessions.Current.Seal(pkt, buf[off:off+n])
	if err != nil {
		// Closed or exhausted: the session is useless.
		c.dropSession(p, p.sessions.Current)
		return c.drop(now, p.id, DropDecrypt, fmt.Errorf("%w: sealing: %w", ErrDecrypt, err))
	}
	p.keepaliveDue = time.Time{}
	if n > 0 && p.unanswered.IsZero() {
		p.unanswered = now
	}
	return c.originatePacket(now, p.id, pkt)
}

// flush sends p's queued datagrams on its current session.
func (c *Core) flush(now time.Time, p *peer) {
	q := p.queue
	p.queue = nil
	for _, d := range q {
		_ = c.seal(now, p, d.payload) // drops are counted
	}
}

// wantsHandshake reports whether p needs a new session.
func (c *Core) wantsHandshake(now time.Time, p *peer) bool {
	switch {
	case p.stale:
		return true
	case p.sessions.Current == nil:
		return p.sessions.Next == nil || p.sessions.Next.Expired(now)
	case p.sessions.Current.Initiator():
		return p.sessions.Current.NeedsRekey(now)
	default:
		return now.Sub(p.sessions.Current.Created()) >= c.cfg.rekeyAfter()+c.cfg.ResponderRekeyMargin
	}
}

// maybeHandshake starts a handshake with p if it needs one, none was
// started within HandshakeRetryInterval, and a route exists (otherwise the
// route's installation calls it again).
func (c *Core) maybeHandshake(now time.Time, p *peer) {
	if !c.wantsHandshake(now, p) || now.Before(p.nextAttempt) {
		return
	}
	if _, ok := c.router.NextHop(p.id); !ok {
		// Wait for the route: its installation calls maybeHandshake again.
		p.nextAttempt, p.awaitingRoute = now.Add(c.cfg.HandshakeRetryInterval), true
		return
	}
	// A stale session is answered by this attempt; if it fails, data sent
	// unanswered marks it stale again StaleSessionTimeout later.
	p.awaitingRoute, p.stale = false, false
	dgs, err := c.machine.Initiate(now, p.addr, p.cert)
	if err != nil {
		_ = c.drop(now, p.id, DropHandshake, fmt.Errorf("%w: initiating: %w", ErrHandshake, err))
		return
	}
	p.nextAttempt = now.Add(c.cfg.HandshakeRetryInterval)
	c.countRelayed(p)
	c.sendHandshake(now, dgs, p.id)
}

// sendHandshake sends the Machine's datagrams to the nodes whose overlay
// addresses they are for; hint is the node a reply is most likely for.
func (c *Core) sendHandshake(now time.Time, dgs []handshake.Datagram, hint identity.NodeID) {
	for _, d := range dgs {
		dst := hint
		if hint.IsZero() || d.To != OverlayAddr(hint) {
			p := c.byAddr[d.To]
			if p == nil {
				_ = c.drop(now, identity.NodeID{}, DropNoRoute, fmt.Errorf("%w: no node at overlay address %s", ErrNoRoute, d.To))
				continue
			}
			dst = p.id
		}
		_ = c.originate(now, dst, d.Data) // drops are counted
	}
}

// receiveLocal handles an end-to-end message from src.
func (c *Core) receiveLocal(now time.Time, src identity.NodeID, inner []byte) error {
	if inner[0] == session.TypeData {
		return c.receiveFrame(now, src, inner)
	}
	res, err := c.machine.Receive(now, OverlayAddr(src), inner)
	c.sendHandshake(now, res.Send, src)
	if res.Established != nil {
		c.established(now, res.Established, src)
	}
	if err != nil {
		return c.drop(now, src, DropHandshake, fmt.Errorf("%w: %w", ErrHandshake, err))
	}
	return nil
}

// receiveFrame opens an end-to-end session frame from src.
func (c *Core) receiveFrame(now time.Time, src identity.NodeID, frame []byte) error {
	idx, _, err := session.ParseHeader(frame)
	if err != nil {
		return c.drop(now, src, DropMalformed, fmt.Errorf("%w: %w", ErrMalformed, err))
	}
	ref := c.sessions[idx]
	if ref == nil {
		return c.drop(now, src, DropDecrypt, fmt.Errorf("%w: no session with receiver index %#x", ErrDecrypt, idx))
	}
	p := ref.peer
	if p.id != src {
		return c.drop(now, src, DropDecrypt, fmt.Errorf("%w: session of %s used by %s", ErrDecrypt, p.id.Short(), src.Short()))
	}
	pt, err := ref.s.Open(nil, frame, now)
	if err != nil {
		return c.drop(now, src, DropDecrypt, fmt.Errorf("%w: %w", ErrDecrypt, err))
	}
	p.lastActive, p.unanswered = now, time.Time{}
	if len(pt) > 0 && p.keepaliveDue.IsZero() {
		p.keepaliveDue = now.Add(KeepaliveTimeout)
	}
	if p.sessions.Next == ref.s {
		// The initiator's first frame confirms the responder session.
		c.rotate(p, ref.s)
		c.emit(Event{Kind: EventSessionUp, At: now, Peer: p.id})
		c.flush(now, p)
	}
	if len(pt) == 0 {
		return nil // keepalive
	}
	if pt[0] == InnerEchoRequest || pt[0] == InnerEchoReply {
		return c.receiveEcho(now, p, pt)
	}
	if pt[0] != InnerDatagram {
		return c.drop(now, src, DropMalformed, fmt.Errorf("%w: unknown inner kind %#02x", ErrMalformed, pt[0]))
	}
	if len(c.delivered) >= MaxDelivered {
		return c.drop(now, src, DropQueueFull, fmt.Errorf("%w: delivery queue", ErrQueueFull))
	}
	c.delivered = append(c.delivered, Datagram{From: src, Data: pt[1:]})
	c.stats.Delivered++
	return nil
}

// established installs the session of a completed handshake with the node
// whose overlay address est.Addr is; hint is the source of the message
// that completed it.
func (c *Core) established(now time.Time, est *handshake.Established, hint identity.NodeID) {
	defer clear(est.SendKey[:])
	defer clear(est.RecvKey[:])
	var want identity.NodeID
	if p := c.byAddr[est.Addr]; p != nil {
		want = p.id
	} else if est.Addr == OverlayAddr(hint) {
		want = hint
	}
	got := identity.NodeID(est.Peer.NodeID)
	if want.IsZero() || got != want {
		c.refuse(now, want, DropIdentity, fmt.Errorf("%w: overlay address %s belongs to %s, certificate is for %s", ErrIdentity, est.Addr, want.Short(), got.Short()))
		return
	}
	p := c.peer(now, want, true)
	if p == nil {
		c.refuse(now, want, DropQueueFull, fmt.Errorf("%w: %d end-to-end peers", ErrQueueFull, len(c.peers)))
		return
	}
	if c.sessions[est.LocalIndex] != nil {
		// A random index collided with a live session; the initiator retries.
		c.refuse(now, want, DropHandshake, fmt.Errorf("%w: local index %#x in use", ErrHandshake, est.LocalIndex))
		return
	}
	s, err := session.New(session.Params{
		SendKey: est.SendKey, RecvKey: est.RecvKey,
		LocalIndex: est.LocalIndex, RemoteIndex: est.RemoteIndex,
		Initiator: est.Initiator, Created: now, Limits: c.cfg.Session,
	})
	if err != nil {
		c.refuse(now, want, DropHandshake, fmt.Errorf("%w: %w", ErrHandshake, err))
		return
	}
	c.sessions[est.LocalIndex] = &sessionRef{peer: p, s: s}
	// A completed handshake is an answer from p.
	p.cert, p.lastActive, p.unanswered, p.stale = est.Peer, now, time.Time{}, false
	c.stats.SessionsEstablished++
	if !est.Initiator {
		if p.sessions.Next != nil {
			c.dropSession(p, p.sessions.Next)
		}
		p.sessions.Next = s
		return
	}
	c.rotate(p, s)
	c.countConfirmed(p)
	c.emit(Event{Kind: EventSessionUp, At: now, Peer: p.id})
	_ = c.seal(now, p, nil) // the keepalive that confirms the session to the responder
	c.flush(now, p)
}

func (c *Core) refuse(now time.Time, peer identity.NodeID, r DropReason, err error) {
	c.stats.Dropped.add(r)
	c.emit(Event{Kind: EventSessionRefused, At: now, Peer: peer, Reason: r, Err: err})
}

// rotate makes s, a session of p, the current one.
func (c *Core) rotate(p *peer, s *session.Session) {
	if old := p.sessions.Rotate(s); old != nil {
		c.dropSession(p, old)
	}
}

// dropSession forgets a session of p.
func (c *Core) dropSession(p *peer, s *session.Session) {
	delete(c.sessions, s.LocalIndex())
	s.Close()
	p.sessions.Remove(s)
}

// tickPeers expires sessions and queued datagrams, starts rekeys and
// handshakes for queued datagrams, and forgets idle peers.
func (c *Core) tickPeers(now time.Time) {
	ids := make([]identity.NodeID, 0, len(c.peers))
	for id := range c.peers {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareID)
	for _, id := range ids {
		p := c.peers[id]
		for _, s := range p.live() {
			if s.Expired(now) {
				c.dropSession(p, s)
			}
		}
		n := 0
		for _, d := range p.queue {
			if now.Sub(d.at) >= c.cfg.MaxQueueDelay {
				_ = c.drop(now, p.id, DropExpired, fmt.Errorf("%w: datagram to %s waited %v", ErrNoRoute, p.id.Short(), now.Sub(d.at)))
				continue
			}
			p.queue[n] = d
			n++
		}
		clear(p.queue[n:])
		p.queue = p.queue[:n]
		c.tickLiveness(now, p)
		if len(p.queue) > 0 || p.stale || p.sessions.Current != nil && now.Sub(p.lastActive) < c.cfg.rekeyAfter() {
			c.maybeHandshake(now, p)
		}
		if p.idle(now) && now.Sub(p.lastActive) >= c.cfg.PeerIdleTimeout {
			c.forget(p)
		}
	}
}

// tickLiveness sends p a keepalive when one is due and marks its session
// stale when data sent to it went unanswered for StaleSessionTimeout.
func (c *Core) tickLiveness(now time.Time, p *peer) {
	if !p.keepaliveDue.IsZero() && !now.Before(p.keepaliveDue) {
		p.keepaliveDue = time.Time{}
		if p.usable(now) {
			_ = c.seal(now, p, nil) // drops are counted
		}
	}
	if !p.unanswered.IsZero() && now.Sub(p.unanswered) >= StaleSessionTimeout {
		// Without a session left (it expired) there is nothing to refresh.
		p.unanswered, p.stale = time.Time{}, p.sessions.Current != nil
	}
}

// peerDeadline returns the next time Tick has work for p, or zero.
func (c *Core) peerDeadline(p *peer) time.Time {
	var d time.Time
	early := func(t time.Time) {
		if d.IsZero() || t.Before(d) {
			d = t
		}
	}
	for _, s := range p.live() {
		early(s.Created().Add(c.cfg.rejectAfter()))
	}
	if len(p.queue) > 0 {
		early(p.queue[0].at.Add(c.cfg.MaxQueueDelay))
		early(p.nextAttempt)
	}
	if !p.keepaliveDue.IsZero() {
		early(p.keepaliveDue)
	}
	if !p.unanswered.IsZero() {
		early(p.unanswered.Add(StaleSessionTimeout))
	}
	if p.stale && !p.nextAttempt.IsZero() {
		early(p.nextAttempt)
	}
	if p.sessions.Current != nil {
		rekey := c.cfg.rekeyAfter()
		if !p.sessions.Current.Initiator() {
			rekey += c.cfg.ResponderRekeyMargin
		}
		// Tick rekeys only a session used recently.
		if t := later(p.sessions.Current.Created().Add(rekey), p.nextAttempt); t.Before(p.lastActive.Add(c.cfg.rekeyAfter())) {
			early(t)
		}
	}
	if p.sessions == (session.Slots{}) && len(p.queue) == 0 {
		early(later(p.lastActive.Add(c.cfg.PeerIdleTimeout), p.nextAttempt))
	}
	return d
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
