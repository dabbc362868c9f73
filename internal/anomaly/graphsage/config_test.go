package graphsage

import (
	"errors"
	"math"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDefaultConfigValid(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg.FullBatch = false
	if err := cfg.Validate(); err != nil {
		t.Fatalf("sampled defaults: %v", err)
	}
	if cfg.Fanouts[0] != 25 || cfg.Fanouts[1] != 10 {
		t.Errorf("fan-outs %v, want [25 10]", cfg.Fanouts)
	}
}

func TestConfigValidateNamesField(t *testing.T) {
	tests := []struct {
		field  string
		mutate func(*Config)
	}{
		{"Aggregator", func(c *Config) { c.Aggregator = 0 }},
		{"Aggregator", func(c *Config) { c.Aggregator = 9 }},
		{"Head", func(c *Config) { c.Head = 3 }},
		{"Layers", func(c *Config) { c.Layers = 0 }},
		{"Layers", func(c *Config) { c.Layers = MaxLayers + 1 }},
		{"Hidden", func(c *Config) { c.Hidden = 0 }},
		{"Hidden", func(c *Config) { c.Hidden = MaxHidden + 1 }},
		{"LearningRate", func(c *Config) { c.LearningRate = 0 }},
		{"LearningRate", func(c *Config) { c.LearningRate = math.NaN() }},
		{"LearningRate", func(c *Config) { c.LearningRate = 2 }},
		{"WeightDecay", func(c *Config) { c.WeightDecay = -1e-4 }},
		{"WeightDecay", func(c *Config) { c.WeightDecay = math.Inf(1) }},
		{"Dropout", func(c *Config) { c.Dropout = 1 }},
		{"Dropout", func(c *Config) { c.Dropout = -0.1 }},
		{"Epochs", func(c *Config) { c.Epochs = 0 }},
		{"Epochs", func(c *Config) { c.Epochs = MaxEpochs + 1 }},
		{"Patience", func(c *Config) { c.Patience = -1 }},
		{"BatchSize", func(c *Config) { c.FullBatch = false; c.BatchSize = 0 }},
		{"Fanouts", func(c *Config) { c.FullBatch = false; c.Fanouts = []int{25} }},
		{"Fanouts", func(c *Config) { c.FullBatch = false; c.Fanouts = []int{25, -1} }},
		{"Fanouts", func(c *Config) { c.FullBatch = false; c.Fanouts = []int{MaxFanout + 1, 1} }},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.mutate(&cfg)
		err := cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
			t.Errorf("%s: got %v, want a *ConfigError", tt.field, err)
			continue
		}
		if ce.Field != tt.field {
			t.Errorf("error names %s, want %s (%v)", ce.Field, tt.field, err)
		}
	}
	// Fan-outs and batch size do not matter in full-batch mode.
	cfg := DefaultConfig()
	cfg.Fanouts, cfg.BatchSize = nil, 0
	if err := cfg.Validate(); err != nil {
		t.Errorf("full batch without fan-outs: %v", err)
	}
}

func TestAggregatorAndHeadNames(t *testing.T) {
	for _, a := range []Aggregator{AggregatorMean, AggregatorGCN, AggregatorPool} {
		got, err := ParseAggregator(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAggregator(%q) = %v, %v", a.String(), got, err)
		}
	}
	if _, err := ParseAggregator("lstm"); !errors.Is(err, ErrConfig) {
		t.Errorf("ParseAggregator(lstm): %v", err)
	}
	if s := Aggregator(42).String(); s != "Aggregator(42)" {
		t.Errorf("unknown aggregator prints %q", s)
	}
	if HeadSoftmax.String() != "softmax" || HeadBinary.String() != "binary" || Head(7).String() != "Head(7)" {
		t.Error("head names")
	}
}

func TestArchitectureParamCount(t *testing.T) {
	const in, hid, c = 10, 4, 3
	tests := []struct {
		agg  Aggregator
		head Head
		want int
	}{
		// mean: in·2h + h, then h·2c + c.
		{AggregatorMean, HeadSoftmax, in*2*hid + hid + hid*2*c + c},
		// gcn: in·h + h, then h·c + c.
		{AggregatorGCN, HeadSoftmax, in*hid + hid + hid*c + c},
		{AggregatorGCN, HeadBinary, in*hid + hid + hid*1 + 1},
		// pool (pool width h): in·h + h·h + in·h + h + h, then h·c + h·c + h·h + h + c.
		{AggregatorPool, HeadSoftmax, in*hid + hid*hid + in*hid + hid + hid + hid*c + hid*c + hid*hid + hid + c},
	}
	for _, tt := range tests {
		classes := c
		if tt.head == HeadBinary {
			classes = 2
		}
		a := Architecture{Aggregator: tt.agg, Head: tt.head, Layers: 2, InDim: in, Hidden: hid, Classes: classes}
		if got := a.NumParams(); got != tt.want {
			t.Errorf("%v/%v: NumParams %d, want %d", tt.agg, tt.head, got, tt.want)
		}
		m, err := New(a, newRNG(1))
		if err != nil {
			t.Fatal(err)
		}
		if m.NumParams() != tt.want || len(m.Params()) != tt.want {
			t.Errorf("%v/%v: model has %d parameters, want %d", tt.agg, tt.head, m.NumParams(), tt.want)
		}
	}
}

func TestArchitectureValidate(t *testing.T) {
	good := Architecture{Aggregator: AggregatorMean, Head: HeadSoftmax, Layers: 2, InDim: 5, Hidden: 4, Classes: 3}
	tests := []struct {
		name   string
		mutate func(*Architecture)
	}{
		{"aggregator", func(a *Architecture) { a.Aggregator = 0 }},
		{"head", func(a *Architecture) { a.Head = 0 }},
		{"layers", func(a *Architecture) { a.Layers = 0 }},
		{"in", func(a *Architecture) { a.InDim = 0 }},
		{"in max", func(a *Architecture) { a.InDim = MaxInDim + 1 }},
		{"hidden", func(a *Architecture) { a.Hidden = -1 }},
		{"classes", func(a *Architecture) { a.Classes = 1 }},
		{"classes max", func(a *Architecture) { a.Classes = MaxClasses + 1 }},
		{"binary classes", func(a *Architecture) { a.Head = HeadBinary }},
		{"too many params", func(a *Architecture) { a.InDim, a.Hidden = MaxInDim, MaxHidden }},
	}
	for _, tt := range tests {
		a := good
		tt.mutate(&a)
		if err := a.Validate(); !errors.Is(err, ErrArchitecture) {
			t.Errorf("%s: got %v, want ErrArchitecture", tt.name, err)
		}
		if a.NumParams() != -1 {
			t.Errorf("%s: NumParams of an invalid architecture is %d, want -1", tt.name, a.NumParams())
		}
		if _, err := New(a, newRNG(1)); !errors.Is(err, ErrArchitecture) {
			t.Errorf("%s: New accepted it: %v", tt.name, err)
		}
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
}
