package round

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/dp"
)

// epsilonAfter returns the accountant's epsilon of k rounds.
func epsilonAfter(t *testing.T, q, z float64, k int) float64 {
	t.Helper()
	g, err := dp.ComputeEpsilon(dp.Mechanism{SamplingRate: q, NoiseMultiplier: z, Steps: k}, 1e-5, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g.Epsilon
}

// TestBudgetExhaustionStopsClients gives every client a budget of two
// private rounds (and one client its own, smaller budget of one): the
// client declines when its budget is spent, the coordinator excludes it,
// and the federation ends when too few clients are left.
func TestBudgetExhaustionStopsClients(t *testing.T) {
	const z = 1.0
	limit := (epsilonAfter(t, 1, z, 2) + epsilonAfter(t, 1, z, 3)) / 2
	cfg := testConfig()
	cfg.Rounds = 5
	cfg.Random = rand.NewChaCha8([32]byte{1})
	cfg.DP = &DPConfig{ClipNorm: 1, NoiseMultiplier: z, Delta: 1e-5, ClientEpsilon: limit}
	h := newHarness(t, cfg, 1, 3)
	own := (epsilonAfter(t, 1, z, 1) + epsilonAfter(t, 1, z, 2)) / 2
	stingy, err := NewClient(ClientConfig{Self: clientID(0), Coordinators: []NodeID{coordID(0)}, NumSamples: 10,
		Epsilon: own, Delta: 1e-5})
	if err != nil {
		t.Fatal(err)
	}
	h.clients[clientID(0)] = stingy
	h.tick(0)
	for range 3 {
		h.deliver(nil)
		h.train(nil, step)
		h.deliver(nil)
	}
	models := find[ModelReady](h)
	if len(models) != 2 {
		t.Fatalf("%d models, want 2", len(models))
	}
	for k, m := range models {
		want := epsilonAfter(t, 1, z, k+1)
		if math.Abs(m.Model.Epsilon-want) > 1e-9 || m.Model.Delta != 1e-5 || m.Model.Strategy != "dp-fedavg" {
			t.Fatalf("model %d: epsilon %v delta %v strategy %s, want epsilon %v", k+1, m.Model.Epsilon, m.Model.Delta, m.Model.Strategy, want)
		}
	}
	if len(models[1].Model.Participants) != 2 {
		t.Fatalf("round 2 participants %d, want 2 (the stingy client declined)", len(models[1].Model.Participants))
	}
	if ex := find[BudgetExhausted](h); len(ex) != 1 || math.Abs(ex[0].Epsilon-epsilonAfter(t, 1, z, 1)) > 1e-9 {
		t.Fatalf("budget exhausted events: %+v", ex)
	}
	if got := stingy.Spent(); math.Abs(got-epsilonAfter(t, 1, z, 1)) > 1e-9 {
		t.Fatalf("stingy client spent %v", got)
	}
	excluded := map[NodeID]bool{}
	for _, e := range find[ClientExcluded](h) {
		if !errors.Is(e.Err, ErrBudgetExhausted) {
			t.Fatalf("excluded for %v", e.Err)
		}
		excluded[e.Client] = true
	}
	if len(excluded) != 3 {
		t.Fatalf("%d clients excluded, want 3", len(excluded))
	}
	fin := find[Finished](h)
	if len(fin) != 1 || !errors.Is(fin[0].Err, ErrNotEnoughClients) || fin[0].Completed != 2 {
		t.Fatalf("finished: %+v", fin)
	}
}

// TestDPFedAvgClipsAndNoises checks DP-FedAvg's arithmetic with almost no
// noise: every delta (norm 2(i+1)) is clipped to norm 1, so each
// coordinate moves by 4 * 0.5 / 4 clients = 0.5.
func TestDPFedAvgClipsAndNoises(t *testing.T) {
	cfg := testConfig()
	cfg.Rounds = 1
	cfg.Random = rand.NewChaCha8([32]byte{2})
	cfg.DP = &DPConfig{ClipNorm: 1, NoiseMultiplier: dp.MinNoiseMultiplier, Delta: 1e-5}
	h := newHarness(t, cfg, 1, 4)
	h.tick(0)
	h.deliver(nil)
	h.train(nil, step)
	h.deliver(nil)
	for _, x := range h.lastModel().Params {
		if math.Abs(x-0.5) > 1e-4 {
			t.Fatalf("params %v, want 0.5 each", h.lastModel().Params)
		}
	}
}

// secureConfig is a FedAvg configuration with secure aggregation.
func secureConfig() Config {
	cfg := testConfig()
	cfg.Rounds = 1
	cfg.MinClients = 3
	cfg.SecAgg = &SecAggConfig{Clip: 10}
	cfg.SecAggPhaseTimeout = time.Second
	cfg.Random = rand.NewChaCha8([32]byte{3})
	return cfg
}

// TestSecureSumMatchesPlain runs a secure round and a plain round on the
// same deltas: the models agree within the quantisation error.
func TestSecureSumMatchesPlain(t *testing.T) {
	var models [2]GlobalModel
	var bytes [2]int
	for i, secure := range []bool{false, true} {
		cfg := secureConfig()
		if !secure {
			cfg.SecAgg = nil
		}
		h := newHarness(t, cfg, 1, 5)
		h.tick(0)
		h.deliver(nil)
		h.train(nil, step)
		h.deliver(nil)
		models[i], bytes[i] = h.lastModel(), h.bytes
	}
	scale, err := quantScale(10, 5)
	if err != nil {
		t.Fatal(err)
	}
	tol := 1 / (2 * scale) // n/(2 scale) on the sum, divided by n
	for j, x := range models[1].Params {
		if models[0].Params[j] != 3 || math.Abs(x-3) > tol {
			t.Fatalf("plain %v, secure %v, want 3 within %v", models[0].Params, models[1].Params, tol)
		}
	}
	if models[1].Strategy != "fedavg+secagg" || len(models[1].Participants) != 5 {
		t.Fatalf("secure model %+v", models[1])
	}
	if bytes[1] <= bytes[0] {
		t.Fatalf("secure round sent %d bytes, plain %d", bytes[1], bytes[0])
	}
}

// TestSecureDropoutRecovered drops a client after the key exchange (it
// never sends its masked input): the round closes at the deadline and the
// survivors' mean is recovered.
func TestSecureDropoutRecovered(t *testing.T) {
	h := newHarness(t, secureConfig(), 1, 5)
	h.tick(0)
	h.deliver(nil)
	gone := clientID(4)
	h.train(func(n NodeID) bool { return n != gone }, step)
	h.deliver(nil)
	if len(find[ModelReady](h)) != 0 {
		t.Fatal("secure round closed before the deadline")
	}
	h.tick(10 * time.Second)
	h.deliver(nil)
	m := h.lastModel()
	scale, _ := quantScale(10, 5)
	for _, x := range m.Params {
		if math.Abs(x-2.5) > 1/(2*scale) { // mean of 1..4
			t.Fatalf("params %v, want 2.5", m.Params)
		}
	}
	if len(m.Participants) != 4 {
		t.Fatalf("participants %d", len(m.Participants))
	}
}

// TestSecureDPClipsAtClient runs a private secure round: clients clip
// their own deltas to norm 1 before masking.
func TestSecureDPClipsAtClient(t *testing.T) {
	cfg := secureConfig()
	cfg.DP = &DPConfig{ClipNorm: 1, NoiseMultiplier: dp.MinNoiseMultiplier, Delta: 1e-5}
	h := newHarness(t, cfg, 1, 4)
	h.tick(0)
	h.deliver(nil)
	h.train(nil, step)
	h.deliver(nil)
	m := h.lastModel()
	for _, x := range m.Params {
		if math.Abs(x-0.5) > 1e-4 {
			t.Fatalf("params %v, want 0.5", m.Params)
		}
	}
	if m.Strategy != "dp-fedavg+secagg" || m.Epsilon <= 0 {
		t.Fatalf("model %+v", m)
	}
}

// TestSecureRoundAborts aborts a secure round when too few clients
// advertise keys.
func TestSecureRoundAborts(t *testing.T) {
	cfg := secureConfig()
	cfg.MaxAborts = 1
	h := newHarness(t, cfg, 1, 4)
	h.tick(0)
	h.deliver(func(e envelope) bool { return e.from != clientID(0) && e.to == coordID(0) })
	h.tick(time.Second)
	ab := find[RoundAborted](h)
	if len(ab) != 1 || !errors.Is(ab[0].Err, ErrSecAgg) {
		t.Fatalf("aborted: %+v", ab)
	}
}

// TestSecureRefusals sends the coordinator of a secure round messages it
// must refuse.
func TestSecureRefusals(t *testing.T) {
	h := newHarness(t, secureConfig(), 1, 4)
	h.tick(0)
	c := h.coords[coordID(0)]
	advs := map[NodeID]*SecAgg{}
	h.deliver(func(e envelope) bool {
		if e.to != coordID(0) {
			return false
		}
		m, err := Decode(e.data)
		if err != nil {
			t.Fatal(err)
		}
		advs[e.from] = m.(*SecAgg)
		return true
	})
	if len(advs) != 4 {
		t.Fatalf("%d advertisements, want 4", len(advs))
	}
	a1 := advs[clientID(1)]
	check := func(i int, from NodeID, msg Message, want error) {
		t.Helper()
		outs := c.Handle(h.now, from, msg)
		if want == nil {
			if len(outs) != 0 {
				t.Fatalf("case %d: %v", i, outs)
			}
			return
		}
		if len(outs) == 0 {
			t.Fatalf("case %d: accepted, want %v", i, want)
		}
		if mr, ok := outs[0].(MessageRefused); !ok || !errors.Is(mr.Err, want) {
			t.Fatalf("case %d: %v, want %v", i, outs, want)
		}
	}
	check(0, clientID(0), &Update{Round: 1, NumSamples: 1, Delta: []float64{0, 0, 0, 0}}, ErrSecAgg)
	check(1, clientID(0), &SecAgg{Round: 1, Kind: KindMaskedInput, Payload: a1.Payload}, ErrSecAgg)
	check(2, clientID(0), &SecAgg{Round: 1, Kind: KindAdvertiseKeys, Payload: []byte{1}}, ErrSecAgg)
	check(3, clientID(2), a1, ErrSecAgg) // claims client 1's secagg ID
	check(4, clientID(0), &SecAgg{Round: 2, Kind: KindAdvertiseKeys, Payload: a1.Payload}, ErrStale)
	check(5, clientID(1), a1, nil)
	check(6, clientID(1), a1, ErrDuplicate)
	for _, n := range []NodeID{clientID(0), clientID(2)} {
		check(7, n, advs[n], nil)
	}
	h.emit(coordID(0), c.Handle(h.now, clientID(3), advs[clientID(3)])) // closes the phase
	if c.cur.sa.phase != phaseKeys {
		t.Fatalf("phase %d, want keys", c.cur.sa.phase)
	}
	check(8, clientID(3), advs[clientID(3)], ErrLate)
	// The client side refuses secure messages of rounds it is not in.
	outs := h.clients[clientID(0)].Handle(h.now, coordID(0), &SecAgg{Round: 7, Kind: KindRoster, Payload: []byte{1}})
	if mr, ok := outs[0].(MessageRefused); !ok || !errors.Is(mr.Err, ErrStale) {
		t.Fatalf("client: %v", outs)
	}
	// ... and fails its round on a malformed one.
	outs = h.clients[clientID(0)].Handle(h.now, coordID(0), &SecAgg{Round: 1, Kind: KindRoster, Payload: []byte{1}})
	if f, ok := outs[0].(RoundFailed); !ok || !errors.Is(f.Err, ErrSecAgg) {
		t.Fatalf("client: %v", outs)
	}
	outs = h.clients[clientID(1)].Handle(h.now, coordID(0), &SecAgg{Round: 1, Kind: KindMaskedInput, Payload: []byte{1}})
	if f, ok := outs[0].(RoundFailed); !ok || !errors.Is(f.Err, ErrSecAgg) {
		t.Fatalf("client: %v", outs)
	}
}

// TestSecureClientWithoutRandom declines secure rounds.
func TestSecureClientWithoutRandom(t *testing.T) {
	c, err := NewClient(ClientConfig{Self: clientID(0), Coordinators: []NodeID{coordID(0)}, NumSamples: 1})
	if err != nil {
		t.Fatal(err)
	}
	outs := c.Handle(time.Time{}, coordID(0), &RoundStart{Round: 1, Timeout: time.Second, LocalEpochs: 1,
		Params: []float64{1}, SecAgg: &SecAggSettings{ID: 1, Clients: 3, Threshold: 2, Clip: 1, Scale: 1}})
	if mr, ok := outs[0].(MessageRefused); !ok || !errors.Is(mr.Err, ErrSecAgg) {
		t.Fatalf("outputs %v", outs)
	}
	// Bad secagg parameters are refused too.
	c2, _ := NewClient(ClientConfig{Self: clientID(0), Coordinators: []NodeID{coordID(0)}, NumSamples: 1,
		Random: rand.NewChaCha8([32]byte{})})
	outs = c2.Handle(time.Time{}, coordID(0), &RoundStart{Round: 1, Timeout: time.Second, LocalEpochs: 1,
		Params: []float64{1}, SecAgg: &SecAggSettings{ID: 1, Clients: 3, Threshold: 1, Clip: 1, Scale: 1}})
	if mr, ok := outs[0].(MessageRefused); !ok || !errors.Is(mr.Err, ErrSecAgg) {
		t.Fatalf("outputs %v", outs)
	}
}
