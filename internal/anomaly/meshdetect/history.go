package meshdetect

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// linkPoint is one neighbour entry of one snapshot.
type linkPoint struct {
	at                 time.Time
	up                 bool
	loss, txLoss       float64
	srtt, rttVar       time.Duration
	relayed, confirmed uint64
	hsAtt, hsFail      uint64
	routesVia          int
	dests, failing     int
}

// nodePoint is the node-wide part of one snapshot.
type nodePoint struct {
	at                  time.Time
	cpu, mem            float64
	queue, hsFlood      uint64
	processed, forged   uint64
	unroutable, hsDrops uint64
	routes, up, down    int
}

// series is the recent history of one neighbour entry.
type series struct {
	firstSeen time.Time
	lastSeen  time.Time
	pts       []linkPoint
}

// History is one node's recent telemetry: the mapek.Snapshots its self-healing loop is given,
// summarised per neighbour entry and for the node itself over FeatureWindow. It is what both the
// dataset generator and the Scorer compute features from, so training and inference see the same
// function of the same telemetry. Memory is bounded by MaxTrackedNeighbours × MaxSamples points.
// A History is not safe for concurrent use.
type History struct {
	start time.Time
	node  []nodePoint
	links map[identity.NodeID]*series
	order []identity.NodeID // neighbour entries of the newest snapshot, sorted
}

// NewHistory returns an empty History.
func NewHistory() *History {
	return &History{links: make(map[identity.NodeID]*series)}
}

// Add appends the snapshot s taken at now. It refuses a snapshot that mapek would refuse
// (mapek.ErrInvalidSnapshot) and a time before the newest one (ErrInvalidSpec). A snapshot less
// than MinSampleGap after the newest replaces it.
func (h *History) Add(now time.Time, s *mapek.Snapshot) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if n := len(h.node); n > 0 {
		last := h.node[n-1].at
		if now.Before(last) {
			return fmt.Errorf("%w: snapshot at %v before the newest at %v", ErrInvalidSpec, now, last)
		}
		if now.Sub(last) < MinSampleGap {
			h.dropNewest()
		}
	}
	if h.start.IsZero() {
		h.start = now
	}
	np := nodePoint{
		at: now, cpu: s.Node.CPU, mem: s.Node.Memory, queue: s.Node.QueueDrops,
		hsFlood:    s.Node.HandshakeDrops + s.Node.CookieReplies,
		processed:  s.Node.HandshakesProcessed,
		forged:     s.Node.Drops.Decrypt + s.Node.Drops.Malformed + s.Node.Drops.Identity,
		unroutable: s.Node.Drops.NoRoute + s.Node.Drops.HopLimit,
		hsDrops:    s.Node.Drops.Handshake,
		routes:     s.Node.Routes,
	}
	h.order = h.order[:0]
	for i := range s.Neighbours {
		if i >= MaxTrackedNeighbours {
			break
		}
		n := &s.Neighbours[i]
		if n.Up {
			np.up++
		} else {
			np.down++
		}
		sr := h.links[n.ID]
		if sr == nil {
			sr = &series{firstSeen: now}
			h.links[n.ID] = sr
		}
		sr.lastSeen = now
		sr.pts = appendBounded(sr.pts, linkPoint{
			at: now, up: n.Up, loss: (n.RxLoss + n.TxLoss) / 2, txLoss: n.TxLoss, srtt: n.SRTT, rttVar: n.RTTVar,
			relayed: n.Relayed, confirmed: n.Confirmed, hsAtt: n.HandshakeAttempts, hsFail: n.HandshakeFailures,
			routesVia: n.RoutesVia, dests: n.Dests, failing: n.FailingDests,
		}, now)
		h.order = append(h.order, n.ID)
	}
	slices.SortFunc(h.order, func(a, b identity.NodeID) int { return bytes.Compare(a[:], b[:]) })
	h.node = appendBounded(h.node, np, now)
	for id, sr := range h.links {
		if now.Sub(sr.lastSeen) > FeatureWindow {
			delete(h.links, id)
		}
	}
	return nil
}

