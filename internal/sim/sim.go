package sim

import (
	"container/heap"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

const maxDatagram = mesh.MaxDatagramSize

// Seed purposes: each behavioural random stream is a PCG seeded with the
// run's seed and one of these, so that adding draws to one purpose does not
// shift the others.
const (
	purposeTopology uint64 = 0x746f706f6c6f6779 // "topology"
	purposeNetwork  uint64 = 0x6e6574776f726b00 // "network"
	purposeTraffic  uint64 = 0x7472616666696300 // "traffic"
	purposeFaults   uint64 = 0x6661756c74730000 // "faults"
	purposeCores    uint64 = 0x636f726573000000 // "cores"
	purposeKeys     uint64 = 0x6b65797300000000 // "keys"
	purposeStretch  uint64 = 0x7374726574636800 // "stretch"
	purposeChaos    uint64 = 0x6368616f73000000 // "chaos"
)

// stream returns the random stream of purpose p for seed.
func stream(seed, p uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, p)) }

// node is one simulated node.
type node struct {
	ident *identity.PrivateIdentity
	cert  *identity.Certificate
	id    identity.NodeID
	// core is nil while the node is down.
	core *mesh.Core
	// gen counts the node's starts; payloads and timers of an older
	// generation are discarded.
	gen uint64
	// deadline is the Tick scheduled in the queue (zero: none).
	deadline time.Time
	// agent is the healing agent of the running Core (Options.Healing);
	// pastIncidents and pastActions keep the histories of the agents of
	// earlier Cores.
	agent         healer
	stepAt        time.Time // the agent's Step scheduled in the queue (zero: none)
	lastStep      time.Time
	pastIncidents []mapek.Incident
	pastActions   []mapek.Action
	// evidence is the evidence of the symptom each action of the node's
	// agents answered, by actionKey (from the Step's audit records).
	evidence map[actionKey]map[string]float64
	// grayhole is the fraction of transit packets the node drops.
	grayhole float64
}

// vlink is the state of one topology link.
type vlink struct {
	cut bool
	// epoch counts cuts; payloads in flight across a cut are lost.
	epoch uint64
	// busy is when each direction (0: a→b, 1: b→a) finishes sending what
	// it was given (bandwidth).
	busy [2]time.Time
}

// Sim is a running simulation. It is not safe for concurrent use.
type Sim struct {
	opts  Options
	start time.Time
	now   time.Time

	nodes []*node
	index map[identity.NodeID]int
	edges []edge
	adj   [][]int
	links map[edge]*vlink

	verifier *identity.Verifier
	netRand  *rand.Rand
	traffic  *rand.Rand
	faults   *rand.Rand
	coreSeed *rand.Rand

	queue eventQueue
	seq   uint64

	log   *eventLog
	stats counters
	dgram map[uint64]*sent
	// purgeAt is the in-flight count at which forgetLost looks next.
	purgeAt int
	next    uint64 // next datagram number
	flows   []*Flow

	chaos     *rand.Rand
	attacker  identity.NodeID
	floods    map[int]*flood
	flaps     map[edge]*flap
	onDeliver func(Delivery)
	// version counts changes of the surviving graph (crashes, restarts,
	// cuts, heals); comps caches Components for compsVersion.
	version      uint64
	comps        []int
	compsVersion uint64
}

// sent is an application datagram in flight.
type sent struct {
	src, dst int
	at       time.Time
	flow     *Flow
}

// New builds the network of opts and starts every node at virtual time
// Start; log, if not nil, receives the event log (it is hashed either way).
func New(opts Options, log io.Writer) (*Sim, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	start, _ := time.Parse(time.RFC3339, Start)
	s := &Sim{
		opts:     opts,
		start:    start,
		now:      start,
		index:    make(map[identity.NodeID]int, opts.Nodes),
		links:    make(map[edge]*vlink),
		netRand:  stream(opts.Seed, purposeNetwork),
		traffic:  stream(opts.Seed, purposeTraffic),
		faults:   stream(opts.Seed, purposeFaults),
		chaos:    stream(opts.Seed, purposeChaos),
		floods:   make(map[int]*flood),
		flaps:    make(map[edge]*flap),
		version:  1,
		coreSeed: stream(opts.Seed, purposeCores),
		log:      newEventLog(log),
		dgram:    make(map[uint64]*sent),
	}
	es, err := buildTopology(opts.Topology, opts.Nodes, stream(opts.Seed, purposeTopology))
	if err != nil {
		return nil, err
	}
	s.edges, s.adj = es, adjacency(opts.Nodes, es)
	for _, e := range es {
		s.links[e] = &vlink{}
	}
	if err := s.makeIdentities(); err != nil {
		return nil, err
	}
	s.logf(-1, "start nodes=%d topology=%s links=%d seed=%d", opts.Nodes, opts.Topology, len(es), opts.Seed)
	for i := range s.nodes {
		if err := s.boot(i); err != nil {
			return nil, err
		}
	}
	for _, e := range es {
		s.neighbourUp(e.a, e.b)
		s.neighbourUp(e.b, e.a)
	}
	for i := range s.nodes {
		s.flush(i)
	}
	return s, nil
}

