package chaos

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// purposeScenario seeds the scenario's own choices (targets, pairs, monkey
// schedule), apart from the simulator's streams.
const purposeScenario uint64 = 0x7363656e6172696f // "scenario"

// probe is one datagram of probe traffic.
type probe struct {
	pair     int32
	sent, at time.Duration // at is zero until delivered
}

// phase bounds, in virtual time since the start.
type phases struct {
	beforeStart, duringStart, duringEnd, afterEnd time.Duration
}

// fault is an injected fault and what is needed to measure it.
type fault struct {
	Fault
	// near holds the fault's nodes and their topology neighbours: the nodes
	// whose incidents detect it and whose actions it explains.
	near map[int]bool
	// global marks a partition: node-wide partition actions anywhere are
	// explained by it.
	global bool
	// windowEnd ends the window of its MTTD and MTTR; revertedAt is when it
	// ended (zero: never).
	windowEnd, revertedAt time.Duration
}

// runner drives one scenario.
type runner struct {
	s    *sim.Sim
	opts sim.Options
	p    Params
	rng  *rand.Rand

	pairs   [][2]int
	pairSet map[[2]int]bool
	probes  []probe
	byNum   map[uint64]int
	probing bool
	next    time.Duration // next probe time

	faults []*fault
	ph     phases
	heal   *HealReachability
	// watch, if set, is called after every advance step.
	watch func()
}

func newRunner(opts sim.Options, p Params) (*runner, error) {
	opts.Healing = true
	opts.TrafficRate = 0
	s, err := sim.New(opts, nil)
	if err != nil {
		return nil, err
	}
	r := &runner{
		s: s, opts: opts, p: p,
		rng:     rand.New(rand.NewPCG(opts.Seed, purposeScenario)),
		pairSet: make(map[[2]int]bool),
		byNum:   make(map[uint64]int),
	}
	s.OnDeliver(func(d sim.Delivery) {
		if k, ok := r.byNum[d.Num]; ok {
			r.probes[k].at = d.At
			delete(r.byNum, d.Num)
		}
	})
	if !s.RunUntil(ConvergeLimit, s.RoutesComplete) {
		return nil, fmt.Errorf("%w: %d nodes, %v", ErrNoConvergence, s.Nodes(), ConvergeLimit)
	}
	s.RunFor(Settle)
	return r, nil
}

// addPair adds the probed pair (a, b) unless present or degenerate.
func (r *runner) addPair(a, b int) {
	p := [2]int{a, b}
	if a == b || r.pairSet[p] {
		return
	}
	r.pairSet[p] = true
	r.pairs = append(r.pairs, p)
}

// randomPairs adds n random pairs (fewer if the network is small).
func (r *runner) randomPairs(n int) {
	nodes := r.s.Nodes()
	want := min(len(r.pairs)+n, nodes*(nodes-1))
	for tries := 0; len(r.pairs) < want && tries < 100*n; tries++ {
		r.addPair(r.rng.IntN(nodes), r.rng.IntN(nodes))
	}
}

// pairsAround adds up to FaultPairs pairs among the nodes around the
// fault's nodes (their neighbours; the nodes themselves too unless they
// crash), whose paths are likely to cross the fault.
func (r *runner) pairsAround(nodes []int, includeNodes bool) {
	seen := map[int]bool{}
	var cand []int
	add := func(v int) {
		if !seen[v] {
			seen[v] = true
			cand = append(cand, v)
		}
	}
	faulty := map[int]bool{}
	for _, v := range nodes {
		faulty[v] = true
		if includeNodes {
			add(v)
		}
	}
	for _, v := range nodes {
		for _, w := range r.s.Neighbours(v) {
			if !faulty[w] || includeNodes {
				add(w)
			}
		}
	}
	var all [][2]int
	for _, a := range cand {
		for _, b := range cand {
			if a != b {
				all = append(all, [2]int{a, b})
			}
		}
	}
	r.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for _, p := range all[:min(len(all), FaultPairs)] {
		r.addPair(p[0], p[1])
	}
}

// now returns the virtual time since the start.
func (r *runner) now() time.Duration { return r.s.Now() }

// advance runs the simulation for d, sending probes on their schedule.
func (r *runner) advance(d time.Duration) {
	end := r.now() + d
	for r.now() < end {
		if r.probing && r.now() >= r.next {
			r.sendProbes()
			r.next += r.p.ProbeInterval
		}
		step := end - r.now()
		if r.probing && r.next-r.now() < step {
			step = r.next - r.now()
		}
		r.s.RunFor(step)
		if r.watch != nil {
			r.watch()
		}
	}
}

// sendProbes sends one datagram on every pair whose ends are running and
// connected in the surviving graph.
func (r *runner) sendProbes() {
	comp := r.s.Components()
	for k, p := range r.pairs {
		if comp[p[0]] < 0 || comp[p[0]] != comp[p[1]] {
			continue
		}
		num, err := r.s.Probe(p[0], p[1], ProbeSize)
		r.probes = append(r.probes, probe{pair: int32(k), sent: r.now()})
		if err == nil {
			r.byNum[num] = len(r.probes) - 1
		}
	}
}

// start starts the probes, waits Warmup and runs the "before" phase.
func (r *runner) start() {
	slices.SortFunc(r.pairs, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	r.probing, r.next = true, r.now()
	for limit := r.now() + WarmupLimit; r.now() < limit && !r.allDelivered(); {
		r.advance(r.p.ProbeInterval)
	}
	r.advance(Warmup)
	r.ph.beforeStart = r.now()
	r.advance(BeforeWindow)
	r.ph.duringStart = r.now()
}

// allDelivered reports whether every probed pair has delivered a probe,
// which means its end-to-end session is up.
func (r *runner) allDelivered() bool {
	seen := make([]bool, len(r.pairs))
	n := 0
	for _, p := range r.probes {
		if p.at != 0 && !seen[p.pair] {
			seen[p.pair] = true
			n++
		}
	}
	return n == len(r.pairs)
}

// revertPhase ends the "during" phase, runs the "after" phase, stops the
// probes and drains.
func (r *runner) revertPhase() {
	r.ph.afterEnd = r.now() + AfterWindow
	r.advance(AfterWindow)
	r.probing = false
	r.advance(Drain)
}

// inject records a fault of kind on nodes and links, injected by do now.
func (r *runner) inject(kind string, nodes []int, links [][2]int, do func() error) (*fault, error) {
	if err := do(); err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	f := &fault{Fault: Fault{Kind: kind, Onset: r.now(), Nodes: nodes, Links: links}, near: map[int]bool{}}
	for _, v := range nodes {
		f.near[v] = true
		for _, w := range r.s.Neighbours(v) {
			f.near[w] = true
		}
	}
	f.windowEnd = f.Onset + FaultWindow
	r.faults = append(r.faults, f)
	return f, nil
}

// revert ends fault f now with undo.
func (r *runner) revert(f *fault, undo func() error) error {
	if err := undo(); err != nil {
		return fmt.Errorf("reverting %s: %w", f.Kind, err)
	}
	f.revertedAt = r.now()
	f.Reverted = r.now()
	return nil
}
