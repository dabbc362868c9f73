package mapek

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default: %v", err)
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero: %v", err)
	}
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"DegradedLoss", func(c *Config) { c.DegradedLoss = 1.5 }},
		{"DegradedLoss", func(c *Config) { c.DegradedLoss = math.NaN() }},
		{"DegradedRTTFactor", func(c *Config) { c.DegradedRTTFactor = 0.5 }},
		{"ForgedRate", func(c *Config) { c.ForgedRate = -1 }},
		{"HandshakeFloodRate", func(c *Config) { c.HandshakeFloodRate = math.Inf(1) }},
		{"DeadLinkSamples", func(c *Config) { c.DeadLinkSamples = WindowSize + 1 }},
		{"Window", func(c *Config) { c.Window = MinWindow - 1 }},
		{"Window", func(c *Config) { c.Window = MaxWindow + 1 }},
		{"DeadLinkFor", func(c *Config) { c.DeadLinkFor = -time.Millisecond }},
		{"FlapTransitions", func(c *Config) { c.FlapTransitions = -1 }},
		{"BudgetActions", func(c *Config) { c.BudgetActions = -3 }},
		{"Cooldown", func(c *Config) { c.Cooldown = -time.Second }},
		{"DampHalfLife", func(c *Config) { c.DampHalfLife = -time.Second }},
		{"DampReuse", func(c *Config) { c.DampReuse = 5000 }},
		{"Policy", func(c *Config) { c.Policy = Policy{99: {ActionRekey}} }},
		{"Policy", func(c *Config) { c.Policy = Policy{SymptomDeadLink: {}} }},
		{"Policy", func(c *Config) { c.Policy = Policy{SymptomDeadLink: {0}} }},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.mod(&c)
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		if _, err := New(c, &recorder{}, nil); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: New err = %v", tt.name, err)
		}
	}
	if _, err := New(Config{}, nil, nil); !errors.Is(err, ErrNoActuator) {
		t.Errorf("nil actuator: %v", err)
	}
	l, _ := newLoop(t, Config{Cooldown: time.Minute}, nil)
	if got := l.Config(); got.Cooldown != time.Minute || got.VerifyAfter != VerifyAfter {
		t.Errorf("Config() = %+v", got)
	}
}

func TestSnapshotValidate(t *testing.T) {
	a := nid(1)
	tests := []struct {
		name string
		s    Snapshot
	}{
		{"zero id", Snapshot{Neighbours: []NeighbourSample{{}}}},
		{"duplicate", Snapshot{Neighbours: []NeighbourSample{{ID: a}, {ID: a}}}},
		{"loss", Snapshot{Neighbours: []NeighbourSample{{ID: a, RxLoss: -0.1}}}},
		{"loss NaN", Snapshot{Neighbours: []NeighbourSample{{ID: a, TxLoss: math.NaN()}}}},
		{"rtt", Snapshot{Neighbours: []NeighbourSample{{ID: a, SRTT: -1}}}},
		{"confirmed", Snapshot{Neighbours: []NeighbourSample{{ID: a, Relayed: 1, Confirmed: 2}}}},
		{"hs failures", Snapshot{Neighbours: []NeighbourSample{{ID: a, HandshakeFailures: 1}}}},
		{"memory", Snapshot{Node: NodeSample{Memory: 1.01}}},
		{"routes", Snapshot{Node: NodeSample{Routes: -1}}},
		{"routes via", Snapshot{Neighbours: []NeighbourSample{{ID: a, RoutesVia: -1}}}},
		{"routes via bound", Snapshot{Neighbours: []NeighbourSample{{ID: a, RoutesVia: MaxRoutesVia + 1}}}},
		{"too many", Snapshot{Neighbours: make([]NeighbourSample, MaxNeighbours+1)}},
		{"dests negative", Snapshot{Neighbours: []NeighbourSample{{ID: a, Dests: -1}}}},
		{"dests bound", Snapshot{Neighbours: []NeighbourSample{{ID: a, Dests: MaxRelayDests + 1}}}},
		{"failing dests negative", Snapshot{Neighbours: []NeighbourSample{{ID: a, Dests: 1, FailingDests: -1}}}},
		{"failing dests over dests", Snapshot{Neighbours: []NeighbourSample{{ID: a, Dests: 1, FailingDests: 2}}}},
	}
	for _, tt := range tests {
		if err := tt.s.Validate(); !errors.Is(err, ErrInvalidSnapshot) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestSummarize(t *testing.T) {
	s := func(secs ...int) []time.Duration {
		out := make([]time.Duration, len(secs))
		for i, v := range secs {
			out[i] = time.Duration(v) * time.Second
		}
		return out
	}
	tests := []struct {
		in   []time.Duration
		want Percentiles
	}{
		{nil, Percentiles{}},
		{s(5), Percentiles{1, 5 * time.Second, 5 * time.Second, 5 * time.Second}},
		{s(3, 1, 2), Percentiles{3, 2 * time.Second, 3 * time.Second, 3 * time.Second}},
		{s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100),
			Percentiles{20, 10 * time.Second, 19 * time.Second, 100 * time.Second}},
	}
	for _, tt := range tests {
		if got := Summarize(tt.in); got != tt.want {
			t.Errorf("Summarize(%v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	incs := []Incident{
		{DetectedAt: t0.Add(2 * time.Second), AnalyzedAt: t0.Add(3 * time.Second), ResolvedAt: t0.Add(10 * time.Second)},
		{FaultOnset: t0, DetectedAt: t0.Add(4 * time.Second), AnalyzedAt: t0.Add(9 * time.Second), MitigatedAt: t0.Add(6 * time.Second)},
		{DetectedAt: t0, AnalyzedAt: t0},
	}
	if got := MTTDStats(incs); got.N != 3 || got.Max != 4*time.Second || got.P50 != time.Second {
		t.Errorf("MTTD = %+v", got)
	}
	if got := MTTRStats(incs); got.N != 2 || got.Max != 8*time.Second || got.P50 != 2*time.Second {
		t.Errorf("MTTR = %+v", got)
	}
}

func TestStrings(t *testing.T) {
	for k := SymptomKind(0); k <= numSymptomKinds; k++ {
		if k.String() == "" || k.Valid() != (k >= 1 && k < numSymptomKinds) {
			t.Errorf("SymptomKind %d", k)
		}
	}
	for k := ActionKind(0); k <= numActionKinds; k++ {
		if k.String() == "" || k.Valid() != (k >= 1 && k < numActionKinds) {
			t.Errorf("ActionKind %d", k)
		}
	}
	for o := Outcome(0); o <= OutcomeUndoFailed+1; o++ {
		if o.String() == "" {
			t.Errorf("Outcome %d", o)
		}
	}
	for s := Stage(0); s <= StageIncident+1; s++ {
		if s.String() == "" || s.Valid() != (s >= StageMonitor && s <= StageIncident) {
			t.Errorf("Stage %d", s)
		}
	}
	for _, v := range []interface{ String() string }{Decider(0), DecidedByRules, DecidedByScorer, Subsystem(0),
		SubsystemLink, SubsystemRouting, SubsystemHandshake} {
		if v.String() == "" {
			t.Error("empty name")
		}
	}
	if SymptomKind(200).String() != "SymptomKind(200)" {
		t.Error(SymptomKind(200).String())
	}
}
