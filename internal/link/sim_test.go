package link

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestRTTConverges(t *testing.T) {
	tests := []struct {
		name          string
		delay, jitter time.Duration
	}{
		{"lan", 200 * time.Microsecond, 0},
		{"metro", 5 * time.Millisecond, time.Millisecond},
		{"wan", 40 * time.Millisecond, 10 * time.Millisecond},
		{"jittery", 2 * time.Millisecond, 8 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := path{delay: tc.delay, jitter: tc.jitter}
			s := newSim(t, DefaultConfig(), 1, p, p)
			s.run(20 * time.Second)
			// Two independent uniform [0, jitter] delays: mean 2*delay + jitter.
			want := 2*tc.delay + tc.jitter
			var sum float64
			const samples = 200
			for range samples {
				s.run(50 * time.Millisecond)
				sum += float64(s.stats(0).SRTT)
			}
			mean := time.Duration(sum / samples)
			t.Logf("mean SRTT %v, true mean RTT %v, RTTVar %v", mean, want, s.stats(0).RTTVar)
			if tol := want/20 + 10*time.Microsecond; mean < want-tol || mean > want+tol {
				t.Errorf("mean SRTT %v, want %v ± %v", mean, want, tol)
			}
			for i := range 2 {
				st := s.stats(i)
				if !st.Up || s.count(i, EventUp) != 1 || s.count(i, EventDown) != 0 {
					t.Errorf("node %d: up %v, %d up and %d down events", i, st.Up, s.count(i, EventUp), s.count(i, EventDown))
				}
				if tc.jitter == 0 && st.RTTVar > time.Microsecond {
					t.Errorf("node %d: RTTVar %v on a link without jitter", i, st.RTTVar)
				}
				if tc.jitter > 0 && (st.RTTVar <= 0 || st.RTTVar > tc.jitter) {
					t.Errorf("node %d: RTTVar %v, want in (0, %v]", i, st.RTTVar, tc.jitter)
				}
				if st.RxLoss != 0 || st.TxLoss != 0 {
					t.Errorf("node %d: loss %v/%v on a lossless link", i, st.RxLoss, st.TxLoss)
				}
			}
		})
	}
}

func TestLossConverges(t *testing.T) {
	tests := []struct {
		name   string
		ab, ba float64 // loss from node 0 to node 1 and back
		dup    float64
		jitter time.Duration
	}{
		{"none", 0, 0, 0, 0},
		{"symmetric", 0.1, 0.1, 0, 0},
		{"asymmetric", 0.3, 0.05, 0, 0},
		{"reordered", 0.2, 0, 0, 30 * time.Millisecond},
		{"duplicated", 0.15, 0.15, 0.3, 10 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ab := path{delay: 10 * time.Millisecond, jitter: tc.jitter, loss: tc.ab, dup: tc.dup}
			ba := path{delay: 10 * time.Millisecond, jitter: tc.jitter, loss: tc.ba, dup: tc.dup}
			s := newSim(t, DefaultConfig(), 7, ab, ba)
			s.run(3 * time.Second)
			var rx, tx [2]float64
			const samples = 600
			for range samples {
				s.run(100 * time.Millisecond)
				for i := range 2 {
					st := s.stats(i)
					rx[i] += st.RxLoss / samples
					tx[i] += st.TxLoss / samples
				}
			}
			const tol = 0.04
			t.Logf("mean RxLoss %.3f/%.3f, TxLoss %.3f/%.3f", rx[0], rx[1], tx[0], tx[1])
			want := [2]float64{tc.ba, tc.ab} // node 0 receives what node 1 sends
			for i := range 2 {
				if math.Abs(rx[i]-want[i]) > tol {
					t.Errorf("node %d: mean RxLoss %.3f, want %.2f ± %.2f", i, rx[i], want[i], tol)
				}
				if math.Abs(tx[i]-want[1-i]) > tol {
					t.Errorf("node %d: mean TxLoss %.3f, want %.2f ± %.2f", i, tx[i], want[1-i], tol)
				}
				if n := s.count(i, EventDown); n != 0 {
					t.Errorf("node %d: %d down events on a working link", i, n)
				}
			}
		})
	}
}

