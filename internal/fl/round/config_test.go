package round

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/dp"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/strategy"
)

// validConfig returns a valid configuration with two coordinators and
// five clients.
func validConfig() Config {
	c := testConfig()
	c.Self = coordID(0)
	c.Coordinators = []NodeID{coordID(0), coordID(1)}
	for i := range 5 {
		c.Clients = append(c.Clients, clientID(i))
	}
	return c
}

// TestConfigValidate checks every rule of Config.Validate.
func TestConfigValidate(t *testing.T) {
	rnd := rand.NewChaCha8([32]byte{})
	for i, tc := range []struct {
		f    func(*Config)
		want error
	}{
		{func(c *Config) {}, nil},
		{func(c *Config) { c.Coordinators = nil }, ErrLimit},
		{func(c *Config) { c.Clients = nil }, ErrLimit},
		{func(c *Config) { c.Clients = append(c.Clients, clientID(0)) }, ErrConfig},
		{func(c *Config) { c.Self = coordID(9) }, ErrConfig},
		{func(c *Config) { c.Clients[0] = coordID(1) }, ErrConfig},
		{func(c *Config) { c.Initial = nil }, ErrLimit},
		{func(c *Config) { c.Initial = []float64{math.NaN()} }, ErrConfig},
		{func(c *Config) { c.Rounds = 0 }, ErrConfig},
		{func(c *Config) { c.SampleRate = 0 }, ErrConfig},
		{func(c *Config) { c.SampleRate = 1.5 }, ErrConfig},
		{func(c *Config) { c.MinClients = 0 }, ErrConfig},
		{func(c *Config) { c.MinClients = 6 }, ErrConfig},
		{func(c *Config) { c.Strategy = StrategySpec{Name: StrategyKrum, F: 1} }, ErrConfig},
		{func(c *Config) { c.Strategy = StrategySpec{Name: StrategyKrum, F: 1}; c.MinClients = 5 }, nil},
		{func(c *Config) { c.RoundTimeout = -time.Second }, ErrConfig},
		{func(c *Config) { c.SecAggPhaseTimeout = MaxRoundTimeout + 1 }, ErrConfig},
		{func(c *Config) { c.LocalEpochs = 0 }, ErrConfig},
		{func(c *Config) { c.MaxMisses = -1 }, ErrConfig},
		{func(c *Config) { c.Strategy.Name = "mean" }, ErrConfig},
		{func(c *Config) { c.DP = &DPConfig{ClipNorm: 1, NoiseMultiplier: 1, Delta: 1e-5} }, ErrConfig}, // no Random
		{func(c *Config) {
			c.Random, c.DP, c.Strategy.Name = rnd, &DPConfig{ClipNorm: 1, NoiseMultiplier: 1, Delta: 1e-5}, StrategyMedian
		}, ErrConfig},
		{func(c *Config) { c.Random, c.DP = rnd, &DPConfig{ClipNorm: 0, NoiseMultiplier: 1, Delta: 1e-5} }, ErrConfig},
		{func(c *Config) { c.Random, c.DP = rnd, &DPConfig{ClipNorm: 1, NoiseMultiplier: 0, Delta: 1e-5} }, ErrConfig},
		{func(c *Config) { c.Random, c.DP = rnd, &DPConfig{ClipNorm: 1, NoiseMultiplier: 1, Delta: 1} }, ErrConfig},
		{func(c *Config) {
			c.Random, c.DP = rnd, &DPConfig{ClipNorm: 1, NoiseMultiplier: 1, Delta: 1e-5, ClientEpsilon: math.Inf(1)}
		}, ErrConfig},
		{func(c *Config) { c.Random, c.SecAgg = rnd, &SecAggConfig{Clip: 1, Neighbours: 3} }, ErrConfig},
		{func(c *Config) { c.Random, c.SecAgg = rnd, &SecAggConfig{Clip: 0} }, ErrConfig},
		{func(c *Config) { c.Random, c.SecAgg, c.MinClients = rnd, &SecAggConfig{Clip: 1}, 1 }, ErrConfig},
		{func(c *Config) { c.Random, c.SecAgg = rnd, &SecAggConfig{Clip: 1, Neighbours: 2} }, nil},
	} {
		c := validConfig()
		tc.f(&c)
		err := c.Validate()
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("case %d: %v, want %v", i, err, tc.want)
		}
		if _, nerr := NewCoordinator(c); (err == nil) != (nerr == nil) {
			t.Errorf("case %d: NewCoordinator disagrees: %v", i, nerr)
		}
	}
}