// makeIdentities creates a CA and the nodes' identities. The identities
// come from the seeded key stream (simulation only), because node IDs order
// neighbours and routes and so shape behaviour; the CA key, and every key
// the Cores make, come from crypto/rand.
func (s *Sim) makeIdentities() error {
	ca, err := identity.NewCA(crand.Reader, "sim-ca", 2*CertValidity, s.start.Add(-time.Hour))
	if err != nil {
		return fmt.Errorf("%w: CA: %w", ErrSetup, err)
	}
	if s.verifier, err = identity.NewVerifier(ca.Cert); err != nil {
		return fmt.Errorf("%w: verifier: %w", ErrSetup, err)
	}
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], s.opts.Seed)
	binary.LittleEndian.PutUint64(seed[8:], purposeKeys)
	keys := rand.NewChaCha8(seed)
	for i := range s.opts.Nodes {
		id, err := identity.GenerateIdentity(keys)
		if err != nil {
			return fmt.Errorf("%w: identity of node %d: %w", ErrSetup, i, err)
		}
		if _, dup := s.index[id.ID()]; dup {
			return fmt.Errorf("%w: duplicate node ID", ErrSetup) // unreachable with 256-bit IDs
		}
		cert, err := ca.Sign(crand.Reader, id.PublicIdentity(), fmt.Sprintf("node%d", i), nil,
			s.start.Add(-time.Hour), s.start.Add(CertValidity))
		if err != nil {
			return fmt.Errorf("%w: certificate of node %d: %w", ErrSetup, i, err)
		}
		s.nodes = append(s.nodes, &node{ident: id, cert: cert, id: id.ID()})
		s.index[id.ID()] = i
	}
	return nil
}

// boot starts a fresh Core on node i.
func (s *Sim) boot(i int) error {
	n := s.nodes[i]
	cfg := mesh.DefaultConfig()
	cfg.Identity, cfg.Cert, cfg.Verifier = n.ident, n.cert, s.verifier
	cfg.Rand = crand.Reader
	cfg.Jitter = rand.New(rand.NewPCG(s.coreSeed.Uint64(), s.coreSeed.Uint64()))
	c, err := mesh.New(cfg, s.now)
	if err != nil {
		return fmt.Errorf("%w: node %d: %w", ErrSetup, i, err)
	}
	n.core, n.deadline = c, time.Time{}
	n.gen++
	s.version++
	return s.startAgent(i)
}

// neighbourUp tells node i that its hop-by-hop session with j is up.
func (s *Sim) neighbourUp(i, j int) {
	if err := s.nodes[i].core.NeighbourUp(s.now, s.nodes[j].id); err != nil {
		s.stats.neighbourErrors++ // unreachable: topology degrees are far below mesh.MaxNeighbours
	}
}

// Now returns the virtual time elapsed since the start.
func (s *Sim) Now() time.Duration { return s.now.Sub(s.start) }

// Nodes returns the number of nodes.
func (s *Sim) Nodes() int { return len(s.nodes) }

// Links returns the topology's links as index pairs (a < b), in a
// deterministic order.
func (s *Sim) Links() [][2]int {
	ls := make([][2]int, len(s.edges))
	for k, e := range s.edges {
		ls[k] = [2]int{e.a, e.b}
	}
	return ls
}

// Neighbours returns the topology neighbours of node i, in index order.
func (s *Sim) Neighbours(i int) []int {
	if i < 0 || i >= len(s.nodes) {
		return nil
	}
	return append([]int(nil), s.adj[i]...)
}

// Up reports whether node i is running.
func (s *Sim) Up(i int) bool { return i >= 0 && i < len(s.nodes) && s.nodes[i].core != nil }

// Core returns the Core of node i, nil while it is down, for inspection.
func (s *Sim) Core(i int) *mesh.Core {
	if i < 0 || i >= len(s.nodes) {
		return nil
	}
	return s.nodes[i].core
}

// RunFor advances the simulation by d of virtual time.
func (s *Sim) RunFor(d time.Duration) { s.runUntil(s.now.Add(d)) }

// RunUntil advances the simulation until cond holds, checked every
// CheckInterval, for at most limit; it reports whether cond held.
func (s *Sim) RunUntil(limit time.Duration, cond func() bool) bool {
	end := s.now.Add(limit)
	for !cond() {
		if !s.now.Before(end) {
			return false
		}
		s.runUntil(minTime(end, s.now.Add(CheckInterval)))
	}
	return true
}

// runUntil processes every event due before or at end, then sets the clock
// to end.
func (s *Sim) runUntil(end time.Time) {
	for len(s.queue) > 0 && !s.queue[0].at.After(end) {
		ev := heap.Pop(&s.queue).(*event)
		s.now = ev.at
		ev.fn()
	}
	s.now = end
}

// at schedules fn at t (not before now).
func (s *Sim) at(t time.Time, fn func()) {
	if t.Before(s.now) {
		t = s.now
	}
	s.seq++
	heap.Push(&s.queue, &event{at: t, seq: s.seq, fn: fn})
}

// flush collects what node i's Core produced and reschedules its Tick.
func (s *Sim) flush(i int) {
	n := s.nodes[i]
	if n.core == nil {
		return
	}
	for _, o := range n.core.Outbox() {
		s.transmit(i, o)
	}
	evs := n.core.Events()
	for _, e := range evs {
		s.logCoreEvent(i, e)
	}
	if n.agent != nil && len(evs) > 0 {
		n.agent.Observe(evs)
		s.armStep(i)
	}
	for _, d := range n.core.Delivered() {
		s.delivered(i, d)
	}
	d := n.core.NextDeadline()
	if !d.After(s.now) {
		d = s.now.Add(MinTickGap)
	}
	if d.Equal(n.deadline) {
		return
	}
	n.deadline = d
	gen := n.gen
	s.at(d, func() {
		if n.core == nil || n.gen != gen || !n.deadline.Equal(d) {
			return // stale: the node restarted or was rescheduled
		}
		n.deadline = time.Time{}
		n.core.Tick(s.now)
		s.flush(i)
	})
}

// minTime returns the earlier of a and b.
func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