// dropNewest removes the newest snapshot's points.
func (h *History) dropNewest() {
	last := h.node[len(h.node)-1].at
	h.node = h.node[:len(h.node)-1]
	for _, sr := range h.links {
		if n := len(sr.pts); n > 0 && sr.pts[n-1].at.Equal(last) {
			sr.pts = sr.pts[:n-1]
		}
	}
}

type timed interface{ linkPoint | nodePoint }

func atOf[T timed](p *T) time.Time {
	switch v := any(p).(type) {
	case *linkPoint:
		return v.at
	case *nodePoint:
		return v.at
	}
	return time.Time{}
}

// appendBounded appends p and drops the points older than FeatureWindow before now (keeping
// one at or before the window start, the baseline of counter deltas) and beyond MaxSamples.
func appendBounded[T timed](pts []T, p T, now time.Time) []T {
	pts = append(pts, p)
	cut := 0
	for cut+1 < len(pts) && now.Sub(atOf(&pts[cut+1])) >= FeatureWindow {
		cut++
	}
	if over := len(pts) - MaxSamples; over > cut {
		cut = over
	}
	if cut > 0 {
		pts = append(pts[:0], pts[cut:]...)
	}
	return pts
}

// Span returns how much history the newest snapshot looks back on (capped at no limit; the
// features cap it at FeatureWindow).
func (h *History) Span() time.Duration {
	if len(h.node) == 0 {
		return 0
	}
	return h.node[len(h.node)-1].at.Sub(h.start)
}

// Now returns the time of the newest snapshot (zero when empty).
func (h *History) Now() time.Time {
	if len(h.node) == 0 {
		return time.Time{}
	}
	return h.node[len(h.node)-1].at
}

// Neighbours returns the neighbour entries of the newest snapshot (at most
// MaxTrackedNeighbours), sorted by ID.
func (h *History) Neighbours() []identity.NodeID { return slices.Clone(h.order) }

// SelfView is the summary of a node's own telemetry over FeatureWindow:
//
//	0 CPU mean              1 memory mean            2 log1p queue drops/s
//	3 log1p (handshake drops + cookie replies)/s     4 log1p handshakes processed/s
//	5 log1p (decrypt + malformed + identity drops)/s 6 log1p (no-route + hop-limit drops)/s
//	7 log1p mesh handshake drops/s                   8 route count range / max
//	9 log1p neighbours up   10 log1p neighbour entries down
//	11 log1p neighbour IDs first seen in the window (after the first snapshot)
//	12 history span / FeatureWindow, at most 1
type SelfView [NumSelfFeatures]float64

// LinkView is the summary of one neighbour entry as this node measures it over FeatureWindow:
//
//	0 fraction of samples up   1 mean loss ((rx+tx)/2, up samples)   2 log1p mean SRTT in ms
//	3 log(mean SRTT / median mean SRTT of the node's up neighbours)   4 log1p mean RTTVar in ms
//	5 log1p messages relayed through it   6 confirmed/relayed (1 without relays)
//	7 relay deficit: max(0, (1 - tx loss) - ratio) when at least MinRelayedForRatio relayed
//	8 log1p up/down transitions   9 handshake failures/attempts (0 without attempts)
//	10 time since the ID was first seen / FeatureWindow, at most 1
//	11 routes via it / the node's routes
//	12 log1p destinations judged through it (newest snapshot; mapek.NeighbourSample.Dests)
//	13 failing destinations / destinations judged through it (newest; 0 without)
type LinkView [NumLinkFeatures]float64

