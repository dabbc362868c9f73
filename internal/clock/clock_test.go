package clock

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"pgregory.net/rapid"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// Both clocks satisfy the interface.
var _ = []Clock{Real(), NewVirtual(t0)}

func TestVirtualOrder(t *testing.T) {
	v := NewVirtual(t0)
	type fired struct {
		name string
		at   time.Duration
	}
	var got []fired
	add := func(name string, d time.Duration) {
		v.AfterFunc(d, func() { got = append(got, fired{name, v.Since(t0)}) })
	}
	add("c", 30*time.Millisecond)
	add("a", 10*time.Millisecond)
	add("b1", 20*time.Millisecond)
	add("b2", 20*time.Millisecond) // tie: creation order
	add("z", -time.Second)         // due at once
	add("late", time.Hour)
	if d, ok := v.Next(); !ok || !d.Equal(t0) {
		t.Errorf("Next = %v, %v", d, ok)
	}
	if n := v.Advance(25 * time.Millisecond); n != 4 {
		t.Errorf("Advance fired %d, want 4", n)
	}
	if !v.Now().Equal(t0.Add(25 * time.Millisecond)) {
		t.Errorf("Now = %v after Advance", v.Now())
	}
	v.AdvanceTo(t0.Add(30 * time.Millisecond))
	want := []fired{{"z", 0}, {"a", 10 * time.Millisecond}, {"b1", 20 * time.Millisecond}, {"b2", 20 * time.Millisecond}, {"c", 30 * time.Millisecond}}
	if !slices.Equal(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
	if v.Pending() != 1 {
		t.Errorf("%d pending, want 1", v.Pending())
	}
	// Time never goes back.
	if n := v.AdvanceTo(t0); n != 0 || !v.Now().Equal(t0.Add(30*time.Millisecond)) {
		t.Errorf("AdvanceTo the past: %d fired, now %v", n, v.Now())
	}
	if n := v.Advance(-time.Hour); n != 0 || !v.Now().Equal(t0.Add(30*time.Millisecond)) {
		t.Errorf("negative Advance: %d fired, now %v", n, v.Now())
	}
}

// TestVirtualStopReset runs the same scenarios on the real and the virtual
// clock: the virtual clock must answer as time.Timer does (Go 1.23+).
func TestVirtualStopReset(t *testing.T) {
	const d = 10 * time.Millisecond
	tests := []struct {
		name string
		// run acts on a timer of duration d; fire makes it expire.
		run  func(tm Timer, fire func()) []bool
		want []bool
	}{
		{"stop pending", func(tm Timer, fire func()) []bool { return []bool{tm.Stop(), tm.Stop()} }, []bool{true, false}},
		{"stop fired unreceived", func(tm Timer, fire func()) []bool {
			fire()
			return []bool{tm.Stop(), received(tm)}
		}, []bool{true, false}},
		{"stop after receive", func(tm Timer, fire func()) []bool {
			fire()
			r := received(tm)
			return []bool{r, tm.Stop()}
		}, []bool{true, false}},
		{"reset pending", func(tm Timer, fire func()) []bool { return []bool{tm.Reset(d), tm.Stop()} }, []bool{true, true}},
		{"reset fired unreceived", func(tm Timer, fire func()) []bool {
			fire()
			return []bool{tm.Reset(time.Hour), received(tm), tm.Stop()}
		}, []bool{true, false, true}},
		{"reset after stop fires again", func(tm Timer, fire func()) []bool {
			s := tm.Stop()
			r := tm.Reset(d)
			fire()
			return []bool{s, r, received(tm)}
		}, []bool{true, false, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/virtual", func(t *testing.T) {
			v := NewVirtual(t0)
			if got := tc.run(v.NewTimer(d), func() { v.Advance(d) }); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
		t.Run(tc.name+"/real", func(t *testing.T) {
			c := Real()
			tm := c.NewTimer(d)
			defer tm.Stop()
			// Let the timer expire without receiving from it.
			if got := tc.run(tm, func() { time.Sleep(5 * d) }); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// received reports whether a value is waiting on the timer's channel.
func received(tm Timer) bool {
	select {
	case <-tm.C():
		return true
	default:
		return false
	}
}

func TestVirtualChannelValue(t *testing.T) {
	v := NewVirtual(t0)
	tm := v.NewTimer(time.Second)
	v.Advance(999 * time.Millisecond)
	if received(tm) {
		t.Fatal("timer fired early")
	}
	v.Advance(time.Hour)
	select {
	case at := <-tm.C():
		if !at.Equal(t0.Add(time.Second)) {
			t.Errorf("timer sent %v, want its deadline", at)
		}
	default:
		t.Fatal("timer did not fire")
	}
}

func TestVirtualAfterFunc(t *testing.T) {
	v := NewVirtual(t0)
	var trace []string
	var tick Timer
	// A periodic function that re-arms itself, and one that stops it.
	tick = v.AfterFunc(10*time.Millisecond, func() {
		trace = append(trace, fmt.Sprint("tick ", v.Since(t0)))
		tick.Reset(10 * time.Millisecond)
		// A timer made during firing and already due fires in the same advance.
		v.AfterFunc(0, func() { trace = append(trace, fmt.Sprint("echo ", v.Since(t0))) })
	})
	v.AfterFunc(35*time.Millisecond, func() { trace = append(trace, fmt.Sprint("stop ", tick.Stop())) })
	if tick.C() != nil {
		t.Error("AfterFunc timer has a channel")
	}
	v.Advance(time.Second)
	want := []string{"tick 10ms", "echo 10ms", "tick 20ms", "echo 20ms", "tick 30ms", "echo 30ms", "stop true"}
	if !slices.Equal(trace, want) {
		t.Errorf("trace %v, want %v", trace, want)
	}
	stopped := v.AfterFunc(time.Millisecond, func() { t.Error("stopped function ran") })
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop of a pending function timer")
	}
	v.Advance(time.Second)
}

func TestVirtualStepAndRunUntilIdle(t *testing.T) {
	v := NewVirtual(t0)
	if at, ok := v.Step(); ok || !at.Equal(t0) {
		t.Errorf("Step with no timers = %v, %v", at, ok)
	}
	if _, ok := v.Next(); ok {
		t.Error("Next with no timers")
	}
	n := 0
	v.AfterFunc(time.Second, func() { n++ })
	v.AfterFunc(time.Second, func() { n++ })
	v.AfterFunc(2*time.Second, func() { n++ })
	if at, ok := v.Step(); !ok || !at.Equal(t0.Add(time.Second)) || n != 2 {
		t.Errorf("Step = %v, %v with %d fired", at, ok, n)
	}
	if fired, err := v.RunUntilIdle(10); fired != 1 || err != nil || !v.Now().Equal(t0.Add(2*time.Second)) {
		t.Errorf("RunUntilIdle = %d, %v at %v", fired, err, v.Now())
	}
	var self Timer
	self = v.AfterFunc(time.Second, func() { self.Reset(time.Second) })
	if fired, err := v.RunUntilIdle(5); fired != 5 || !errors.Is(err, ErrNotIdle) {
		t.Errorf("RunUntilIdle of a periodic timer = %d, %v", fired, err)
	}
	if !v.Now().Equal(t0.Add(7 * time.Second)) {
		t.Errorf("now %v after five periods", v.Now())
	}
}

// TestVirtualDeterministic checks with random timer programs that timers
// fire in (deadline, creation) order and that two runs of one program agree.
func TestVirtualDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type op struct {
			d     time.Duration
			stop  int // index of a timer to stop when this one fires, or -1
			reset time.Duration
		}
		ops := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) op {
			return op{
				d:     time.Duration(rapid.IntRange(-2, 20).Draw(t, "d")) * time.Millisecond,
				stop:  rapid.IntRange(-1, 30).Draw(t, "stop"),
				reset: time.Duration(rapid.IntRange(0, 3).Draw(t, "reset")) * time.Millisecond,
			}
		}), 1, 30).Draw(t, "ops")
		run := func() []int {
			v := NewVirtual(t0)
			var trace []int
			timers := make([]Timer, len(ops))
			resets := make([]bool, len(ops))
			for i, o := range ops {
				timers[i] = v.AfterFunc(o.d, func() {
					trace = append(trace, i)
					if o.stop >= 0 && o.stop < len(timers) {
						timers[o.stop].Stop()
					}
					if o.reset > 0 && !resets[i] {
						resets[i] = true
						timers[i].Reset(o.reset)
					}
				})
			}
			if _, err := v.RunUntilIdle(10 * len(ops)); err != nil {
				t.Fatal(err)
			}
			return trace
		}
		a, b := run(), run()
		if !slices.Equal(a, b) {
			t.Fatalf("two runs differ: %v, %v", a, b)
		}
		// Without stops and resets the order is (deadline, creation).
		v := NewVirtual(t0)
		var got []int
		for i, o := range ops {
			v.AfterFunc(o.d, func() { got = append(got, i) })
		}
		v.RunUntilIdle(len(ops))
		want := make([]int, len(ops))
		for i := range want {
			want[i] = i
		}
		slices.SortStableFunc(want, func(i, j int) int { return int(max(ops[i].d, 0) - max(ops[j].d, 0)) })
		if !slices.Equal(got, want) {
			t.Fatalf("order %v, want %v", got, want)
		}
	})
}

