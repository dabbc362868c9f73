package route

import (
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Outgoing is a message for the runtime to send over the encrypted session to neighbour To,
// or to every neighbour when To is the zero ID.
type Outgoing struct {
	To  identity.NodeID
	Msg []byte
}

// outbox is what the router has to say, accumulated as sets so that its size is bounded by
// the tables whatever the caller does, and turned into messages by Outbox.
type outbox struct {
	dumpAll       bool                                         // periodic full dump to everyone
	self          bool                                         // own route, to everyone
	triggered     map[identity.NodeID]bool                     // destinations to announce to everyone
	dumps         map[identity.NodeID]bool                     // neighbours owed a full dump
	unicast       map[identity.NodeID]map[identity.NodeID]bool // neighbour → destinations owed
	routeRequests map[identity.NodeID]bool                     // neighbours to ask for a full dump
	seqnoRequests []addressed
	suppressed    map[requestKey]time.Time // seqno requests sent or forwarded, until when
}

func newOutbox() outbox {
	return outbox{
		triggered:     make(map[identity.NodeID]bool),
		dumps:         make(map[identity.NodeID]bool),
		unicast:       make(map[identity.NodeID]map[identity.NodeID]bool),
		routeRequests: make(map[identity.NodeID]bool),
		suppressed:    make(map[requestKey]time.Time),
	}
}

func (o *outbox) addUnicast(to, dst identity.NodeID) {
	m := o.unicast[to]
	if m == nil {
		m = make(map[identity.NodeID]bool)
		o.unicast[to] = m
	}
	m[dst] = true
}

// forget drops everything addressed to neighbour id.
func (o *outbox) forget(id identity.NodeID) {
	delete(o.dumps, id)
	delete(o.unicast, id)
	delete(o.routeRequests, id)
	o.seqnoRequests = slices.DeleteFunc(o.seqnoRequests, func(a addressed) bool { return a.to == id })
}

// isSuppressed reports whether the request k was sent within its suppression time, to the
// same neighbour or to every neighbour.
func (o *outbox) isSuppressed(now time.Time, k requestKey) bool {
	if until, dup := o.suppressed[k]; dup && now.Before(until) {
		return true
	}
	if k.to.IsZero() {
		return false
	}
	k.to = identity.NodeID{}
	until, dup := o.suppressed[k]
	return dup && now.Before(until)
}

// expireRequests forgets suppressed requests whose time is over.
func (o *outbox) expireRequests(now time.Time) {
	for k, until := range o.suppressed {
		if !now.Before(until) {
			delete(o.suppressed, k)
		}
	}
}

// Outbox returns the messages to send, each at most MaxMessageSize bytes, and clears them:
// first those for every neighbour, then those for single neighbours in ID order. Updates
// are computed when Outbox is called, from the current table, and only then lower the
// feasibility distances (RFC 8966 §3.7.3), so call Outbox after every other method call and
// send everything it returns.
func (r *Router) Outbox() []Outgoing {
	o := &r.out
	var out []Outgoing
	var p packer
	if o.dumpAll {
		p.update(r.selfUpdate())
		for _, dst := range r.order {
			r.broadcastEntry(&p, dst)
		}
	} else {
		if o.self {
			p.update(r.selfUpdate())
		}
		for _, dst := range sortedKeys(o.triggered) {
			r.broadcastEntry(&p, dst)
		}
	}
	o.dumpAll, o.self = false, false
	clear(o.triggered)

	targets := map[identity.NodeID]bool{}
	for _, a := range o.seqnoRequests {
		if a.to.IsZero() {
			p.seqnoRequest(a.req)
		} else {
			targets[a.to] = true
		}
	}
	out = appendMessages(out, identity.NodeID{}, p.msgs)

	for id := range o.dumps {
		targets[id] = true
	}
	for id := range o.unicast {
		targets[id] = true
	}
	for id := range o.routeRequests {
		targets[id] = true
	}
	for _, to := range sortedKeys(targets) {
		var p packer
		if o.dumps[to] {
			p.update(r.selfUpdate())
			for _, dst := range r.order {
				if u, ok := r.advertise(dst, r.dests[dst]); ok {
					p.update(u)
				}
			}
		} else {
			for _, dst := range sortedKeys(o.unicast[to]) {
				if u, ok := r.unicastEntry(dst); ok {
					p.update(u)
				}
			}
		}
		if o.routeRequests[to] {
			p.routeRequest(RouteRequest{})
		}
		for _, a := range o.seqnoRequests {
			if a.to == to {
				p.seqnoRequest(a.req)
			}
		}
		out = appendMessages(out, to, p.msgs)
	}
	clear(o.dumps)
	clear(o.unicast)
	clear(o.routeRequests)
	o.seqnoRequests = o.seqnoRequests[:0]
	return out
}

// appendMessages encodes msgs for to. Encoding cannot fail: the packer respects
// MaxMessageSize and the router only builds valid entries.
func appendMessages(out []Outgoing, to identity.NodeID, msgs []*Message) []Outgoing {
	for _, m := range msgs {
		if b, err := m.Encode(); err == nil {
			out = append(out, Outgoing{To: to, Msg: b})
		}
	}
	return out
}

func sortedKeys[V any](m map[identity.NodeID]V) []identity.NodeID {
	ids := make([]identity.NodeID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareID)
	return ids
}

// selfUpdate is the announcement of the router's own destination.
func (r *Router) selfUpdate() Update {
	return Update{Dst: r.self, Seqno: r.seqno, Metric: 0, Interval: r.cfg.interval()}
}

// advertise returns the update for the selected route to dst, if any, and records that it
// was sent: the feasibility distance is lowered and its garbage-collection timer restarted.
func (r *Router) advertise(dst identity.NodeID, d *dest) (Update, bool) {
	sel := d.selected
	if sel == nil {
		return Update{}, false
	}
	if d.hasFD {
		d.fd.lower(sel.seqno, sel.metric)
	} else {
		d.fd, d.hasFD = feasibility{sel.seqno, sel.metric}, true
	}
	d.fdExpires = r.now.Add(r.cfg.SourceGCTime)
	r.schedule(d.fdExpires)
	d.advertised, d.advSeqno, d.advMetric = true, sel.seqno, sel.metric
	return Update{Dst: dst, Seqno: sel.seqno, Metric: sel.metric, Interval: r.cfg.interval()}, true
}

// broadcastEntry adds to p the update for dst, or its retraction if the route was lost since
// it was last advertised.
func (r *Router) broadcastEntry(p *packer, dst identity.NodeID) {
	d := r.dests[dst]
	if d == nil {
		return
	}
	if u, ok := r.advertise(dst, d); ok {
		p.update(u)
		return
	}
	if d.advertised {
		p.update(Update{Dst: dst, Seqno: d.advSeqno, Metric: Infinity, Interval: r.cfg.interval()})
		d.advertised = false
	}
}

// unicastEntry returns the answer to a request about dst: the update, or a retraction when
// there is no route.
func (r *Router) unicastEntry(dst identity.NodeID) (Update, bool) {
	if dst == r.self {
		return r.selfUpdate(), true
	}
	d := r.dests[dst]
	if d == nil {
		return Update{}, false
	}
	if u, ok := r.advertise(dst, d); ok {
		return u, true
	}
	return Update{Dst: dst, Seqno: d.advSeqno, Metric: Infinity, Interval: r.cfg.interval()}, true
}
