package mapek

import (
	"math"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// ring is a bounded window of samples divided into time slots: a sample
// whose slot is still open replaces the newest one, so the ring holds at
// most one sample per slot whatever the period, and the newest sample is
// always the latest.
type ring[T any] struct {
	buf   []T
	start []time.Time // when each slot opened
	head  int         // index of the oldest sample
	n     int
}

// newRing returns a ring covering slots slots (one more is kept so that
// the samples span a whole window).
func newRing[T any](slots int) ring[T] {
	return ring[T]{buf: make([]T, slots+1), start: make([]time.Time, slots+1)}
}

// folds reports whether a sample at now would replace the newest one.
func (r *ring[T]) folds(now time.Time, slot time.Duration) bool {
	return r.n > 0 && now.Sub(r.start[(r.head+r.n-1)%len(r.buf)]) < slot
}

// add stores v, taken at now, in the ring.
func (r *ring[T]) add(now time.Time, slot time.Duration, v T) {
	c := len(r.buf)
	switch {
	case r.folds(now, slot):
		r.buf[(r.head+r.n-1)%c] = v
	case r.n < c:
		i := (r.head + r.n) % c
		r.buf[i], r.start[i] = v, now
		r.n++
	default:
		r.buf[r.head], r.start[r.head] = v, now
		r.head = (r.head + 1) % c
	}
}

// at returns the i-th sample, oldest first.
func (r *ring[T]) at(i int) *T { return &r.buf[(r.head+i)%len(r.buf)] }

func (r *ring[T]) last() *T { return r.at(r.n - 1) }

// from is the index of the oldest sample taken at or after cutoff (r.n if
// none).
func (r *ring[T]) from(cutoff time.Time, at func(*T) time.Time) int {
	i := 0
	for i < r.n && at(r.at(i)).Before(cutoff) {
		i++
	}
	return i
}

// before is the index of the newest sample taken at or before t, or of the
// oldest sample if all are later.
func (r *ring[T]) before(t time.Time, at func(*T) time.Time) int {
	i := r.n - 1
	for i > 0 && at(r.at(i)).After(t) {
		i--
	}
	return max(i, 0)
}

// delta is the increase of a cumulative counter from prev to cur; a counter
// that went back was reset and counts from zero.
func delta(prev, cur uint64) uint64 {
	if cur < prev {
		return cur
	}
	return cur - prev
}

// linkSample is one NeighbourSample as kept in a window.
type linkSample struct {
	at                 time.Time
	up                 bool
	srtt               time.Duration
	loss               float64 // max of rx and tx loss
	txLoss             float64
	routesVia          int
	dests, failing     int // judged and failing destinations through the neighbour
	relayed, confirmed uint64
	hsAttempts, hsFail uint64
	flips              uint64 // up/down transitions since the neighbour was first seen
}

// linkState is the Monitor's view of one neighbour.
type linkState struct {
	win       ring[linkSample]
	lastSeen  time.Time
	lossEWMA  float64
	rttEWMA   float64 // seconds
	ewmaAt    time.Time
	baseline  Baseline
	baseAt    time.Time
	downSince time.Time // zero while up
	flips     uint64
	flipAt    time.Time // time of the newest up/down transition
	// Trailing runs of raw samples past the degraded-link limits (zero
	// when the newest sample is within them).
	lossSince, rttSince time.Time
}

// nodeSample is one NodeSample as kept in the window.
type nodeSample struct {
	at                                time.Time
	forged, hsFlood, processed, queue uint64
	routes, routesMax                 int // newest and largest route count of the slot
	routeChanges                      uint64
	cpu, memory                       float64
}

// nodeState is the Monitor's view of the node.
type nodeState struct {
	win        ring[nodeSample]
	cpuEWMA    float64
	memoryEWMA float64
	ewmaAt     time.Time
	// overSince is the start of the trailing run of samples with CPU or
	// memory over the overload thresholds (zero if the newest is not).
	overSince time.Time
}

// Baseline is the long-term healthy loss and RTT of a link, the Knowledge
// the degraded-link rule compares against.
type Baseline struct {
	// Peer is the neighbour.
	Peer identity.NodeID
	// Loss is the smoothed loss fraction and RTT the smoothed RTT.
	Loss float64
	RTT  time.Duration
	// Samples counts the healthy samples folded in (saturating).
	Samples uint32
}

// monitor keeps the windows.
type monitor struct {
	window   time.Duration
	linkSlot time.Duration
	nodeSlot time.Duration
	links    map[identity.NodeID]*linkState
	node     nodeState
}

func newMonitor(window time.Duration) monitor {
	return monitor{
		window:   window,
		linkSlot: window / WindowSize,
		nodeSlot: window / NodeWindowSize,
		links:    make(map[identity.NodeID]*linkState),
		node:     nodeState{win: newRing[nodeSample](NodeWindowSize)},
	}
}

func (m *monitor) newLink(id identity.NodeID) *linkState {
	return &linkState{win: newRing[linkSample](WindowSize), baseline: Baseline{Peer: id}}
}

// weight is the EWMA weight of a sample dt after the previous one, for a
// weight alpha per SmoothingPeriod.
func weight(alpha float64, dt time.Duration) float64 {
	if dt <= 0 {
		return 0
	}
	return 1 - math.Pow(1-alpha, float64(dt)/float64(SmoothingPeriod))
}

// ewma folds v into old; first means there is no old value.
func ewma(old, v float64, first bool, dt time.Duration) float64 {
	if first {
		return v
	}
	return old + weight(SmoothingAlpha, dt)*(v-old)
}

// observe folds a validated Snapshot into the windows and forgets
// neighbours missing for ForgetAfter; it returns the forgotten IDs and those
// of new neighbours ignored because MaxNeighbours are tracked already.
func (m *monitor) observe(now time.Time, s *Snapshot) (gone, ignored []identity.NodeID) {
	for i := range s.Neighbours {
		n := &s.Neighbours[i]
		st := m.links[n.ID]
		if st == nil {
			if len(m.links) >= MaxNeighbours {
				ignored = append(ignored, n.ID)
				continue
			}
			st = m.newLink(n.ID)
			m.links[n.ID] = st
		}
		first := st.win.n == 0
		if !first && st.win.last().up != n.Up {
			st.flips++
			st.flipAt = now
		}
		loss := max(n.RxLoss, n.TxLoss)
		st.win.add(now, m.linkSlot, linkSample{
			at: now, up: n.Up, srtt: n.SRTT, loss: loss, txLoss: n.TxLoss, routesVia: n.RoutesVia,
			relayed: n.Relayed, confirmed: n.Confirmed, dests: n.Dests, failing: n.FailingDests,
			hsAttempts: n.HandshakeAttempts, hsFail: n.HandshakeFailures, flips: st.flips,
		})
		st.lastSeen = now
		if n.Up {
			dt := now.Sub(st.ewmaAt)
			st.lossEWMA = ewma(st.lossEWMA, loss, st.ewmaAt.IsZero(), dt)
			if n.SRTT > 0 {
				st.rttEWMA = ewma(st.rttEWMA, n.SRTT.Seconds(), st.rttEWMA == 0, dt)
			}
			st.ewmaAt = now
			st.downSince = time.Time{}
		} else if st.downSince.IsZero() {
			st.downSince = now
		}
	}
	for id, st := range m.links {
		if now.Sub(st.lastSeen) >= ForgetAfter {
			gone = append(gone, id)
			delete(m.links, id)
		}
	}
	d := &s.Node.Drops
	w := &m.node.win
	routesMax := s.Node.Routes
	if w.folds(now, m.nodeSlot) {
		routesMax = max(routesMax, w.last().routesMax)
	}
	w.add(now, m.nodeSlot, nodeSample{
		at:           now,
		forged:       d.Decrypt + d.Malformed + d.Identity,
		hsFlood:      s.Node.HandshakeDrops + s.Node.CookieReplies,
		processed:    s.Node.HandshakesProcessed,
		queue:        s.Node.QueueDrops,
		routes:       s.Node.Routes,
		routesMax:    routesMax,
		routeChanges: s.Node.RouteChanges,
		cpu:          s.Node.CPU,
		memory:       s.Node.Memory,
	})
	first, dt := m.node.ewmaAt.IsZero(), now.Sub(m.node.ewmaAt)
	m.node.cpuEWMA = ewma(m.node.cpuEWMA, s.Node.CPU, first, dt)
	m.node.memoryEWMA = ewma(m.node.memoryEWMA, s.Node.Memory, first, dt)
	m.node.ewmaAt = now
	return gone, ignored
}

// counterDelta is the increase of a counter between samples i and j (i <= j).
func counterDelta[T any](r *ring[T], counter func(*T) uint64, i, j int) uint64 {
	var total uint64
	for k := i + 1; k <= j; k++ {
		total += delta(counter(r.at(k-1)), counter(r.at(k)))
	}
	return total
}

// rate is the rate per second of a counter over the newest samples of a
// window spanning at least RateSpan (or all of it), its level (the rate of
// the newest interval alone), and the time the trailing run of intervals at
// or above threshold began (zero if the newest interval is below it).
func rate[T any](r *ring[T], from int, at func(*T) time.Time, counter func(*T) uint64, threshold float64) (perSec, level float64, since time.Time) {
	if r.n-from < 2 {
		return 0, 0, time.Time{}
	}
	end := at(r.last())
	first := max(r.before(end.Add(-RateSpan), at), from)
	if first == r.n-1 {
		first--
	}
	span := end.Sub(at(r.at(first))).Seconds()
	if span <= 0 {
		return 0, 0, time.Time{}
	}
	perSec = float64(counterDelta(r, counter, first, r.n-1)) / span
	for i := r.n - 1; i > from; i-- {
		a, b := r.at(i-1), r.at(i)
		dt := at(b).Sub(at(a)).Seconds()
		if dt <= 0 {
			break
		}
		v := float64(delta(counter(a), counter(b))) / dt
		if i == r.n-1 {
			level = v
		}
		if v < threshold {
			break
		}
		since = at(a)
	}
	return perSec, level, since
}

// rateBetween is the rate per second of a counter from t1 to t2, over the
// samples nearest those times; ok is false if they span no time.
func rateBetween[T any](r *ring[T], at func(*T) time.Time, counter func(*T) uint64, t1, t2 time.Time) (perSec float64, ok bool) {
	if r.n == 0 {
		return 0, false
	}
	i, j := r.before(t1, at), r.before(t2, at)
	span := at(r.at(j)).Sub(at(r.at(i))).Seconds()
	if span <= 0 {
		return 0, false
	}
	return float64(counterDelta(r, counter, i, j)) / span, true
}

// windowDelta is the increase of a counter over the samples from index
// from to the newest.
func windowDelta[T any](r *ring[T], from int, counter func(*T) uint64) uint64 {
	if r.n-from < 2 {
		return 0
	}
	return counterDelta(r, counter, from, r.n-1)
}

// firstChange is the time of the sample before the first increase of
// counter from index from on (zero if none).
func firstChange[T any](r *ring[T], from int, at func(*T) time.Time, counter func(*T) uint64) time.Time {
	for i := from + 1; i < r.n; i++ {
		if delta(counter(r.at(i-1)), counter(r.at(i))) > 0 {
			return at(r.at(i - 1))
		}
	}
	return time.Time{}
}

// runStart is the time of the earliest sample from index from on of the
// trailing run for which cond holds (zero if the newest sample fails it).
func runStart[T any](r *ring[T], from int, at func(*T) time.Time, cond func(*T) bool) time.Time {
	var since time.Time
	for i := r.n - 1; i >= from; i-- {
		if !cond(r.at(i)) {
			break
		}
		since = at(r.at(i))
	}
	return since
}

func linkAt(s *linkSample) time.Time { return s.at }
func nodeAt(s *nodeSample) time.Time { return s.at }

// updateBaseline folds a healthy sample of an up link into its baseline.
func (st *linkState) updateBaseline() {
	s := st.win.last()
	if !s.up || s.srtt <= 0 {
		return
	}
	b := &st.baseline
	if b.Samples == 0 {
		b.Loss, b.RTT = s.loss, s.srtt
	} else {
		dt := SmoothingPeriod
		if !st.baseAt.IsZero() {
			dt = s.at.Sub(st.baseAt)
		}
		w := weight(BaselineAlpha, dt)
		b.Loss += w * (s.loss - b.Loss)
		b.RTT += time.Duration(w * float64(s.srtt-b.RTT))
	}
	st.baseAt = s.at
	if b.Samples < ^uint32(0) {
		b.Samples++
	}
}
