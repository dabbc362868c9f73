package roundsim

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
)

// TestFedAvgConverges runs plain FedAvg on quadratic clients: the global
// model approaches the mean of the clients' targets.
func TestFedAvgConverges(t *testing.T) {
	f := newFederation(t, 1, 10, 6, 0, baseConfig(), 1)
	rep, err := Run(context.Background(), f.coords, f.clients, Options{Seed: 1, Jitter: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err != nil || rep.Completed != 10 || len(rep.Rounds) != 10 {
		t.Fatalf("err %v, completed %d, rounds %d", rep.Err, rep.Completed, len(rep.Rounds))
	}
	if d := maxAbsDiff(rep.Final.Params, f.meanTarget(0)); d > 0.01 {
		t.Fatalf("final model %v away from the mean target", d)
	}
	for _, st := range rep.Rounds {
		// Every round: 10 RoundStart and 10 Update messages.
		if st.Messages != 20 || st.Replied != 10 || st.Selected != 10 || st.Aborted || st.End <= st.Start ||
			st.Uplink <= 0 || 2*st.Uplink > st.Bytes+200 { // uplink: 10 Updates, about half the bytes

			t.Fatalf("round stats %+v", st)
		}
	}
	if rep.BytesPerRound() <= 0 || rep.BytesSent != int64(rep.BytesPerRound()*10) || rep.Messages != 200 ||
		rep.UplinkPerRound() <= 0 {
		t.Fatalf("bytes %d, per round %v, messages %d", rep.BytesSent, rep.BytesPerRound(), rep.Messages)
	}
}

// TestDeterministic runs the same faulty federation twice: same log,
// same model. Another seed gives another run.
func TestDeterministic(t *testing.T) {
	run := func(seed uint64) *Report {
		f := newFederation(t, 2, 8, 4, 2, baseConfig(), 3)
		opt := Options{Seed: seed, Jitter: 30 * time.Millisecond, Loss: 0.05, StragglerRate: 0.2, DropoutRate: 0.1,
			Attack: AttackGaussian, Crashes: []Crash{{Node: nodeID(0xc0, 0), At: 4 * time.Second}}}
		rep, err := Run(context.Background(), f.coords, f.clients, opt)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	a, b, c := run(5), run(5), run(6)
	if !slices.Equal(a.Log, b.Log) || !slices.Equal(a.Final.Params, b.Final.Params) || a.BytesSent != b.BytesSent {
		t.Fatal("two runs with the same seed differ")
	}
	if slices.Equal(a.Log, c.Log) {
		t.Fatal("another seed gave the same run")
	}
	if a.Failovers != 1 || a.Lost == 0 {
		t.Fatalf("failovers %d, lost %d", a.Failovers, a.Lost)
	}
}

// TestStragglersAndDropouts makes clients slow or drop out: late updates
// are refused and counted, rounds still complete with the others. Half the
// clients are selected per round, so a straggler is often not in the next
// round and sends its late update (a client selected again drops the old
// round for the new one).
func TestStragglersAndDropouts(t *testing.T) {
	cfg := baseConfig()
	cfg.MaxMisses, cfg.SampleRate = 100, 0.5
	f := newFederation(t, 1, 10, 4, 0, cfg, 2)
	rep, err := Run(context.Background(), f.coords, f.clients, Options{Seed: 2, StragglerRate: 0.3, DropoutRate: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	late, short := 0, 0
	for _, st := range rep.Rounds {
		late += st.Late
		if st.Replied < st.Selected {
			short++
		}
		if !st.Aborted && st.End-st.Start < cfg.RoundTimeout && st.Replied < st.Selected {
			t.Fatalf("round %d closed before its deadline with clients missing: %+v", st.Round, st)
		}
	}
	if rep.Err != nil || rep.Completed != 10 || late == 0 || short == 0 {
		t.Fatalf("err %v completed %d late %d short rounds %d", rep.Err, rep.Completed, late, short)
	}
	if d := maxAbsDiff(rep.Final.Params, f.meanTarget(0)); d > 0.1 {
		t.Fatalf("final model %v away from the mean target", d)
	}
}

// TestCoordinatorFailover crashes the first coordinator: the second takes
// over and finishes every round.
func TestCoordinatorFailover(t *testing.T) {
	f := newFederation(t, 3, 6, 4, 0, baseConfig(), 4)
	rep, err := Run(context.Background(), f.coords, f.clients, Options{Seed: 4,
		Crashes: []Crash{{Node: nodeID(0xc0, 0), At: 3500 * time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failovers != 1 || rep.Completed != 10 || rep.Err != nil {
		t.Fatalf("failovers %d completed %d err %v", rep.Failovers, rep.Completed, rep.Err)
	}
	epochs := map[uint32]bool{}
	for _, st := range rep.Rounds {
		epochs[st.Epoch] = true
	}
	if !epochs[0] || !epochs[1] || len(epochs) != 2 {
		t.Fatalf("epochs %v", epochs)
	}
	if d := maxAbsDiff(rep.Final.Params, f.meanTarget(0)); d > 0.01 {
		t.Fatalf("final model %v away from the mean target", d)
	}
}

// TestClientCrashExcluded crashes a client for good: it is excluded after
// MaxMisses rounds and the federation goes on.
func TestClientCrashExcluded(t *testing.T) {
	cfg := baseConfig()
	cfg.MaxMisses = 2
	f := newFederation(t, 1, 5, 4, 0, cfg, 5)
	rep, err := Run(context.Background(), f.coords, f.clients, Options{Seed: 5,
		Crashes: []Crash{{Node: nodeID(0x01, 2), At: 500 * time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Excluded) != 1 || rep.Excluded[0].Client != nodeID(0x01, 2) || !errors.Is(rep.Excluded[0].Err, round.ErrUnresponsive) {
		t.Fatalf("excluded %+v", rep.Excluded)
	}
	if rep.Completed != 10 || rep.Rounds[9].Selected != 4 {
		t.Fatalf("completed %d, last selection %d", rep.Completed, rep.Rounds[9].Selected)
	}
}

// TestSecureRoundsWithDropouts runs secure aggregation with dropouts after
// the key exchange: the masks of the dropped clients are recovered.
func TestSecureRoundsWithDropouts(t *testing.T) {
	cfg := baseConfig()
	cfg.Rounds, cfg.MaxMisses = 4, 100
	cfg.SecAgg = &round.SecAggConfig{Clip: 2}
	cfg.Random = rand.NewChaCha8([32]byte{9})
	f := newFederation(t, 1, 8, 4, 0, cfg, 6)
	for i := range f.clients {
		f.clients[i].Config.Random = rand.NewChaCha8([32]byte{byte(i)})
	}
	rep, err := Run(context.Background(), f.coords, f.clients, Options{Seed: 6, DropoutRate: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	short := false
	for _, st := range rep.Rounds {
		short = short || (!st.Aborted && st.Replied < st.Selected)
	}
	if rep.Completed != 4 || !short || rep.Final.Strategy != "fedavg+secagg" {
		t.Fatalf("completed %d, a round with dropouts %v, strategy %s", rep.Completed, short, rep.Final.Strategy)
	}
	if d := maxAbsDiff(rep.Final.Params, f.meanTarget(0)); d > 0.1 {
		t.Fatalf("final model %v away from the mean target", d)
	}
}

// TestTrainerErrors makes one client's training fail: it refuses each
// round and the others carry on.
func TestTrainerErrors(t *testing.T) {
	f := newFederation(t, 1, 4, 2, 0, baseConfig(), 7)
	f.clients[0].Train = func(context.Context, []float64, int, *rand.Rand) ([]float64, error) {
		return nil, errors.New("disk full")
	}
	rep, err := Run(context.Background(), f.coords, f.clients, Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Completed != 10 || len(rep.Final.Participants) != 3 {
		t.Fatalf("completed %d, participants %d", rep.Completed, len(rep.Final.Participants))
	}
}
