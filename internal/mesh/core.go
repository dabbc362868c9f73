package mesh

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
	"github.com/x0tta6bl4/x0tta6bl4/internal/route"
)

// Core is the mesh state machine of one node. It is not safe for
// concurrent use.
type Core struct {
	self identity.NodeID
	cfg  Config

	links   *link.Table
	router  *route.Router
	machine *handshake.Machine

	// nbrs holds the direct neighbours; the value is true while the link is
	// up, that is while the router knows the neighbour.
	nbrs map[identity.NodeID]bool

	peers    map[identity.NodeID]*peer
	byAddr   map[netip.AddrPort]*peer
	sessions map[uint32]*sessionRef

	outbox    []Outgoing
	delivered []Datagram
	events    []Event
	stats     Stats

	heal healing // self-healing hooks (heal.go)
}

// New returns the Core of the node cfg.Identity, starting at now.
func New(cfg Config, now time.Time) (*Core, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	self := cfg.Identity.ID()
	links, err := link.New(cfg.Link, cfg.Jitter, now)
	if err != nil {
		return nil, fmt.Errorf("%w: Link: %w", ErrInvalidConfig, err)
	}
	router, err := route.New(self, cfg.Route, cfg.Jitter, now)
	if err != nil {
		return nil, fmt.Errorf("%w: Route: %w", ErrInvalidConfig, err)
	}
	machine, err := handshake.New(handshake.Config{
		Static:    cfg.Identity.KEM,
		Cert:      cfg.Cert.Raw(),
		CertHash:  cfg.Cert.Hash(),
		NetworkID: identity.NetworkID(cfg.Verifier.CA()),
		Verifier:  handshake.IdentityVerifier{V: cfg.Verifier},
		Rand:      cfg.Rand,
		Limits:    cfg.Handshake,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: Handshake: %w", ErrInvalidConfig, err)
	}
	c := &Core{
		self:     self,
		cfg:      cfg,
		links:    links,
		router:   router,
		machine:  machine,
		nbrs:     make(map[identity.NodeID]bool),
		peers:    make(map[identity.NodeID]*peer),
		byAddr:   make(map[netip.AddrPort]*peer),
		sessions: make(map[uint32]*sessionRef),
	}
	router.Tick(now) // starts the router's timers
	c.flushRouter(now)
	return c, nil
}

// ID returns the node's ID.
func (c *Core) ID() identity.NodeID { return c.self }

// NeighbourUp tells the Core that a hop-by-hop session with the direct
// neighbour id is established. The link table starts probing it; routing
// uses it once its link is up. A call for a present neighbour does nothing.
func (c *Core) NeighbourUp(now time.Time, id identity.NodeID) error {
	switch {
	case id.IsZero() || id == c.self:
		return fmt.Errorf("%w: %s", ErrInvalidNeighbour, id.Short())
	case len(c.nbrs) >= MaxNeighbours:
		if _, ok := c.nbrs[id]; !ok {
			return fmt.Errorf("%w: limit %d", ErrTooManyNeighbours, MaxNeighbours)
		}
	}
	if _, ok := c.nbrs[id]; ok {
		return nil
	}
	if err := c.links.Add(now, id); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidNeighbour, err) // unreachable: nbrs mirrors the table
	}
	c.nbrs[id] = false
	return nil
}

// NeighbourDown tells the Core that the hop-by-hop session with id is lost:
// every route through id is dropped at once. It does nothing for a node
// that is not a neighbour.
func (c *Core) NeighbourDown(now time.Time, id identity.NodeID) {
	up, ok := c.nbrs[id]
	if !ok {
		return
	}
	delete(c.nbrs, id)
	c.links.Remove(id)
	c.forgetHealing(now, id)
	if up {
		c.router.NeighbourDown(now, id)
		c.emit(Event{Kind: EventLinkDown, At: now, Peer: id, Cost: link.CostInfinity})
	}
	c.flushRouter(now)
}

