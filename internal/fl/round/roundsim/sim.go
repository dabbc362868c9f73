package roundsim

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
)

// evKind is the kind of a scheduled event.
type evKind uint8

const (
	evDeliver evKind = iota // bytes arrive at a node
	evTrained               // a client's training ends
	evTick                  // a core's timer
	evCrash                 // a node crashes
	evDown                  // a node is told another is dead
)

// event is one scheduled event.
type event struct {
	at   time.Time
	seq  uint64 // schedule order: breaks ties deterministically
	kind evKind
	to   *node
	from round.NodeID
	data []byte
	res  round.TrainResult
	alie *alieJob // set when the result must be replaced by the ALIE vector
	drop bool     // the client drops out of the round instead
}

// alieJob is a Byzantine result waiting for the ALIE vector of its round.
type alieJob struct {
	key    roundKey
	global []float64
}

// queue is a min-heap of events by time, then schedule order.
type queue []*event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// roundKey names a round.
type roundKey struct {
	epoch uint32
	round uint64
}

// node is a simulated coordinator or client.
type node struct {
	id      round.NodeID
	name    string
	ep      *round.Endpoint
	client  *round.Client
	spec    *ClientSpec
	crashed bool
	tickAt  time.Time // time of the pending tick event, if tickSet
	tickSet bool
	dropped roundKey // round the client dropped out of
	drops   bool
}

// Sim is one simulated federation on virtual time: deterministic for a
// seed, except for the key material of secure rounds (ML-KEM draws its own
// randomness), which changes no outcome.
type Sim struct {
	ctx    context.Context
	opt    Options
	start  time.Time
	now    time.Time
	seq    uint64
	q      queue
	rng    *rand.Rand
	nodes  map[round.NodeID]*node
	order  []*node // coordinators, then clients
	byz    map[round.NodeID]bool
	rounds map[roundKey]*RoundStats
	pool   map[roundKey][][]float64 // honest deltas of the Byzantine clients, for ALIE
	rep    Report
	done   bool
}

// transport is one node's view of the network.
type transport struct {
	s    *Sim
	from *node
}

// Send schedules the delivery of msg after the latency, unless it is lost.
func (t transport) Send(to round.NodeID, msg []byte) error {
	s := t.s
	dst, ok := s.nodes[to]
	if !ok {
		return fmt.Errorf("%w: no node %v", ErrOptions, to)
	}
	s.rep.Messages++
	s.rep.BytesSent += int64(len(msg))
	if len(msg) >= 14 {
		// A round's RoundStart messages go out before its RoundStarted
		// event reaches the simulator, so the stats may start here.
		k := roundKey{binary.BigEndian.Uint32(msg[2:]), binary.BigEndian.Uint64(msg[6:])}
		st := s.rounds[k]
		if st == nil {
			st = &RoundStats{Epoch: k.epoch, Round: k.round}
			s.rounds[k] = st
		}
		st.Bytes += int64(len(msg))
		st.Messages++
		if t.from.client != nil {
			st.Uplink += int64(len(msg))
		}
	}
	if t.from.crashed {
		return nil
	}
	if s.opt.Loss > 0 && s.rng.Float64() < s.opt.Loss {
		s.rep.Lost++
		return nil
	}
	delay := s.opt.Latency
	if s.opt.Jitter > 0 {
		delay += time.Duration(s.rng.Int64N(int64(s.opt.Jitter)))
	}
	s.schedule(&event{at: s.now.Add(delay), kind: evDeliver, to: dst, from: t.from.id, data: slices.Clone(msg)})
	return nil
}

// Run simulates the federation of the given coordinators (all with the
// same Config apart from Self) and clients until the active coordinator
// finishes, and returns the report. The error is for a run that could not
// be set up or did not finish; the coordinator's own verdict is
// Report.Err.
func Run(ctx context.Context, coords []round.Config, clients []ClientSpec, opt Options) (*Report, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if len(coords) == 0 || len(clients) == 0 {
		return nil, fmt.Errorf("%w: %d coordinators and %d clients", ErrOptions, len(coords), len(clients))
	}
	opt = opt.withDefaults()
	t0, _ := time.Parse(time.RFC3339, start)
	s := &Sim{ctx: ctx, opt: opt, start: t0, now: t0, rng: rand.New(rand.NewPCG(opt.Seed, 0x726f756e6473696d)),
		nodes: make(map[round.NodeID]*node), byz: make(map[round.NodeID]bool),
		rounds: make(map[roundKey]*RoundStats), pool: make(map[roundKey][][]float64)}
	for i, cfg := range coords {
		c, err := round.NewCoordinator(cfg)
		if err != nil {
			return nil, err
		}
		if err := s.add(&node{id: cfg.Self, name: fmt.Sprintf("coord%d", i)}, c); err != nil {
			return nil, err
		}
	}
	for i := range clients {
		spec := &clients[i]
		if spec.Train == nil {
			return nil, fmt.Errorf("%w: client %d has no trainer", ErrOptions, i)
		}
		c, err := round.NewClient(spec.Config)
		if err != nil {
			return nil, err
		}
		n := &node{id: spec.Config.Self, name: fmt.Sprintf("client%d", i), client: c, spec: spec}
		if err := s.add(n, c); err != nil {
			return nil, err
		}
		s.byz[n.id] = spec.Byzantine
	}
	for _, c := range opt.Crashes {
		n, ok := s.nodes[c.Node]
		if !ok {
			return nil, fmt.Errorf("%w: crash of unknown node %v", ErrOptions, c.Node)
		}
		s.schedule(&event{at: t0.Add(c.At), kind: evCrash, to: n})
	}
	for _, n := range s.order {
		s.rearm(n)
	}
	return s.loop()
}