// TestVirtualConcurrent has goroutines wait on timers while the test
// advances the clock; run with -race.
func TestVirtualConcurrent(t *testing.T) {
	v := NewVirtual(t0)
	const workers = 8
	rng := rand.New(rand.NewPCG(1, 2))
	var wg sync.WaitGroup
	results := make([]time.Time, workers)
	var ready sync.WaitGroup
	ready.Add(workers)
	for i := range workers {
		d := time.Duration(rng.IntN(100)+1) * time.Millisecond
		wg.Go(func() {
			tm := v.NewTimer(d)
			ready.Done()
			results[i] = <-tm.C()
			if !results[i].Equal(t0.Add(d)) {
				t.Errorf("worker %d woke at %v, want %v", i, results[i], t0.Add(d))
			}
		})
	}
	ready.Wait()
	for v.Pending() > 0 {
		v.Step()
		_ = v.Now()
	}
	wg.Wait()
}

func TestReal(t *testing.T) {
	c := Real()
	start := c.Now()
	tm := c.NewTimer(time.Millisecond)
	at := <-tm.C()
	if at.Before(start) || c.Since(start) < time.Millisecond {
		t.Errorf("timer fired at %v, %v after start", at, c.Since(start))
	}
	done := make(chan struct{})
	f := c.AfterFunc(0, func() { close(done) })
	<-done
	if f.C() != nil || f.Stop() {
		t.Error("function timer after it ran")
	}
	long := c.NewTimer(time.Hour)
	if !long.Stop() || long.Reset(time.Hour) || !long.Stop() {
		t.Error("Stop/Reset of a pending real timer")
	}
}

func BenchmarkVirtualAdvance(b *testing.B) {
	v := NewVirtual(t0)
	var tm Timer
	tm = v.AfterFunc(time.Millisecond, func() { tm.Reset(time.Millisecond) })
	for range 100 {
		v.NewTimer(time.Hour)
	}
	b.ReportAllocs()
	for b.Loop() {
		v.Advance(time.Millisecond)
	}
}
