package strategy

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// up is shorthand for an Update.
func up(id string, n int, v ...float64) Update { return Update{ClientID: id, NumSamples: n, Vector: v} }

// ups1D returns one-dimensional updates with IDs c0, c1, ... and one sample
// each.
func ups1D(values ...float64) []Update {
	out := make([]Update, len(values))
	for i, v := range values {
		out[i] = up("c"+string(rune('0'+i)), 1, v)
	}
	return out
}

func mustAdam(t *testing.T, cfg AdaptiveConfig) *FedAdam {
	t.Helper()
	s, err := NewFedAdam(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustYogi(t *testing.T, cfg AdaptiveConfig) *FedYogi {
	t.Helper()
	s, err := NewFedYogi(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func assertClose(t *testing.T, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for j := range got {
		if math.Abs(got[j]-want[j]) > tol*math.Max(1, math.Abs(want[j])) {
			t.Fatalf("got %v, want %v (index %d)", got, want, j)
		}
	}
}

// TestKnownAnswers checks every strategy on small cases computed by hand.
func TestKnownAnswers(t *testing.T) {
	tests := []struct {
		name    string
		s       Strategy
		global  []float64
		updates []Update
		want    []float64
	}{
		// Weights 1/4 and 3/4: delta (0.25+2.25, 0+3) = (2.5, 3).
		{"fedavg", FedAvg{}, []float64{1, 2}, []Update{up("a", 1, 1, 0), up("b", 3, 3, 4)}, []float64{3.5, 5}},
		{"fedavg zero-weight client", FedAvg{}, []float64{0}, []Update{up("a", 0, 100), up("b", 2, 3)}, []float64{3}},
		{"fedprox is fedavg on the server", FedProx{Mu: 0.5}, []float64{1, 2}, []Update{up("a", 1, 1, 0), up("b", 3, 3, 4)}, []float64{3.5, 5}},
		{"median odd", Median{}, []float64{1, 1},
			[]Update{up("a", 1, 1, 10), up("b", 1, 2, -5), up("c", 1, 100, 0)}, []float64{3, 1}},
		// Sorted columns (1,2,3,100) and (-5,0,1,10): medians 2.5 and 0.5.
		{"median even", Median{}, []float64{0, 0},
			[]Update{up("a", 1, 1, 10), up("b", 1, 2, -5), up("c", 1, 100, 0), up("d", 1, 3, 1)}, []float64{2.5, 0.5}},
		// k = 1: mean(2, 3, 4) = 3.
		{"trimmed mean", TrimmedMean{Beta: 0.2}, []float64{10}, ups1D(4, 100, 2, 1, 3), []float64{13}},
		{"trimmed mean beta 0", TrimmedMean{}, []float64{0}, ups1D(1, 2, 6), []float64{3}},
		// k = floor(0.29*100) = 29, not 28: the values 0..99 keep 29..70.
		{"trimmed mean rounding", TrimmedMean{Beta: 0.29}, []float64{0}, manyUps(100), []float64{49.5}},
		// n = 3, f = 0: one neighbour. Scores 1, 1, 81; the tie goes to
		// the smaller ClientID, "c0" with delta 0.
		{"krum tie by id", Krum{}, []float64{5}, ups1D(0, 1, 10), []float64{5}},
		{"krum tie by id swapped", Krum{}, []float64{5},
			[]Update{up("b", 1, 0), up("a", 1, 1), up("c", 1, 10)}, []float64{6}},
		// n = 5, f = 1: two neighbours. Scores 5, 2, 2, 5, 4513.
		{"krum", Krum{F: 1}, []float64{0}, ups1D(0, 1, 2, 3, 50), []float64{1}},
		{"multi-krum default m", MultiKrum{F: 1}, []float64{0}, ups1D(0, 1, 2, 3, 50), []float64{1.5}},
		{"multi-krum m=3", MultiKrum{F: 1, M: 3}, []float64{0}, ups1D(0, 1, 2, 3, 50), []float64{1}},
		{"multi-krum m=1 is krum", MultiKrum{F: 1, M: 1}, []float64{0}, ups1D(0, 1, 2, 3, 50), []float64{1}},
		// n = 7, f = 1: theta = 5, beta = 3. Repeated Krum selects 2, 1,
		// 3, 0 and finally -100 (all scores 0, smallest ClientID); the
		// three values closest to the median 1 are 0, 1, 2.
		{"bulyan", Bulyan{F: 1}, []float64{0}, ups1D(-100, 0, 1, 2, 3, 4, 100), []float64{1}},
		// f = 0: everything is selected and averaged.
		{"bulyan f=0", Bulyan{}, []float64{0}, ups1D(1, 2, 6), []float64{3}},
		// The angle at (0,0) between the other two points is above 120
		// degrees, so (0,0) is the geometric median.
		{"geometric median vertex", GeometricMedian{MaxIterations: 1000, Tolerance: 1e-15}, []float64{1, 1},
			[]Update{up("a", 1, 0, 0), up("b", 1, 1, 0), up("c", 1, -1, 0.1)}, []float64{1, 1}},
		// In one dimension the geometric median is the median.
		{"geometric median 1d", GeometricMedian{MaxIterations: 1000, Tolerance: 1e-15}, []float64{0},
			ups1D(0, 1, 10), []float64{1}},
		{"geometric median square", GeometricMedian{}, []float64{0, 0},
			[]Update{up("a", 1, 0, 0), up("b", 1, 2, 0), up("c", 1, 0, 2), up("d", 1, 2, 2)}, []float64{1, 1}},
		// Weighted: "b" carries 3/4 of the weight, more than half, so it
		// is the weighted geometric median.
		{"geometric median weighted", GeometricMedian{WeightBySamples: true, MaxIterations: 1000, Tolerance: 1e-15},
			[]float64{0}, []Update{up("a", 1, 0), up("b", 3, 4)}, []float64{4}},
		{"single update", Median{}, []float64{1, 2, 3}, []Update{up("x", 1, 1, 1, 1)}, []float64{2, 3, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.s.Aggregate(tc.global, tc.updates)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, got, tc.want, 1e-6)
		})
	}
}

// manyUps returns updates c000..c<n-1> with the values 0..n-1.
func manyUps(n int) []Update {
	out := make([]Update, n)
	for i := range out {
		out[i] = up(strings.Repeat("x", i+1), 1, float64(i))
	}
	return out
}

// TestAdaptiveKnownAnswers runs two rounds of FedAdam and FedYogi with
// deltas +1 and then -1 and compares with Algorithm 2 of Reddi et al.
// worked by hand: Eta = 0.1, Beta1 = 0.9, Beta2 = 0.99, Tau = 1e-3.
func TestAdaptiveKnownAnswers(t *testing.T) {
	cfg := AdaptiveConfig{Eta: 0.1, Beta1: 0.9, Beta2: 0.99, Tau: 1e-3}
	// Round 1: m = 0.1, v = 0.99*1e-6 + 0.01 (Adam) or 1e-6 + 0.01 (Yogi).
	// Round 2: m = 0.09 - 0.1 = -0.01, v = 0.99*v1 + 0.01 (Adam) or
	// v1 + 0.01 (Yogi, since v1 < 1).
	adamV1, yogiV1 := 0.99e-6+0.01, 1e-6+0.01
	adamW1 := 0.1 * 0.1 / (math.Sqrt(adamV1) + 1e-3)
	yogiW1 := 0.1 * 0.1 / (math.Sqrt(yogiV1) + 1e-3)
	adamW2 := adamW1 + 0.1*-0.01/(math.Sqrt(0.99*adamV1+0.01)+1e-3)
	yogiW2 := yogiW1 + 0.1*-0.01/(math.Sqrt(yogiV1+0.01)+1e-3)

	for _, tc := range []struct {
		s interface {
			Strategy
			Rounds() int
			Reset()
		}
		w1, w2 float64
	}{
		{mustAdam(t, cfg), adamW1, adamW2},
		{mustYogi(t, cfg), yogiW1, yogiW2},
	} {
		t.Run(tc.s.Name(), func(t *testing.T) {
			w1, err := tc.s.Aggregate([]float64{0}, []Update{up("a", 5, 1)})
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, w1, []float64{tc.w1}, 1e-12)
			w2, err := tc.s.Aggregate(w1, []Update{up("a", 5, -1)})
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, w2, []float64{tc.w2}, 1e-12)
			if tc.s.Rounds() != 2 {
				t.Fatalf("Rounds() = %d, want 2", tc.s.Rounds())
			}
			// A failed round changes nothing.
			if _, err := tc.s.Aggregate([]float64{0, 0}, []Update{up("a", 1, 1, 1)}); !errors.Is(err, ErrShapeMismatch) {
				t.Fatalf("dimension change: got %v, want ErrShapeMismatch", err)
			}
			if _, err := tc.s.Aggregate(w2, []Update{up("a", 1, math.NaN())}); !errors.Is(err, ErrNotFinite) {
				t.Fatalf("NaN: got %v, want ErrNotFinite", err)
			}
			if tc.s.Rounds() != 2 {
				t.Fatalf("Rounds() = %d after failed rounds, want 2", tc.s.Rounds())
			}
			// After Reset the first round repeats exactly.
			tc.s.Reset()
			again, err := tc.s.Aggregate([]float64{0}, []Update{up("a", 5, 1)})
			if err != nil {
				t.Fatal(err)
			}
			if again[0] != w1[0] {
				t.Fatalf("after Reset got %v, want %v", again, w1)
			}
			// The model dimension may change after Reset.
			tc.s.Reset()
			if _, err := tc.s.Aggregate([]float64{0, 0}, []Update{up("a", 1, 1, 1)}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestYogiEqualMoment covers the Yogi case v = Delta^2, where the second
// moment stays put.
func TestYogiEqualMoment(t *testing.T) {
	cfg := AdaptiveConfig{Eta: 1, Beta1: 0, Beta2: 0.5, Tau: 0.5}
	s := mustYogi(t, cfg)
	// v starts at Tau^2 = 0.25 = Delta^2, so v stays 0.25 and
	// w = 0 + 1 * 0.5 / (0.5 + 0.5) = 0.5.
	got, err := s.Aggregate([]float64{0}, []Update{up("a", 1, 0.5)})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, got, []float64{0.5}, 1e-15)
}

func TestAdaptiveConfig(t *testing.T) {
	if err := DefaultAdaptiveConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	nan, inf := math.NaN(), math.Inf(1)
	bad := []AdaptiveConfig{
		{Eta: 0, Beta1: 0.9, Beta2: 0.99, Tau: 1e-3},
		{Eta: nan, Beta1: 0.9, Beta2: 0.99, Tau: 1e-3},
		{Eta: inf, Beta1: 0.9, Beta2: 0.99, Tau: 1e-3},
		{Eta: 1, Beta1: 1, Beta2: 0.99, Tau: 1e-3},
		{Eta: 1, Beta1: -0.1, Beta2: 0.99, Tau: 1e-3},
		{Eta: 1, Beta1: 0.9, Beta2: 1, Tau: 1e-3},
		{Eta: 1, Beta1: 0.9, Beta2: nan, Tau: 1e-3},
		{Eta: 1, Beta1: 0.9, Beta2: 0.99, Tau: 0},
		{Eta: 1, Beta1: 0.9, Beta2: 0.99, Tau: inf},
	}
	for _, cfg := range bad {
		if _, err := NewFedAdam(cfg); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("NewFedAdam(%+v): got %v, want ErrInvalidParameter", cfg, err)
		}
		if _, err := NewFedYogi(cfg); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("NewFedYogi(%+v): got %v, want ErrInvalidParameter", cfg, err)
		}
	}
	// The zero value is unusable but does not panic.
	var s FedAdam
	if _, err := s.Aggregate([]float64{0}, []Update{up("a", 1, 1)}); !errors.Is(err, ErrInvalidParameter) {
		t.Fatalf("zero FedAdam: got %v, want ErrInvalidParameter", err)
	}
}

func TestFedProxClient(t *testing.T) {
	p := FedProx{Mu: 0.5}
	grad := []float64{1, 1}
	if err := p.AddProximalGradient(grad, []float64{3, -1}, []float64{1, 1}); err != nil {
		t.Fatal(err)
	}
	// grad + 0.5*((3,-1) - (1,1)) = (1,1) + (1,-1).
	assertClose(t, grad, []float64{2, 0}, 0)
	// 0.5/2 * (4 + 4) = 2.
	term, err := p.ProximalTerm([]float64{3, -1}, []float64{1, 1})
	if err != nil || term != 2 {
		t.Fatalf("ProximalTerm = %v, %v; want 2", term, err)
	}

	tests := []struct {
		name            string
		p               FedProx
		grad, w, global []float64
		want            error
	}{
		{"negative mu", FedProx{Mu: -1}, []float64{0}, []float64{0}, []float64{0}, ErrInvalidParameter},
		{"NaN mu", FedProx{Mu: math.NaN()}, []float64{0}, []float64{0}, []float64{0}, ErrInvalidParameter},
		{"inf mu", FedProx{Mu: math.Inf(1)}, []float64{0}, []float64{0}, []float64{0}, ErrInvalidParameter},
		{"short weights", p, []float64{0, 0}, []float64{0}, []float64{0, 0}, ErrShapeMismatch},
		{"short gradient", p, []float64{0}, []float64{0, 0}, []float64{0, 0}, ErrShapeMismatch},
		{"NaN gradient", p, []float64{math.NaN()}, []float64{0}, []float64{0}, ErrNotFinite},
		{"inf weights", p, []float64{0}, []float64{math.Inf(-1)}, []float64{0}, ErrNotFinite},
		{"huge global", p, []float64{0}, []float64{0}, []float64{1e31}, ErrOutOfRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]float64(nil), tc.grad...)
			if err := tc.p.AddProximalGradient(tc.grad, tc.w, tc.global); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			for j := range before {
				if !(before[j] == tc.grad[j] || math.IsNaN(before[j])) {
					t.Fatal("gradient modified on error")
				}
			}
		})
	}
	if _, err := (FedProx{Mu: -1}).ProximalTerm([]float64{0}, []float64{0}); !errors.Is(err, ErrInvalidParameter) {
		t.Fatalf("ProximalTerm: got %v", err)
	}
	if _, err := (FedProx{Mu: -1}).Aggregate([]float64{0}, []Update{up("a", 1, 0)}); !errors.Is(err, ErrInvalidParameter) {
		t.Fatalf("Aggregate: got %v", err)
	}
	if _, err := p.Aggregate([]float64{0}, nil); !errors.Is(err, ErrTooFewClients) {
		t.Fatalf("Aggregate: got %v", err)
	}
}

