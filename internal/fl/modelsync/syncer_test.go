package modelsync

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestGossipLine: a version accepted at a reaches c through b, one hop per round, and a forged
// record offered at a is refused there and never leaves it.
func TestGossipLine(t *testing.T) {
	n := newNet(t, 3)
	rs := n.chain(t, 2)
	sa, sb, sc := openStore(t), openStore(t), openStore(t)
	pa, pb := serve(t, sa), serve(t, sb)
	yb := syncer(t, sb, n.verify, map[identity.NodeID]*peer{nodeID(1): pa}, "")
	yc := syncer(t, sc, n.verify, map[identity.NodeID]*peer{nodeID(2): pb}, "")
	ya := syncer(t, sa, n.verify, map[identity.NodeID]*peer{}, "")
	if err := ya.Offer(rs[0], "test"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	yc.Round(ctx) // b has nothing yet
	if _, err := sc.Current(); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("c has a version before b: %v", err)
	}
	yb.Round(ctx)
	yc.Round(ctx)
	for name, s := range map[string]*registry.Store{"b": sb, "c": sc} {
		if v, err := s.Current(); err != nil || v.ID != rs[0].ID {
			t.Fatalf("%s: current %v, %v; want %s", name, v.ID.Short(), err, rs[0].ID.Short())
		}
	}
	raw := rs[1].Raw()
	raw[len(raw)-1] ^= 1
	forged, err := registry.ParseRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := ya.Offer(forged, "test"); !errors.Is(err, registry.ErrPayloadHash) {
		t.Fatalf("forged: err = %v", err)
	}
	yb.Round(ctx)
	yc.Round(ctx)
	if v, _ := sc.Current(); v.Round != 1 {
		t.Fatalf("c moved to round %d", v.Round)
	}
	if got := ya.Stats(); got[OutcomeAccepted] != 1 || got[OutcomePayloadHash] != 1 {
		t.Errorf("a stats %v", got)
	}
	if got := yc.Stats(); got[OutcomeAccepted] != 1 || len(got) != 1 {
		t.Errorf("c stats %v", got)
	}
}

// TestPullCatchUp: a node that missed rounds fetches the announced version and its ancestors
// back to its own current version and accepts them oldest first; beyond MaxCatchUp it cannot
// bridge and the fork is refused and counted.
func TestPullCatchUp(t *testing.T) {
	n := newNet(t, 4)
	rs := n.chain(t, MaxCatchUp+3)
	tests := []struct {
		name     string
		have     int // rounds the puller has
		serve    int // rounds the server has
		want     uint64
		outcomes map[string]uint64
	}{
		{"empty store takes the current", 0, 4, 4, map[string]uint64{OutcomeAccepted: 1}},
		{"bridges missed rounds", 1, 4, 4, map[string]uint64{OutcomeAccepted: 3}},
		{"up to date", 4, 4, 4, map[string]uint64{}},
		{"ahead", 4, 2, 4, map[string]uint64{}},
		{"too far behind", 1, MaxCatchUp + 3, 1, map[string]uint64{OutcomeFork: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mine, theirs := openStore(t), openStore(t)
			accept(t, mine, n.verify, rs[:tt.have]...)
			accept(t, theirs, n.verify, rs[:tt.serve]...)
			y := syncer(t, mine, n.verify, map[identity.NodeID]*peer{nodeID(1): serve(t, theirs)}, "")
			if err := y.Pull(context.Background(), nodeID(1)); err != nil && len(tt.outcomes) == 0 {
				t.Fatal(err)
			}
			if v, _ := mine.Current(); v.Round != tt.want {
				t.Errorf("current round %d, want %d", v.Round, tt.want)
			}
			if got := y.Stats(); len(got) != len(tt.outcomes) || got[OutcomeAccepted] != tt.outcomes[OutcomeAccepted] || got[OutcomeFork] != tt.outcomes[OutcomeFork] {
				t.Errorf("stats %v, want %v", got, tt.outcomes)
			}
			// A refused version is not fetched again.
			if tt.outcomes[OutcomeFork] > 0 {
				_ = y.Pull(context.Background(), nodeID(1))
				if got := y.Stats()[OutcomeFork]; got != 1 {
					t.Errorf("refused version offered %d times", got)
				}
			}
		})
	}
}

// TestPullErrors: failures of the neighbour show up as errors and change nothing.
func TestPullErrors(t *testing.T) {
	n := newNet(t, 5)
	rs := n.chain(t, 1)
	mine := openStore(t)
	empty := openStore(t)
	y := syncer(t, mine, n.verify, map[identity.NodeID]*peer{nodeID(1): serve(t, empty)}, "")
	ctx := context.Background()
	if err := y.Pull(ctx, nodeID(1)); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty neighbour: err = %v", err)
	}
	if err := y.Pull(ctx, nodeID(9)); err == nil {
		t.Error("unreachable neighbour: no error")
	}
	if _, err := y.FetchRecord(ctx, nodeID(1), rs[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing record: err = %v", err)
	}
	// A neighbour that announces a round its record does not have.
	lying := newPipeListener()
	go func() {
		for i := 0; i < 2; i++ {
			c, err := lying.Accept()
			if err != nil {
				return
			}
			q, _ := ReadRequest(c)
			if q.Op == OpCurrent {
				_, _ = c.Write(AppendCurrent(nil, Current{ID: rs[0].ID, Round: 5}, true))
			} else {
				raw := rs[0].Raw()
				hdr, _ := AppendRecordHeader(nil, raw)
				_, _ = c.Write(append(hdr, raw...))
			}
			c.Close()
		}
	}()
	defer lying.Close()
	y2 := syncer(t, mine, n.verify, map[identity.NodeID]*peer{nodeID(3): {l: lying}}, "")
	if err := y2.Pull(ctx, nodeID(3)); !errors.Is(err, ErrMismatch) {
		t.Errorf("lying neighbour: err = %v", err)
	}
	if _, err := mine.Current(); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("the store changed: %v", err)
	}
	closed := openStore(t)
	closed.Close()
	y3 := syncer(t, closed, n.verify, map[identity.NodeID]*peer{nodeID(1): serve(t, openStoreWith(t, n, rs[0]))}, "")
	if err := y3.Pull(ctx, nodeID(1)); !errors.Is(err, registry.ErrClosed) {
		t.Errorf("closed store: err = %v", err)
	}
}

