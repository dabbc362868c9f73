package roundsim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
)

// TestOptionsValidate checks every limit of Options.
func TestOptionsValidate(t *testing.T) {
	for i, tc := range []struct {
		o  Options
		ok bool
	}{
		{Options{}, true},
		{Options{Latency: -1}, false},
		{Options{Jitter: MaxLatency + 1}, false},
		{Options{Loss: 1}, false},
		{Options{Loss: -0.1}, false},
		{Options{TrainTime: MaxTrainTime + 1}, false},
		{Options{StragglerRate: 2}, false},
		{Options{DropoutRate: -1}, false},
		{Options{StragglerFactor: 0.5}, false},
		{Options{Crashes: make([]Crash, MaxCrashes+1)}, false},
		{Options{Crashes: []Crash{{At: -1}}}, false},
		{Options{DetectionDelay: -1}, false},
		{Options{MaxVirtualTime: MaxVirtualTime + 1}, false},
		{Options{Attack: 9}, false},
	} {
		if err := tc.o.Validate(); (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrOptions)) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	for i, name := range AttackNames() {
		a, err := ParseAttack(name)
		if err != nil || a != Attack(i) || a.String() != name {
			t.Fatalf("%s: %v %v", name, a, err)
		}
	}
	if _, err := ParseAttack("flip"); !errors.Is(err, ErrOptions) || !strings.Contains(Attack(9).String(), "9") {
		t.Fatal("unknown attack")
	}
}

// TestRunErrors checks the runs that cannot start or cannot finish.
func TestRunErrors(t *testing.T) {
	ctx := context.Background()
	f := newFederation(t, 1, 3, 2, 0, baseConfig(), 1)
	if _, err := Run(ctx, nil, f.clients, Options{}); !errors.Is(err, ErrOptions) {
		t.Fatalf("no coordinators: %v", err)
	}
	if _, err := Run(ctx, f.coords, f.clients, Options{Loss: 2}); !errors.Is(err, ErrOptions) {
		t.Fatalf("bad options: %v", err)
	}
	if _, err := Run(ctx, f.coords, f.clients, Options{Crashes: []Crash{{Node: nodeID(9, 9)}}}); !errors.Is(err, ErrOptions) {
		t.Fatalf("unknown crash: %v", err)
	}
	bad := append([]ClientSpec(nil), f.clients...)
	bad[0].Train = nil
	if _, err := Run(ctx, f.coords, bad, Options{}); !errors.Is(err, ErrOptions) {
		t.Fatalf("no trainer: %v", err)
	}
	dup := append(append([]ClientSpec(nil), f.clients...), f.clients[0])
	if _, err := Run(ctx, f.coords, dup, Options{}); !errors.Is(err, ErrOptions) {
		t.Fatalf("duplicate client: %v", err)
	}
	badCfg := append([]round.Config(nil), f.coords...)
	badCfg[0].Rounds = 0
	if _, err := Run(ctx, badCfg, f.clients, Options{}); !errors.Is(err, round.ErrConfig) {
		t.Fatalf("bad config: %v", err)
	}
	badClient := append([]ClientSpec(nil), f.clients...)
	badClient[0].Config.NumSamples = 0
	if _, err := Run(ctx, f.coords, badClient, Options{}); !errors.Is(err, round.ErrConfig) {
		t.Fatalf("bad client: %v", err)
	}
	// The only coordinator crashes: nothing is left to happen.
	rep, err := Run(ctx, f.coords, f.clients, Options{Crashes: []Crash{{Node: nodeID(0xc0, 0), At: 1500 * time.Millisecond}}})
	if !errors.Is(err, ErrStuck) || rep == nil || rep.Completed != 1 {
		t.Fatalf("stuck: %v", err)
	}
	// A limit on virtual time ends a long run.
	if _, err := Run(ctx, f.coords, f.clients, Options{MaxVirtualTime: 3 * time.Second}); !errors.Is(err, ErrTimeLimit) {
		t.Fatalf("time limit: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Run(cctx, f.coords, f.clients, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestDescribe covers the log line of every event.
func TestDescribe(t *testing.T) {
	for _, o := range []round.Output{
		round.RoundStarted{}, round.RoundClosed{}, round.RoundAborted{}, round.ModelReady{}, round.ClientExcluded{},
		round.MessageRefused{}, round.Refused{}, round.TookOver{}, round.SteppedDown{}, round.CoordinatorChanged{},
		round.Finished{}, round.RoundFailed{}, round.BudgetExhausted{}, round.Send{},
	} {
		if describe(o) == "" {
			t.Fatalf("%T: empty", o)
		}
	}
	if (&Report{}).BytesPerRound() != 0 {
		t.Fatal("empty report")
	}
}