// allStrategies returns one fresh instance of every strategy, with
// parameters that accept n >= 7 updates.
func allStrategies(t interface{ Fatal(...any) }) []Strategy {
	adam, err := NewFedAdam(DefaultAdaptiveConfig())
	if err != nil {
		t.Fatal(err)
	}
	yogi, err := NewFedYogi(DefaultAdaptiveConfig())
	if err != nil {
		t.Fatal(err)
	}
	return []Strategy{
		FedAvg{}, FedProx{Mu: 0.1}, adam, yogi, Median{}, TrimmedMean{Beta: 0.1},
		Krum{F: 1}, MultiKrum{F: 1, M: 3}, Bulyan{F: 1}, GeometricMedian{},
	}
}

// TestInvalidInputs checks that every strategy refuses bad input with the
// right sentinel and a message naming the client.
func TestInvalidInputs(t *testing.T) {
	good := func() []Update {
		out := make([]Update, 7)
		for i := range out {
			v := make([]float64, 16)
			for j := range v {
				v[j] = float64(i + j)
			}
			out[i] = Update{ClientID: "c" + string(rune('0'+i)), NumSamples: 10, Vector: v}
		}
		return out
	}
	global := make([]float64, 16)
	tests := []struct {
		name    string
		global  []float64
		modify  func([]Update) []Update
		want    error
		message string
	}{
		{"NaN", global, func(u []Update) []Update { u[3].ClientID = "c7"; u[3].Vector[12] = math.NaN(); return u },
			ErrNotFinite, `client "c7": NaN at index 12`},
		{"+Inf", global, func(u []Update) []Update { u[1].Vector[3] = math.Inf(1); return u },
			ErrNotFinite, `client "c1": +Inf at index 3`},
		{"-Inf", global, func(u []Update) []Update { u[6].Vector[0] = math.Inf(-1); return u },
			ErrNotFinite, `client "c6": -Inf at index 0`},
		{"too large", global, func(u []Update) []Update { u[2].Vector[5] = -2e30; return u },
			ErrOutOfRange, `client "c2": -2e+30 at index 5 exceeds the limit 1e+30`},
		{"short vector", global, func(u []Update) []Update { u[4].Vector = u[4].Vector[:15]; return u },
			ErrShapeMismatch, `client "c4": shape mismatch: vector length 15, global model length 16`},
		{"long vector", global, func(u []Update) []Update { u[4].Vector = append(u[4].Vector, 1); return u },
			ErrShapeMismatch, `client "c4"`},
		{"duplicate", global, func(u []Update) []Update { u[5].ClientID = "c2"; return u },
			ErrDuplicateClient, `client "c2": duplicate client`},
		{"negative samples", global, func(u []Update) []Update { u[0].NumSamples = -3; return u },
			ErrNegativeSamples, `client "c0": negative sample count: -3`},
		{"empty id", global, func(u []Update) []Update { u[0].ClientID = ""; return u },
			ErrInvalidClientID, `client "": invalid client ID`},
		{"long id", global, func(u []Update) []Update { u[0].ClientID = strings.Repeat("z", MaxClientIDLength+1); return u },
			ErrInvalidClientID, `invalid client ID: length 257`},
		{"no updates", global, func([]Update) []Update { return nil }, ErrTooFewClients, "too few clients"},
		{"empty global", nil, func(u []Update) []Update { return u }, ErrDimension, "global model: bad vector dimension"},
		{"NaN global", append([]float64{math.NaN()}, global[1:]...), func(u []Update) []Update { return u },
			ErrNotFinite, "global model: NaN at index 0"},
	}
	for _, s := range allStrategies(t) {
		for _, tc := range tests {
			t.Run(s.Name()+"/"+tc.name, func(t *testing.T) {
				got, err := s.Aggregate(tc.global, tc.modify(good()))
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, %v; want %v", got, err, tc.want)
				}
				if !strings.HasPrefix(err.Error(), s.Name()+": ") || !strings.Contains(err.Error(), tc.message) {
					t.Fatalf("message %q lacks %q", err, tc.message)
				}
				var ce *ClientError
				if strings.Contains(tc.message, "client \"") && !errors.As(err, &ce) {
					t.Fatalf("%v is not a *ClientError", err)
				}
			})
		}
	}
}

