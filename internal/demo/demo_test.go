package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// epoch is the wall time the test meshes start at.
var epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// newMesh builds a mesh of n nodes in topology t with view v and chaos
// every chaos, logging to the returned buffer.
func newMesh(t *testing.T, n int, topo sim.Topology, v int, chaos time.Duration) (*Mesh, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	o := DefaultOptions()
	o.Sim.Nodes, o.Sim.Topology, o.View, o.ChaosEvery, o.Out, o.Version = n, topo, v, chaos, &out, "test"
	m, err := New(o, epoch)
	if err != nil {
		t.Fatal(err)
	}
	return m, &out
}

// advance runs m for d of wall time from its present, in StepInterval
// steps as Run does.
func advance(m *Mesh, d time.Duration) {
	m.mu.Lock()
	now := m.clock()
	m.mu.Unlock()
	for end := now.Add(d); now.Before(end); {
		now = now.Add(StepInterval)
		m.Advance(now)
	}
}

// with runs fn on m's simulator under its lock.
func with(m *Mesh, fn func(s *sim.Sim)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn(m.s)
}

func TestOptionsRefused(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Options)
		want error
	}{
		{"view below", func(o *Options) { o.View = -1 }, ErrInvalidOptions},
		{"view above", func(o *Options) { o.View = o.Sim.Nodes }, ErrInvalidOptions},
		{"chaos negative", func(o *Options) { o.ChaosEvery = -time.Second }, ErrInvalidOptions},
		{"chaos too fast", func(o *Options) { o.ChaosEvery = MinChaosEvery / 2 }, ErrInvalidOptions},
		{"traffic NaN", func(o *Options) { o.TrafficRate = math.NaN() }, ErrInvalidOptions},
		{"traffic negative", func(o *Options) { o.TrafficRate = -1 }, ErrInvalidOptions},
		{"traffic too high", func(o *Options) { o.TrafficRate = sim.MaxTrafficRate + 1 }, ErrInvalidOptions},
		{"one node", func(o *Options) { o.Sim.Nodes, o.View = 1, 0 }, sim.ErrInvalidOptions},
		{"latency too long to converge", func(o *Options) { o.Sim.Nodes, o.Sim.Link.Latency = 4, sim.MaxLatency }, ErrNoConvergence},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := DefaultOptions()
			c.edit(&o)
			if _, err := New(o, epoch); !errors.Is(err, c.want) {
				t.Fatalf("New: %v, want %v", err, c.want)
			}
		})
	}
}

