package route

import (
	"bytes"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// entry is one route: what one neighbour last advertised for a destination.
type entry struct {
	neighbour identity.NodeID
	seqno     uint16
	// advertised is the metric in the neighbour's update; the feasibility condition applies to it.
	advertised uint16
	// metric is the link cost plus advertised, saturating at Infinity.
	metric uint16
	// expires is when the entry is retracted (finite metric) or flushed (Infinity).
	expires time.Time
}

// dest is everything a router knows about one destination: the routes to it, the selected
// one, its feasibility distance (source-table entry) and what was last advertised.
type dest struct {
	routes   []*entry
	selected *entry

	// fd is the feasibility distance; hasFD is false until the router advertises the
	// destination and again after source garbage collection at fdExpires.
	fd        feasibility
	hasFD     bool
	fdExpires time.Time

	// advertised is true from the first finite update sent until the retraction is sent;
	// advSeqno and advMetric are the last values sent.
	advertised bool
	advSeqno   uint16
	advMetric  uint16

	// challenger is the neighbour of a route slightly better than the selected one, better
	// without interruption since challengerSince (hysteresis).
	challenger      identity.NodeID
	hasChallenger   bool
	challengerSince time.Time

	// shown, shownHop and shownMetric are the selection as last reported by an Event.
	shown       bool
	shownHop    identity.NodeID
	shownMetric uint16
}

// route returns the entry of neighbour n, or nil.
func (d *dest) route(n identity.NodeID) *entry {
	for _, e := range d.routes {
		if e.neighbour == n {
			return e
		}
	}
	return nil
}

// remove deletes the entry of neighbour n, if any, and reports whether there was one.
func (d *dest) remove(n identity.NodeID) bool {
	i := slices.IndexFunc(d.routes, func(e *entry) bool { return e.neighbour == n })
	if i < 0 {
		return false
	}
	if d.selected == d.routes[i] {
		d.selected = nil
	}
	d.routes = slices.Delete(d.routes, i, i+1)
	return true
}

// usable reports whether e may be selected: finite metric and feasible.
func (d *dest) usable(e *entry) bool {
	return e.metric < Infinity && (!d.hasFD || d.fd.admits(e.seqno, e.advertised))
}

// best returns the usable route with the smallest metric, ties broken by the smaller
// neighbour ID, or nil.
func (d *dest) best() *entry {
	var b *entry
	for _, e := range d.routes {
		if !d.usable(e) {
			continue
		}
		if b == nil || e.metric < b.metric || e.metric == b.metric && bytes.Compare(e.neighbour[:], b.neighbour[:]) < 0 {
			b = e
		}
	}
	return b
}

// starving reports whether d has finite routes but none is feasible (RFC 8966 §3.8.2.1).
func (d *dest) starving() bool {
	if d.selected != nil {
		return false
	}
	for _, e := range d.routes {
		if e.metric < Infinity {
			return true
		}
	}
	return false
}

// choose applies route selection with hysteresis and returns the route to select (nil if none
// is usable). The selected route is kept while it is usable unless another usable route is
// better by at least margin, or has been strictly better without interruption for delay.
func (d *dest) choose(now time.Time, margin uint16, delay time.Duration) *entry {
	b := d.best()
	cur := d.selected
	if cur != nil && !d.usable(cur) {
		cur = nil
	}
	switch {
	case b == nil || cur == nil || b == cur:
		d.hasChallenger = false
		return b
	case uint32(b.metric)+uint32(margin) <= uint32(cur.metric):
		d.hasChallenger = false
		return b
	case b.metric < cur.metric:
		if !d.hasChallenger || d.challenger != b.neighbour {
			d.challenger, d.hasChallenger, d.challengerSince = b.neighbour, true, now
		}
		if now.Sub(d.challengerSince) >= delay {
			d.hasChallenger = false
			return b
		}
		return cur
	default:
		d.hasChallenger = false
		return cur
	}
}