func TestValidateLimits(t *testing.T) {
	if err := Validate(make([]float64, MaxDimension+1), nil, 0); !errors.Is(err, ErrDimension) {
		t.Fatalf("long global: got %v", err)
	}
	many := make([]Update, MaxClients+1)
	if err := Validate([]float64{0}, many, 1); !errors.Is(err, ErrTooManyClients) {
		t.Fatalf("too many clients: got %v", err)
	}
	pair := manyUps(MaxPairwiseClients + 1)
	for _, s := range []Strategy{Krum{}, MultiKrum{}, Bulyan{}} {
		if _, err := s.Aggregate([]float64{0}, pair); !errors.Is(err, ErrTooManyClients) {
			t.Fatalf("%s: got %v, want ErrTooManyClients", s.Name(), err)
		}
	}
	if err := Validate([]float64{0}, []Update{up("a", 1, 1)}, 1); err != nil {
		t.Fatal(err)
	}
	// Updates are checked in ClientID order: the error does not depend
	// on the input order.
	bad := []Update{up("b", 1, math.NaN()), up("a", -1, 0)}
	err1 := Validate([]float64{0}, bad, 1)
	err2 := Validate([]float64{0}, []Update{bad[1], bad[0]}, 1)
	if err1 == nil || err1.Error() != err2.Error() {
		t.Fatalf("order-dependent errors %v and %v", err1, err2)
	}
	var ve *ValueError
	if errors.As(Validate([]float64{0}, bad[:1], 1), &ve) != true || ve.Index != 0 || !math.IsNaN(ve.Value) {
		t.Fatalf("ValueError not found: %+v", ve)
	}
}

