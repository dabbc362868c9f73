package mapek

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// ring is a bounded window of the last WindowSize samples.
type ring[T any] struct {
	buf  [WindowSize]T
	head int // index of the oldest sample
	n    int
}

func (r *ring[T]) push(v T) {
	if r.n < WindowSize {
		r.buf[(r.head+r.n)%WindowSize] = v
		r.n++
		return
	}
	r.buf[r.head] = v
	r.head = (r.head + 1) % WindowSize
}

// at returns the i-th sample, oldest first.
func (r *ring[T]) at(i int) *T { return &r.buf[(r.head+i)%WindowSize] }

func (r *ring[T]) last() *T { return r.at(r.n - 1) }

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
	relayed, confirmed uint64
	hsAttempts, hsFail uint64
}

// linkState is the Monitor's view of one neighbour.
type linkState struct {
	win       ring[linkSample]
	lastSeen  time.Time
	lossEWMA  float64
	rttEWMA   float64 // seconds
	baseline  Baseline
	downRun   int
	downSince time.Time
}

// nodeSample is one NodeSample as kept in the window.
type nodeSample struct {
	at                     time.Time
	forged, hsFlood, queue uint64
	routes                 int
	routeChanges           uint64
	cpu, memory            float64
}

// nodeState is the Monitor's view of the node.
type nodeState struct {
	win        ring[nodeSample]
	cpuEWMA    float64
	memoryEWMA float64
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
	links map[identity.NodeID]*linkState
	node  nodeState
}

func ewma(old, v float64, first bool) float64 {
	if first {
		return v
	}
	return old + SmoothingAlpha*(v-old)
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
			st = &linkState{baseline: Baseline{Peer: n.ID}}
			m.links[n.ID] = st
		}
		first := st.win.n == 0
		loss := max(n.RxLoss, n.TxLoss)
		st.win.push(linkSample{
			at: now, up: n.Up, srtt: n.SRTT, loss: loss, txLoss: n.TxLoss,
			relayed: n.Relayed, confirmed: n.Confirmed,
			hsAttempts: n.HandshakeAttempts, hsFail: n.HandshakeFailures,
		})
		st.lastSeen = now
		if n.Up {
			st.lossEWMA = ewma(st.lossEWMA, loss, first)
			if n.SRTT > 0 {
				st.rttEWMA = ewma(st.rttEWMA, n.SRTT.Seconds(), st.rttEWMA == 0)
			}
			st.downRun = 0
		} else {
			if st.downRun == 0 {
				st.downSince = now
			}
			st.downRun++
		}
	}
	for id, st := range m.links {
		if now.Sub(st.lastSeen) >= ForgetAfter {
			gone = append(gone, id)
			delete(m.links, id)
		}
	}
	d := &s.Node.Drops
	first := m.node.win.n == 0
	m.node.win.push(nodeSample{
		at:           now,
		forged:       d.Decrypt + d.Malformed + d.Identity,
		hsFlood:      s.Node.HandshakeDrops + s.Node.CookieReplies,
		queue:        s.Node.QueueDrops,
		routes:       s.Node.Routes,
		routeChanges: s.Node.RouteChanges,
		cpu:          s.Node.CPU,
		memory:       s.Node.Memory,
	})
	m.node.cpuEWMA = ewma(m.node.cpuEWMA, s.Node.CPU, first)
	m.node.memoryEWMA = ewma(m.node.memoryEWMA, s.Node.Memory, first)
	return gone, ignored
}

// rate is the rate per second of a counter over the last RateSamples
// intervals of a window and the time the trailing run of intervals at or above threshold began (zero if the last
// interval is below it).
func rate[T any](r *ring[T], at func(*T) time.Time, counter func(*T) uint64, threshold float64) (perSec float64, since time.Time) {
	if r.n < 2 {
		return 0, time.Time{}
	}
	first := max(r.n-1-RateSamples, 0)
	var total uint64
	for i := first + 1; i < r.n; i++ {
		total += delta(counter(r.at(i-1)), counter(r.at(i)))
	}
	span := at(r.last()).Sub(at(r.at(first))).Seconds()
	if span <= 0 {
		return 0, time.Time{}
	}
	for i := r.n - 1; i >= 1; i-- {
		a, b := r.at(i-1), r.at(i)
		dt := at(b).Sub(at(a)).Seconds()
		if dt <= 0 || float64(delta(counter(a), counter(b)))/dt < threshold {
			break
		}
		since = at(a)
	}
	return float64(total) / span, since
}

// windowDelta is the increase of a counter over the whole window.
func windowDelta[T any](r *ring[T], counter func(*T) uint64) uint64 {
	var total uint64
	for i := 1; i < r.n; i++ {
		total += delta(counter(r.at(i-1)), counter(r.at(i)))
	}
	return total
}

// firstChange is the time of the first interval in the window in which
// counter increased (zero if none).
func firstChange[T any](r *ring[T], at func(*T) time.Time, counter func(*T) uint64) time.Time {
	for i := 1; i < r.n; i++ {
		if delta(counter(r.at(i-1)), counter(r.at(i))) > 0 {
			return at(r.at(i - 1))
		}
	}
	return time.Time{}
}

// runStart is the time of the earliest sample of the trailing run for which
// cond holds (zero if the newest sample fails it).
func runStart[T any](r *ring[T], at func(*T) time.Time, cond func(*T) bool) time.Time {
	var since time.Time
	for i := r.n - 1; i >= 0; i-- {
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
		b.Loss += BaselineAlpha * (s.loss - b.Loss)
		b.RTT += time.Duration(BaselineAlpha * float64(s.srtt-b.RTT))
	}
	if b.Samples < ^uint32(0) {
		b.Samples++
	}
}
