package route

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Router is the routing state machine of one node. It is not safe for concurrent use: the
// runtime calls it from one goroutine, or under a lock.
type Router struct {
	self identity.NodeID
	cfg  Config
	rng  *rand.Rand

	// seqno is the node's own sequence number, announced with metric 0.
	seqno uint16
	// now is the latest time passed to any method; Outbox uses it for the source timers.
	now        time.Time
	started    bool
	nextUpdate time.Time
	// deadline is a lower bound of every timer (route expiry, hysteresis, source GC,
	// periodic update): timers only ever move later, except through schedule, so NextDeadline
	// is O(1) and Tick recomputes the exact value while it scans the table anyway.
	deadline time.Time

	neighbours map[identity.NodeID]uint16 // link cost of each neighbour
	penalty    map[identity.NodeID]uint16 // transit penalty of quarantined neighbours (transit.go)
	dests      map[identity.NodeID]*dest
	order      []identity.NodeID // keys of dests, sorted, for deterministic iteration
	nroutes    int

	// nselected counts the destinations with a selected route and via, for each next hop,
	// those whose destination is not the next hop itself; both follow the selection as last
	// reported by noteSelection (SelectedCounts).
	nselected int
	via       map[identity.NodeID]int

	out    outbox
	events []Event
}

// New returns the router of node self, starting at now. Zero fields of cfg take their
// defaults; rng supplies the jitter of periodic updates. The initial sequence number comes
// from the clock (ClockSeqno), not from rng: see SeqnoClockUnit.
func New(self identity.NodeID, cfg Config, rng *rand.Rand, now time.Time) (*Router, error) {
	if self.IsZero() {
		return nil, fmt.Errorf("%w: zero node ID", ErrInvalidConfig)
	}
	if rng == nil {
		return nil, fmt.Errorf("%w: nil random source", ErrInvalidConfig)
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Router{
		self:       self,
		cfg:        cfg,
		rng:        rng,
		seqno:      ClockSeqno(now),
		neighbours: make(map[identity.NodeID]uint16),
		dests:      make(map[identity.NodeID]*dest),
		via:        make(map[identity.NodeID]int),
		out:        newOutbox(),
	}, nil
}

// ClockSeqno returns the sequence number a router starting at now begins with: the time in
// SeqnoClockUnit, modulo 2^16. A router that restarts without its state thus begins close to,
// and usually after, what its earlier incarnations announced, so that every seqno of one source
// alive in the network stays within half the sequence-number space and the modular
// comparison stays transitive. Random initial seqnos break that: three incarnations can
// announce seqnos spread around the whole space, each "newer" than the one before, and a stale
// route then passes the feasibility condition and closes a loop (docs/routing.md).
func ClockSeqno(now time.Time) uint16 {
	return uint16(now.Unix() / int64(SeqnoClockUnit/time.Second))
}

// Self returns the router's node ID.
func (r *Router) Self() identity.NodeID { return r.self }

// Config returns the configuration in use, with defaults filled in.
func (r *Router) Config() Config { return r.cfg }

// Seqno returns the router's own sequence number.
func (r *Router) Seqno() uint16 { return r.seqno }

// advance records now and, on the first call, schedules the first periodic update.
func (r *Router) advance(now time.Time) {
	r.now = now
	if !r.started {
		r.started = true
		r.nextUpdate = r.jittered(now)
		r.deadline = r.nextUpdate
	}
}

// schedule lowers the deadline to t.
func (r *Router) schedule(t time.Time) {
	if t.Before(r.deadline) {
		r.deadline = t
	}
}

// jittered returns the time of the next periodic update after now.
func (r *Router) jittered(now time.Time) time.Time {
	j := time.Duration(r.rng.Int64N(int64(r.cfg.UpdateInterval/UpdateJitterDivisor) + 1))
	return now.Add(r.cfg.UpdateInterval - j)
}

// NeighbourUp tells the router that id became a neighbour reachable at the given link cost
// (at least 1; Infinity marks a link that is up but unusable). The router asks the neighbour
// for its table and sends it its own. For a node that already is a neighbour (a new session,
// perhaps with a restarted peer) the routes learned from it are dropped first, as if
// NeighbourDown had been called; use NeighbourCost for a mere change of cost.
func (r *Router) NeighbourUp(now time.Time, id identity.NodeID, cost uint16) error {
	r.advance(now)
	if err := r.checkNeighbour(id, cost); err != nil {
		return err
	}
	r.NeighbourDown(now, id)
	if len(r.neighbours) >= MaxNeighbours {
		return fmt.Errorf("%w: limit %d", ErrTooManyNeighbours, MaxNeighbours)
	}
	r.neighbours[id] = cost
	r.out.routeRequests[id] = true
	r.out.dumps[id] = true
	return nil
}

// NeighbourCost sets the link cost of neighbour id.
func (r *Router) NeighbourCost(now time.Time, id identity.NodeID, cost uint16) error {
	r.advance(now)
	if err := r.checkNeighbour(id, cost); err != nil {
		return err
	}
	if _, ok := r.neighbours[id]; !ok {
		return fmt.Errorf("%w: %s", ErrNotNeighbour, id.Short())
	}
	r.neighbours[id] = cost
	r.recost(now, id, cost)
	return nil
}

// NeighbourDown tells the router that id is no longer a neighbour: every route through it is
// dropped at once. It does nothing for a node that is not a neighbour.
func (r *Router) NeighbourDown(now time.Time, id identity.NodeID) {
	r.advance(now)
	if _, ok := r.neighbours[id]; !ok {
		return
	}
	delete(r.neighbours, id)
	r.out.forget(id)
	var empty []identity.NodeID
	for _, dst := range r.order {
		d := r.dests[dst]
		if d.remove(id) {
			r.nroutes--
			r.reselect(now, dst, d)
		}
		if len(d.routes) == 0 && !d.hasFD {
			empty = append(empty, dst)
		}
	}
	r.removeDests(empty)
}

func (r *Router) checkNeighbour(id identity.NodeID, cost uint16) error {
	switch {
	case id.IsZero():
		return fmt.Errorf("%w: zero node ID", ErrInvalidNeighbour)
	case id == r.self:
		return fmt.Errorf("%w: the router's own ID", ErrInvalidNeighbour)
	case cost == 0:
		return fmt.Errorf("%w: link cost 0 to %s", ErrInvalidNeighbour, id.Short())
	}
	return nil
}

// recost recomputes the metrics of the routes through neighbour id.
func (r *Router) recost(now time.Time, id identity.NodeID, cost uint16) {
	for _, dst := range r.order {
		d := r.dests[dst]
		if e := d.route(id); e != nil {
			e.metric = r.routeMetric(id, dst, cost, e.advertised)
			r.reselect(now, dst, d)
			r.requestIfBetterUnfeasible(now, dst, d)
		}
	}
}

// Receive processes a routing message that neighbour from sent. A message that does not
// decode changes nothing and returns an error wrapping ErrMalformed, ErrTooLarge or
// ErrUnsupportedVersion; one from a node that is not a neighbour returns ErrNotNeighbour.
// Updates dropped because a table is full are reported with ErrTableFull after the rest of
// the message has been processed.
func (r *Router) Receive(now time.Time, from identity.NodeID, msg []byte) error {
	r.advance(now)
	cost, ok := r.neighbours[from]
	if !ok {
		return fmt.Errorf("%w: message from %s", ErrNotNeighbour, from.Short())
	}
	m, err := Decode(msg)
	if err != nil {
		return err
	}
	var full error
	for _, u := range m.Updates {
		if err := r.handleUpdate(now, from, cost, u); err != nil && full == nil {
			full = err
		}
	}
	for _, q := range m.RouteRequests {
		r.handleRouteRequest(from, q)
	}
	for _, q := range m.SeqnoRequests {
		r.handleSeqnoRequest(from, q)
	}
	return full
}

// handleUpdate applies one update from neighbour from (RFC 8966 §3.5.3).
func (r *Router) handleUpdate(now time.Time, from identity.NodeID, cost uint16, u Update) error {
	if u.Dst == r.self {
		// Someone holds a newer seqno of ours (we restarted): move past it.
		if seqnoNewer(u.Seqno, r.seqno) {
			r.seqno = u.Seqno + 1
			r.out.self = true
		}
		return nil
	}
	d := r.dests[u.Dst]
	var e *entry
	if d != nil {
		e = d.route(from)
	}
	if e == nil {
		if u.Metric == Infinity {
			return nil // retraction of a route we do not have
		}
		if d == nil && len(r.dests) >= r.cfg.MaxSources {
			return fmt.Errorf("%w: %d destinations", ErrTableFull, len(r.dests))
		}
		if r.nroutes >= r.cfg.MaxRoutes {
			return fmt.Errorf("%w: %d routes", ErrTableFull, r.nroutes)
		}
		if d == nil {
			d = r.addDest(u.Dst)
		}
		e = &entry{neighbour: from}
		d.routes = append(d.routes, e)
		r.nroutes++
	}
	e.seqno, e.advertised, e.metric = u.Seqno, u.Metric, r.routeMetric(from, u.Dst, cost, u.Metric)
	if u.Metric == Infinity {
		e.expires = now.Add(r.cfg.RouteExpiry)
	} else {
		e.expires = now.Add(r.cfg.hold(u.Interval))
	}
	r.schedule(e.expires)
	r.reselect(now, u.Dst, d)
	// An unfeasible route better than the selected one: ask for a newer seqno so that it
	// can become feasible (RFC 8966 §3.8.2.1).
	if e.metric < Infinity && !d.usable(e) && (d.selected == nil || e.metric < d.selected.metric) {
		r.requestSeqno(now, from, u.Dst, d)
	}
	return nil
}

// addDest creates the entry of destination id.
func (r *Router) addDest(id identity.NodeID) *dest {
	d := new(dest)
	r.dests[id] = d
	i, _ := slices.BinarySearchFunc(r.order, id, compareID)
	r.order = slices.Insert(r.order, i, id)
	return d
}

// removeDests deletes destinations that have neither routes nor a feasibility distance.
func (r *Router) removeDests(ids []identity.NodeID) {
	for _, id := range ids {
		delete(r.dests, id)
		delete(r.out.triggered, id)
		if i, ok := slices.BinarySearchFunc(r.order, id, compareID); ok {
			r.order = slices.Delete(r.order, i, i+1)
		}
	}
}

func compareID(a, b identity.NodeID) int { return bytes.Compare(a[:], b[:]) }

// reselect runs route selection for dst and reacts to the outcome: events, triggered updates
// and retractions (RFC 8966 §3.7.2), and seqno requests when starving (§3.8.2.1).
func (r *Router) reselect(now time.Time, dst identity.NodeID, d *dest) {
	d.selected = d.choose(now, r.cfg.SwitchMargin, r.cfg.SwitchDelay)
	if d.hasChallenger {
		r.schedule(d.challengerSince.Add(r.cfg.SwitchDelay))
	}
	r.noteSelection(now, dst, d)
	sel := d.selected
	switch {
	case sel == nil:
		if d.advertised {
			r.out.triggered[dst] = true // retraction
		}
		if d.starving() {
			r.requestSeqno(now, identity.NodeID{}, dst, d)
		}
	case !d.advertised || sel.seqno != d.advSeqno || significant(d.advMetric, sel.metric):
		r.out.triggered[dst] = true
	}
}

// significant reports whether a metric moved from old to now by at least 1/TriggerDivisor of
// old, or between finite and infinite.
func significant(old, now uint16) bool {
	if old == now {
		return false
	}
	if old == Infinity || now == Infinity {
		return true
	}
	diff := int(now) - int(old)
	if diff < 0 {
		diff = -diff
	}
	return diff*TriggerDivisor >= int(old)
}

// Tick runs the timers due at now: periodic updates, route expiry and flushing, hysteresis
// switches and source garbage collection. Call it at or after NextDeadline; calling it
// earlier is harmless.
func (r *Router) Tick(now time.Time) {
	r.advance(now)
	if !now.Before(r.nextUpdate) {
		r.out.dumpAll = true
		r.nextUpdate = r.jittered(now)
	}
	next := r.nextUpdate
	early := func(t time.Time) {
		if t.Before(next) {
			next = t
		}
	}
	var empty []identity.NodeID
	for _, dst := range r.order {
		d := r.dests[dst]
		changed := false
		for i := 0; i < len(d.routes); {
			e := d.routes[i]
			switch {
			case now.Before(e.expires):
				i++
			case e.advertised != Infinity: // expired: retract and hold (RFC 8966 §3.5.3)
				e.advertised, e.metric = Infinity, Infinity
				e.expires = now.Add(r.cfg.RouteExpiry) // counted in the deadline below
				changed = true
				i++
			default: // held retraction: flush
				d.remove(e.neighbour)
				r.nroutes--
				changed = true
			}
		}
		if d.hasFD && d.selected == nil && !now.Before(d.fdExpires) {
			d.hasFD = false // source GC (RFC 8966 §3.2.5)
			changed = true
		}
		if changed || d.hasChallenger && !now.Before(d.challengerSince.Add(r.cfg.SwitchDelay)) {
			r.reselect(now, dst, d)
		}
		if len(d.routes) == 0 && !d.hasFD {
			empty = append(empty, dst)
			continue
		}
		for _, e := range d.routes {
			early(e.expires)
		}
		if d.hasChallenger {
			early(d.challengerSince.Add(r.cfg.SwitchDelay))
		}
		if d.hasFD {
			early(d.fdExpires)
		}
	}
	r.deadline = next
	r.removeDests(empty)
	r.out.expireRequests(now)
}

// NextDeadline returns when Tick should next be called. It may be earlier than necessary (a
// timer may have been pushed back since), never later. Before the router has been called
// with a time it returns the zero Time, meaning "now".
func (r *Router) NextDeadline() time.Time {
	if !r.started {
		return time.Time{}
	}
	return r.deadline
}

// NextHop returns the neighbour to which traffic for dst should be sent, and false when the
// router has no route to dst (or dst is the router itself).
func (r *Router) NextHop(dst identity.NodeID) (identity.NodeID, bool) {
	d := r.dests[dst]
	if d == nil || d.selected == nil {
		return identity.NodeID{}, false
	}
	return d.selected.neighbour, true
}

// Route describes one entry of the routing table, for the API and for logs.
type Route struct {
	// Dst is the destination and NextHop the neighbour that advertised the route.
	Dst, NextHop identity.NodeID
	// Metric is the link cost plus the advertised metric; Infinity for a retracted route.
	Metric uint16
	// Seqno is the source's sequence number carried by the route.
	Seqno uint16
	// Feasible reports whether the route is finite and satisfies the feasibility condition.
	Feasible bool
	// Selected reports whether the route is the one used for forwarding.
	Selected bool
	// Expires is when the route is retracted (or flushed, when already retracted).
	Expires time.Time
}

// Routes returns every route, ordered by destination, then neighbour.
func (r *Router) Routes() []Route {
	rs := make([]Route, 0, r.nroutes)
	for _, dst := range r.order {
		d := r.dests[dst]
		start := len(rs)
		for _, e := range d.routes {
			rs = append(rs, Route{
				Dst: dst, NextHop: e.neighbour, Metric: e.metric, Seqno: e.seqno,
				Feasible: d.usable(e), Selected: e == d.selected, Expires: e.expires,
			})
		}
		slices.SortFunc(rs[start:], func(a, b Route) int { return compareID(a.NextHop, b.NextHop) })
	}
	return rs
}

// SelectedCounts returns the number of destinations with a selected route and, when via is
// not nil, adds to via[n] the number of those routes whose next hop is neighbour n, not
// counting the route to n itself. The counts are kept up to date as routes are selected,
// so the call costs O(neighbours) where counting Routes costs a copy and a sort of the
// whole table.
func (r *Router) SelectedCounts(via map[identity.NodeID]int) int {
	if via != nil {
		for n, c := range r.via {
			via[n] += c
		}
	}
	return r.nselected
}

// count adds delta to the counts of a selected route to dst through hop.
func (r *Router) count(dst, hop identity.NodeID, delta int) {
	r.nselected += delta
	if hop == dst {
		return
	}
	if c := r.via[hop] + delta; c > 0 {
		r.via[hop] = c
	} else {
		delete(r.via, hop)
	}
}
