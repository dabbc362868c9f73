package demo

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// Options configure a Mesh. Start from DefaultOptions.
type Options struct {
	// Sim configures the simulated mesh. Healing is always on, Duration and
	// TrafficRate are ignored: the demo runs until stopped and sends its
	// own traffic (TrafficRate below).
	Sim sim.Options
	// View is the index of the node whose view the Backend methods show.
	View int
	// ChaosEvery is how often a fault is injected; zero injects none.
	ChaosEvery time.Duration
	// TrafficRate is the demo traffic in datagrams per second, in
	// [0, sim.MaxTrafficRate]; zero sends none.
	TrafficRate float64
	// Out receives one line per fault and per incident opened or
	// resolved; nil discards them.
	Out io.Writer
	// Version is the version Node reports.
	Version string
}

// DefaultOptions returns the demo's defaults: DefaultNodes nodes on a
// random geometric graph, seed 1, a fault every DefaultChaosEvery and
// DefaultTrafficRate datagrams per second.
func DefaultOptions() Options {
	so := sim.DefaultOptions()
	so.Nodes, so.Topology, so.Healing = DefaultNodes, sim.RandomGeometric, true
	return Options{Sim: so, ChaosEvery: DefaultChaosEvery, TrafficRate: DefaultTrafficRate}
}

// validate reports whether o is usable; the error wraps ErrInvalidOptions
// or sim.ErrInvalidOptions.
func (o Options) validate() error {
	switch {
	case o.View < 0 || o.View >= o.Sim.Nodes:
		return fmt.Errorf("%w: View: node %d is outside [0, %d)", ErrInvalidOptions, o.View, o.Sim.Nodes)
	case o.ChaosEvery < 0 || o.ChaosEvery > 0 && o.ChaosEvery < MinChaosEvery:
		return fmt.Errorf("%w: ChaosEvery: %v is neither 0 nor at least %v", ErrInvalidOptions, o.ChaosEvery, MinChaosEvery)
	case !(o.TrafficRate >= 0 && o.TrafficRate <= sim.MaxTrafficRate): // also refuses NaN
		return fmt.Errorf("%w: TrafficRate: %v is outside [0, %d]", ErrInvalidOptions, o.TrafficRate, sim.MaxTrafficRate)
	}
	return nil
}

// Mesh is a running demo mesh. It is safe for concurrent use.
type Mesh struct {
	mu    sync.Mutex
	s     *sim.Sim
	opt   Options
	rng   *rand.Rand
	out   io.Writer
	names []string
	// zero is the wall time of virtual time 0: virtual time d since the
	// start is wall time zero+d. It moves forward when the simulation
	// falls more than MaxLag behind.
	zero    time.Time
	started time.Time
	slipped time.Duration

	credit                   float64
	sent, delivered, refused uint64

	hold      time.Duration
	nextFault time.Duration
	kind      int
	active    *activeFault
	faults    []Fault

	nextPoll time.Duration
	hist     history
}

// New builds the mesh of opt, runs it (faster than real time) until every
// node has a route to every other, and maps its clock onto the wall clock
// at now.
func New(opt Options, now time.Time) (*Mesh, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	so := opt.Sim
	so.Healing, so.TrafficRate, so.Duration = true, 0, sim.MaxDuration
	s, err := sim.New(so, nil)
	if err != nil {
		return nil, err
	}
	if !s.RunUntil(ConvergeLimit, s.RoutesComplete) {
		return nil, fmt.Errorf("%w: %d nodes, %v of virtual time", ErrNoConvergence, s.Nodes(), ConvergeLimit)
	}
	m := &Mesh{
		s: s, opt: opt, out: opt.Out,
		rng:      rand.New(rand.NewPCG(so.Seed, purposeDemo)),
		zero:     now.Add(-s.Now()),
		started:  now,
		hold:     min(MaxFaultHold, opt.ChaosEvery/2),
		nextPoll: s.Now(),
		hist:     newHistory(),
	}
	m.opt.Sim = so
	if m.out == nil {
		m.out = io.Discard
	}
	m.nextFault = s.Now() + min(FirstFault, opt.ChaosEvery)
	for i := range s.Nodes() {
		m.names = append(m.names, s.Certificate(i).Name)
	}
	s.OnDeliver(func(sim.Delivery) { m.delivered++ })
	return m, nil
}

// Run advances the mesh to the wall clock at every time received from
// ticks (a time.Ticker's channel, StepInterval apart) until ctx ends or
// ticks is closed. It returns nil: stopping is the normal end.
func (m *Mesh) Run(ctx context.Context, ticks <-chan time.Time) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case now, ok := <-ticks:
			if !ok {
				return nil
			}
			m.Advance(now)
		}
	}
}

// Advance runs the simulation up to wall time now (at most MaxLag at
// once): demo traffic is sent, faults are injected and reverted when due,
// and new incidents are logged.
func (m *Mesh) Advance(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	lag := now.Sub(m.zero) - m.s.Now()
	if lag <= 0 {
		return
	}
	if lag > MaxLag {
		m.zero = m.zero.Add(lag - MaxLag)
		m.slipped += lag - MaxLag
		lag = MaxLag
	}
	end := m.s.Now() + lag
	for m.s.Now() < end {
		next := min(end, m.nextEvent())
		if d := next - m.s.Now(); d > 0 {
			m.sendTraffic(d)
			m.s.RunFor(d)
		}
		m.due()
	}
}

// nextEvent returns the virtual time of the next fault, revert or
// incident poll.
func (m *Mesh) nextEvent() time.Duration {
	t := m.nextPoll
	if m.opt.ChaosEvery > 0 {
		t = min(t, m.nextFault)
	}
	if m.active != nil {
		t = min(t, m.active.until)
	}
	return t
}

// due runs what is due now: a revert, a fault, an incident poll. Each
// moves its time past now.
func (m *Mesh) due() {
	now := m.s.Now()
	if m.active != nil && m.active.until <= now {
		m.revert()
	}
	if m.opt.ChaosEvery > 0 && m.nextFault <= now {
		m.inject()
		m.nextFault = now + m.opt.ChaosEvery
	}
	if m.nextPoll <= now {
		m.poll()
		m.nextPoll = now + IncidentPoll
	}
}

// sendTraffic sends the datagrams the rate allows for d, between random
// pairs of distinct nodes whose sender is running.
func (m *Mesh) sendTraffic(d time.Duration) {
	m.credit = math.Min(m.credit+m.opt.TrafficRate*d.Seconds(), m.opt.TrafficRate+1)
	n := m.s.Nodes()
	for ; m.credit >= 1; m.credit-- {
		src, dst := m.rng.IntN(n), m.rng.IntN(n-1)
		if dst >= src {
			dst++
		}
		if !m.s.Up(src) {
			continue
		}
		m.sent++
		if m.s.Send(src, dst, DatagramSize) != nil {
			m.refused++
		}
	}
}

// wall maps a virtual timestamp of the simulation onto the wall clock;
// the zero time stays zero.
func (m *Mesh) wall(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return m.zero.Add(t.Sub(sim.StartTime()))
}

// clock returns the wall time of the simulation's present.
func (m *Mesh) clock() time.Time { return m.zero.Add(m.s.Now()) }

// logf writes one line stamped with the simulation's present.
func (m *Mesh) logf(format string, args ...any) {
	fmt.Fprintf(m.out, "%s %s\n", m.clock().Format(time.TimeOnly), fmt.Sprintf(format, args...))
}
