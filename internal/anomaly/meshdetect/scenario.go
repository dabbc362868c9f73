package meshdetect

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// Random stream purposes of a scenario, seeded with Spec.Seed (distinct from the simulator's).
const (
	purposeFaults  uint64 = 0x6d646661756c7473 // "mdfaults"
	purposeRuntime uint64 = 0x6d6472756e74696d // "mdruntim"
	purposeTraffic uint64 = 0x6d64747261666669 // "mdtraffi"
	purposeJunk    uint64 = 0x6d646a756e6b0000 // "mdjunk"
)

// Spec describes one simulated scenario: a network, and one node of every fault class in it.
type Spec struct {
	// Topology is the simulator's graph family.
	Topology sim.Topology `json:"topology"`
	// Nodes is the network size, in [MinScenarioNodes, MaxScenarioNodes].
	Nodes int `json:"nodes"`
	// Seed drives the topology, the fault placement and parameters, the traffic and the noise.
	Seed uint64 `json:"seed"`
}

// String returns "topology/nodes/seed".
func (s Spec) String() string { return fmt.Sprintf("%s/%d/%d", s.Topology, s.Nodes, s.Seed) }

// Validate checks the fields; errors wrap ErrInvalidSpec.
func (s Spec) Validate() error {
	if _, err := sim.ParseTopology(string(s.Topology)); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSpec, err)
	}
	if s.Nodes < MinScenarioNodes || s.Nodes > MaxScenarioNodes {
		return fmt.Errorf("%w: %d nodes not in [%d, %d]", ErrInvalidSpec, s.Nodes, MinScenarioNodes, MaxScenarioNodes)
	}
	return nil
}

// Entry is one neighbour entry of a node's telemetry at a sample time.
type Entry struct {
	// Peer is the index of the simulated node behind the entry's ID.
	Peer int
	// Current reports whether the ID is the peer's current identity (false for the dead entries
	// of a churning node's earlier identities).
	Current bool
	// View is the node's measurement of the entry.
	View LinkView
	// Rule is the class the node's own MAPE-K rules give the entry (RuleClassOf).
	Rule Class
}

// NodeObs is one node at one sample time.
type NodeObs struct {
	// Label is the fault injected on the node.
	Label Class
	// Up reports whether the node was running; the other fields are empty when it was not.
	Up bool
	// Self is the node's own telemetry summary.
	Self SelfView
	// Out lists the node's neighbour entries, sorted by ID.
	Out []Entry
	// Rules are the symptom kinds the node's own rules raised about itself (node-wide ones).
	Rules []Class
}

// Frame is every node of a scenario at one sample time.
type Frame struct {
	// Spec is the scenario and At the time since fault onset.
	Spec Spec
	At   time.Duration
	// Nodes holds one observation per simulated node, by index.
	Nodes []NodeObs
}

// scenario is a running simulation with its collectors and faults.
type scenario struct {
	spec   Spec
	s      *sim.Sim
	cols   []*collector
	label  []Class
	gen    []int
	owner  map[identity.NodeID]int
	rng    *rand.Rand // fault placement and parameters
	noise  *rand.Rand
	junk   *rand.Rand
	usage  [][2]float64 // base CPU and memory per node
	queueR []float64    // queue drops per second (overloaded)
	queueA []float64    // accumulated queue drops
	floods []flood
}

type flood struct {
	src, dst int
	rate     float64
	carry    float64
}

