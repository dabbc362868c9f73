package route

import (
	"cmp"
	"container/heap"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// t0 is the start of virtual time in tests.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// testID returns the node ID of test node i: a hash, so that ID order is unrelated to i.
func testID(i int) identity.NodeID {
	return identity.NodeID(sha256.Sum256(fmt.Appendf(nil, "route test node %d", i)))
}

// fastConfig has short timers so that simulations cover many periods cheaply.
var fastConfig = Config{UpdateInterval: time.Second}

// fataler is what the harness needs of *testing.T, *testing.B and *rapid.T.
type fataler interface {
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// flight is a message on a link.
type flight struct {
	at       time.Time
	seq      int
	from, to int
	epoch    int // of the link when sent: a new session drops what the old one carried
	msg      []byte
}

type flights []flight

func (f flights) Len() int { return len(f) }
func (f flights) Less(i, j int) bool {
	if !f[i].at.Equal(f[j].at) {
		return f[i].at.Before(f[j].at)
	}
	return f[i].seq < f[j].seq
}
func (f flights) Swap(i, j int) { f[i], f[j] = f[j], f[i] }
func (f *flights) Push(x any)   { *f = append(*f, x.(flight)) }
func (f *flights) Pop() any {
	old := *f
	x := old[len(old)-1]
	*f = old[:len(old)-1]
	return x
}

// sim is a network of Routers joined by symmetric links, with virtual time, optional loss and
// delay. Messages for every neighbour go to the neighbours at the time they are sent.
type sim struct {
	tb    fataler
	now   time.Time
	nodes []*Router
	ids   []identity.NodeID
	index map[identity.NodeID]int
	links map[[2]int]uint16 // key with i < j
	epoch map[[2]int]int    // incremented at every linkUp
	queue flights
	seq   int
	rng   *rand.Rand

	loss     float64       // probability that a message is lost
	maxDelay time.Duration // delivery delay is uniform in [0, maxDelay]

	// checkLoops asserts loop freedom of the selected routes after every event.
	checkLoops bool
	// checkCounts asserts that every router's SelectedCounts agrees with its table after
	// every event (counts_test.go).
	checkCounts bool

	msgs, bytes int // messages and bytes sent (per destination neighbour)
}

func newSim(tb fataler, n int, cfg Config, seed uint64) *sim {
	s := &sim{
		tb: tb, now: t0, index: map[identity.NodeID]int{}, links: map[[2]int]uint16{}, epoch: map[[2]int]int{},
		rng: rand.New(rand.NewPCG(seed, 0x5eed)),
	}
	for i := range n {
		id := testID(i)
		r, err := New(id, cfg, rand.New(rand.NewPCG(seed, uint64(i))), t0)
		if err != nil {
			tb.Fatal(err)
		}
		s.nodes = append(s.nodes, r)
		s.ids = append(s.ids, id)
		s.index[id] = i
	}
	return s
}

// restart replaces node i by a fresh router (all state lost, a new random seqno) and brings
// its links up again, as a runtime would after re-establishing the sessions.
func (s *sim) restart(i int, seed uint64) {
	r, err := New(s.ids[i], s.nodes[i].Config(), rand.New(rand.NewPCG(seed, uint64(i))), s.now)
	if err != nil {
		s.tb.Fatal(err)
	}
	s.nodes[i] = r
	for _, k := range slices.SortedFunc(maps.Keys(s.links), compareKeys) {
		if k[0] == i || k[1] == i {
			s.linkUp(k[0], k[1], s.links[k])
		}
	}
}

// compareKeys orders link keys, so that map iteration order cannot change a run.
func compareKeys(a, b [2]int) int {
	if c := cmp.Compare(a[0], b[0]); c != 0 {
		return c
	}
	return cmp.Compare(a[1], b[1])
}

func key(i, j int) [2]int {
	if i > j {
		i, j = j, i
	}
	return [2]int{i, j}
}

func (s *sim) linked(i, j int) bool { _, ok := s.links[key(i, j)]; return ok }

func (s *sim) linkUp(i, j int, cost uint16) {
	s.links[key(i, j)] = cost
	s.epoch[key(i, j)]++
	for _, p := range [][2]int{{i, j}, {j, i}} {
		if err := s.nodes[p[0]].NeighbourUp(s.now, s.ids[p[1]], cost); err != nil {
			s.tb.Fatal(err)
		}
	}
	s.flush(i)
	s.flush(j)
}

func (s *sim) linkDown(i, j int) {
	delete(s.links, key(i, j))
	s.nodes[i].NeighbourDown(s.now, s.ids[j])
	s.nodes[j].NeighbourDown(s.now, s.ids[i])
	s.flush(i)
	s.flush(j)
}

func (s *sim) setCost(i, j int, cost uint16) {
	s.links[key(i, j)] = cost
	for _, p := range [][2]int{{i, j}, {j, i}} {
		if err := s.nodes[p[0]].NeighbourCost(s.now, s.ids[p[1]], cost); err != nil {
			s.tb.Fatal(err)
		}
	}
	s.flush(i)
	s.flush(j)
}

// flush takes node i's outbox and puts its messages on the links.
func (s *sim) flush(i int) {
	for _, o := range s.nodes[i].Outbox() {
		if len(o.Msg) > MaxMessageSize {
			s.tb.Fatalf("node %d produced a %d-byte message", i, len(o.Msg))
		}
		if o.To.IsZero() {
			for j := range s.nodes {
				if j != i && s.linked(i, j) {
					s.send(i, j, o.Msg)
				}
			}
			continue
		}
		j, ok := s.index[o.To]
		if !ok || !s.linked(i, j) {
			s.tb.Fatalf("node %d sent to %s, not a neighbour", i, o.To.Short())
		}
		s.send(i, j, o.Msg)
	}
	s.drainEvents(i)
}

func (s *sim) drainEvents(i int) {
	for _, ev := range s.nodes[i].Events() {
		if ev.Time.After(s.now) || ev.Kind < RouteInstalled || ev.Kind > RouteLost {
			s.tb.Fatalf("node %d: bad event %+v", i, ev)
		}
	}
}

func (s *sim) send(i, j int, msg []byte) {
	s.msgs++
	s.bytes += len(msg)
	if s.loss > 0 && s.rng.Float64() < s.loss {
		return
	}
	var d time.Duration
	if s.maxDelay > 0 {
		d = time.Duration(s.rng.Int64N(int64(s.maxDelay) + 1))
	}
	s.seq++
	heap.Push(&s.queue, flight{at: s.now.Add(d), seq: s.seq, from: i, to: j, epoch: s.epoch[key(i, j)], msg: msg})
}

// runFor advances virtual time by d, delivering messages and running timers in order.
func (s *sim) runFor(d time.Duration) { s.runUntil(s.now.Add(d)) }

func (s *sim) runUntil(end time.Time) {
	stuck, last := 0, s.now
	for {
		if stuck++; stuck > 1_000_000 {
			s.tb.Fatalf("no progress of virtual time at %v", s.now.Sub(t0))
		}
		next := end
		if len(s.queue) > 0 && s.queue[0].at.Before(next) {
			next = s.queue[0].at
		}
		for _, r := range s.nodes {
			if dl := r.NextDeadline(); dl.Before(next) {
				next = dl
			}
		}
		if next.After(s.now) {
			s.now = next
		}
		if s.now != last {
			stuck, last = 0, s.now
		}
		progressed := false
		for len(s.queue) > 0 && !s.queue[0].at.After(s.now) {
			f := heap.Pop(&s.queue).(flight)
			progressed = true
			if !s.linked(f.from, f.to) || f.epoch != s.epoch[key(f.from, f.to)] {
				continue // the link went down while the message was in flight
			}
			if err := s.nodes[f.to].Receive(s.now, s.ids[f.from], f.msg); err != nil && !errors.Is(err, ErrTableFull) {
				s.tb.Fatalf("node %d receiving from %d: %v", f.to, f.from, err)
			}
			s.flush(f.to)
			s.checkLoopFree()
		}
		for i, r := range s.nodes {
			if !r.NextDeadline().After(s.now) {
				r.Tick(s.now)
				s.flush(i)
				s.checkLoopFree()
				progressed = true
			}
		}
		if !progressed && !s.now.Before(end) {
			return
		}
	}
}

func (s *sim) checkLoopFree() {
	if s.checkCounts {
		for _, r := range s.nodes {
			if err := checkCounts(r); err != nil {
				s.tb.Fatalf("at %v: %v", s.now.Sub(t0), err)
			}
		}
	}
	if !s.checkLoops {
		return
	}
	if err := s.loopFree(); err != nil {
		s.tb.Fatalf("at %v: %v", s.now.Sub(t0), err)
	}
}

// loopFree follows the selected next hops from every node to every destination and fails on
// a revisited node or a next hop that is not a neighbour.
func (s *sim) loopFree() error {
	n := len(s.nodes)
	for d := range n {
		for src := range n {
			seen := make([]bool, n)
			for cur := src; cur != d; {
				seen[cur] = true
				nh, ok := s.nodes[cur].NextHop(s.ids[d])
				if !ok {
					break
				}
				nxt := s.index[nh]
				if !s.linked(cur, nxt) {
					return fmt.Errorf("node %d routes to %d via %d, not a neighbour", cur, d, nxt)
				}
				if seen[nxt] {
					return fmt.Errorf("forwarding loop to %d through node %d (from %d)", d, nxt, src)
				}
				cur = nxt
			}
		}
	}
	return nil
}

// distances returns the least-cost distance from every node to d (-1: unreachable).
func (s *sim) distances(d int) []int {
	n := len(s.nodes)
	dist := make([]int, n)
	done := make([]bool, n)
	for i := range dist {
		dist[i] = -1
	}
	dist[d] = 0
	for {
		u := -1
		for i := range n {
			if !done[i] && dist[i] >= 0 && (u < 0 || dist[i] < dist[u]) {
				u = i
			}
		}
		if u < 0 {
			return dist
		}
		done[u] = true
		for v := range n {
			if c, ok := s.links[key(u, v)]; ok && u != v && c != Infinity {
				if nd := dist[u] + int(c); dist[v] < 0 || nd < dist[v] {
					dist[v] = nd
				}
			}
		}
	}
}

// converged checks that every reachable destination is reached along a least-cost path and
// that unreachable ones have no route.
func (s *sim) converged() error {
	if err := s.loopFree(); err != nil {
		return err
	}
	for d := range s.nodes {
		dist := s.distances(d)
		for src := range s.nodes {
			if src == d {
				continue
			}
			_, has := s.nodes[src].NextHop(s.ids[d])
			if dist[src] < 0 {
				if has {
					return fmt.Errorf("node %d has a route to unreachable %d", src, d)
				}
				continue
			}
			if !has {
				return fmt.Errorf("node %d has no route to %d (distance %d)", src, d, dist[src])
			}
			cost := 0
			for cur := src; cur != d; {
				nh, _ := s.nodes[cur].NextHop(s.ids[d])
				nxt := s.index[nh]
				cost += int(s.links[key(cur, nxt)])
				cur = nxt
			}
			if cost != dist[src] {
				return fmt.Errorf("node %d reaches %d at cost %d, shortest is %d", src, d, cost, dist[src])
			}
		}
	}
	return nil
}

// reachable reports whether every node has a route to every other node.
func (s *sim) reachable() bool {
	for d := range s.nodes {
		for src := range s.nodes {
			if _, ok := s.nodes[src].NextHop(s.ids[d]); src != d && !ok {
				return false
			}
		}
	}
	return true
}

// quiesceTime is long enough for any stale state to expire and the network to converge.
func quiesceTime(cfg Config) time.Duration {
	c := cfg.withDefaults()
	return 4*c.RouteExpiry + 4*c.SwitchDelay + 10*c.UpdateInterval
}

// Topologies.

func lineSim(tb fataler, n int, cost uint16) *sim {
	s := newSim(tb, n, fastConfig, 1)
	for i := 0; i+1 < n; i++ {
		s.linkUp(i, i+1, cost)
	}
	return s
}

func ringSim(tb fataler, n int, cost uint16) *sim {
	s := lineSim(tb, n, cost)
	s.linkUp(n-1, 0, cost)
	return s
}

func gridSim(tb fataler, w, h int, seed uint64) *sim {
	s := newSim(tb, w*h, fastConfig, seed)
	for y := range h {
		for x := range w {
			i := y*w + x
			if x+1 < w {
				s.linkUp(i, i+1, uint16(1+s.rng.IntN(20)))
			}
			if y+1 < h {
				s.linkUp(i, i+w, uint16(1+s.rng.IntN(20)))
			}
		}
	}
	return s
}

// randomSim builds a connected random graph: a random spanning tree plus extra edges.
func randomSim(tb fataler, n, extra int, cfg Config, seed uint64) *sim {
	s := newSim(tb, n, cfg, seed)
	for i := 1; i < n; i++ {
		s.linkUp(i, s.rng.IntN(i), uint16(1+s.rng.IntN(50)))
	}
	for range extra {
		i, j := s.rng.IntN(n), s.rng.IntN(n)
		if i != j && !s.linked(i, j) {
			s.linkUp(i, j, uint16(1+s.rng.IntN(50)))
		}
	}
	return s
}
