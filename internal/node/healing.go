package node

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/heal"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	"github.com/x0tta6bl4/x0tta6bl4/internal/store"
)

// Errors of self-healing.
var (
	// ErrHealingOff reports a self-healing query on a node that runs no MAPE-K loop; it wraps
	// api.ErrUnavailable.
	ErrHealingOff = fmt.Errorf("%w: self-healing is disabled on this node (healing.enabled: false)", api.ErrUnavailable)
	// ErrNoSpares reports a connect-spares action with no spare peer to dial; it wraps
	// mapek.ErrNotApplicable, so the loop moves to the next rung without spending the cooldown.
	ErrNoSpares = fmt.Errorf("node: no spare peer to dial: %w", mapek.ErrNotApplicable)
)

// HealingOptions configures the node's self-healing: a MAPE-K loop (internal/heal) over its mesh
// core, run by the node's housekeeping loop under the same lock as the core's timers.
type HealingOptions struct {
	// Enabled runs the loop.
	Enabled bool
	// Period is how often the loop runs; zero means heal.DefaultPeriod.
	Period time.Duration
	// Store, when set, keeps the Knowledge (incidents, actions, baselines, audit log) across
	// restarts. The caller opens it before New and closes it after Run returns.
	Store *store.Store
	// Config overrides the loop's thresholds and policy; its zero value means the defaults.
	Config mapek.Config
	// Scorer, when set, is the learnt anomaly score Analyze consults before its rules (e.g. an
	// internal/anomaly/meshdetect.Scorer); incidents record which of the two decided.
	Scorer mapek.Scorer
}

// Blackholer drops every datagram to and from an address: transport/fault.Conn.
type Blackholer interface {
	Blackhole(addr netip.AddrPort)
}

// ChaosOptions inject faults on the node's own transport, so that self-healing can be exercised
// on a real deployment.
type ChaosOptions struct {
	// Faults is the fault injector wrapping Options.Conn; required with Blackhole.
	Faults Blackholer
	// Blackhole lists nodes whose traffic Faults drops, both ways, from ChaosBlackholeDelay after
	// their session with this node first comes up (so that the link is up and measured first)
	// on, at the address the session runs with.
	Blackhole []identity.NodeID
}

// healing is the node's self-healing state. Every field is guarded by Node.mu.
type healing struct {
	agent *heal.Agent
	store *store.Store // the knowledge file, or nil (memory only)
	now   time.Time    // time of the Step in progress, for the runtime's actions

	handshakes map[identity.NodeID]*handshakeCount // hop-by-hop handshakes per neighbour

	sampled     time.Time // last resource sample
	cpu, mem    float64   // usage fractions of the last sample
	cpuLast     time.Duration
	cpuLastAt   time.Time
	memLimit    uint64 // bytes; 0 if unknown
	memSamples  []metrics.Sample
	queueDrops  func() uint64
	metrics     healMetrics
	procs       int
	processTime func() (time.Duration, bool)
}

// handshakeCount counts the hop-by-hop handshakes this node started towards one neighbour.
type handshakeCount struct {
	attempts, failures uint64
	pending            bool // the last attempt has not completed yet
}

// newHealing starts the node's MAPE-K agent. Called by New.
func (n *Node) newHealing(opt HealingOptions) error {
	h := &healing{
		store:       opt.Store,
		handshakes:  make(map[identity.NodeID]*handshakeCount),
		procs:       runtime.GOMAXPROCS(0),
		processTime: processCPUTime,
		memSamples:  []metrics.Sample{{Name: memTotalMetric}, {Name: memReleasedMetric}},
		memLimit:    memoryLimit(readSmallFile, debug.SetMemoryLimit(-1)),
		metrics:     newHealMetrics(),
	}
	if q, ok := n.conn.(interface{ QueueDrops() uint64 }); ok {
		h.queueDrops = q.QueueDrops
	}
	agent, err := heal.New(n.core, heal.Options{
		Config:             opt.Config,
		Scorer:             opt.Scorer,
		Period:             opt.Period,
		Store:              opt.Store,
		Runtime:            n.healRuntime,
		Spares:             n.dialSparesNow,
		RestartLink:        n.restartLink,
		HandshakeUnderLoad: n.machine.SetUnderLoad,
		Logger:             n.log.With("component", "heal"),
	})
	if err != nil {
		return fmt.Errorf("node: self-healing: %w", err)
	}
	h.agent = agent
	for _, i := range agent.Incidents() {
		h.metrics.lastIncident = max(h.metrics.lastIncident, i.ID)
	}
	for _, a := range agent.Actions() {
		h.metrics.lastAction = max(h.metrics.lastAction, a.ID)
	}
	n.heal = h
	return nil
}

