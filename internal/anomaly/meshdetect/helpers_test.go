package meshdetect

import (
	"bytes"
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// fixture is a small dataset and a detector trained on it, shared by the tests of one binary.
type fixture struct {
	train, val, test []Frame
	d                *Detector
	file             []byte
}

var (
	fixOnce sync.Once
	fix     fixture
	fixErr  error
)

func smallOptions() TrainOptions {
	opt := DefaultTrainOptions()
	opt.Config.Hidden = 16
	opt.Config.Epochs = 40
	opt.Config.Patience = 10
	return opt
}

func getFixture(t testing.TB) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		ctx := context.Background()
		frames, err := Generate(ctx, []Spec{
			{Topology: sim.Grid, Nodes: MinScenarioNodes, Seed: 1},
			{Topology: sim.Ring, Nodes: MinScenarioNodes, Seed: 2},
			{Topology: sim.ScaleFree, Nodes: MinScenarioNodes, Seed: 3},
		}, 2)
		if err != nil {
			fixErr = err
			return
		}
		k := len(SampleOffsets)
		fix.train, fix.val, fix.test = frames[:k], frames[k:2*k], frames[2*k:]
		fix.d, _, fixErr = Train(ctx, fix.train, fix.val, smallOptions())
		if fixErr != nil {
			return
		}
		var b bytes.Buffer
		fixErr = fix.d.Save(&b)
		fix.file = b.Bytes()
	})
	if fixErr != nil {
		t.Fatalf("fixture: %v", fixErr)
	}
	return &fix
}

// tinyDetector returns an untrained detector with a one-layer model of width 2, for file tests.
func tinyDetector(t testing.TB) *Detector {
	t.Helper()
	arch := graphsage.Architecture{Aggregator: graphsage.AggregatorMean, Head: graphsage.HeadSoftmax, Layers: 1,
		InDim: NumFeatures, Hidden: 2, Classes: int(NumClasses)}
	m, err := graphsage.New(arch, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	d := &Detector{model: m}
	for j := range d.std {
		d.mean[j], d.std[j] = float64(j)/10, 1+float64(j)/100
	}
	return d
}

func saved(t testing.TB, d *Detector) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := d.Save(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
