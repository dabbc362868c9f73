package heal

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/store"
)

// TestStoreRoundTrip persists a dead-link incident, closes the store,
// reopens it with a new Agent and checks that the incident is intact and
// the IDs continue.
func TestStoreRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tn := newTestNet(t, 2, func(i int) Options {
		if i == 0 {
			return Options{Store: st}
		}
		return Options{}
	})
	tn.connect(0, 1)
	tn.converge()
	tn.run(10 * time.Second) // more than BaselineEvery Steps
	tn.cut(0, 1)
	tn.run(2 * time.Minute)
	a := tn.nodes[0].agent
	if err := a.StoreErr(); err != nil {
		t.Fatal(err)
	}
	before := a.Incidents()
	acts := a.Actions()
	if len(before) == 0 || len(acts) == 0 {
		t.Fatalf("incidents %d, actions %d: want some", len(before), len(acts))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// A failing store is reported, not fatal (a quiet Step writes nothing;
	// the next copy of the baselines is due within BaselineEvery Steps).
	if tn.run((mapek.BaselineEvery + 1) * DefaultPeriod); !errors.Is(a.StoreErr(), ErrStore) {
		t.Errorf("StoreErr after close = %v", a.StoreErr())
	}

	st2, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	b, err := New(tn.nodes[0].core, Options{Store: st2})
	if err != nil {
		t.Fatal(err)
	}
	after := b.Incidents()
	if len(after) != len(before) {
		t.Fatalf("%d incidents after reopening, want %d", len(after), len(before))
	}
	for i := range before {
		if before[i].ID != after[i].ID || before[i].Kind != after[i].Kind || !before[i].DetectedAt.Equal(after[i].DetectedAt) {
			t.Errorf("incident %d: %+v, want %+v", i, after[i], before[i])
		}
	}
	if len(b.Actions()) != len(acts) {
		t.Errorf("%d actions after reopening, want %d", len(b.Actions()), len(acts))
	}
	if len(b.restore) == 0 {
		t.Error("no baselines to restore")
	}
	// Reconnect; a new fault opens an incident with the next ID.
	tn.nodes[0].agent = b
	tn.connect(0, 1)
	tn.run(10 * time.Second)
	if len(b.Loop().Baselines()) == 0 {
		t.Error("baselines not restored")
	}
	tn.cut(0, 1)
	tn.nodes[0].core.NeighbourDown(tn.now, tn.nodes[1].id)
	tn.run(5 * time.Second)
	incs := b.Incidents()
	last := incs[len(incs)-1]
	if last.ID <= before[len(before)-1].ID {
		t.Errorf("new incident ID %d does not continue after %d", last.ID, before[len(before)-1].ID)
	}
	ids, _, err := st2.LastIDs()
	if err != nil || ids != last.ID {
		t.Errorf("store's last incident %d (%v), want %d", ids, err, last.ID)
	}
	if b.NextStep().IsZero() || b.Loop().Config().Cooldown != mapek.Cooldown {
		t.Error("accessors")
	}
}

// TestNewErrors checks the options New refuses.
func TestNewErrors(t *testing.T) {
	tn := newTestNet(t, 1, nil)
	c := tn.nodes[0].core
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"period too short", Options{Period: time.Nanosecond}},
		{"period too long", Options{Period: time.Hour}},
		{"bad config", Options{Config: mapek.Config{DegradedLoss: 2}}},
	} {
		if _, err := New(c, tc.opt); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := New(nil, Options{}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("nil core: %v", err)
	}
	path := filepath.Join(t.TempDir(), "k.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := New(c, Options{Store: st}); !errors.Is(err, ErrStore) {
		t.Errorf("closed store: %v", err)
	}
}

func TestUpsertBounded(t *testing.T) {
	var h []mapek.Action
	id := func(a *mapek.Action) uint64 { return a.ID }
	h = upsert(h, []mapek.Action{{ID: 3}, {ID: 1}, {ID: 2}, {ID: 2, Rung: 1}}, id, 2)
	if len(h) != 2 || h[0].ID != 2 || h[0].Rung != 1 || h[1].ID != 3 {
		t.Errorf("%+v", h)
	}
}