// Self returns the node's own summary; the zero SelfView when the History is empty.
func (h *History) Self() SelfView {
	var v SelfView
	if len(h.node) == 0 {
		return v
	}
	pts := h.node
	first, last := &pts[0], &pts[len(pts)-1]
	secs := math.Max(last.at.Sub(first.at).Seconds(), StepPeriod.Seconds())
	rate := func(f func(*nodePoint) uint64) float64 { return math.Log1p(float64(delta(f(first), f(last))) / secs) }
	minR, maxR := math.MaxInt, 0
	for i := range pts {
		v[0] += pts[i].cpu
		v[1] += pts[i].mem
		minR, maxR = min(minR, pts[i].routes), max(maxR, pts[i].routes)
	}
	v[0] /= float64(len(pts))
	v[1] /= float64(len(pts))
	v[2] = rate(func(p *nodePoint) uint64 { return p.queue })
	v[3] = rate(func(p *nodePoint) uint64 { return p.hsFlood })
	v[4] = rate(func(p *nodePoint) uint64 { return p.processed })
	v[5] = rate(func(p *nodePoint) uint64 { return p.forged })
	v[6] = rate(func(p *nodePoint) uint64 { return p.unroutable })
	v[7] = rate(func(p *nodePoint) uint64 { return p.hsDrops })
	if maxR > 0 {
		v[8] = float64(maxR-minR) / float64(maxR)
	}
	v[9] = math.Log1p(float64(last.up))
	v[10] = math.Log1p(float64(last.down))
	newIDs := 0
	for _, sr := range h.links {
		if sr.firstSeen.After(h.start) && last.at.Sub(sr.firstSeen) < FeatureWindow {
			newIDs++
		}
	}
	v[11] = math.Log1p(float64(newIDs))
	v[12] = math.Min(1, last.at.Sub(h.start).Seconds()/FeatureWindow.Seconds())
	return v
}

// delta is the growth of a cumulative counter; a counter that went back restarted.
func delta(a, b uint64) uint64 {
	if b < a {
		return b
	}
	return b - a
}

// Links returns the summary of every neighbour entry of the newest snapshot, in Neighbours order.
func (h *History) Links() []LinkView {
	out := make([]LinkView, len(h.order))
	if len(h.node) == 0 {
		return out
	}
	now := h.Now()
	routes := h.node[len(h.node)-1].routes
	srtts := make([]float64, 0, len(h.order))
	for k, id := range h.order {
		sr := h.links[id]
		out[k] = linkView(sr, now, routes)
		if out[k][0] > 0 && out[k][2] > 0 {
			srtts = append(srtts, out[k][2])
		}
	}
	if len(srtts) > 0 {
		slices.Sort(srtts)
		med := math.Expm1(srtts[len(srtts)/2])
		for k := range out {
			if out[k][2] > 0 && med > 0 {
				out[k][3] = math.Log(math.Expm1(out[k][2]) / med)
			}
		}
	}
	return out
}

func linkView(sr *series, now time.Time, routes int) LinkView {
	var v LinkView
	pts := sr.pts
	first, last := &pts[0], &pts[len(pts)-1]
	ups, rtts := 0, 0
	var srtt, rttVar, txLoss float64
	transitions := 0
	for i := range pts {
		p := &pts[i]
		if i > 0 && p.up != pts[i-1].up {
			transitions++
		}
		if !p.up {
			continue
		}
		ups++
		v[1] += p.loss
		txLoss += p.txLoss
		if p.srtt > 0 {
			rtts++
			srtt += float64(p.srtt) / float64(time.Millisecond)
			rttVar += float64(p.rttVar) / float64(time.Millisecond)
		}
	}
	v[0] = float64(ups) / float64(len(pts))
	if ups > 0 {
		v[1] /= float64(ups)
		txLoss /= float64(ups)
	}
	if rtts > 0 {
		v[2] = math.Log1p(srtt / float64(rtts))
		v[4] = math.Log1p(rttVar / float64(rtts))
	}
	relayed := delta(first.relayed, last.relayed)
	confirmed := min(delta(first.confirmed, last.confirmed), relayed)
	v[5] = math.Log1p(float64(relayed))
	v[6] = 1
	if relayed > 0 {
		v[6] = float64(confirmed) / float64(relayed)
	}
	if relayed >= MinRelayedForRatio {
		v[7] = math.Max(0, (1-txLoss)-v[6])
	}
	v[8] = math.Log1p(float64(transitions))
	if att := delta(first.hsAtt, last.hsAtt); att > 0 {
		v[9] = math.Min(1, float64(delta(first.hsFail, last.hsFail))/float64(att))
	}
	v[10] = math.Min(1, now.Sub(sr.firstSeen).Seconds()/FeatureWindow.Seconds())
	if routes > 0 {
		v[11] = math.Min(1, float64(last.routesVia)/float64(routes))
	}
	v[12] = math.Log1p(float64(last.dests))
	if last.dests > 0 {
		v[13] = float64(last.failing) / float64(last.dests)
	}
	return v
}