// RunScenario simulates spec and returns its frames, one per SampleOffsets entry. It is
// deterministic for a Spec. It returns ctx's error if ctx ends first.
func RunScenario(ctx context.Context, spec Spec) ([]Frame, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	opts := sim.DefaultOptions()
	opts.Nodes, opts.Topology, opts.Seed = spec.Nodes, spec.Topology, spec.Seed
	opts.TrafficRate, opts.StretchSamples, opts.DatagramSize = 0, 0, DatagramSize
	s, err := sim.New(opts, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSimulation, err)
	}
	sc := &scenario{
		spec: spec, s: s, label: make([]Class, spec.Nodes), gen: make([]int, spec.Nodes),
		owner: make(map[identity.NodeID]int, spec.Nodes),
		rng:   rand.New(rand.NewPCG(spec.Seed, purposeFaults)),
		noise: rand.New(rand.NewPCG(spec.Seed, purposeRuntime)),
		junk:  rand.New(rand.NewPCG(spec.Seed, purposeJunk)),
		usage: make([][2]float64, spec.Nodes), queueR: make([]float64, spec.Nodes), queueA: make([]float64, spec.Nodes),
	}
	for i := range spec.Nodes {
		sc.owner[s.ID(i)] = i
		sc.usage[i] = [2]float64{0.05 + sc.noise.Float64()*(NormalCPUMax-0.05), 0.1 + sc.noise.Float64()*(NormalMemMax-0.1)}
	}
	sc.cols = make([]*collector, spec.Nodes)
	for i := range spec.Nodes {
		if err := sc.newCollector(i); err != nil {
			return nil, err
		}
	}
	// Converge, then traffic and warm-up, then the faults.
	for !s.RoutesComplete() && s.Now() < ConvergeLimit {
		if err := sc.advance(ctx); err != nil {
			return nil, err
		}
	}
	if err := sc.startTraffic(); err != nil {
		return nil, err
	}
	if err := sc.runFor(ctx, Warmup, nil); err != nil {
		return nil, err
	}
	churn, err := sc.injectFaults()
	if err != nil {
		return nil, err
	}
	onset := s.Now()
	var frames []Frame
	next := 0
	err = sc.runFor(ctx, FaultSpan, func() error {
		if err := churn(); err != nil {
			return err
		}
		if next < len(SampleOffsets) && s.Now()-onset >= SampleOffsets[next] {
			frames = append(frames, sc.frame(SampleOffsets[next]))
			next++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return frames, nil
}

func (sc *scenario) newCollector(i int) error {
	c, err := newCollector(sc.s.Core(i), sc.rename)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSimulation, err)
	}
	sc.cols[i] = c
	return nil
}

// rename maps a node's real ID to the identity it currently presents.
func (sc *scenario) rename(id identity.NodeID) identity.NodeID {
	if i, ok := sc.owner[id]; ok && sc.gen[i] > 0 {
		p := pseudoID(id, sc.gen[i])
		sc.owner[p] = i
		return p
	}
	return id
}

// runFor advances d in StepPeriod steps, calling each (if not nil) after every step.
func (sc *scenario) runFor(ctx context.Context, d time.Duration, each func() error) error {
	end := sc.s.Now() + d
	for sc.s.Now() < end {
		if err := sc.advance(ctx); err != nil {
			return err
		}
		if each != nil {
			if err := each(); err != nil {
				return err
			}
		}
	}
	return nil
}

// advance runs the network for StepPeriod, then samples every running node.
func (sc *scenario) advance(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sc.s.RunFor(StepPeriod)
	now := sim.StartTime().Add(sc.s.Now())
	for k := range sc.floods {
		sc.sendJunk(now, &sc.floods[k])
	}
	for i, c := range sc.cols {
		core := sc.s.Core(i)
		if core == nil {
			continue
		}
		if c == nil || c.core != core {
			if err := sc.newCollector(i); err != nil {
				return err
			}
			c = sc.cols[i]
		}
		if err := c.step(now, sc.runtime(i)); err != nil {
			return fmt.Errorf("%w: node %d: %w", ErrSimulation, i, err)
		}
	}
	return nil
}

// runtime synthesises node i's CPU, memory and queue drops for one step.
func (sc *scenario) runtime(i int) runtimeSample {
	n := func() float64 { return (2*sc.noise.Float64() - 1) * UsageNoise }
	clamp := func(x float64) float64 { return math.Min(1, math.Max(0, x)) }
	sc.queueA[i] += sc.queueR[i] * StepPeriod.Seconds()
	return runtimeSample{cpu: clamp(sc.usage[i][0] + n()), mem: clamp(sc.usage[i][1] + n()), queue: uint64(sc.queueA[i])}
}

func (sc *scenario) startTraffic() error {
	rng := rand.New(rand.NewPCG(sc.spec.Seed, purposeTraffic))
	n := sc.spec.Nodes
	for src := range n {
		for range TrafficPeers {
			dst := rng.IntN(n - 1)
			if dst >= src {
				dst++
			}
			if _, err := sc.s.StartFlow(src, dst, TrafficInterval, DatagramSize); err != nil {
				return fmt.Errorf("%w: %w", ErrSimulation, err)
			}
		}
	}
	return nil
}

// pickFaulty chooses one node per fault class, preferring nodes with at least two links and no
// faulty neighbour.
func (sc *scenario) pickFaulty() []int {
	n := sc.spec.Nodes
	order := sc.rng.Perm(n)
	taken := make([]bool, n)
	near := make([]bool, n)
	var out []int
	for pass := 0; pass < 3 && len(out) < int(NumClasses)-1; pass++ {
		for _, i := range order {
			if len(out) == int(NumClasses)-1 {
				break
			}
			deg := len(sc.s.Neighbours(i))
			if taken[i] || (pass == 0 && (near[i] || deg < 2)) || (pass == 1 && deg < 2) {
				continue
			}
			taken[i] = true
			out = append(out, i)
			for _, j := range sc.s.Neighbours(i) {
				near[j] = true
			}
		}
	}
	return out
}