// stepHealing runs the loop's Step when it is due. Called with n.mu held, between the core's Tick
// and the flush of its outbox, so that what the actions queue leaves at once.
func (n *Node) stepHealing(now time.Time) {
	h := n.heal
	if h == nil || now.Before(h.agent.NextStep()) {
		return
	}
	if now.Sub(h.sampled) >= ResourceSampleInterval {
		h.sampleResources(now)
	}
	h.now = now
	r := h.agent.Step(now)
	h.metrics.record(&r)
}

// observeHealing hands core events to the loop. Called with n.mu held.
func (n *Node) observeHealing(events []mesh.Event) {
	if n.heal != nil && len(events) > 0 {
		n.heal.agent.Observe(events)
	}
}

// handshakeStarted counts a hop-by-hop handshake this node starts with p; the previous one, if it
// did not complete, counts as failed. Called with n.mu held.
func (n *Node) handshakeStarted(p *peer) {
	h := n.heal
	id := p.id
	if id.IsZero() {
		id = p.pin
	}
	if h == nil || id.IsZero() {
		return
	}
	c := h.handshakes[id]
	if c == nil {
		if len(h.handshakes) >= MaxPeers {
			return
		}
		c = &handshakeCount{}
		h.handshakes[id] = c
	}
	if c.pending {
		c.failures++
	}
	c.attempts++
	c.pending = true
}

// handshakeCompleted records that a hop-by-hop handshake with id completed, in either role.
// Called with n.mu held.
func (n *Node) handshakeCompleted(id identity.NodeID) {
	if n.heal == nil {
		return
	}
	if c := n.heal.handshakes[id]; c != nil {
		c.pending = false
	}
}

// healRuntime returns the counters only the runtime knows. Called by the agent's Step, with n.mu
// held.
func (n *Node) healRuntime() heal.Runtime {
	h := n.heal
	st := n.machine.Stats()
	rt := heal.Runtime{
		CPU: h.cpu, Memory: h.mem,
		HandshakeDrops: st.Dropped, CookieReplies: st.CookieRepliesSent, HandshakesProcessed: st.InitiationsProcessed,
		Handshakes: make(map[identity.NodeID]heal.HandshakeCount, len(h.handshakes)),
	}
	if h.queueDrops != nil {
		rt.QueueDrops = h.queueDrops()
	}
	if n.tx != nil {
		rt.QueueDrops += n.tx.dropped.Load()
	}
	for id, c := range h.handshakes {
		rt.Handshakes[id] = heal.HandshakeCount{Attempts: c.attempts, Failures: c.failures}
	}
	return rt
}

// dialSparesNow dials up to k spare peers learnt from peer exchange, whatever the number of peers
// up (the connect-spares action). Called by the agent's Step, with n.mu held.
func (n *Node) dialSparesNow(k int) error {
	if n.opt.MinPeers < 0 {
		return fmt.Errorf("%w: spare peers are turned off (MinPeers < 0)", heal.ErrUnsupported)
	}
	ids := make([]identity.NodeID, 0, len(n.spares))
	for id := range n.spares {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b identity.NodeID) int { return slices.Compare(a[:], b[:]) })
	dialled := 0
	for _, id := range ids {
		if dialled >= k {
			break
		}
		addr := n.spares[id]
		delete(n.spares, id)
		if n.byAddr[addr] != nil || len(n.byAddr) >= MaxPeers {
			continue
		}
		n.byAddr[addr] = &peer{addr: addr, static: true, pin: id}
		n.log.Info("self-healing: dialling spare peer", "peer", id.Short(), "addr", addr.String())
		dialled++
	}
	if dialled == 0 {
		return ErrNoSpares
	}
	return nil
}