func openStoreWith(t *testing.T, n *testNet, rs ...*registry.Record) *registry.Store {
	s := openStore(t)
	accept(t, s, n.verify, rs...)
	return s
}

// TestInbox: record files in the inbox are offered once each, other files are skipped, and a file
// that is not a record is counted as malformed.
func TestInbox(t *testing.T) {
	n := newNet(t, 6)
	rs := n.chain(t, 2)
	dir := t.TempDir()
	for i, r := range rs {
		if err := registry.WriteRecordFile(filepath.Join(dir, "r"+string(rune('1'+i))+InboxSuffix), r); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string]string{"junk" + InboxSuffix: "junk", "notes.txt": "x", ".hidden" + InboxSuffix: "x"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"+InboxSuffix), 0o755); err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	y := syncer(t, s, n.verify, nil, dir)
	y.Round(context.Background())
	y.Round(context.Background()) // nothing new
	if v, err := s.Current(); err != nil || v.ID != rs[1].ID {
		t.Fatalf("current %v, %v", v.ID.Short(), err)
	}
	if got := y.Stats(); got[OutcomeAccepted] != 2 || got[OutcomeMalformed] != 1 || len(got) != 2 {
		t.Errorf("stats %v", got)
	}
	missing := syncer(t, s, n.verify, nil, filepath.Join(dir, "none"))
	missing.Round(context.Background())
	if got := missing.Stats(); len(got) != 0 {
		t.Errorf("missing inbox stats %v", got)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, OutcomeAccepted},
		{registry.ErrDuplicate, OutcomeDuplicate},
		{registry.ErrStale, OutcomeStale},
		{registry.ErrFork, OutcomeFork},
		{registry.ErrUntrusted, OutcomeUntrusted},
		{registry.ErrSignature, OutcomeSignature},
		{registry.ErrPayloadHash, OutcomePayloadHash},
		{registry.ErrNotCoordinator, OutcomeCoordinator},
		{registry.ErrMalformed, OutcomeMalformed},
		{ErrUnusable, OutcomeUnusable},
		{errors.New("disk full"), OutcomeOther},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

func TestNewConfig(t *testing.T) {
	s := openStore(t)
	ok := Config{Store: s, Accept: func(*registry.Record, string) error { return nil },
		Dial:       func(context.Context, identity.NodeID) (net.Conn, error) { return nil, errors.New("no") },
		Neighbours: func() []identity.NodeID { return nil }}
	tests := []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{"defaults", func(*Config) {}, true},
		{"no store", func(c *Config) { c.Store = nil }, false},
		{"no accept", func(c *Config) { c.Accept = nil }, false},
		{"too fast", func(c *Config) { c.Interval = MinInterval - 1 }, false},
		{"too slow", func(c *Config) { c.Interval = MaxInterval + 1 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mod(&c)
			y, err := New(c)
			if tt.ok != (err == nil) || !tt.ok && !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New: %v", err)
			}
			if tt.ok && y.cfg.Interval != DefaultInterval {
				t.Errorf("interval %v", y.cfg.Interval)
			}
		})
	}
}

// TestRun: Run pulls at once and then every interval, and returns when ctx ends.
func TestRun(t *testing.T) {
	n := newNet(t, 7)
	rs := n.chain(t, 2)
	theirs := openStoreWith(t, n, rs[0])
	mine := openStore(t)
	y := syncer(t, mine, n.verify, map[identity.NodeID]*peer{nodeID(1): serve(t, theirs)}, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- y.Run(ctx) }()
	wait := func(round uint64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if v, _ := mine.Current(); v.Round == round {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d never arrived", round)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait(1)
	accept(t, theirs, n.verify, rs[1])
	wait(2)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if d := jitter(time.Second); d < 800*time.Millisecond || d > 1200*time.Millisecond {
			t.Fatalf("jitter %v", d)
		}
	}
	if jitter(0) != 0 {
		t.Error("jitter(0) != 0")
	}
}

// TestServeBusy: requests beyond MaxConcurrentRequests are refused by closing the stream, and a
// listener failure ends Serve with an error.
func TestServeBusy(t *testing.T) {
	n := newNet(t, 8)
	p := serve(t, openStoreWith(t, n, n.chain(t, 1)...))
	ctx := context.Background()
	var held []net.Conn
	for range MaxConcurrentRequests {
		c, err := p.l.dial(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c) // never sends: its handler waits for the request
	}
	c, err := p.l.dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCurrent(c); !errors.Is(err, ErrProtocol) {
		t.Errorf("over the limit: err = %v", err)
	}
	c.Close()
	for _, h := range held {
		h.Close()
	}
	l := newPipeListener()
	l.Close()
	if err := Serve(ctx, l, openStore(t), nil); err == nil {
		t.Error("Serve on a closed listener: no error")
	}
}
