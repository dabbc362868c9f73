package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConverge(t *testing.T) {
	for _, tc := range []struct {
		topo Topology
		n    int
	}{
		{Line, 9}, {Ring, 10}, {Grid, 16}, {Grid, 14}, {RandomGeometric, 16}, {ScaleFree, 16},
	} {
		t.Run(string(tc.topo), func(t *testing.T) {
			s := newSim(t, opts(tc.topo, tc.n, 3))
			converge(t, s)
			st := s.Stretch(1000)
			if st.Pairs != tc.n*(tc.n-1) || st.Unrouted != 0 || st.MaxCost != 1 || st.MeanCost != 1 {
				t.Fatalf("stretch %+v after convergence, want every pair least-cost", st)
			}
			if st.MeanHops < 1 {
				t.Fatalf("hop stretch %v below 1", st.MeanHops)
			}
			t.Logf("%s/%d: least-cost routes at %v", tc.topo, tc.n, s.Now())
		})
	}
}

func TestRunReport(t *testing.T) {
	o := opts(Grid, 9, 1)
	o.TrafficRate, o.Duration, o.Link.Jitter = 50, 4*time.Second, time.Millisecond
	var log bytes.Buffer
	r, err := Run(o, &log)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Converged || r.ConvergenceTime <= 0 || r.ConvergenceTime > time.Second {
		t.Fatalf("convergence %v %v", r.Converged, r.ConvergenceTime)
	}
	if r.Traffic.Sent == 0 || r.Traffic.Ratio != 1 || r.Traffic.MeanLatency <= 0 || r.Sessions == 0 {
		t.Fatalf("traffic %+v, sessions %d", r.Traffic, r.Sessions)
	}
	if r.Messages.Total != r.Messages.Link+r.Messages.Route+r.Messages.Packet || r.Messages.Packet == 0 || r.Messages.Bytes == 0 {
		t.Fatalf("messages %+v", r.Messages)
	}
	if r.Links != 12 || r.Diameter != 4 || r.Duration != o.Duration {
		t.Fatalf("links %d diameter %d duration %v", r.Links, r.Diameter, r.Duration)
	}
	if uint64(strings.Count(log.String(), "\n")) != r.LogLines {
		t.Fatalf("log has %d lines, report says %d", strings.Count(log.String(), "\n"), r.LogLines)
	}
	for _, want := range []string{" - start nodes=9", "link-up peer=", "route-installed dst=", "session-up", "send #0 to=", "deliver #0 from=", " - converged", " - end"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"convergence (routes complete)", "path stretch (hops)", "delivery ratio", "1.0000"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"convergence_ns", "stretch", "traffic", "messages", "log_sha256"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

// TestDeterminism runs the same lossy, jittery scenario twice: the logs
// must be identical; another seed must give another log.
func TestDeterminism(t *testing.T) {
	o := opts(RandomGeometric, 12, 42)
	o.Duration, o.TrafficRate = 3*time.Second, 30
	o.Link.Jitter, o.Link.Loss, o.Link.Bandwidth = 2*time.Millisecond, 0.02, 1<<20
	run := func(o Options) (Report, string) {
		var b bytes.Buffer
		r, err := Run(o, &b)
		if err != nil {
			t.Fatal(err)
		}
		return r, b.String()
	}
	r1, l1 := run(o)
	r2, l2 := run(o)
	if r1.LogSHA256 != r2.LogSHA256 || l1 != l2 {
		t.Fatalf("same seed, different logs: %s vs %s", r1.LogSHA256, r2.LogSHA256)
	}
	if r1.Messages != r2.Messages || r1.Traffic != r2.Traffic {
		t.Fatalf("same seed, different counters: %+v vs %+v", r1.Messages, r2.Messages)
	}
	if r1.Messages.Lost == 0 || r1.Traffic.Sent == 0 {
		t.Fatalf("scenario exercised no loss or traffic: %+v %+v", r1.Messages, r1.Traffic)
	}
	o.Seed = 43
	r3, _ := run(o)
	if r3.LogSHA256 == r1.LogSHA256 {
		t.Fatal("different seeds gave the same log")
	}
}

// TestCrashReroute kills the relay of a flow on a ring: delivery resumes on
// the other side of the ring; the outage is reported in virtual time.
func TestCrashReroute(t *testing.T) {
	for _, clean := range []bool{false, true} {
		name := map[bool]string{false: "crash", true: "shutdown"}[clean]
		t.Run(name, func(t *testing.T) {
			s := newSim(t, opts(Ring, 6, 5))
			converge(t, s)
			if !s.HasRoute(0, 2) || s.nextHop(0, 2) != 1 {
				t.Fatalf("route 0→2 via %d, want via 1", s.nextHop(0, 2))
			}
			f, err := s.StartFlow(0, 2, 20*time.Millisecond, 100)
			if err != nil {
				t.Fatal(err)
			}
			s.RunFor(time.Second)
			before := f.Delivered
			if before == 0 {
				t.Fatal("nothing delivered before the crash")
			}
			stop := s.Shutdown
			if !clean {
				stop = s.Crash
			}
			crashAt := s.Now()
			if err := stop(1); err != nil {
				t.Fatal(err)
			}
			s.RunFor(2 * time.Second)
			f.Stop()
			if f.Delivered < before+50 {
				t.Fatalf("delivered %d after the crash, want delivery to resume", f.Delivered-before)
			}
			if nh := s.nextHop(0, 2); nh != 5 {
				t.Fatalf("route 0→2 via %d after the crash, want via 5", nh)
			}
			if f.MaxGap <= f.Interval || f.MaxGap > time.Second || f.MaxGapEnd < crashAt {
				t.Fatalf("outage %v ending at %v (crash at %v)", f.MaxGap, f.MaxGapEnd, crashAt)
			}
			t.Logf("%s of relay 1 at %v: delivery stopped for %v (flow every %v, 5 ms links)", name, crashAt, f.MaxGap, f.Interval)

			if err := s.Restart(1); err != nil {
				t.Fatal(err)
			}
			if !s.RunUntil(5*time.Second, func() bool { return s.RoutesOptimal() && s.nextHop(0, 2) == 1 }) {
				t.Fatalf("route 0→2 via %d after restart, want via 1 again", s.nextHop(0, 2))
			}
		})
	}
}

// nextHop returns node i's next hop to j, or -1.
func (s *Sim) nextHop(i, j int) int {
	if s.nodes[i].core == nil {
		return -1
	}
	nh, ok := s.nodes[i].core.NextHop(s.nodes[j].id)
	if !ok {
		return -1
	}
	return s.index[nh]
}

// TestPartitionHeal splits a 4×4 grid into its left and right halves: the
// routes across the cut are lost, the others stay; after healing every
// route comes back.
func TestPartitionHeal(t *testing.T) {
	var log bytes.Buffer
	s, err := New(opts(Grid, 16, 9), &log)
	if err != nil {
		t.Fatal(err)
	}
	converge(t, s)
	left := []int{0, 1, 4, 5, 8, 9, 12, 13}
	isLeft := make([]bool, 16)
	for _, i := range left {
		isLeft[i] = true
	}
	n, err := s.Partition(left)
	if err != nil || n != 4 {
		t.Fatalf("Partition cut %d links, %v; want 4", n, err)
	}
	crossLost := func() bool {
		for i := range 16 {
			for j := range 16 {
				if i != j && isLeft[i] != isLeft[j] && s.HasRoute(i, j) {
					return false
				}
			}
		}
		return true
	}
	if !s.RunUntil(5*time.Second, crossLost) {
		t.Fatal("routes across the partition not lost")
	}
	t.Logf("routes across the cut lost %v after the partition", s.Now())
	for i := range 16 {
		for j := range 16 {
			if i != j && isLeft[i] == isLeft[j] && !s.HasRoute(i, j) {
				t.Fatalf("route %d→%d within one side lost", i, j)
			}
		}
	}
	if err := s.Send(0, 3, 64); err != nil { // queued, then expires: no route
		t.Fatal(err)
	}
	if got := s.HealAll(); got != 4 {
		t.Fatalf("HealAll healed %d links, want 4", got)
	}
	converge(t, s)
	for _, want := range []string{"- cut 1-2", "route-lost", "- heal 1-2"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	for _, op := range []func(int, int) error{s.Cut, s.Cut, s.Heal, s.Heal} {
		if err := op(0, 1); err != nil {
			t.Fatalf("repeated Cut or Heal: %v", err)
		}
	}
}

func TestLossyBandwidth(t *testing.T) {
	o := opts(Line, 5, 2)
	o.Link.Loss, o.Link.Bandwidth, o.Link.Jitter = 0.05, 100000, time.Millisecond
	o.TrafficRate, o.DatagramSize, o.Duration = 20, 1000, 15*time.Second // a lost update waits for the 10 s periodic dump
	r, err := Run(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Converged || r.Messages.Lost == 0 || r.Traffic.Delivered == 0 || r.Traffic.Ratio > 1 { // lost handshake fragments wait 5 s for a retransmission
		t.Fatalf("report %+v", r)
	}
	// 1000-byte datagrams at 100 kB/s take 10 ms per hop to serialise.
	if r.Traffic.MaxLatency < 4*(10+5)*time.Millisecond {
		t.Fatalf("max latency %v ignores the bandwidth", r.Traffic.MaxLatency)
	}
}

func TestErrors(t *testing.T) {
	s := newSim(t, opts(Line, 3, 1))
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"crash bad", s.Crash(3), ErrNoNode},
		{"restart bad", s.Restart(-1), ErrNoNode},
		{"restart running", s.Restart(0), ErrNodeState},
		{"cut no link", s.Cut(0, 2), ErrNoLink},
		{"cut bad", s.Cut(0, 7), ErrNoNode},
		{"cut bad first", s.Cut(7, 0), ErrNoNode},
		{"heal no link", s.Heal(0, 2), ErrNoLink},
		{"send bad src", s.Send(5, 0, 64), ErrNoNode},
		{"send bad dst", s.Send(0, 5, 64), ErrNoNode},
		{"send self", s.Send(1, 1, 64), ErrNodeState},
		{"send small", s.Send(0, 1, 4), ErrInvalidOptions},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if _, err := s.StartFlow(0, 1, 0, 64); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("StartFlow interval 0: %v", err)
	}
	if _, err := s.StartFlow(0, 9, time.Second, 64); !errors.Is(err, ErrNoNode) {
		t.Errorf("StartFlow bad dst: %v", err)
	}
	if _, err := s.Partition([]int{0, 9}); !errors.Is(err, ErrNoNode) {
		t.Errorf("Partition bad node: %v", err)
	}
	if err := s.Crash(0); err != nil {
		t.Fatal(err)
	}
	if err := s.Crash(0); !errors.Is(err, ErrNodeState) {
		t.Errorf("second crash: %v", err)
	}
	if err := s.Send(0, 1, 64); !errors.Is(err, ErrNodeState) {
		t.Errorf("send from a crashed node: %v", err)
	}
	if s.Up(0) || !s.Up(1) || s.Up(9) || s.Core(0) != nil || s.Core(1) == nil || s.Core(-1) != nil {
		t.Error("Up/Core disagree with the node states")
	}
	if s.HasRoute(0, 1) || s.HasRoute(9, 1) {
		t.Error("HasRoute from a crashed or absent node")
	}
	s.RunFor(time.Second) // crash detection reaches node 1
	if s.Core(1).Stats().Neighbours != 1 {
		t.Errorf("node 1 has %d neighbours after node 0's crash was detected, want 1", s.Core(1).Stats().Neighbours)
	}
	if got := s.Neighbours(1); len(got) != 2 || s.Neighbours(7) != nil || s.Nodes() != 3 || len(s.Links()) != 2 {
		t.Errorf("Neighbours %v, Nodes %d, Links %v", got, s.Nodes(), s.Links())
	}
	if i, ok := s.RandomNode(2); !ok || i != 1 {
		t.Errorf("RandomNode(2) = %d %v, want 1", i, ok)
	}
	if _, ok := s.RandomNode(3); ok {
		t.Error("RandomNode(3) found a node of degree 3 in a line")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestLogWriteError(t *testing.T) {
	o := opts(Line, 2, 1)
	o.Duration = 100 * time.Millisecond
	if _, err := Run(o, failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Run with a failing log writer: %v", err)
	}
}

func BenchmarkRunGrid25(b *testing.B) {
	o := DefaultOptions()
	o.Nodes, o.Duration = 25, 10*time.Second
	for b.Loop() {
		if _, err := Run(o, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBacklog saturates a slow link: the buffer overflows instead of
// growing without bound.
func TestBacklog(t *testing.T) {
	o := opts(Line, 2, 1)
	o.Link.Bandwidth = 2000
	s := newSim(t, o)
	converge(t, s)
	for range 50 {
		if err := s.Send(0, 1, 1000); err != nil {
			t.Fatal(err)
		}
	}
	s.RunFor(2 * time.Second)
	if r := s.Report(); r.Messages.Overflow == 0 {
		t.Fatalf("no overflow: %+v", r.Messages)
	}
}