// restartLink drops the hop-by-hop session with a neighbour and handshakes again at once (the
// restart(link) action). Called by the agent's Step, with n.mu held.
func (n *Node) restartLink(id identity.NodeID) error {
	p := n.peers[id]
	if p == nil {
		return fmt.Errorf("node: restart link: %s is not a peer", id.Short())
	}
	n.markDown(n.heal.now, p, "restarted by self-healing")
	n.dropAll(p)
	p.nextAttempt = time.Time{}
	return nil
}

// Incidents lists the self-healing incidents, oldest first: the open ones, or with all every one
// the node remembers (its own and, with a store, those of earlier runs).
func (n *Node) Incidents(all bool) ([]api.IncidentInfo, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.heal == nil {
		return nil, ErrHealingOff
	}
	var list []mapek.Incident
	if all {
		list = n.heal.agent.Incidents()
	} else {
		list = n.heal.agent.Loop().OpenIncidents()
	}
	out := make([]api.IncidentInfo, 0, len(list))
	for i := range list {
		out = append(out, incidentInfo(&list[i]))
	}
	return out, nil
}

// BackupKnowledge writes a consistent copy of the node's knowledge file to w (api.KnowledgeBackend).
// The copy is taken in one read transaction of the store, without holding the node's lock, so the
// node keeps running and writing meanwhile.
func (n *Node) BackupKnowledge(w io.Writer) (int64, error) {
	n.mu.Lock()
	if n.heal == nil {
		n.mu.Unlock()
		return 0, ErrHealingOff
	}
	s := n.heal.store
	n.mu.Unlock()
	if s == nil {
		return 0, fmt.Errorf("%w: no knowledge file: healing.knowledge is empty, so the node keeps its knowledge in memory only", api.ErrNotFound)
	}
	return s.Backup(w)
}

// Actions lists the self-healing actions the node remembers, oldest first.
func (n *Node) Actions() ([]api.ActionInfo, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.heal == nil {
		return nil, ErrHealingOff
	}
	list := n.heal.agent.Actions()
	out := make([]api.ActionInfo, 0, len(list))
	for _, a := range list {
		reason := fmt.Sprintf("%s, rung %d", a.Symptom, a.Rung)
		if a.Err != "" {
			reason += ": " + a.Err
		}
		out = append(out, api.ActionInfo{ID: a.ID, Incident: a.Incident, Kind: a.Kind.String(), Subject: subject(a.Subject),
			Reason: reason, AppliedAt: a.At, VerifiedAt: a.VerifiedAt, Outcome: a.Outcome.String()})
	}
	return out, nil
}

func incidentInfo(i *mapek.Incident) api.IncidentInfo {
	info := api.IncidentInfo{ID: i.ID, Kind: i.Kind.String(), Subject: subject(i.Subject), Decider: i.Decider.String(),
		DetectedAt: i.DetectedAt, AnalyzedAt: i.AnalyzedAt, MitigatedAt: i.MitigatedAt, ResolvedAt: i.ResolvedAt,
		LastSeen: i.LastSeen, PeakSeverity: i.PeakSeverity, Actions: i.Actions, MTTD: max(i.MTTD().Seconds(), 0)}
	if d, ok := i.MTTR(); ok {
		info.MTTR = max(d.Seconds(), 0)
	}
	return info
}

func subject(id identity.NodeID) string {
	if id == mapek.LocalNode() {
		return api.SubjectLocal
	}
	return id.String()
}

// chaos is the node's fault injection state. Guarded by Node.mu.
type chaos struct {
	faults Blackholer
	due    map[identity.NodeID]time.Time // blackholed nodes: when to start, zero until their link is up
	done   map[netip.AddrPort]bool       // addresses blackholed
}

