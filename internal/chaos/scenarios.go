package chaos

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// Scenario is a named fault scenario.
type Scenario struct {
	// Name is what --scenario takes; Summary says what it does.
	Name, Summary string
	run           func(r *runner) error
}

// Scenarios returns every scenario, in a fixed order.
func Scenarios() []Scenario {
	return []Scenario{
		{"none", "no faults for Span: every action is a false positive", runNone},
		{"node-crash", "crash the node on most shortest paths (highest betweenness); it stays down", runNodeCrash},
		{"link-cut", "cut the busiest link whose cut leaves the network connected; heal it after FaultWindow", runLinkCut},
		{"partition-heal", "cut the network in two connected halves; heal after FaultWindow", runPartition},
		{"cascade", "kill the highest-betweenness node, CascadeSteps times, FaultWindow apart", runCascade},
		{"flapping-link", "make the busiest link go down and up every FlapPeriod; stop after FaultWindow", runFlap},
		{"grayhole", "make the highest-betweenness node drop GrayholeFraction of transit packets; stop after FaultWindow", runGrayhole},
		{"handshake-flood", "send FloodRate junk handshake messages per second to a random node; stop after FaultWindow", runFlood},
		{"monkey", "random crashes, cuts, flaps, grayholes and floods at FaultRate per minute for Span, each reverted after FaultWindow", runMonkey},
	}
}

// Lookup returns the scenario named name.
func Lookup(name string) (Scenario, error) {
	names := make([]string, 0, 9)
	for _, sc := range Scenarios() {
		if sc.Name == name {
			return sc, nil
		}
		names = append(names, sc.Name)
	}
	return Scenario{}, fmt.Errorf("%w: %q is not one of %s", ErrUnknownScenario, name, strings.Join(names, ", "))
}

// Run runs the scenario name on the network of opts (its Seed drives every
// choice; Healing is turned on, random traffic off, Duration unused) with
// p, and returns its Report.
func Run(name string, opts sim.Options, p Params) (*Report, error) {
	wall := time.Now()
	sc, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.WithDefaults()
	r, err := newRunner(opts, p)
	if err != nil {
		return nil, err
	}
	if err := sc.run(r); err != nil {
		return nil, fmt.Errorf("chaos: %s: %w", name, err)
	}
	rep := r.report(name)
	rep.WallTime = time.Since(wall)
	return rep, nil
}

// single runs the common timeline of a one-fault scenario: probes around
// the fault, the "before" phase, the fault for FaultWindow, undo (if not
// nil), the "after" phase.
func (r *runner) single(kind string, nodes []int, links [][2]int, aroundNodes bool, do, undo func() error) (*fault, error) {
	r.pairsAround(nodes, aroundNodes)
	r.randomPairs(r.p.ProbePairs)
	r.start()
	f, err := r.inject(kind, nodes, links, do)
	if err != nil {
		return nil, err
	}
	r.advance(FaultWindow)
	r.ph.duringEnd = r.now()
	if undo != nil {
		if err := r.revert(f, undo); err != nil {
			return nil, err
		}
	}
	r.revertPhase()
	return f, nil
}

func runNone(r *runner) error {
	r.randomPairs(r.p.ProbePairs)
	r.start()
	r.advance(r.p.Span)
	r.ph.duringEnd = r.now()
	r.revertPhase()
	return nil
}

func runNodeCrash(r *runner) error {
	v, ok := r.central()
	if !ok {
		return ErrNoTarget
	}
	_, err := r.single("crash", []int{v}, nil, false, func() error { return r.s.Crash(v) }, nil)
	return err
}

func runLinkCut(r *runner) error {
	l, ok := r.busiestLink()
	if !ok {
		return ErrNoTarget
	}
	_, err := r.single("cut", l[:], [][2]int{l}, true,
		func() error { return r.s.Cut(l[0], l[1]) }, func() error { return r.s.Heal(l[0], l[1]) })
	return err
}

func runFlap(r *runner) error {
	l, ok := r.busiestLink()
	if !ok {
		return ErrNoTarget
	}
	_, err := r.single("flap", l[:], [][2]int{l}, true,
		func() error { return r.s.Flap(l[0], l[1], FlapPeriod) }, func() error { return r.s.Flap(l[0], l[1], 0) })
	return err
}

func runGrayhole(r *runner) error {
	v, ok := r.central()
	if !ok {
		return ErrNoTarget
	}
	_, err := r.single("grayhole", []int{v}, nil, false,
		func() error { return r.s.Grayhole(v, GrayholeFraction) }, func() error { return r.s.Grayhole(v, 0) })
	return err
}

func runFlood(r *runner) error {
	v := r.rng.IntN(r.s.Nodes())
	_, err := r.single("handshake-flood", []int{v}, nil, true,
		func() error { return r.s.HandshakeFlood(v, FloodRate) }, func() error { return r.s.HandshakeFlood(v, 0) })
	return err
}