// TestParameters checks the per-strategy parameter and client-count rules.
func TestParameters(t *testing.T) {
	g := []float64{0}
	tests := []struct {
		name string
		s    Strategy
		n    int
		want error
	}{
		{"fedavg zero samples", FedAvg{}, 3, ErrNoSamples},
		{"trimmed mean negative", TrimmedMean{Beta: -0.1}, 5, ErrInvalidParameter},
		{"trimmed mean half", TrimmedMean{Beta: 0.5}, 5, ErrInvalidParameter},
		{"trimmed mean NaN", TrimmedMean{Beta: math.NaN()}, 5, ErrInvalidParameter},
		{"krum negative f", Krum{F: -1}, 5, ErrInvalidParameter},
		{"krum huge f", Krum{F: math.MaxInt}, 5, ErrInvalidParameter},
		{"krum n < 2f+3", Krum{F: 1}, 4, ErrTooFewClients},
		{"multi-krum n < 2f+3", MultiKrum{F: 2}, 6, ErrTooFewClients},
		{"multi-krum m too large", MultiKrum{F: 1, M: 5}, 5, ErrInvalidParameter},
		{"multi-krum m negative", MultiKrum{F: 1, M: -1}, 5, ErrInvalidParameter},
		{"bulyan n < 4f+3", Bulyan{F: 1}, 6, ErrTooFewClients},
		{"bulyan negative f", Bulyan{F: -2}, 6, ErrInvalidParameter},
		{"geomedian negative nu", GeometricMedian{Nu: -1}, 3, ErrInvalidParameter},
		{"geomedian inf nu", GeometricMedian{Nu: math.Inf(1)}, 3, ErrInvalidParameter},
		{"geomedian iterations", GeometricMedian{MaxIterations: MaxIterationsLimit + 1}, 3, ErrInvalidParameter},
		{"geomedian negative iterations", GeometricMedian{MaxIterations: -1}, 3, ErrInvalidParameter},
		{"geomedian tolerance", GeometricMedian{Tolerance: math.NaN()}, 3, ErrInvalidParameter},
		{"geomedian weighted no samples", GeometricMedian{WeightBySamples: true}, 3, ErrNoSamples},
		{"geomedian no updates", GeometricMedian{}, 0, ErrTooFewClients},
		{"median no updates", Median{}, 0, ErrTooFewClients},
		{"trimmed no updates", TrimmedMean{}, 0, ErrTooFewClients},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ups := ups1D(make([]float64, tc.n)...)
			for i := range ups {
				ups[i].NumSamples = 0
			}
			if _, err := tc.s.Aggregate(g, ups); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// The minimum counts themselves are accepted.
	for _, tc := range []struct {
		s Strategy
		n int
	}{{Krum{F: 2}, 7}, {MultiKrum{F: 2}, 7}, {Bulyan{F: 2}, 11}, {TrimmedMean{Beta: 0.49}, 1}} {
		if _, err := tc.s.Aggregate(g, ups1D(make([]float64, tc.n)...)); err != nil {
			t.Errorf("%s with n = %d: %v", tc.s.Name(), tc.n, err)
		}
	}
}

func TestTrimmed(t *testing.T) {
	for _, tc := range []struct {
		beta    float64
		n, want int
	}{
		{0, 10, 0}, {0.1, 10, 1}, {0.29, 100, 29}, {0.3, 10, 3}, {0.49, 4, 1}, {0.49, 2, 0}, {0.25, 1, 0},
	} {
		if got := (TrimmedMean{Beta: tc.beta}).Trimmed(tc.n); got != tc.want {
			t.Errorf("Trimmed(beta=%v, n=%d) = %d, want %d", tc.beta, tc.n, got, tc.want)
		}
	}
}

// TestNoAliasing checks that no strategy modifies its inputs or returns a
// slice sharing memory with them.
func TestNoAliasing(t *testing.T) {
	for _, s := range allStrategies(t) {
		ups := ups1D(1, 2, 3, 4, 5, 6, 7)
		global := []float64{0}
		out, err := s.Aggregate(global, ups)
		if err != nil {
			t.Fatalf("%s: %v", s.Name(), err)
		}
		out[0] = 1e9
		for i, u := range ups {
			if u.Vector[0] != float64(i+1) || u.ClientID != "c"+string(rune('0'+i)) {
				t.Fatalf("%s modified its input: %+v", s.Name(), ups)
			}
		}
		if global[0] != 0 {
			t.Fatalf("%s modified the global model", s.Name())
		}
	}
}

func TestNames(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range allStrategies(t) {
		if s.Name() == "" || seen[s.Name()] {
			t.Fatalf("bad or duplicate name %q", s.Name())
		}
		seen[s.Name()] = true
	}
	if len(seen) != 10 {
		t.Fatalf("%d names, want 10", len(seen))
	}
}

// TestAdaptiveConcurrent runs FedAdam rounds from several goroutines and
// checks that every round is counted (run with -race).
func TestAdaptiveConcurrent(t *testing.T) {
	s := mustAdam(t, DefaultAdaptiveConfig())
	done := make(chan error)
	for g := range 4 {
		go func() {
			var err error
			for i := range 25 {
				if _, e := s.Aggregate([]float64{0, 0}, []Update{up("a", 1, float64(g), float64(i))}); e != nil {
					err = e
				}
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if s.Rounds() != 100 {
		t.Fatalf("Rounds() = %d, want 100", s.Rounds())
	}
}
