package meshdetect

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// Plan lists the scenarios of a benchmark: training, validation (early stopping) and test. The
// default test set uses a topology family and seeds that training never sees.
type Plan struct {
	Train []Spec `json:"train"`
	Val   []Spec `json:"val"`
	Test  []Spec `json:"test"`
}

// DefaultPlan returns the documented benchmark: train on grid, scale-free and ring networks with
// seeds 1..trainSeeds, validate on seed 51 of each, and test on random-geometric networks (a
// family not trained on) with seeds 101..100+testSeeds and on grid and scale-free with seed 101,
// all of nodes nodes.
func DefaultPlan(nodes, trainSeeds, testSeeds int) Plan {
	var p Plan
	seen := []sim.Topology{sim.Grid, sim.ScaleFree, sim.Ring}
	for _, t := range seen {
		for s := 1; s <= trainSeeds; s++ {
			p.Train = append(p.Train, Spec{Topology: t, Nodes: nodes, Seed: uint64(s)})
		}
		p.Val = append(p.Val, Spec{Topology: t, Nodes: nodes, Seed: 51})
	}
	for s := 1; s <= testSeeds; s++ {
		p.Test = append(p.Test, Spec{Topology: sim.RandomGeometric, Nodes: nodes, Seed: uint64(100 + s)})
	}
	p.Test = append(p.Test, Spec{Topology: sim.Grid, Nodes: nodes, Seed: 101}, Spec{Topology: sim.ScaleFree, Nodes: nodes, Seed: 101})
	return p
}

// Validate checks every Spec and the sizes; errors wrap ErrInvalidSpec.
func (p Plan) Validate() error {
	if len(p.Train) == 0 || len(p.Val) == 0 || len(p.Test) == 0 {
		return fmt.Errorf("%w: a plan needs train, validation and test scenarios", ErrInvalidSpec)
	}
	if len(p.Train)+len(p.Val)+len(p.Test) > MaxScenarios {
		return fmt.Errorf("%w: more than %d scenarios", ErrInvalidSpec, MaxScenarios)
	}
	for _, set := range [][]Spec{p.Train, p.Val, p.Test} {
		for _, s := range set {
			if err := s.Validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Generate runs the scenarios on up to workers goroutines (at least 1) and returns their frames in
// the order of specs; the result does not depend on workers.
func Generate(ctx context.Context, specs []Spec, workers int) ([]Frame, error) {
	if len(specs) > MaxScenarios {
		return nil, fmt.Errorf("%w: more than %d scenarios", ErrInvalidSpec, MaxScenarios)
	}
	out := make([][]Frame, len(specs))
	errs := make([]error, len(specs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(workers, len(specs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				out[k], errs[k] = RunScenario(ctx, specs[k])
				if errs[k] != nil {
					cancel()
				}
			}
		}()
	}
	for k := range specs {
		next <- k
	}
	close(next)
	wg.Wait()
	var frames []Frame
	for k := range specs {
		if errs[k] != nil {
			return nil, fmt.Errorf("scenario %s: %w", specs[k], errs[k])
		}
		frames = append(frames, out[k]...)
	}
	return frames, nil
}

// EncodeFrames returns a canonical byte encoding of frames (every field, floats as IEEE-754
// bits), so that two datasets can be compared byte for byte.
func EncodeFrames(frames []Frame) []byte {
	var b []byte
	u := func(v uint64) { b = binary.LittleEndian.AppendUint64(b, v) }
	f := func(v float64) { u(math.Float64bits(v)) }
	for _, fr := range frames {
		b = append(b, fr.Spec.Topology...)
		u(uint64(fr.Spec.Nodes))
		u(fr.Spec.Seed)
		u(uint64(fr.At))
		for _, o := range fr.Nodes {
			b = append(b, byte(o.Label), boolByte(o.Up), byte(len(o.Rules)))
			for _, c := range o.Rules {
				b = append(b, byte(c))
			}
			for _, v := range o.Self {
				f(v)
			}
			u(uint64(len(o.Out)))
			for _, e := range o.Out {
				u(uint64(e.Peer))
				b = append(b, boolByte(e.Current), byte(e.Rule))
				for _, v := range e.View {
					f(v)
				}
			}
		}
	}
	return b
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