func TestDeadDetectionAndRecovery(t *testing.T) {
	tests := []struct {
		name     string
		busyTick time.Duration // 0: Tick only at NextDeadline (idle link)
	}{
		{"idle", 0},
		{"busy", 250 * time.Microsecond},
	}
	cfg := DefaultConfig()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := path{delay: 3 * time.Millisecond, jitter: time.Millisecond}
			s := newSim(t, cfg, 3, p, p)
			s.busyTick = tc.busyTick
			s.nextBusy = t0
			s.run(time.Second)
			// Hellos flow at the same rate whether or not the caller ticks often:
			// one per interval in [HelloInterval-HelloJitter, HelloInterval].
			sent := s.stats(0).HellosSent
			lo, hi := uint64(time.Second/cfg.HelloInterval), uint64(time.Second/(cfg.HelloInterval-cfg.HelloJitter))+1
			if sent < lo || sent > hi {
				t.Errorf("%d hellos in 1 s, want [%d, %d]", sent, lo, hi)
			}
			for i := range 2 {
				if !s.stats(i).Up {
					t.Fatalf("node %d not up after 1 s", i)
				}
			}

			cutAt := s.now
			s.cut = true
			s.run(time.Second)
			for i := range 2 {
				st := s.stats(i)
				if st.Up || st.Cost != CostInfinity || st.MeasuredCost != CostInfinity {
					t.Fatalf("node %d: up %v cost %d/%d after the link was cut", i, st.Up, st.Cost, st.MeasuredCost)
				}
				var down *Event
				for j := range s.events[i] {
					if s.events[i][j].Kind == EventDown {
						down = &s.events[i][j]
					}
				}
				if down == nil || s.count(i, EventDown) != 1 {
					t.Fatalf("node %d: %d down events", i, s.count(i, EventDown))
				}
				if want := st.LastHeard.Add(cfg.DeadInterval); !down.At.Equal(want) {
					t.Errorf("node %d: down at %v, want last heard + DeadInterval = %v", i, down.At, want)
				}
				if d := down.At.Sub(cutAt); d <= 0 || d > 300*time.Millisecond {
					t.Errorf("node %d: failure detected after %v, want (0, 300ms]", i, d)
				}
				if down.Cost != CostInfinity {
					t.Errorf("node %d: down event cost %d", i, down.Cost)
				}
			}
			if got := s.stats(0).HellosSent - sent; got < lo {
				t.Errorf("%d hellos sent in the second after the cut, want at least %d", got, lo)
			}

			healAt := s.now
			s.cut = false
			s.run(time.Second)
			for i := range 2 {
				st := s.stats(i)
				if !st.Up || st.Cost >= CostInfinity || s.count(i, EventUp) != 2 {
					t.Fatalf("node %d: up %v cost %d, %d up events after healing", i, st.Up, st.Cost, s.count(i, EventUp))
				}
				up := s.events[i][len(s.events[i])-1]
				for _, e := range s.events[i] {
					if e.Kind == EventUp {
						up = e
					}
				}
				if d := up.At.Sub(healAt); d > cfg.HelloInterval+2*(p.delay+p.jitter) {
					t.Errorf("node %d: back up %v after healing", i, d)
				}
				if st.RxLoss == 0 || st.Cost <= MinCost+2*ETXScale/10 {
					t.Errorf("node %d: loss %v, cost %d: the outage is forgotten at once", i, st.RxLoss, st.Cost)
				}
			}
			s.run(2 * time.Second)
			for i := range 2 {
				st := s.stats(i)
				if st.RxLoss != 0 || st.TxLoss != 0 || st.MeasuredCost > MinCost+10 || significant(st.Cost, st.MeasuredCost, cfg.CostHysteresis) {
					t.Errorf("node %d: loss %v/%v, cost %d (measured %d) 3 s after healing", i, st.RxLoss, st.TxLoss, st.Cost, st.MeasuredCost)
				}
			}
		})
	}
}

func TestCostMonotoneInSimulation(t *testing.T) {
	tests := []struct {
		loss  float64
		delay time.Duration
	}{
		{0, time.Millisecond},
		{0, 30 * time.Millisecond},
		{0.1, 30 * time.Millisecond},
		{0.3, 30 * time.Millisecond},
		{0.3, 100 * time.Millisecond},
	}
	prev := 0.0
	for _, tc := range tests {
		p := path{delay: tc.delay, loss: tc.loss}
		s := newSim(t, DefaultConfig(), 11, p, p)
		s.run(3 * time.Second)
		var mean float64
		const samples = 300
		for range samples {
			s.run(100 * time.Millisecond)
			mean += float64(s.stats(0).MeasuredCost) / samples
		}
		t.Logf("loss %v delay %v: mean cost %.1f", tc.loss, tc.delay, mean)
		if mean <= prev {
			t.Errorf("loss %v delay %v: mean cost %.0f, not above %.0f of the better link", tc.loss, tc.delay, mean, prev)
		}
		prev = mean
	}
}