// TestClientConfig checks NewClient's refusals.
func TestClientConfig(t *testing.T) {
	good := ClientConfig{Self: clientID(0), Coordinators: []NodeID{coordID(0)}, NumSamples: 1}
	for i, f := range []func(*ClientConfig){
		func(c *ClientConfig) { c.Coordinators = nil },
		func(c *ClientConfig) { c.Self = coordID(0) },
		func(c *ClientConfig) { c.NumSamples = 0 },
		func(c *ClientConfig) { c.Epsilon = 1 }, // no delta
		func(c *ClientConfig) { c.Epsilon, c.Delta = -1, 1e-5 },
	} {
		c := good
		f(&c)
		if _, err := NewClient(c); !errors.Is(err, ErrConfig) && !errors.Is(err, ErrLimit) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	c, err := NewClient(good)
	if err != nil || c.Spent() != 0 || c.Epoch() != 0 {
		t.Fatalf("good config: %v", err)
	}
}

// TestMaxParticipations checks the per-client round limit against the
// accountant.
func TestMaxParticipations(t *testing.T) {
	d := &DPConfig{ClipNorm: 1, NoiseMultiplier: 2, Delta: 1e-5}
	if k, err := d.maxParticipations(); err != nil || k != -1 {
		t.Fatalf("no limit: %d %v", k, err)
	}
	for _, limit := range []float64{0.5, 2, 8} {
		d.ClientEpsilon = limit
		k, err := d.maxParticipations()
		if err != nil {
			t.Fatal(err)
		}
		eps := func(n int) float64 {
			g, err := dp.ComputeEpsilon(dp.Mechanism{SamplingRate: 1, NoiseMultiplier: 2, Steps: n}, 1e-5, nil)
			if err != nil {
				t.Fatal(err)
			}
			return g.Epsilon
		}
		if (k > 0 && eps(k) > limit) || eps(k+1) <= limit {
			t.Fatalf("limit %v: k = %d, eps(k) = %v, eps(k+1) = %v", limit, k, eps(k), eps(k+1))
		}
	}
}

// TestStrategySpecs builds every strategy and checks the minimum update
// counts and the fixed-count trimmed mean.
func TestStrategySpecs(t *testing.T) {
	want := map[string]int{StrategyKrum: 5, StrategyMultiKrum: 5, StrategyBulyan: 7, StrategyTrimmedMean: 3}
	for _, name := range StrategyNames() {
		s := StrategySpec{Name: name, F: 1}
		st, err := s.New()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st.Name() == "" {
			t.Fatalf("%s: empty name", name)
		}
		if w := max(want[name], 1); s.MinUpdates() != w {
			t.Fatalf("%s: MinUpdates %d, want %d", name, s.MinUpdates(), w)
		}
	}
	if _, err := (StrategySpec{Name: StrategyFedAdam, Adaptive: strategy.AdaptiveConfig{Eta: -1}}).New(); !errors.Is(err, ErrConfig) {
		t.Fatalf("bad adaptive config: %v", err)
	}
	if _, err := (StrategySpec{Name: StrategyMedian, F: -1}).New(); !errors.Is(err, ErrConfig) {
		t.Fatalf("negative F: %v", err)
	}
	tm := trimmedMean{f: 1}
	ups := []strategy.Update{{ClientID: "a", Vector: []float64{0}}, {ClientID: "b", Vector: []float64{1}},
		{ClientID: "c", Vector: []float64{2}}, {ClientID: "d", Vector: []float64{100}}}
	got, err := tm.Aggregate([]float64{0}, ups)
	if err != nil || got[0] != 1.5 { // drops 0 and 100
		t.Fatalf("trimmed mean %v %v", got, err)
	}
	if _, err := tm.Aggregate([]float64{0}, ups[:2]); !errors.Is(err, strategy.ErrTooFewClients) {
		t.Fatalf("too few: %v", err)
	}
}

// TestQuantScale keeps the largest sum within 32 bits.
func TestQuantScale(t *testing.T) {
	for _, tc := range []struct {
		clip float64
		n    int
	}{{1, 20}, {1, 1024}, {0.001, 3}, {1e9, 2}} {
		s, err := quantScale(tc.clip, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		level := math.Round(2 * tc.clip * s)
		if level*float64(tc.n) >= 1<<32 || level*float64(tc.n)*2 < 1<<32 && s < maxQuantScale {
			t.Fatalf("clip %v n %d: scale %v gives level %v", tc.clip, tc.n, s, level)
		}
	}
	if _, err := quantScale(1e-20, 2); !errors.Is(err, ErrConfig) {
		t.Fatalf("tiny clip: %v", err)
	}
}

// TestCoordinatorSortsClients keeps the client list ascending whatever the
// configuration order.
func TestCoordinatorSortsClients(t *testing.T) {
	c := validConfig()
	slices.Reverse(c.Clients)
	co, err := NewCoordinator(c)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(co.cfg.Clients, compareIDs) {
		t.Fatal("clients not sorted")
	}
}
