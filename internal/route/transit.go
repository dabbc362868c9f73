package route

import (
	"fmt"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// SetTransitPenalty adds penalty to the metric of every route learned from neighbour id
// except its route to id itself, so that id is used as a relay only when no other route
// exists (self-healing quarantine); a penalty of 0 removes it. The penalty applies to the
// routes this router selects and therefore to the metrics it advertises, so that routers
// downstream route around id as well; metrics saturate at Infinity as always, so a path that
// is too long with the penalty becomes unreachable. The penalty is kept across NeighbourDown
// and NeighbourUp (a flapping link stays penalised) until it is set to 0; at most
// MaxNeighbours neighbours may be penalised at once (ErrTooManyNeighbours).
func (r *Router) SetTransitPenalty(now time.Time, id identity.NodeID, penalty uint16) error {
	r.advance(now)
	switch {
	case id.IsZero():
		return fmt.Errorf("%w: zero node ID", ErrInvalidNeighbour)
	case id == r.self:
		return fmt.Errorf("%w: the router's own ID", ErrInvalidNeighbour)
	}
	if r.penalty[id] == penalty {
		return nil
	}
	if penalty == 0 {
		delete(r.penalty, id)
	} else {
		if _, ok := r.penalty[id]; !ok && len(r.penalty) >= MaxNeighbours {
			return fmt.Errorf("%w: %d penalised neighbours", ErrTooManyNeighbours, len(r.penalty))
		}
		if r.penalty == nil {
			r.penalty = make(map[identity.NodeID]uint16)
		}
		r.penalty[id] = penalty
	}
	if cost, ok := r.neighbours[id]; ok {
		r.recost(now, id, cost)
	}
	return nil
}

// TransitPenalty returns the penalty set for neighbour id (0 if none).
func (r *Router) TransitPenalty(id identity.NodeID) uint16 { return r.penalty[id] }

// routeMetric is the metric of the route to dst learned from neighbour n: the link cost
// plus the advertised metric plus n's transit penalty unless dst is n, saturating at
// Infinity.
func (r *Router) routeMetric(n, dst identity.NodeID, cost, advertised uint16) uint16 {
	m := addMetric(cost, advertised)
	if p := r.penalty[n]; p != 0 && dst != n {
		m = addMetric(m, p)
	}
	return m
}

// Resync re-synchronises the routing table with every neighbour, as a restart of the
// routing protocol would without losing its state: it asks each neighbour for a full dump
// (route request), sends each a full dump, and increments the router's own sequence number
// so that every router refreshes its route to this one. Routes stay usable meanwhile.
func (r *Router) Resync(now time.Time) {
	r.advance(now)
	for id := range r.neighbours {
		r.out.routeRequests[id] = true
	}
	r.seqno++
	r.out.self = true
	r.out.dumpAll = true
}

// requestIfBetterUnfeasible asks for a newer seqno of dst when a route that is better than
// the selected one is unfeasible, as handleUpdate does (RFC 8966 §3.8.2.1), so that a metric
// raised by a cost change or a transit penalty makes the router switch within a round trip
// rather than at the next periodic update.
func (r *Router) requestIfBetterUnfeasible(now time.Time, dst identity.NodeID, d *dest) {
	for _, e := range d.routes {
		if e.metric < Infinity && !d.usable(e) && (d.selected == nil || e.metric < d.selected.metric) {
			r.requestSeqno(now, e.neighbour, dst, d)
			return
		}
	}
}