// injectFaults starts one fault of every class and returns the function that drives identity
// churn, to be called after every step.
func (sc *scenario) injectFaults() (func() error, error) {
	s := sc.s
	faulty := sc.pickFaulty()
	uni := func(lo, hi float64) float64 { return lo + sc.rng.Float64()*(hi-lo) }
	dur := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(sc.rng.Int64N(int64(hi-lo))) }
	churner, churnEvery := -1, time.Duration(0)
	for k, i := range faulty {
		c := Class(k + 1)
		sc.label[i] = c
		var err error
		switch c {
		case Blackhole:
			err = s.Grayhole(i, 1)
		case Grayhole:
			err = s.Grayhole(i, uni(GrayholeMin, GrayholeMax))
		case Overloaded:
			sc.usage[i] = [2]float64{uni(OverloadCPUMin, 1), uni(OverloadMemMin, OverloadMemMax)}
			sc.queueR[i] = uni(OverloadQueueMin, OverloadQueueMax)
			err = s.Grayhole(i, uni(OverloadDropMin, OverloadDropMax))
		case Flapping:
			period := dur(FlapMin, FlapMax)
			for _, j := range s.Neighbours(i) {
				if err = s.Flap(i, j, period); err != nil {
					break
				}
			}
		case IdentityChurn:
			churner, churnEvery = i, dur(ChurnMin, ChurnMax)
		case FloodSource:
			nb := s.Neighbours(i)
			sc.floods = append(sc.floods, flood{src: i, dst: nb[sc.rng.IntN(len(nb))], rate: uni(FloodMin, FloodMax)})
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v on node %d: %w", ErrSimulation, c, i, err)
		}
	}
	if churner < 0 {
		return func() error { return nil }, nil
	}
	nextDown := s.Now() + churnEvery
	var upAt time.Duration
	return func() error {
		now := s.Now()
		switch {
		case upAt > 0 && now >= upAt:
			upAt = 0
			sc.gen[churner]++
			if err := s.Restart(churner); err != nil {
				return fmt.Errorf("%w: %w", ErrSimulation, err)
			}
			nextDown = now + churnEvery
		case upAt == 0 && now >= nextDown:
			if err := s.Shutdown(churner); err != nil {
				return fmt.Errorf("%w: %w", ErrSimulation, err)
			}
			upAt = now + ChurnDown
		}
		return nil
	}, nil
}

// sendJunk delivers one step's worth of a flood: junk handshake opening messages (CertRequests
// with random sender index and cookie) from the source's identity to its target, as if they had
// come over their link.
func (sc *scenario) sendJunk(now time.Time, f *flood) {
	src, dst := sc.s.Core(f.src), sc.s.Core(f.dst)
	if src == nil || dst == nil || sc.s.IsCut(f.src, f.dst) {
		return
	}
	f.carry += f.rate * StepPeriod.Seconds()
	for ; f.carry >= 1; f.carry-- {
		msg := make([]byte, handshake.CertRequestSize)
		msg[0] = handshake.TypeCertRequest
		for k := 4; k < 4+4+handshake.CookieSize; k++ {
			msg[k] = byte(sc.junk.Uint32())
		}
		pkt := mesh.Header{HopLimit: sim.FloodHopLimit, Src: src.ID(), Dst: dst.ID()}.Append(nil)
		_ = dst.Receive(now, src.ID(), append(pkt, msg...)) // a refused message is what a flood is
	}
}

// frame records every node now.
func (sc *scenario) frame(at time.Duration) Frame {
	f := Frame{Spec: sc.spec, At: at, Nodes: make([]NodeObs, sc.spec.Nodes)}
	for i, c := range sc.cols {
		o := &f.Nodes[i]
		o.Label = sc.label[i]
		if sc.s.Core(i) == nil || c == nil || c.core != sc.s.Core(i) {
			continue
		}
		o.Up = true
		o.Self = c.hist.Self()
		views := c.hist.Links()
		rules := ruleClasses(c.symptom)
		for k, id := range c.hist.Neighbours() {
			peer, ok := sc.owner[id]
			if !ok {
				continue // unreachable: every ID in the network is known
			}
			o.Out = append(o.Out, Entry{Peer: peer, Current: id == sc.rename(sc.s.ID(peer)), View: views[k], Rule: rules.about(id)})
		}
		o.Rules = rules.self
	}
	return f
}