// add registers a node.
func (s *Sim) add(n *node, core round.Core) error {
	if _, dup := s.nodes[n.id]; dup {
		return fmt.Errorf("%w: node %v appears twice", ErrOptions, n.id)
	}
	n.ep = round.NewEndpoint(core, transport{s: s, from: n})
	s.nodes[n.id] = n
	s.order = append(s.order, n)
	return nil
}

// schedule queues e.
func (s *Sim) schedule(e *event) {
	s.seq++
	e.seq = s.seq
	heap.Push(&s.q, e)
}

// rearm schedules a tick for n's next deadline if it is earlier than the
// one pending.
func (s *Sim) rearm(n *node) {
	if n.crashed {
		return
	}
	t, ok := n.ep.Core().Deadline()
	if !ok {
		return
	}
	if t.Before(s.now) {
		t = s.now
	}
	if n.tickSet && !t.Before(n.tickAt) {
		return
	}
	n.tickAt, n.tickSet = t, true
	s.schedule(&event{at: t, kind: evTick, to: n})
}

// loop processes events until the federation finishes.
func (s *Sim) loop() (*Report, error) {
	limit := s.start.Add(s.opt.MaxVirtualTime)
	for !s.done {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if s.q.Len() == 0 {
			return s.finish(), ErrStuck
		}
		e := heap.Pop(&s.q).(*event)
		if e.at.After(limit) {
			s.now = limit
			return s.finish(), fmt.Errorf("%w: %v", ErrTimeLimit, s.opt.MaxVirtualTime)
		}
		s.now = e.at
		if err := s.process(e); err != nil {
			return nil, err
		}
		s.rearm(e.to)
	}
	return s.finish(), nil
}

// finish completes the report.
func (s *Sim) finish() *Report {
	s.rep.VirtualTime = s.now.Sub(s.start)
	return &s.rep
}

// process handles one event.
func (s *Sim) process(e *event) error {
	n := e.to
	if n.crashed {
		return nil
	}
	var outs []round.Output
	var err error
	switch e.kind {
	case evDeliver:
		if n.drops && len(e.data) >= 14 &&
			(roundKey{binary.BigEndian.Uint32(e.data[2:]), binary.BigEndian.Uint64(e.data[6:])}) == n.dropped {
			return nil // dropped out of this round
		}
		outs, err = n.ep.Deliver(s.now, e.from, e.data)
	case evTick:
		if !n.tickSet || !e.at.Equal(n.tickAt) {
			return nil // superseded
		}
		n.tickSet = false
		outs, err = n.ep.Tick(s.now)
	case evTrained:
		outs, err = s.trained(n, e)
	case evCrash:
		s.crash(n)
		return nil
	case evDown:
		outs, err = n.ep.PeerDown(s.now, e.from)
	}
	if err != nil {
		s.logf(n, "error: %v", err)
	}
	return s.outputs(n, outs)
}

// crash stops n and schedules the reports of its death.
func (s *Sim) crash(n *node) {
	n.crashed = true
	s.logf(n, "crashed")
	for _, o := range s.order {
		if o != n {
			s.schedule(&event{at: s.now.Add(s.opt.DetectionDelay), kind: evDown, to: o, from: n.id})
		}
	}
}

// trainRNG returns the training randomness of a client in a round.
func (s *Sim) trainRNG(n *node, k roundKey) *rand.Rand {
	b := binary.BigEndian.AppendUint32(slices.Clone(n.id[:]), k.epoch)
	h := sha256.Sum256(binary.BigEndian.AppendUint64(b, k.round))
	return rand.New(rand.NewPCG(s.opt.Seed^binary.BigEndian.Uint64(h[:]), binary.BigEndian.Uint64(h[8:])))
}