// Receive handles a mesh payload that arrived from the direct neighbour from
// over its hop-by-hop session. The Core keeps no reference to payload. An
// error means the payload, or part of it, was dropped; it wraps one of the
// package's sentinel errors and, where a lower layer refused the payload,
// that layer's error.
func (c *Core) Receive(now time.Time, from identity.NodeID, payload []byte) error {
	if _, ok := c.nbrs[from]; !ok {
		return fmt.Errorf("%w: payload from %s", ErrUnknownNeighbour, from.Short())
	}
	switch {
	case len(payload) == 0:
		return c.drop(now, identity.NodeID{}, DropMalformed, fmt.Errorf("%w: empty payload", ErrMalformed))
	case len(payload) > MaxPayloadSize:
		return c.drop(now, identity.NodeID{}, DropMalformed, fmt.Errorf("%w: %d-byte payload exceeds %d", ErrMalformed, len(payload), MaxPayloadSize))
	}
	switch payload[0] {
	case KindLink:
		return c.receiveLink(now, from, payload[1:])
	case KindRoute:
		return c.receiveRoute(now, from, payload[1:])
	case KindPacket:
		return c.receivePacket(now, from, payload)
	}
	return c.drop(now, identity.NodeID{}, DropMalformed, fmt.Errorf("%w: unknown kind %#02x", ErrMalformed, payload[0]))
}

func (c *Core) receiveLink(now time.Time, from identity.NodeID, msg []byte) error {
	out, err := c.links.Receive(now, from, msg)
	for _, o := range out {
		c.push(now, o.To, KindLink, o.Msg)
	}
	c.linkEvents(now)
	switch {
	case errors.Is(err, link.ErrMalformed) || errors.Is(err, link.ErrVersion):
		return c.drop(now, identity.NodeID{}, DropMalformed, fmt.Errorf("%w: link: %w", ErrMalformed, err))
	case err != nil:
		return fmt.Errorf("%w: %w", ErrLink, err)
	}
	return nil
}

func (c *Core) receiveRoute(now time.Time, from identity.NodeID, msg []byte) error {
	if !c.nbrs[from] {
		return fmt.Errorf("%w: route message from %s before its link is up", ErrUnknownNeighbour, from.Short())
	}
	err := c.router.Receive(now, from, msg)
	c.flushRouter(now)
	switch {
	case errors.Is(err, route.ErrMalformed) || errors.Is(err, route.ErrTooLarge) || errors.Is(err, route.ErrUnsupportedVersion):
		return c.drop(now, identity.NodeID{}, DropMalformed, fmt.Errorf("%w: route: %w", ErrMalformed, err))
	case err != nil:
		return fmt.Errorf("%w: %w", ErrRoute, err)
	}
	return nil
}

// receivePacket forwards a packet or hands it to the end-to-end layer.
func (c *Core) receivePacket(now time.Time, from identity.NodeID, pkt []byte) error {
	h, inner, err := DecodeHeader(pkt)
	if err != nil {
		return c.drop(now, identity.NodeID{}, DropMalformed, err)
	}
	if h.Src == c.self {
		return c.drop(now, h.Dst, DropMalformed, fmt.Errorf("%w: own packet came back from %s", ErrMalformed, from.Short()))
	}
	if h.Dst == c.self {
		c.stats.Received++
		return c.receiveLocal(now, h.Src, inner)
	}
	if h.HopLimit <= 1 {
		return c.drop(now, h.Dst, DropHopLimit, fmt.Errorf("%w: packet from %s to %s", ErrHopLimit, h.Src.Short(), h.Dst.Short()))
	}
	next, ok := c.router.NextHop(h.Dst)
	if !ok {
		return c.drop(now, h.Dst, DropNoRoute, fmt.Errorf("%w: %s", ErrNoRoute, h.Dst.Short()))
	}
	if len(c.outbox) >= MaxOutbox {
		return c.drop(now, h.Dst, DropQueueFull, fmt.Errorf("%w: outbox", ErrQueueFull))
	}
	fwd := slices.Clone(pkt)
	fwd[1]--
	c.outbox = append(c.outbox, Outgoing{To: next, Payload: fwd})
	c.stats.Forwarded++
	return nil
}

// originate sends the end-to-end message inner to dst.
func (c *Core) originate(now time.Time, dst identity.NodeID, inner []byte) error {
	pkt := make([]byte, 0, HeaderSize+len(inner))
	pkt = Header{HopLimit: uint8(c.cfg.HopLimit), Src: c.self, Dst: dst}.Append(pkt)
	return c.originatePacket(now, dst, append(pkt, inner...))
}

