package heal

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	"github.com/x0tta6bl4/x0tta6bl4/internal/store"
)

// Options configure an Agent. Every field but the Core passed to New is
// optional.
type Options struct {
	// Config is the loop's configuration; its zero value means the mapek
	// defaults.
	Config mapek.Config
	// Period is how often Step runs; zero means DefaultPeriod.
	Period time.Duration
	// Store, if set, receives every StepResult; New resumes incident and
	// action IDs from it and Step restores its baselines. nil keeps the
	// Knowledge in memory only.
	Store *store.Store
	// Runtime returns the counters only the runtime knows (CPU, memory,
	// queue drops, hop-by-hop handshakes); nil leaves them zero.
	Runtime func() Runtime
	// Spares dials n spare peers (ConnectSpares); nil makes the action fail
	// with ErrUnsupported.
	Spares func(n int) error
	// RestartLink drops the hop-by-hop session with a neighbour and dials
	// it again (Restart of the link subsystem); nil restarts only the
	// Core's view of the link (mesh.Core.ResetNeighbour).
	RestartLink func(peer identity.NodeID) error
	// HandshakeUnderLoad forces (true) or releases (false) cookie mode on
	// the runtime's hop-by-hop handshake machine, together with the Core's
	// end-to-end one (RateLimitHandshakes and its Undo); nil affects the
	// Core's machine only.
	HandshakeUnderLoad func(on bool)
	// Logger, if set, logs actions applied, outcomes and store failures.
	Logger *slog.Logger
	// Scorer, if set, is the loop's learnt anomaly score (mapek.New's scorer;
	// e.g. internal/anomaly/meshdetect.Scorer). If it also implements
	// SnapshotObserver it is handed every Snapshot before the loop's Step.
	Scorer mapek.Scorer
}

// SnapshotObserver is implemented by a Scorer that builds its own view of the
// node from the whole Snapshot, not only the per-link features mapek passes
// to Score.
type SnapshotObserver interface {
	ObserveSnapshot(now time.Time, snap *mapek.Snapshot)
}

// Runtime is the telemetry only the runtime has. Counters are cumulative.
type Runtime struct {
	// CPU and Memory are usage fractions in [0, 1].
	CPU, Memory float64
	// QueueDrops counts packets dropped for full runtime queues; the Core's
	// Drops.QueueFull is added to it.
	QueueDrops uint64
	// HandshakeDrops and CookieReplies are the hop-by-hop handshake
	// machine's Stats().Dropped and CookieRepliesSent; the Core's
	// end-to-end machine's are added to them.
	HandshakeDrops, CookieReplies uint64
	// HandshakesProcessed is the hop-by-hop machine's
	// Stats().InitiationsProcessed (Initiations that got the expensive key
	// exchange); the Core's end-to-end machine's is added to it.
	HandshakesProcessed uint64
	// Handshakes counts the hop-by-hop handshakes started towards each
	// neighbour and those that gave up. Only neighbours the Agent reports
	// (current ones, and lost ones for RetainDown) are read.
	Handshakes map[identity.NodeID]HandshakeCount
}

// HandshakeCount is the hop-by-hop handshake count of one neighbour.
type HandshakeCount struct {
	// Attempts counts handshakes started; Failures those that gave up.
	Attempts, Failures uint64
}

// Agent runs the MAPE-K loop of one node over its mesh.Core. It is not safe
// for concurrent use; the runtime calls it from the goroutine that owns the
// core.
type Agent struct {
	core   *mesh.Core
	opt    Options
	loop   *mapek.Loop
	act    actuator
	period time.Duration
	log    *slog.Logger

	started  bool
	lastStep time.Time
	next     time.Time

	routeChanges uint64
	known        map[identity.NodeID]bool      // neighbours in the last Snapshot
	gone         map[identity.NodeID]time.Time // lost neighbours, since when
	restore      []mapek.Baseline              // baselines to restore at the first Step

	incidents []mapek.Incident // by ID, at most MaxIncidentHistory
	actions   []mapek.Action   // by ID, at most MaxActionHistory
	storeErr  error

	scorer switchScorer // what the loop consults: Options.Scorer, then SetScorer's
}

// switchScorer is the Scorer the loop holds for the whole run: it forwards to the scorer of the
// moment, so that SetScorer can replace it; without one it has no opinion and the rules decide,
// exactly as a loop without a Scorer.
type switchScorer struct{ s mapek.Scorer }

// Score asks the current scorer, if any.
func (w *switchScorer) Score(f mapek.LinkFeatures) (float64, bool) {
	if w.s == nil {
		return 0, false
	}
	return w.s.Score(f)
}

// SetScorer makes s (nil for the rules alone) the scorer Analyze consults from the next Step on;
// if it implements SnapshotObserver it is handed the Snapshots from then on, so a new model
// starts its own history. Like every Agent method it must be called by the goroutine that owns
// the agent (the node: under its lock).
func (a *Agent) SetScorer(s mapek.Scorer) { a.scorer.s = s }