func newChaos(opt ChaosOptions) (*chaos, error) {
	if len(opt.Blackhole) == 0 {
		return nil, nil
	}
	if opt.Faults == nil {
		return nil, errors.New("node: Chaos.Blackhole needs Chaos.Faults")
	}
	c := &chaos{faults: opt.Faults, due: make(map[identity.NodeID]time.Time), done: make(map[netip.AddrPort]bool)}
	for _, id := range opt.Blackhole {
		c.due[id] = time.Time{}
	}
	return c, nil
}

// chaosUp schedules the blackhole of p, if it is to be blackholed. Called by markUp with n.mu held.
func (n *Node) chaosUp(now time.Time, p *peer) {
	if n.chaos == nil {
		return
	}
	if at, ok := n.chaos.due[p.id]; ok && at.IsZero() {
		n.chaos.due[p.id] = now.Add(ChaosBlackholeDelay)
	}
}

// chaosTick starts the blackholes that are due. Called by tick with n.mu held.
func (n *Node) chaosTick(now time.Time) {
	if n.chaos == nil {
		return
	}
	for id, at := range n.chaos.due {
		p := n.peers[id]
		if at.IsZero() || now.Before(at) || p == nil || n.chaos.done[p.addr] {
			continue
		}
		n.chaos.done[p.addr] = true
		n.chaos.faults.Blackhole(p.addr)
		n.log.Warn("CHAOS: blackholing peer: every datagram to and from it is dropped", "peer", id.Short(), "addr", p.addr.String())
	}
}

// healMetrics are the self-healing counters and histograms the collector exports.
type healMetrics struct {
	opened       map[mapek.SymptomKind]uint64
	mttd, mttr   map[mapek.SymptomKind]*histogram
	actions      map[[2]string]uint64 // by kind and outcome
	lastIncident uint64               // highest incident ID counted as opened (or loaded)
	lastAction   uint64               // highest action ID counted (or loaded)
	unresolved   map[uint64]bool      // incidents opened by this process, not resolved yet
	pending      map[uint64]bool      // actions counted as pending, not verified yet
}

func newHealMetrics() healMetrics {
	m := healMetrics{opened: map[mapek.SymptomKind]uint64{}, mttd: map[mapek.SymptomKind]*histogram{},
		mttr: map[mapek.SymptomKind]*histogram{}, actions: map[[2]string]uint64{},
		unresolved: map[uint64]bool{}, pending: map[uint64]bool{}}
	for k := mapek.SymptomKind(1); k.Valid(); k++ {
		m.mttd[k] = newHistogram(mttdBuckets())
		m.mttr[k] = newHistogram(mttrBuckets())
	}
	return m
}

// record counts what a Step opened, resolved, applied and verified.
func (m *healMetrics) record(r *mapek.StepResult) {
	base := m.lastIncident
	var opened map[uint64]bool
	for i := range r.Incidents {
		inc := &r.Incidents[i]
		if !inc.Kind.Valid() {
			continue
		}
		if inc.ID > base && !opened[inc.ID] {
			if opened == nil {
				opened = make(map[uint64]bool)
			}
			opened[inc.ID] = true
			m.opened[inc.Kind]++
			m.mttd[inc.Kind].observe(max(inc.MTTD().Seconds(), 0))
			m.unresolved[inc.ID] = true
			m.lastIncident = max(m.lastIncident, inc.ID)
		}
		if !inc.ResolvedAt.IsZero() && m.unresolved[inc.ID] {
			delete(m.unresolved, inc.ID)
			if d, ok := inc.MTTR(); ok {
				m.mttr[inc.Kind].observe(max(d.Seconds(), 0))
			}
		}
	}
	prune(m.unresolved)
	base = m.lastAction
	for _, a := range r.Actions {
		if !m.pending[a.ID] && a.ID <= base {
			continue // counted in an earlier Step with its final outcome, or loaded
		}
		if m.pending[a.ID] && a.Outcome == mapek.OutcomePending {
			continue
		}
		m.actions[[2]string{a.Kind.String(), a.Outcome.String()}]++
		m.lastAction = max(m.lastAction, a.ID)
		if a.Outcome == mapek.OutcomePending {
			m.pending[a.ID] = true
		} else {
			delete(m.pending, a.ID)
		}
	}
	prune(m.pending)
}