// TestBackendView checks the view of the centre of a 3x3 grid: its four
// links and eight routes, then a crash of a neighbour (a dead-link
// incident, a link down), then a crash of the node in view itself.
func TestBackendView(t *testing.T) {
	m, out := newMesh(t, 9, sim.Grid, 4, 0)
	advance(m, 2*time.Second)
	var ids [9]string
	with(m, func(s *sim.Sim) {
		for i := range ids {
			ids[i] = s.ID(i).String()
		}
	})
	nbrs := []string{ids[1], ids[3], ids[5], ids[7]}

	n := m.Node()
	if n.ID != ids[4] || n.Name != "node4" || n.Listen != ListenVirtual || n.Version != "test" || !n.StartedAt.Equal(epoch) ||
		!n.NotAfter.After(epoch.Add(300*24*time.Hour)) || len(n.Network) != 16 {
		t.Fatalf("Node: %+v", n)
	}
	topo := m.Topology()
	if topo.Self != ids[4] || len(topo.Links) != 4 || len(topo.Routes) != 8 || len(topo.Nodes) != 9 {
		t.Fatalf("Topology: self %s, %d links, %d routes, %d nodes", topo.Self, len(topo.Links), len(topo.Routes), len(topo.Nodes))
	}
	for _, l := range topo.Links {
		if !strings.Contains(strings.Join(nbrs, " "), l.To) || !l.Up || l.Cost <= 0 || l.Cost >= api.MetricInfinity || l.RTT <= 0 {
			t.Errorf("link %+v", l)
		}
	}
	for _, v := range topo.Nodes {
		if !v.Reachable || v.Name == "" {
			t.Errorf("node %+v", v)
		}
	}
	selected := 0
	for _, r := range m.Routes() {
		if r.Selected {
			selected++
		}
	}
	if selected != 8 {
		t.Fatalf("Routes: %d selected, want 8", selected)
	}
	peers := m.Peers()
	if len(peers) != 4 {
		t.Fatalf("Peers: %d, want 4", len(peers))
	}
	for _, p := range peers {
		if p.State != "up" || !strings.HasPrefix(p.Name, "node") || p.LastReceived.Before(epoch) {
			t.Errorf("peer %+v", p)
		}
	}
	if ok, why := m.Ready(); !ok {
		t.Fatalf("Ready: %s", why)
	}
	if _, err := m.Ping(context.Background(), api.PingRequest{Peer: ids[1], Count: 1}); !errors.Is(err, api.ErrUnavailable) || !errors.Is(err, ErrNoPing) {
		t.Fatalf("Ping: %v", err)
	}

	// A neighbour crashes: the node in view opens a dead-link incident and
	// shows the link down.
	with(m, func(s *sim.Sim) {
		if err := s.Crash(1); err != nil {
			t.Fatal(err)
		}
	})
	advance(m, 3*time.Second)
	open, err := m.Incidents(false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, inc := range open {
		if inc.Kind == "dead-link" && inc.Subject == ids[1] && inc.ResolvedAt.IsZero() && !inc.DetectedAt.Before(epoch) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no open dead-link about node1 in %+v", open)
	}
	topo = m.Topology()
	for _, l := range topo.Links {
		if l.To == ids[1] && (l.Up || l.Cost != api.MetricInfinity) {
			t.Fatalf("link to the crashed node1: %+v", l)
		}
	}
	if !strings.Contains(out.String(), "incident node4: dead-link about node1") {
		t.Fatalf("log lacks the incident of node4:\n%s", out)
	}
	acts, err := m.Actions()
	if err != nil || len(acts) == 0 {
		t.Fatalf("Actions: %v, %d", err, len(acts))
	}
	incIDs := map[uint64]bool{}
	all, _ := m.Incidents(true)
	for _, inc := range all {
		if incIDs[inc.ID] {
			t.Fatalf("incident ID %d twice", inc.ID)
		}
		incIDs[inc.ID] = true
	}
	for _, a := range acts {
		if !incIDs[a.Incident] || !strings.HasPrefix(a.Reason, "node") || !strings.Contains(a.Reason, ": dead-link, rung") {
			t.Errorf("action %+v", a)
		}
	}
	st := m.Status()
	if st.NodesUp != 8 || len(st.Down) != 1 || st.Down[0] != "node1" || st.Components != 1 || st.View != "node4" ||
		st.FederatedLearning != FederatedLearningStatus || st.Sent == 0 || st.Delivered == 0 {
		t.Fatalf("Status: %+v", st)
	}

	// The node in view crashes: it is not ready, has no routes, its links
	// are down, and its open incident stays unresolved in a stopped run.
	with(m, func(s *sim.Sim) {
		if err := s.Crash(4); err != nil {
			t.Fatal(err)
		}
	})
	advance(m, time.Second)
	if ok, why := m.Ready(); ok || !strings.Contains(why, "node4 is down") {
		t.Fatalf("Ready: %v %q", ok, why)
	}
	if r := m.Routes(); len(r) != 0 {
		t.Fatalf("Routes of a node that is down: %d", len(r))
	}
	for _, p := range m.Peers() {
		if p.State != "down" {
			t.Fatalf("peer of a node that is down: %+v", p)
		}
	}
	if topo := m.Topology(); len(topo.Routes) != 0 || len(topo.Links) != 4 {
		t.Fatalf("Topology of a node that is down: %+v", topo)
	}
	stopped := false
	for _, ni := range m.Status().Incidents {
		if ni.Node == "node4" && ni.Subject == "node1" && ni.Stopped && ni.Open {
			stopped = true
		}
	}
	if !stopped {
		t.Fatal("Status lacks node4's stopped incident about node1")
	}
	open, _ = m.Incidents(false)
	all2, _ := m.Incidents(true)
	for _, inc := range all2 {
		if inc.Subject == ids[1] && inc.ResolvedAt.IsZero() {
			for _, o := range open {
				if o.ID == inc.ID && !incIDs[inc.ID] {
					t.Fatalf("incident %d changed ID", inc.ID)
				}
			}
		}
	}
	for _, inc := range all2 {
		if !incIDs[inc.ID] && inc.DetectedAt.Before(epoch.Add(5*time.Second)) {
			t.Fatalf("incident %+v got a new ID", inc)
		}
	}
}

// TestReadyWithoutLinks: the node in view is running but every link is cut.
func TestReadyWithoutLinks(t *testing.T) {
	m, _ := newMesh(t, 3, sim.Line, 1, 0)
	with(m, func(s *sim.Sim) {
		_ = s.Cut(0, 1)
		_ = s.Cut(1, 2)
	})
	advance(m, 500*time.Millisecond)
	if ok, why := m.Ready(); ok || !strings.Contains(why, "no link of node1") {
		t.Fatalf("Ready: %v %q", ok, why)
	}
}

// TestHealed: a link cut and healed gives dead-link incidents that
// resolve, logged as healed.
func TestHealed(t *testing.T) {
	m, out := newMesh(t, 4, sim.Ring, 0, 0)
	with(m, func(s *sim.Sim) { _ = s.Cut(0, 1) })
	advance(m, 2*time.Second)
	with(m, func(s *sim.Sim) { _ = s.Heal(0, 1) })
	advance(m, 70*time.Second)
	if !strings.Contains(out.String(), "healed   node0: dead-link about node1 resolved, MTTR") {
		t.Fatalf("log lacks the healed incident:\n%s", out)
	}
	all, _ := m.Incidents(true)
	resolved := 0
	for _, inc := range all {
		if !inc.ResolvedAt.IsZero() && inc.MTTR > 0 && inc.ResolvedAt.After(inc.DetectedAt) {
			resolved++
		}
	}
	if resolved == 0 {
		t.Fatalf("no resolved incident in %+v", all)
	}
	open, _ := m.Incidents(false)
	for _, inc := range open {
		if !inc.ResolvedAt.IsZero() {
			t.Fatalf("resolved incident listed as open: %+v", inc)
		}
	}
}

// TestChaos runs the fault rotation on a 12-node mesh: crash, cut, flap,
// grayhole, each reverted before the next, never on the node in view.
func TestChaos(t *testing.T) {
	m, out := newMesh(t, 12, sim.RandomGeometric, 0, 2*time.Second)
	advance(m, 2*time.Second+4*2*time.Second+500*time.Millisecond)
	st := m.Status()
	kinds := []string{KindCrash, KindCut, KindFlap, KindGrayhole, KindCrash}
	if len(st.Faults) != len(kinds) {
		t.Fatalf("%d faults, want %d:\n%s", len(st.Faults), len(kinds), out)
	}
	for k, f := range st.Faults {
		if f.Kind != kinds[k] || f.Target == "" || f.Reason == "" || !f.Until.After(f.At) {
			t.Errorf("fault %d: %+v", k, f)
		}
		if f.Target == "node0" {
			t.Errorf("fault %d on the node in view: %+v", k, f)
		}
		if k > 0 && f.At.Before(st.Faults[k-1].Until) {
			t.Errorf("fault %d overlaps the one before", k)
		}
		if reverted := k < len(kinds)-1; f.Reverted != reverted {
			t.Errorf("fault %d reverted %v", k, f.Reverted)
		}
	}
	if st.NodesUp != 11 || len(st.Down) != 1 || st.Down[0] != st.Faults[4].Target {
		t.Fatalf("during the last crash: %+v", st)
	}
	if f := st.Faults[1]; !strings.Contains(f.Target, "node0-") {
		t.Errorf("cut %s is not a link of the node in view", f.Target)
	}
	for _, want := range []string{"chaos    crash node", "chaos    restart node", "chaos    cut node0-", "chaos    heal node0-",
		"chaos    flap node", "chaos    flapping node", "chaos    grayhole node", "ends", "incident node"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	advance(m, time.Second) // past the revert of the last crash, before the next fault
	st = m.Status()
	if st.NodesUp != 12 || st.LinksCut != 0 || len(st.Grayholes) != 0 {
		t.Fatalf("after the reverts: %+v", st)
	}
}

// TestChaosWithoutTargets: on a line of three viewed from the middle there
// is no relay but the node in view and every link is a bridge.
func TestChaosWithoutTargets(t *testing.T) {
	m, out := newMesh(t, 3, sim.Line, 1, time.Second)
	advance(m, 4*time.Second+500*time.Millisecond)
	if got := strings.Count(out.String(), "skipped"); got != 4 {
		t.Fatalf("%d skipped faults, want 4:\n%s", got, out)
	}
	if st := m.Status(); len(st.Faults) != 0 || st.NodesUp != 3 {
		t.Fatalf("Status: %+v", st)
	}
}

// TestFaultHistoryBounded: only the last MaxFaults faults are kept.
func TestFaultHistoryBounded(t *testing.T) {
	m, _ := newMesh(t, 6, sim.Ring, 0, MinChaosEvery)
	advance(m, (MaxFaults+8)*MinChaosEvery)
	st := m.Status()
	if len(st.Faults) != MaxFaults {
		t.Fatalf("%d faults kept, want %d", len(st.Faults), MaxFaults)
	}
	for k, f := range st.Faults[:len(st.Faults)-1] {
		if !f.Reverted {
			t.Fatalf("fault %d not reverted: %+v", k, f)
		}
	}
}

// TestPacing: Advance follows the wall clock, ignores the past, and skips
// what is beyond MaxLag.
func TestPacing(t *testing.T) {
	m, _ := newMesh(t, 4, sim.Ring, 0, 0)
	e0 := m.Status().Elapsed
	m.Advance(epoch.Add(-time.Second))
	if e := m.Status().Elapsed; e != e0 {
		t.Fatalf("Advance to the past moved the clock: %v -> %v", e0, e)
	}
	m.Advance(epoch.Add(10 * time.Second))
	st := m.Status()
	if got := st.Elapsed - e0; math.Abs(got-MaxLag.Seconds()) > 1e-9 {
		t.Fatalf("advanced %v s, want %v", got, MaxLag.Seconds())
	}
	if want := 10 - MaxLag.Seconds(); math.Abs(st.Slipped-want) > 1e-9 {
		t.Fatalf("slipped %v s, want %v", st.Slipped, want)
	}
	if !st.Now.Equal(epoch.Add(10 * time.Second)) {
		t.Fatalf("Now %v, want %v", st.Now, epoch.Add(10*time.Second))
	}
}

// TestRun: Run advances on every tick and returns nil when its context
// ends or its ticks stop.
func TestRun(t *testing.T) {
	m, _ := newMesh(t, 4, sim.Ring, 0, 0)
	ticks := make(chan time.Time)
	done := make(chan error)
	go func() { done <- m.Run(context.Background(), ticks) }()
	for k := 1; k <= 10; k++ {
		ticks <- epoch.Add(time.Duration(k) * StepInterval)
	}
	close(ticks)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e := m.Status().Elapsed; e < (10 * StepInterval).Seconds() {
		t.Fatalf("elapsed %v after 10 ticks", e)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- m.Run(ctx, make(chan time.Time)) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestStatusHandler(t *testing.T) {
	m, _ := newMesh(t, 4, sim.Ring, 2, 0)
	advance(m, time.Second)
	h := m.StatusHandler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, StatusPath, nil))
	var st Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); rec.Code != http.StatusOK || err != nil {
		t.Fatalf("GET: %d %v", rec.Code, err)
	}
	if st.View != "node2" || st.Nodes != 4 || st.NodesUp != 4 || st.Links != 4 || st.Topology != "ring" || st.Seed != 1 ||
		st.Faults == nil || st.Incidents == nil || st.Down == nil || st.Grayholes == nil {
		t.Fatalf("status %+v", st)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, StatusPath, nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodGet || !strings.Contains(rec.Body.String(), `"error"`) {
		t.Fatalf("POST: %d %q", rec.Code, rec.Body)
	}
}

// TestAPIHandler serves the mesh through the node API handler.
func TestAPIHandler(t *testing.T) {
	m, _ := newMesh(t, 4, sim.Ring, 0, 0)
	srv := httptest.NewServer(api.NewHandler(m, api.Options{}))
	defer srv.Close()
	c := &api.Client{Base: srv.URL, HTTP: srv.Client()}
	topo, err := c.Topology(context.Background())
	if err != nil || len(topo.Links) != 2 || len(topo.Routes) != 3 {
		t.Fatalf("topology: %v %+v", err, topo)
	}
	if _, err := c.Incidents(context.Background(), true); err != nil {
		t.Fatal(err)
	}
}

func TestString(t *testing.T) {
	m, _ := newMesh(t, 4, sim.Ring, 3, 0)
	if got, want := m.String(), "4 nodes, ring, 4 links, seed 1, view node3"; got != want {
		t.Fatalf("String: %q, want %q", got, want)
	}
}

func TestFraction(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{math.NaN(), 1}, {2, 1}, {-1, 0}, {0.25, 0.25}} {
		if got := fraction(c.in); got != c.want {
			t.Errorf("fraction(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