func runPartition(r *runner) error {
	side := r.half()
	in := make(map[int]bool, len(side))
	for _, v := range side {
		in[v] = true
	}
	var links [][2]int
	var ends []int
	seen := map[int]bool{}
	for _, l := range r.s.Links() {
		if in[l[0]] != in[l[1]] {
			links = append(links, l)
			for _, v := range l {
				if !seen[v] {
					seen[v] = true
					ends = append(ends, v)
				}
			}
		}
	}
	f, err := r.single("partition", ends, links, true, func() error {
		_, err := r.s.Partition(side)
		return err
	}, func() error {
		r.s.HealAll()
		r.watchHeal()
		return nil
	})
	if f != nil {
		f.global = true
	}
	return err
}

// watchHeal measures the time from now until every running node has a
// route to every other (checked after each advance step).
func (r *runner) watchHeal() {
	at := r.now()
	r.heal = &HealReachability{}
	r.watch = func() {
		if !r.heal.Routed && r.s.RoutesComplete() {
			r.heal.Routed, r.heal.Routes = true, r.now()-at
		}
	}
	r.watch()
}

func runCascade(r *runner) error {
	targets := r.cascadeTargets(r.p.CascadeSteps)
	if len(targets) == 0 {
		return ErrNoTarget
	}
	r.pairsAround(targets, false)
	r.randomPairs(r.p.ProbePairs)
	r.start()
	for _, v := range targets {
		if _, err := r.inject("crash", []int{v}, nil, func() error { return r.s.Crash(v) }); err != nil {
			return err
		}
		r.advance(FaultWindow)
	}
	r.ph.duringEnd = r.now()
	r.revertPhase()
	return nil
}

func runMonkey(r *runner) error {
	r.randomPairs(r.p.ProbePairs + FaultPairs)
	r.start()
	type pending struct {
		f    *fault
		undo func() error
	}
	var open []pending
	busy := map[int]bool{}
	end := r.now() + r.p.Span
	mean := float64(time.Minute) / r.p.FaultRate
	next := r.now() + time.Duration(r.rng.ExpFloat64()*mean)
	for {
		// The next event: a revert due, or the next onset within the span.
		at := time.Duration(math.MaxInt64)
		if next < end {
			at = next
		}
		for _, o := range open {
			at = min(at, o.f.Onset+FaultWindow)
		}
		if at == time.Duration(math.MaxInt64) {
			break
		}
		if d := at - r.now(); d > 0 {
			r.advance(d)
		}
		for k := 0; k < len(open); k++ {
			if o := open[k]; o.f.Onset+FaultWindow <= r.now() {
				if err := r.revert(o.f, o.undo); err != nil {
					return err
				}
				for _, v := range o.f.Nodes {
					delete(busy, v)
				}
				open = append(open[:k], open[k+1:]...)
				k--
			}
		}
		if next <= r.now() && next < end {
			f, undo, err := r.monkeyFault(busy)
			if err != nil {
				return err
			}
			if f != nil {
				open = append(open, pending{f, undo})
				for _, v := range f.Nodes {
					busy[v] = true
				}
			}
			next = r.now() + max(time.Duration(r.rng.ExpFloat64()*mean), time.Millisecond)
		}
	}
	r.ph.duringEnd = r.now()
	r.revertPhase()
	return nil
}

// monkeyFault injects one random fault on nodes not busy with another and
// returns it with its undo; nil if no target was free.
func (r *runner) monkeyFault(busy map[int]bool) (*fault, func() error, error) {
	kinds := [...]string{"crash", "cut", "flap", "grayhole", "handshake-flood"}
	kind := kinds[r.rng.IntN(len(kinds))]
	n := r.s.Nodes()
	if kind == "cut" || kind == "flap" {
		ls := r.s.Links()
		l := ls[r.rng.IntN(len(ls))]
		if busy[l[0]] || busy[l[1]] || !r.s.Up(l[0]) || !r.s.Up(l[1]) {
			return nil, nil, nil
		}
		do, undo := func() error { return r.s.Cut(l[0], l[1]) }, func() error { return r.s.Heal(l[0], l[1]) }
		if kind == "flap" {
			do, undo = func() error { return r.s.Flap(l[0], l[1], FlapPeriod) }, func() error { return r.s.Flap(l[0], l[1], 0) }
		}
		f, err := r.inject(kind, l[:], [][2]int{l}, do)
		return f, undo, err
	}
	v := r.rng.IntN(n)
	if busy[v] || !r.s.Up(v) {
		return nil, nil, nil
	}
	var do, undo func() error
	switch kind {
	case "crash":
		do, undo = func() error { return r.s.Crash(v) }, func() error { return r.s.Restart(v) }
	case "grayhole":
		do, undo = func() error { return r.s.Grayhole(v, GrayholeFraction) }, func() error { return r.s.Grayhole(v, 0) }
	default:
		do, undo = func() error { return r.s.HandshakeFlood(v, FloodRate) }, func() error { return r.s.HandshakeFlood(v, 0) }
	}
	f, err := r.inject(kind, []int{v}, nil, do)
	return f, undo, err
}
