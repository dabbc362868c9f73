package route

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// EventKind says what happened to the selected route to a destination.
type EventKind uint8

// Event kinds.
const (
	// RouteInstalled: the destination became reachable.
	RouteInstalled EventKind = iota + 1
	// RouteChanged: the next hop changed, or the metric changed significantly (by at least
	// 1/TriggerDivisor).
	RouteChanged
	// RouteLost: the destination is no longer reachable.
	RouteLost
)

// String returns the name of the kind, for logs.
func (k EventKind) String() string {
	switch k {
	case RouteInstalled:
		return "installed"
	case RouteChanged:
		return "changed"
	case RouteLost:
		return "lost"
	}
	return "unknown"
}

// Event is a change of the selected route to a destination.
type Event struct {
	// Time is the time passed to the call that caused the change.
	Time time.Time
	// Kind says what happened.
	Kind EventKind
	// Dst is the destination.
	Dst identity.NodeID
	// NextHop is the new next hop, or the former one for RouteLost.
	NextHop identity.NodeID
	// Metric is the new metric, or Infinity for RouteLost.
	Metric uint16
}

// Events returns the events since the previous call, oldest first, and forgets them. At most
// MaxEvents are kept; older ones are discarded.
func (r *Router) Events() []Event {
	ev := r.events
	r.events = nil
	return ev
}

// noteSelection records an event if the selection of d differs from what was last reported.
func (r *Router) noteSelection(now time.Time, dst identity.NodeID, d *dest) {
	sel := d.selected
	var kind EventKind
	switch {
	case sel != nil && !d.shown:
		kind = RouteInstalled
	case sel == nil && d.shown:
		kind = RouteLost
	case sel != nil && (sel.neighbour != d.shownHop || significant(d.shownMetric, sel.metric)):
		kind = RouteChanged
	default:
		return
	}
	ev := Event{Time: now, Kind: kind, Dst: dst, NextHop: d.shownHop, Metric: Infinity}
	if d.shown {
		r.count(dst, d.shownHop, -1)
	}
	d.shown = sel != nil
	if sel != nil {
		d.shownHop, d.shownMetric = sel.neighbour, sel.metric
		ev.NextHop, ev.Metric = sel.neighbour, sel.metric
		r.count(dst, sel.neighbour, 1)
	}
	if len(r.events) >= MaxEvents {
		r.events = append(r.events[:0], r.events[1:]...)
	}
	r.events = append(r.events, ev)
}