// prune keeps the MaxTrackedHealRecords newest IDs of set: the loop forgets what it no longer
// tracks, and so must the metrics.
func prune(set map[uint64]bool) {
	if len(set) <= MaxTrackedHealRecords {
		return
	}
	ids := make([]uint64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids[:len(ids)-MaxTrackedHealRecords] {
		delete(set, id)
	}
}

// histogram is a Prometheus histogram kept by the node and exported as a constant metric.
type histogram struct {
	bounds []float64 // upper bounds, ascending
	counts []uint64  // per bucket, not cumulative; the last is +Inf
	count  uint64
	sum    float64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v)
	h.counts[i]++
	h.count++
	h.sum += v
}

// cumulative returns the bucket counts as Prometheus wants them: observations <= each bound.
func (h *histogram) cumulative() map[float64]uint64 {
	out := make(map[float64]uint64, len(h.bounds))
	var acc uint64
	for i, b := range h.bounds {
		acc += h.counts[i]
		out[b] = acc
	}
	return out
}

// mttdBuckets are the upper bounds, in seconds, of the MTTD histogram: the link layer detects a
// dead neighbour in 250 ms and the loop needs a few periods more.
func mttdBuckets() []float64 { return []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60} }

// mttrBuckets are the upper bounds, in seconds, of the MTTR histogram: actions are verified 30 s
// after they are applied and incidents resolve a minute after the symptom is gone.
func mttrBuckets() []float64 { return []float64{1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600} }

// sampleResources samples the process's CPU and memory usage.
func (h *healing) sampleResources(now time.Time) {
	h.sampled = now
	if cpu, ok := h.processTime(); ok {
		if !h.cpuLastAt.IsZero() {
			h.cpu = cpuFraction(cpu-h.cpuLast, now.Sub(h.cpuLastAt), h.procs)
		}
		h.cpuLast, h.cpuLastAt = cpu, now
	}
	metrics.Read(h.memSamples)
	h.mem = memFraction(h.memSamples, h.memLimit)
}

// cpuFraction is the share of procs CPUs that used CPU time took over wall time, in [0, 1].
func cpuFraction(used, wall time.Duration, procs int) float64 {
	if wall <= 0 || procs <= 0 || used <= 0 {
		return 0
	}
	return min(used.Seconds()/(wall.Seconds()*float64(procs)), 1)
}

// Runtime metrics of the memory the Go runtime holds from the operating system.
const (
	memTotalMetric    = "/memory/classes/total:bytes"
	memReleasedMetric = "/memory/classes/heap/released:bytes"
)

// memFraction is the memory the process holds (mapped by the Go runtime, less what it released)
// over limit, in [0, 1]; 0 when the limit is unknown.
func memFraction(s []metrics.Sample, limit uint64) float64 {
	if limit == 0 || len(s) != 2 || s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	total, released := s[0].Value.Uint64(), s[1].Value.Uint64()
	if released >= total {
		return 0
	}
	return min(float64(total-released)/float64(limit), 1)
}

// memoryLimit returns the memory the process may use, in bytes: GOMEMLIMIT (goLimit, as
// debug.SetMemoryLimit(-1) reports it) if set, else the cgroup's limit, else the machine's RAM;
// 0 if none is known. read reads a small system file.
func memoryLimit(read func(string) ([]byte, error), goLimit int64) uint64 {
	if goLimit > 0 && goLimit < math.MaxInt64 {
		return uint64(goLimit)
	}
	if l := cgroupMemoryLimit(read); l > 0 {
		return l
	}
	return memTotal(read)
}
