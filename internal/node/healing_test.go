package node

import (
	crand "crypto/rand"
	"errors"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/heal"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/store"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/fault"
)

func withHealing(st *store.Store) func(*Options) {
	return func(o *Options) { o.Healing = HealingOptions{Enabled: true, Store: st} }
}

// deadLinkFor returns the dead-link incident about id, if any.
func deadLinkFor(t *testing.T, n *Node, id identity.NodeID, all bool) (api.IncidentInfo, bool) {
	t.Helper()
	list, err := n.Incidents(all)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range list {
		if i.Kind == "dead-link" && i.Subject == id.String() {
			return i, true
		}
	}
	return api.IncidentInfo{}, false
}

// gather returns the node's metrics by name and labels.
func gather(t *testing.T, n *Node) map[string]*dto.Metric {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := reg.Register(n.Collector()); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.Metric{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			out[key] = m
		}
	}
	return out
}

// TestHealingDeadLink stops one node of a pair: the survivor's loop opens a dead-link incident
// about it, detected within the link layer's dead interval of the stop, acts on it, persists it,
// and exports it; a restarted survivor keeps the incident and continues the IDs.
func TestHealingDeadLink(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	path := filepath.Join(t.TempDir(), "k.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rb := h.start(b, nil)
	ra := h.start(a, withHealing(st), b)
	eventually(t, "both up", 10*time.Second, func() bool { return peerState(ra.n, "beta") == "up" })
	time.Sleep(time.Second) // a healthy link for the windows
	if list, err := ra.n.Incidents(false); err != nil || len(list) != 0 {
		t.Fatalf("incidents on a healthy link: %+v %v", list, err)
	}
	stopped := time.Now()
	rb.stop(t)
	var inc api.IncidentInfo
	eventually(t, "a dead-link incident", 10*time.Second, func() bool {
		var ok bool
		inc, ok = deadLinkFor(t, ra.n, b.id.ID(), false)
		return ok
	})
	if d := inc.DetectedAt.Sub(stopped); d < 0 || d > time.Second {
		t.Errorf("detected %v after the stop, want within 1 s", d)
	}
	if inc.ID == 0 || inc.Decider != "rules" || inc.MTTD < 0 || !inc.ResolvedAt.IsZero() {
		t.Errorf("incident %+v", inc)
	}
	eventually(t, "an action", 5*time.Second, func() bool {
		acts, err := ra.n.Actions()
		return err == nil && len(acts) > 0
	})
	acts, _ := ra.n.Actions()
	if acts[0].Incident != inc.ID || acts[0].Kind != "connect-spares" || !strings.HasPrefix(acts[0].Reason, "dead-link, rung 0") {
		t.Errorf("first action %+v", acts[0])
	}
	m := gather(t, ra.n)
	if v := m["x0tta6bl4_incidents_total{kind=dead-link}"].GetCounter().GetValue(); v < 1 {
		t.Errorf("incidents_total{dead-link} = %v", v)
	}
	if v := m["x0tta6bl4_incidents_open{kind=dead-link}"].GetGauge().GetValue(); v != 1 {
		t.Errorf("incidents_open{dead-link} = %v", v)
	}
	if v := m["x0tta6bl4_mttd_seconds{kind=dead-link}"].GetHistogram().GetSampleCount(); v < 1 {
		t.Errorf("mttd_seconds{dead-link} count = %v", v)
	}
	if _, ok := m["x0tta6bl4_mttr_seconds{kind=dead-link}"]; !ok {
		t.Error("no mttr_seconds{dead-link}")
	}
	if _, ok := m["x0tta6bl4_actions_total{kind=connect-spares}{outcome=failed}"]; !ok {
		t.Errorf("no actions_total for connect-spares (no spare peer: failed); have %v", keys(m))
	}
	// A hot backup taken now holds the incident.
	backup := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(backup)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ra.n.BackupKnowledge(f); err != nil || n == 0 {
		t.Fatalf("backup: %d bytes, %v", n, err)
	}
	f.Close()
	bs, err := store.Open(backup, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := bs.Incidents(); err != nil || len(list) == 0 || list[len(list)-1].ID != inc.ID {
		t.Errorf("backup incidents %+v, %v; want the dead-link incident %d", list, err, inc.ID)
	}
	bs.Close()
	ra.stop(t)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// Restarted on the same Knowledge, alpha remembers the incident; new ones continue the IDs.
	st, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a.addr = netip.MustParseAddrPort("127.0.0.1:1011")
	ra = h.start(a, withHealing(st), b)
	got, ok := deadLinkFor(t, ra.n, b.id.ID(), true)
	if !ok || got.ID != inc.ID || !got.DetectedAt.Equal(inc.DetectedAt) {
		t.Fatalf("after restart: %+v %v, want %+v", got, ok, inc)
	}
	if open, _ := ra.n.Incidents(false); len(open) != 0 {
		t.Fatalf("an earlier run's incident is reported open: %+v", open)
	}
	ra.stop(t)
}

// TestHealingChaosBlackhole blackholes beta on alpha's own transport: the link comes up, then
// dies ChaosBlackholeDelay later, and alpha opens a dead-link incident.
func TestHealingChaosBlackhole(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	rb := h.start(b, nil)
	var fc *fault.Conn
	ra := h.start(a, func(o *Options) {
		fc = fault.Wrap(o.Conn, rand.New(rand.NewPCG(1, 2)))
		o.Conn = fc
		o.Chaos = ChaosOptions{Faults: fc, Blackhole: []identity.NodeID{b.id.ID()}}
		o.Healing = HealingOptions{Enabled: true, Period: 50 * time.Millisecond}
	}, b)
	eventually(t, "beta up", 10*time.Second, func() bool { return peerState(ra.n, "beta") == "up" })
	up := time.Now()
	eventually(t, "a dead-link incident", 15*time.Second, func() bool {
		_, ok := deadLinkFor(t, ra.n, b.id.ID(), false)
		return ok
	})
	if time.Since(up) < ChaosBlackholeDelay {
		t.Errorf("incident %v after the link came up, before the blackhole", time.Since(up))
	}
	if fc.Stats().DroppedIn+fc.Stats().DroppedOut == 0 {
		t.Error("nothing blackholed")
	}
	if !strings.Contains(a.log.String(), "CHAOS: blackholing peer") {
		t.Error("blackhole not logged")
	}
	ra.stop(t)
	rb.stop(t)
}

func keys(m map[string]*dto.Metric) []string {
	var out []string
	for k := range m {
		if strings.Contains(k, "actions") || strings.Contains(k, "incidents") {
			out = append(out, k)
		}
	}
	return out
}

func TestHealingOff(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	ra := h.start(a, nil)
	if _, err := ra.n.Incidents(true); !errors.Is(err, ErrHealingOff) || !errors.Is(err, api.ErrUnavailable) {
		t.Fatalf("Incidents = %v", err)
	}
	if _, err := ra.n.Actions(); !errors.Is(err, ErrHealingOff) {
		t.Fatalf("Actions = %v", err)
	}
	for k := range gather(t, ra.n) {
		if strings.Contains(k, "incidents") || strings.Contains(k, "mttd") {
			t.Fatalf("healing metric %s exported with healing off", k)
		}
	}
	ra.stop(t)
}

func TestHealingNewErrors(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	for _, tt := range []struct {
		name string
		mod  func(*Options)
		want error
	}{
		{"bad period", func(o *Options) { o.Healing = HealingOptions{Enabled: true, Period: time.Hour} }, heal.ErrInvalidOptions},
		{"blackhole without faults", func(o *Options) { o.Chaos.Blackhole = []identity.NodeID{{1}} }, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := h.net.Listen(a.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			o := Options{Identity: a.id, Cert: a.cert, CA: h.ca.Cert, Conn: conn, Rand: crand.Reader}
			tt.mod(&o)
			_, err = New(o)
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("New = %v, want %v", err, tt.want)
			}
		})
	}
}

// testNode is a Node with self-healing and no transport activity, for the runtime hooks.
func testNode(t *testing.T, minPeers int) *Node {
	t.Helper()
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	conn, err := h.net.Listen(a.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	n, err := New(Options{Identity: a.id, Cert: a.cert, CA: h.ca.Cert, Conn: conn, Rand: crand.Reader, MinPeers: minPeers,
		Healing: HealingOptions{Enabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackupKnowledgeErrors: a node that keeps its knowledge in memory has no file to back up
// (api.ErrNotFound); one without self-healing reports ErrHealingOff.
func TestBackupKnowledgeErrors(t *testing.T) {
	if _, err := testNode(t, 0).BackupKnowledge(io.Discard); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("memory-only node: %v", err)
	}
	if _, err := (&Node{}).BackupKnowledge(io.Discard); !errors.Is(err, ErrHealingOff) {
		t.Fatalf("node without self-healing: %v", err)
	}
}

func TestHandshakeCounts(t *testing.T) {
	n := testNode(t, 0)
	pin := identity.NodeID{7}
	n.handshakeStarted(&peer{}) // no ID yet: not counted
	p := &peer{pin: pin}
	n.handshakeStarted(p)
	n.handshakeStarted(p) // the first did not complete: a failure
	n.handshakeCompleted(pin)
	n.handshakeStarted(p)
	n.handshakeCompleted(pin)
	n.handshakeCompleted(identity.NodeID{8}) // unknown: ignored
	rt := n.healRuntime()
	if got := rt.Handshakes[pin]; got != (heal.HandshakeCount{Attempts: 3, Failures: 1}) || len(rt.Handshakes) != 1 {
		t.Fatalf("handshakes %+v", rt.Handshakes)
	}
	// The table is bounded.
	for i := range MaxPeers + 10 {
		var id identity.NodeID
		id[0], id[1] = byte(i), byte(i>>8)+1
		n.handshakeStarted(&peer{id: id})
	}
	if len(n.heal.handshakes) > MaxPeers {
		t.Fatalf("%d handshake counters", len(n.heal.handshakes))
	}
	// Without healing the hooks do nothing.
	off := &Node{}
	off.handshakeStarted(p)
	off.handshakeCompleted(pin)
	off.observeHealing(nil)
	off.stepHealing(time.Now())
	off.chaosUp(time.Now(), p)
	off.chaosTick(time.Now())
}

func TestDialSparesNow(t *testing.T) {
	n := testNode(t, 0)
	if err := n.dialSparesNow(2); !errors.Is(err, ErrNoSpares) {
		t.Fatalf("no spares: %v", err)
	}
	taken := netip.MustParseAddrPort("127.0.0.1:2000")
	n.byAddr[taken] = &peer{addr: taken}
	for i := range 4 {
		n.spares[identity.NodeID{byte(i + 1)}] = netip.AddrPortFrom(taken.Addr(), uint16(2000+i))
	}
	if err := n.dialSparesNow(2); err != nil {
		t.Fatal(err)
	}
	// Spare 1 is at an address already dialled: spares 2 and 3 are dialled, 4 stays.
	if len(n.byAddr) != 3 || len(n.spares) != 1 {
		t.Fatalf("byAddr %d, spares %v", len(n.byAddr), n.spares)
	}
	for _, p := range n.byAddr {
		if p.addr != taken && (!p.static || p.pin.IsZero()) {
			t.Fatalf("spare dialled without a pin: %+v", p)
		}
	}
	if err := testNode(t, -1).dialSparesNow(1); !errors.Is(err, heal.ErrUnsupported) {
		t.Fatalf("MinPeers -1: %v", err)
	}
}

func TestRestartLink(t *testing.T) {
	n := testNode(t, 0)
	if err := n.restartLink(identity.NodeID{9}); err == nil {
		t.Fatal("restart of an unknown peer")
	}
	id := identity.NodeID{9}
	p := &peer{id: id, nextAttempt: time.Now().Add(time.Hour)}
	n.peers[id] = p
	if err := n.core.NeighbourUp(time.Now(), id); err != nil {
		t.Fatal(err)
	}
	p.up = true
	n.heal.now = time.Now()
	if err := n.restartLink(id); err != nil {
		t.Fatal(err)
	}
	if p.up || !p.nextAttempt.IsZero() || len(n.core.Neighbours()) != 0 {
		t.Fatalf("after restart: up %v next %v neighbours %d", p.up, p.nextAttempt, len(n.core.Neighbours()))
	}
}

func TestHealMetricsRecord(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newHealMetrics()
	m.lastIncident, m.lastAction = 2, 5 // loaded from a store
	inc := func(id uint64, resolved bool) mapek.Incident {
		i := mapek.Incident{ID: id, Kind: mapek.SymptomDeadLink, DetectedAt: t0, AnalyzedAt: t0.Add(300 * time.Millisecond)}
		if resolved {
			i.ResolvedAt = t0.Add(90 * time.Second)
		}
		return i
	}
	act := func(id uint64, o mapek.Outcome) mapek.Action {
		return mapek.Action{ID: id, Kind: mapek.ActionRaiseCost, Outcome: o}
	}
	steps := []mapek.StepResult{
		{Incidents: []mapek.Incident{inc(2, true), inc(4, false), inc(3, false), {ID: 9}}, // 2 was loaded; 9 has no kind
			Actions: []mapek.Action{act(5, mapek.OutcomeEffective), act(6, mapek.OutcomePending), act(7, mapek.OutcomeFailed)}},
		{Incidents: []mapek.Incident{inc(3, false)},
			Actions: []mapek.Action{act(6, mapek.OutcomePending), act(7, mapek.OutcomeFailed)}}, // no change
		{Incidents: []mapek.Incident{inc(3, true), inc(3, true)},
			Actions: []mapek.Action{act(6, mapek.OutcomeEffective)}},
	}
	for i := range steps {
		m.record(&steps[i])
	}
	k := mapek.SymptomDeadLink
	if m.opened[k] != 2 || m.mttd[k].count != 2 || m.mttr[k].count != 1 || m.mttr[k].sum != 90 {
		t.Fatalf("opened %d, mttd %+v, mttr %+v", m.opened[k], m.mttd[k], m.mttr[k])
	}
	want := map[[2]string]uint64{{"raise-cost", "pending"}: 1, {"raise-cost", "failed"}: 1, {"raise-cost", "effective"}: 1}
	if len(m.actions) != len(want) {
		t.Fatalf("actions %v, want %v", m.actions, want)
	}
	for key, v := range want {
		if m.actions[key] != v {
			t.Fatalf("actions %v, want %v", m.actions, want)
		}
	}
	if len(m.pending) != 0 || len(m.unresolved) != 1 {
		t.Fatalf("pending %v unresolved %v", m.pending, m.unresolved)
	}
	set := map[uint64]bool{}
	for i := range MaxTrackedHealRecords + 5 {
		set[uint64(i)] = true
	}
	prune(set)
	if len(set) != MaxTrackedHealRecords || set[4] || !set[5] {
		t.Fatalf("prune kept %d, oldest kept: %v", len(set), set[4])
	}
}

func TestHistogram(t *testing.T) {
	h := newHistogram([]float64{1, 2, 5})
	for _, v := range []float64{0.5, 1, 1.5, 5, 7} {
		h.observe(v)
	}
	c := h.cumulative()
	if c[1] != 2 || c[2] != 3 || c[5] != 4 || h.count != 5 || h.sum != 15 {
		t.Fatalf("cumulative %v count %d sum %v", c, h.count, h.sum)
	}
}

func TestResourceFractions(t *testing.T) {
	for _, tt := range []struct {
		used, wall time.Duration
		procs      int
		want       float64
	}{
		{time.Second, time.Second, 2, 0.5},
		{3 * time.Second, time.Second, 2, 1},
		{time.Second, 0, 2, 0},
		{-time.Second, time.Second, 2, 0},
		{time.Second, time.Second, 0, 0},
	} {
		if got := cpuFraction(tt.used, tt.wall, tt.procs); got != tt.want {
			t.Errorf("cpuFraction(%v, %v, %d) = %v, want %v", tt.used, tt.wall, tt.procs, got, tt.want)
		}
	}
	s := []metrics.Sample{{Name: memTotalMetric}, {Name: memReleasedMetric}}
	if memFraction(s, 1<<30) != 0 {
		t.Error("memFraction of unread samples")
	}
	metrics.Read(s)
	if f := memFraction(s, 1<<40); f <= 0 || f >= 0.01 {
		t.Errorf("memFraction of this process over 1 TiB = %v", f)
	}
	if memFraction(s, 1) != 1 || memFraction(s, 0) != 0 || memFraction(s[:1], 1) != 0 {
		t.Error("memFraction bounds")
	}
	// A sample of the real process: CPU time goes forward and fractions are in [0, 1].
	n := testNode(t, 0)
	now := time.Now()
	n.heal.sampleResources(now)
	for end := time.Now().Add(20 * time.Millisecond); time.Now().Before(end); {
	}
	n.heal.sampleResources(now.Add(ResourceSampleInterval))
	if n.heal.cpu <= 0 || n.heal.cpu > 1 || n.heal.mem < 0 || n.heal.mem > 1 {
		t.Fatalf("cpu %v mem %v", n.heal.cpu, n.heal.mem)
	}
	if rt := n.healRuntime(); rt.CPU != n.heal.cpu || rt.Memory != n.heal.mem {
		t.Fatalf("runtime %+v", rt)
	}
}

func TestMemoryLimit(t *testing.T) {
	files := func(m map[string]string) func(string) ([]byte, error) {
		return func(name string) ([]byte, error) {
			if v, ok := m[name]; ok {
				return []byte(v), nil
			}
			return nil, os.ErrNotExist
		}
	}
	meminfo := "MemTotal:       16318412 kB\nMemFree:         1000 kB\n"
	tests := []struct {
		name    string
		files   map[string]string
		goLimit int64
		want    uint64
	}{
		{"GOMEMLIMIT", map[string]string{"/proc/meminfo": meminfo}, 1 << 30, 1 << 30},
		{"cgroup v2, nearest ancestor limit", map[string]string{
			"/proc/self/cgroup":                           "0::/a/b\n",
			"/sys/fs/cgroup/a/b/memory.max":               "max\n",
			"/sys/fs/cgroup/a/memory.max":                 "536870912\n",
			"/sys/fs/cgroup/memory.max":                   "1073741824\n",
			"/proc/meminfo":                               meminfo,
			"/sys/fs/cgroup/memory/memory.limit_in_bytes": "1",
		}, 1<<63 - 1, 512 << 20},
		{"cgroup v1", map[string]string{
			"/proc/self/cgroup": "12:cpu,cpuacct:/x\n11:memory:/docker/1\nbad line\n3:pids:relative\n",
			"/sys/fs/cgroup/memory/docker/1/memory.limit_in_bytes": "268435456",
			"/sys/fs/cgroup/memory/docker/memory.limit_in_bytes":   "9223372036854771712",
			"/proc/meminfo": meminfo,
		}, 0, 256 << 20},
		{"no cgroup limit: RAM", map[string]string{
			"/proc/self/cgroup":         "0::/\n",
			"/sys/fs/cgroup/memory.max": "max",
			"/proc/meminfo":             meminfo,
		}, 0, 16318412 << 10},
		{"nothing known", map[string]string{"/proc/meminfo": "MemTotal: lots\n"}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := memoryLimit(files(tt.files), tt.goLimit); got != tt.want {
				t.Fatalf("memoryLimit = %d, want %d", got, tt.want)
			}
		})
	}
	if b, err := readSmallFile("/proc/self/status"); err == nil && len(b) > MaxSystemFileSize {
		t.Fatalf("read %d bytes", len(b))
	}
	if _, err := readSmallFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("missing file read")
	}
}
