package link

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is the start of virtual time in every test.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// nodeID returns a test node ID whose first byte is b.
func nodeID(b byte) identity.NodeID {
	var id identity.NodeID
	id[0] = b
	id[31] = 0x5a
	return id
}

// newRand returns a seeded generator (simulation only).
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// newTable returns a Table with cfg and a seeded generator.
func newTable(tb testing.TB, cfg Config, seed uint64) *Table {
	tb.Helper()
	tab, err := New(cfg, newRand(seed), t0)
	if err != nil {
		tb.Fatal(err)
	}
	return tab
}

// path is one direction of a simulated link.
type path struct {
	delay  time.Duration // fixed one-way delay
	jitter time.Duration // extra delay, uniform in [0, jitter]: reorders messages
	loss   float64       // probability that a message is dropped
	dup    float64       // probability that a message is delivered twice
}

type delivery struct {
	at  time.Time
	seq uint64
	to  int
	msg []byte
}

// sim runs two Tables joined by a simulated link on virtual time.
type sim struct {
	tb       testing.TB
	now      time.Time
	tabs     [2]*Table
	ids      [2]identity.NodeID
	paths    [2]path // paths[i] carries what node i sends
	cut      bool    // drop every message
	busyTick time.Duration
	nextBusy time.Time
	rng      *rand.Rand
	queue    []delivery
	seq      uint64
	events   [2][]Event
}

func newSim(tb testing.TB, cfg Config, seed uint64, ab, ba path) *sim {
	tb.Helper()
	s := &sim{tb: tb, now: t0, ids: [2]identity.NodeID{nodeID(1), nodeID(2)}, paths: [2]path{ab, ba}, rng: newRand(seed)}
	for i := range s.tabs {
		s.tabs[i] = newTable(tb, cfg, seed+uint64(i)+1)
		if err := s.tabs[i].Add(t0, s.ids[1-i]); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

func (s *sim) send(from int, out []Outgoing) {
	for _, o := range out {
		if o.To != s.ids[1-from] {
			s.tb.Fatalf("node %d sent to %s", from, o.To.Short())
		}
		p := s.paths[from]
		if s.cut || s.rng.Float64() < p.loss {
			continue
		}
		copies := 1
		if s.rng.Float64() < p.dup {
			copies = 2
		}
		for range copies {
			d := p.delay
			if p.jitter > 0 {
				d += time.Duration(s.rng.Int64N(int64(p.jitter) + 1))
			}
			s.seq++
			dl := delivery{at: s.now.Add(d), seq: s.seq, to: 1 - from, msg: o.Msg}
			i, _ := slices.BinarySearchFunc(s.queue, dl, func(a, b delivery) int {
				if c := a.at.Compare(b.at); c != 0 {
					return c
				}
				return int(a.seq) - int(b.seq)
			})
			s.queue = slices.Insert(s.queue, i, dl)
		}
	}
}

// step processes the next moment at which anything happens, not beyond
// until, and reports whether time is still before until.
func (s *sim) step(until time.Time) bool {
	next := until
	if len(s.queue) > 0 && s.queue[0].at.Before(next) {
		next = s.queue[0].at
	}
	for _, t := range s.tabs {
		if d, ok := t.NextDeadline(); ok && d.Before(next) {
			next = d
		}
	}
	if s.busyTick > 0 && s.nextBusy.Before(next) {
		next = s.nextBusy
	}
	if next.Before(s.now) {
		s.tb.Fatalf("time went back from %v to %v", s.now, next)
	}
	s.now = next
	for len(s.queue) > 0 && !s.queue[0].at.After(s.now) {
		dl := s.queue[0]
		s.queue = s.queue[1:]
		out, err := s.tabs[dl.to].Receive(s.now, s.ids[1-dl.to], dl.msg)
		if err != nil {
			s.tb.Fatalf("node %d: Receive: %v", dl.to, err)
		}
		s.send(dl.to, out)
	}
	busy := s.busyTick > 0 && !s.now.Before(s.nextBusy)
	if busy {
		s.nextBusy = s.now.Add(s.busyTick)
	}
	for i, t := range s.tabs {
		if d, ok := t.NextDeadline(); busy || (ok && !d.After(s.now)) {
			s.send(i, t.Tick(s.now))
		}
		s.events[i] = append(s.events[i], t.Events()...)
	}
	return s.now.Before(until)
}

// run runs the simulation for d.
func (s *sim) run(d time.Duration) {
	until := s.now.Add(d)
	for s.step(until) {
	}
}

// stats returns node i's stats of its neighbour.
func (s *sim) stats(i int) Stats {
	st, ok := s.tabs[i].Stats(s.ids[1-i])
	if !ok {
		s.tb.Fatalf("node %d lost its neighbour", i)
	}
	return st
}

// count returns the number of events of kind k at node i.
func (s *sim) count(i int, k EventKind) int {
	n := 0
	for _, e := range s.events[i] {
		if e.Kind == k {
			n++
		}
	}
	return n
}