// originatePacket sends pkt, a packet from this node to dst with its routing header, and takes
// ownership of it.
func (c *Core) originatePacket(now time.Time, dst identity.NodeID, pkt []byte) error {
	next, ok := c.router.NextHop(dst)
	if !ok {
		return c.drop(now, dst, DropNoRoute, fmt.Errorf("%w: %s", ErrNoRoute, dst.Short()))
	}
	if len(c.outbox) >= MaxOutbox {
		return c.drop(now, dst, DropQueueFull, fmt.Errorf("%w: outbox", ErrQueueFull))
	}
	c.outbox = append(c.outbox, Outgoing{To: next, Payload: pkt})
	c.stats.Originated++
	return nil
}

// push queues a link or route message for the neighbour to.
func (c *Core) push(now time.Time, to identity.NodeID, kind byte, msg []byte) {
	if len(c.outbox) >= MaxOutbox {
		_ = c.drop(now, identity.NodeID{}, DropQueueFull, fmt.Errorf("%w: outbox", ErrQueueFull))
		return
	}
	p := make([]byte, 1+len(msg))
	p[0] = kind
	copy(p[1:], msg)
	c.outbox = append(c.outbox, Outgoing{To: to, Payload: p})
}

// linkEvents feeds the link table's events to the router.
func (c *Core) linkEvents(now time.Time) {
	for _, e := range c.links.Events() {
		up, ok := c.nbrs[e.Neighbour]
		if !ok {
			continue
		}
		switch e.Kind {
		case link.EventUp:
			if err := c.router.NeighbourUp(now, e.Neighbour, c.effectiveCost(e.Neighbour, e.Cost)); err != nil {
				continue // unreachable: MaxNeighbours is the router's limit
			}
			c.nbrs[e.Neighbour] = true
			c.emit(Event{Kind: EventLinkUp, At: now, Peer: e.Neighbour, Cost: e.Cost})
		case link.EventDown:
			if up {
				c.router.NeighbourDown(now, e.Neighbour)
				c.nbrs[e.Neighbour] = false
				c.emit(Event{Kind: EventLinkDown, At: now, Peer: e.Neighbour, Cost: e.Cost})
			}
		case link.EventCostChanged:
			if up && c.router.NeighbourCost(now, e.Neighbour, c.effectiveCost(e.Neighbour, e.Cost)) == nil {
				c.emit(Event{Kind: EventLinkCost, At: now, Peer: e.Neighbour, Cost: e.Cost})
			}
		}
	}
	c.flushRouter(now)
}

// flushRouter moves the router's messages to the outbox, each broadcast
// expanded to every neighbour whose link is up, and turns its events into
// the Core's.
func (c *Core) flushRouter(now time.Time) {
	for _, o := range c.router.Outbox() {
		if !o.To.IsZero() {
			if c.nbrs[o.To] {
				c.push(now, o.To, KindRoute, o.Msg)
			}
			continue
		}
		for _, id := range c.upNeighbours() {
			c.push(now, id, KindRoute, o.Msg)
		}
	}
	for _, e := range c.router.Events() {
		ev := Event{At: now, Peer: e.Dst, NextHop: e.NextHop, Cost: e.Metric}
		switch e.Kind {
		case route.RouteInstalled:
			ev.Kind = EventRouteInstalled
		case route.RouteChanged:
			ev.Kind = EventRouteChanged
		default:
			ev.Kind = EventRouteLost
		}
		c.emit(ev)
		if p := c.peers[e.Dst]; p != nil && e.Kind != route.RouteLost && p.awaitingRoute {
			p.nextAttempt, p.awaitingRoute = time.Time{}, false
			c.maybeHandshake(now, p)
		}
	}
}

