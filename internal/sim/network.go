package sim

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// event is a closure due at a virtual time; seq breaks ties in the order
// events were scheduled.
type event struct {
	at  time.Time
	seq uint64
	fn  func()
}

// eventQueue is a min-heap of events by (at, seq).
type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return e
}

// counters are the simulation's traffic counters.
type counters struct {
	// messages and bytes put on links, by payload kind.
	linkMsgs, linkBytes     uint64
	routeMsgs, routeBytes   uint64
	packetMsgs, packetBytes uint64
	// lost counts payloads lost to Loss; dropped those lost to a cut link,
	// a crash or a restart while in flight, or sent over no link.
	lost, dropped uint64
	// overflow counts payloads dropped because a link's backlog exceeded
	// LinkBacklog.
	overflow uint64
	// receiveErrors counts payloads a Core refused.
	receiveErrors uint64
	// grayholed counts transit packets dropped by grayhole nodes.
	grayholed uint64
	// neighbourErrors counts refused NeighbourUp calls.
	neighbourErrors uint64
	// application datagrams.
	sent, sendErrors, delivered, unexpected uint64
	latencySum, latencyMax                  time.Duration
}

// transmit puts the payload o from node i on its link to o.To: it is lost
// with probability Loss, waits for the link to finish what it is sending
// (Bandwidth), then arrives after Latency plus a jitter draw.
func (s *Sim) transmit(i int, o mesh.Outgoing) {
	j, ok := s.index[o.To]
	var l *vlink
	if ok {
		l = s.links[mkEdge(i, j)]
	}
	if l == nil || l.cut {
		s.stats.dropped++
		return
	}
	if s.grayholed(i, o) {
		s.stats.grayholed++
		return
	}
	size := uint64(len(o.Payload))
	switch o.Payload[0] {
	case mesh.KindLink:
		s.stats.linkMsgs++
		s.stats.linkBytes += size
	case mesh.KindRoute:
		s.stats.routeMsgs++
		s.stats.routeBytes += size
	default:
		s.stats.packetMsgs++
		s.stats.packetBytes += size
	}
	p := s.opts.Link
	if p.Loss > 0 && s.netRand.Float64() < p.Loss {
		s.stats.lost++
		return
	}
	dir := 0
	if i > j {
		dir = 1
	}
	done := s.now
	if p.Bandwidth > 0 {
		if l.busy[dir].After(done) {
			done = l.busy[dir]
		}
		if done.Sub(s.now) > LinkBacklog {
			s.stats.overflow++ // drop-tail: the link's buffer is full
			return
		}
		done = done.Add(time.Duration(float64(size) * float64(time.Second) / float64(p.Bandwidth)))
		l.busy[dir] = done
	}
	arrive := done.Add(p.Latency)
	if p.Jitter > 0 {
		arrive = arrive.Add(time.Duration(s.netRand.Int64N(int64(p.Jitter) + 1)))
	}
	src, dst := s.nodes[i], s.nodes[j]
	srcGen, dstGen, epoch, payload := src.gen, dst.gen, l.epoch, o.Payload
	s.at(arrive, func() {
		if l.cut || l.epoch != epoch || src.gen != srcGen || dst.gen != dstGen || src.core == nil || dst.core == nil {
			s.stats.dropped++ // the hop-by-hop session this was sealed on is gone
			return
		}
		if err := dst.core.Receive(s.now, src.id, payload); err != nil {
			s.stats.receiveErrors++
		}
		s.flush(j)
	})
}