// New returns the Agent of core. With opt.Store it resumes the incident and
// action IDs and the histories persisted earlier, and restores the
// baselines at the first Step.
func New(core *mesh.Core, opt Options) (*Agent, error) {
	if core == nil {
		return nil, fmt.Errorf("%w: nil Core", ErrInvalidOptions)
	}
	period := opt.Period
	if period == 0 {
		period = DefaultPeriod
	}
	if period < MinPeriod || period > MaxPeriod {
		return nil, fmt.Errorf("%w: Period %v not in [%v, %v]", ErrInvalidOptions, opt.Period, MinPeriod, MaxPeriod)
	}
	a := &Agent{
		core:   core,
		opt:    opt,
		period: period,
		log:    opt.Logger,
		known:  make(map[identity.NodeID]bool),
		gone:   make(map[identity.NodeID]time.Time),
	}
	a.act = actuator{a: a}
	a.scorer.s = opt.Scorer
	loop, err := mapek.New(opt.Config, &a.act, &a.scorer)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	a.loop = loop
	if opt.Store != nil {
		if err := a.load(opt.Store); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// load resumes IDs and histories from s and keeps its baselines for the
// first Step.
func (a *Agent) load(s *store.Store) error {
	inc, act, err := s.LastIDs()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	a.loop.ResumeIDs(inc, act)
	incs, err := s.Incidents()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	acts, err := s.Actions()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if a.restore, err = s.Baselines(); err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	a.incidents = upsert(a.incidents, incs, func(i *mapek.Incident) uint64 { return i.ID }, MaxIncidentHistory)
	a.actions = upsert(a.actions, acts, func(x *mapek.Action) uint64 { return x.ID }, MaxActionHistory)
	return nil
}

// Loop returns the underlying loop, for its read-only accessors
// (OpenIncidents, Baselines, Config).
func (a *Agent) Loop() *mapek.Loop { return a.loop }

// Observe feeds events drained from the Core (Core.Events): route changes
// are counted for the Snapshot, and a link going up or down brings the next
// Step forward so that the loop samples the change when it happens.
func (a *Agent) Observe(events []mesh.Event) {
	for i := range events {
		e := &events[i]
		switch e.Kind {
		case mesh.EventRouteInstalled, mesh.EventRouteChanged, mesh.EventRouteLost:
			a.routeChanges++
		case mesh.EventLinkUp, mesh.EventLinkDown:
			if !a.started {
				continue
			}
			at := e.At
			if floor := a.lastStep.Add(MinEventStep); at.Before(floor) {
				at = floor
			}
			if at.Before(a.next) {
				a.next = at
			}
		}
	}
}

// NextStep returns when Step is due next: a Period after the last Step, or
// earlier after a link went up or down. Before the first Step it returns the
// zero Time, meaning now.
func (a *Agent) NextStep() time.Time { return a.next }

// Step runs Monitor, Analyze, Plan and Execute once at now and persists the
// result when the Agent has a store (a failure is logged and reported by
// StoreErr; it does not stop the loop).
func (a *Agent) Step(now time.Time) mapek.StepResult {
	if !a.started && len(a.restore) > 0 {
		a.loop.RestoreBaselines(now, a.restore)
		a.restore = nil
	}
	a.started = true
	snap := a.snapshot(now)
	if o, ok := a.scorer.s.(SnapshotObserver); ok {
		o.ObserveSnapshot(now, &snap)
	}
	a.act.now = now
	r := a.loop.Step(now, snap)
	if r.Err == nil {
		a.lastStep = now
	}
	a.next = now.Add(a.period)
	a.core.Probe(now)
	a.incidents = upsert(a.incidents, r.Incidents, func(i *mapek.Incident) uint64 { return i.ID }, MaxIncidentHistory)
	a.actions = upsert(a.actions, r.Actions, func(x *mapek.Action) uint64 { return x.ID }, MaxActionHistory)
	if a.opt.Store != nil && !quiet(&r) {
		if _, err := a.opt.Store.WriteStep(r); err != nil {
			a.storeErr = fmt.Errorf("%w: %w", ErrStore, err)
			a.logf(slog.LevelError, "persisting a MAPE-K step failed", "err", err)
		} else {
			a.storeErr = nil
		}
	}
	if a.log != nil {
		for i := range r.Actions {
			x := &r.Actions[i]
			a.log.Info("mapek action", "id", x.ID, "kind", x.Kind.String(), "subject", x.Subject.Short(),
				"symptom", x.Symptom.String(), "outcome", x.Outcome.String(), "err", x.Err)
		}
	}
	return r
}

// quiet reports whether r holds nothing to persist, so that a healthy node
// does not write (and fsync) its store every period.
func quiet(r *mapek.StepResult) bool {
	return len(r.Incidents) == 0 && len(r.Actions) == 0 && len(r.Audit) == 0 && len(r.Baselines) == 0
}

// StoreErr returns the error of the last Step's write to the store (nil if
// it succeeded or there is no store).
func (a *Agent) StoreErr() error { return a.storeErr }

// Incidents returns the incidents opened or changed so far (and those loaded
// from the store), open and resolved, oldest first, at most
// MaxIncidentHistory, each in its latest version.
func (a *Agent) Incidents() []mapek.Incident { return append([]mapek.Incident(nil), a.incidents...) }

// Actions returns the actions applied so far (and those loaded from the
// store), oldest first, at most MaxActionHistory, each with its latest
// outcome.
func (a *Agent) Actions() []mapek.Action { return append([]mapek.Action(nil), a.actions...) }

func (a *Agent) logf(level slog.Level, msg string, args ...any) {
	if a.log != nil {
		a.log.Log(context.Background(), level, msg, args...)
	}
}

// upsert merges items into hist (sorted by ID), replacing those with the
// same ID, and keeps the newest max.
func upsert[T any](hist, items []T, id func(*T) uint64, max int) []T {
	for i := range items {
		x := items[i]
		k := id(&x)
		j := sort.Search(len(hist), func(j int) bool { return id(&hist[j]) >= k })
		switch {
		case j < len(hist) && id(&hist[j]) == k:
			hist[j] = x
		case j == len(hist):
			hist = append(hist, x)
		default:
			hist = append(hist, x)
			copy(hist[j+1:], hist[j:])
			hist[j] = x
		}
	}
	if n := len(hist) - max; n > 0 {
		hist = append(hist[:0], hist[n:]...)
	}
	return hist
}