// upNeighbours returns the neighbours whose link is up, in ID order.
func (c *Core) upNeighbours() []identity.NodeID {
	ids := make([]identity.NodeID, 0, len(c.nbrs))
	for id, up := range c.nbrs {
		if up {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareID)
	return ids
}

func compareID(a, b identity.NodeID) int { return bytes.Compare(a[:], b[:]) }

// drop counts a drop, records its event and returns err.
func (c *Core) drop(now time.Time, peer identity.NodeID, r DropReason, err error) error {
	c.stats.Dropped.add(r)
	c.emit(Event{Kind: EventDrop, At: now, Peer: peer, Reason: r, Err: err})
	return err
}

// emit records an event. When MaxEvents are waiting, the older half is
// discarded at once, so that a flood of drops costs O(1) per event.
func (c *Core) emit(e Event) {
	if len(c.events) >= MaxEvents {
		n := copy(c.events, c.events[MaxEvents/2:])
		clear(c.events[n:])
		c.events = c.events[:n]
	}
	c.events = append(c.events, e)
}

// Tick runs the timers due at now: link hellos and liveness, route updates
// and expiry, handshake retransmissions, session expiry and rekeying, and
// the expiry of queued datagrams. Call it at or after NextDeadline; calling
// it earlier is harmless.
func (c *Core) Tick(now time.Time) {
	for _, o := range c.links.Tick(now) {
		c.push(now, o.To, KindLink, o.Msg)
	}
	c.linkEvents(now)
	// The router's Tick scans its whole table, so run it only when one of its timers is due
	// (its NextDeadline is never late; zero means it has not started).
	if d := c.router.NextDeadline(); d.IsZero() || !now.Before(d) {
		c.router.Tick(now)
	}
	c.flushRouter(now)
	c.sendHandshake(now, c.machine.Tick(now), identity.NodeID{})
	c.tickPeers(now)
}

// NextDeadline returns when Tick should next be called. It may be earlier
// than necessary, never later.
func (c *Core) NextDeadline() time.Time {
	d := c.router.NextDeadline()
	early := func(t time.Time) {
		if !t.IsZero() && t.Before(d) {
			d = t
		}
	}
	if t, ok := c.links.NextDeadline(); ok {
		early(t)
	}
	early(c.machine.NextDeadline())
	for _, p := range c.peers {
		early(c.peerDeadline(p))
	}
	return d
}

// Outbox returns the payloads to seal on the hop-by-hop sessions of
// neighbours, oldest first, and clears them.
func (c *Core) Outbox() []Outgoing {
	o := c.outbox
	c.outbox = nil
	return o
}

// Delivered returns the datagrams received for this node, oldest first,
// and clears them.
func (c *Core) Delivered() []Datagram {
	d := c.delivered
	c.delivered = nil
	return d
}

// Events returns the events since the last call, oldest first, and clears
// them. At most MaxEvents are kept; see emit.
func (c *Core) Events() []Event {
	e := c.events
	c.events = nil
	return e
}

// Routes returns the routing table, ordered by destination, then next hop.
func (c *Core) Routes() []route.Route { return c.router.Routes() }

// SelectedRoutes returns the number of destinations the node has a route
// to and, when via is not nil, adds to via[n] the number of those routes
// whose next hop is neighbour n, other than the route to n itself. Unlike
// Routes it neither copies nor sorts the table: the router keeps the counts.
func (c *Core) SelectedRoutes(via map[identity.NodeID]int) int {
	return c.router.SelectedCounts(via)
}

// NextHop returns the neighbour to which packets for dst are sent, and
// false when there is no route.
func (c *Core) NextHop(dst identity.NodeID) (identity.NodeID, bool) { return c.router.NextHop(dst) }

// Neighbours returns the direct neighbours in ID order, with their links.
func (c *Core) Neighbours() []Neighbour {
	ns := make([]Neighbour, 0, len(c.nbrs))
	for _, id := range c.links.Neighbours() {
		st, _ := c.links.Stats(id)
		ns = append(ns, Neighbour{ID: id, Link: st})
	}
	return ns
}

// Stats returns the Core's counters and table sizes.
func (c *Core) Stats() Stats {
	s := c.stats
	s.Neighbours = len(c.nbrs)
	for _, up := range c.nbrs {
		if up {
			s.LinksUp++
		}
	}
	s.Peers = len(c.peers)
	s.Sessions = len(c.sessions)
	for _, p := range c.peers {
		s.Queued += len(p.queue)
	}
	return s
}

// HandshakeStats returns the counters of the end-to-end handshake Machine.
func (c *Core) HandshakeStats() handshake.Stats { return c.machine.Stats() }

// IsKind reports whether b, the first byte of a hop-by-hop payload, marks a
// mesh payload that the runtime must hand to Receive.
func IsKind(b byte) bool { return b >= KindMin && b <= KindMax }