func TestHysteresisInSimulation(t *testing.T) {
	p := path{delay: 20 * time.Millisecond, jitter: 4 * time.Millisecond}
	tests := []struct {
		hysteresis int
		minEvents  int
		maxEvents  int
	}{
		{DefaultCostHysteresis, 0, 0},
		{0, 20, math.MaxInt},
	}
	for _, tc := range tests {
		cfg := DefaultConfig()
		cfg.CostHysteresis = tc.hysteresis
		s := newSim(t, cfg, 5, p, p)
		s.run(10 * time.Second)
		t.Logf("hysteresis %d%%: %d cost events", tc.hysteresis, s.count(0, EventCostChanged))
		if n := s.count(0, EventCostChanged); n < tc.minEvents || n > tc.maxEvents {
			t.Errorf("hysteresis %d%%: %d cost events for RTT jitter, want [%d, %d]", tc.hysteresis, n, tc.minEvents, tc.maxEvents)
		}
	}

	// A large change gets through the default hysteresis, with the new cost.
	s := newSim(t, DefaultConfig(), 5, p, p)
	s.run(5 * time.Second)
	before := s.stats(0).Cost
	s.paths[1].loss = 0.5
	s.run(5 * time.Second)
	var last *Event
	for i := range s.events[0] {
		if s.events[0][i].Kind == EventCostChanged {
			last = &s.events[0][i]
		}
	}
	st := s.stats(0)
	if last == nil || last.Cost != st.Cost || st.Cost < before*3/2 {
		t.Errorf("50%% loss: cost %d -> %d, last event %+v", before, st.Cost, last)
	}
	if significant(st.Cost, st.MeasuredCost, DefaultCostHysteresis) {
		t.Errorf("measured cost %d moved more than %d%% from reported %d without an event", st.MeasuredCost, DefaultCostHysteresis, st.Cost)
	}
}

func TestSimulationDeterministic(t *testing.T) {
	run := func() ([2][]Event, [2]Stats) {
		p := path{delay: 5 * time.Millisecond, jitter: 5 * time.Millisecond, loss: 0.2, dup: 0.05}
		s := newSim(t, DefaultConfig(), 99, p, p)
		s.run(3 * time.Second)
		s.cut = true
		s.run(time.Second)
		s.cut = false
		s.run(2 * time.Second)
		return s.events, [2]Stats{s.stats(0), s.stats(1)}
	}
	e1, s1 := run()
	e2, s2 := run()
	if len(e1[0]) == 0 || !slices.Equal(e1[0], e2[0]) || !slices.Equal(e1[1], e2[1]) || s1 != s2 {
		t.Errorf("two runs with one seed differ:\n%v\n%v", e1, e2)
	}
}

// TestOneWayFailure cuts one direction only: the node that still hears its
// neighbour learns from the neighbour's reports that its own hellos are
// lost, and the link becomes unusable at both ends.
func TestOneWayFailure(t *testing.T) {
	p := path{delay: 2 * time.Millisecond}
	s := newSim(t, DefaultConfig(), 4, p, p)
	s.run(time.Second)
	s.paths[0].loss = 1 // node 0 -> node 1 fails
	s.run(3 * time.Second)
	if st := s.stats(1); st.Up || st.Cost != CostInfinity {
		t.Errorf("node 1 hears nothing but is up %v with cost %d", st.Up, st.Cost)
	}
	st := s.stats(0)
	if st.TxLoss != 1 || st.Cost != CostInfinity || st.MeasuredCost != CostInfinity {
		t.Errorf("node 0: tx loss %v, cost %d/%d; want 1 and CostInfinity", st.TxLoss, st.Cost, st.MeasuredCost)
	}
	if e := s.events[0][len(s.events[0])-1]; e.Kind != EventCostChanged || e.Cost != CostInfinity {
		t.Errorf("node 0: last event %+v, want cost change to infinity", e)
	}
}
