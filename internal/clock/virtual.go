package clock

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNotIdle reports that RunUntilIdle reached its limit with timers still
// pending.
var ErrNotIdle = errors.New("clock: timers still pending")

// Virtual is a Clock whose time moves only when it is advanced. It is safe
// for concurrent use.
//
// Advancing fires every timer that falls due, one at a time, in deadline
// order, ties broken by the order in which the timers were created; the
// clock reads the deadline of each timer while it fires. A timer made with
// a duration of zero or less is due at once, and fires at the next Advance,
// AdvanceTo, Step or RunUntilIdle (Advance(0) fires it without moving
// time).
//
// Functions given to AfterFunc run in the goroutine that advances the
// clock, not in a goroutine of their own as with time.AfterFunc, so that a
// simulation is deterministic; they may use the clock (make, stop and reset
// timers) but must not advance it. Channel timers deliver into a channel
// with a buffer of one, which Stop and Reset drain.
type Virtual struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers timerHeap
}

// NewVirtual returns a Virtual clock that reads start.
func NewVirtual(start time.Time) *Virtual { return &Virtual{now: start} }

// Now returns the clock's current time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Since returns the clock's time elapsed since t.
func (v *Virtual) Since(t time.Time) time.Duration { return v.Now().Sub(t) }

// NewTimer returns a timer that sends the clock's time on its channel when
// the clock reaches now+d.
func (v *Virtual) NewTimer(d time.Duration) Timer {
	return v.start(&vtimer{c: make(chan time.Time, 1)}, d)
}

// AfterFunc returns a timer that calls f, in the goroutine advancing the
// clock, when the clock reaches now+d.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	return v.start(&vtimer{f: f}, d)
}

func (v *Virtual) start(t *vtimer, d time.Duration) *vtimer {
	v.mu.Lock()
	defer v.mu.Unlock()
	t.v, t.index = v, -1
	t.seq = v.seq
	v.seq++
	t.when = v.now.Add(max(d, 0))
	heap.Push(&v.timers, t)
	return t
}

// Next returns the deadline of the earliest pending timer, and false if
// there is none.
func (v *Virtual) Next() (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.timers) == 0 {
		return time.Time{}, false
	}
	return v.timers[0].when, true
}

// Pending returns the number of pending timers.
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.timers)
}

// Advance moves the clock forward by d, firing the timers that fall due,
// and returns how many fired. A negative d fires the timers already due
// and leaves the time alone.
func (v *Virtual) Advance(d time.Duration) int {
	return v.AdvanceTo(v.Now().Add(max(d, 0)))
}

// AdvanceTo moves the clock forward to t, firing the timers due by then
// (including those that timers fired on the way create), and returns how
// many fired. The clock never goes back: if t is before the current time,
// only the timers already due fire.
func (v *Virtual) AdvanceTo(t time.Time) int {
	n := 0
	for v.fire(t, true) {
		n++
	}
	return n
}

// Step advances the clock to the earliest pending deadline and fires every
// timer due then. It returns the clock's time, and false if no timer was
// pending.
func (v *Virtual) Step() (time.Time, bool) {
	t, ok := v.Next()
	if !ok {
		return v.Now(), false
	}
	v.AdvanceTo(t)
	return v.Now(), true
}

// RunUntilIdle advances the clock from deadline to deadline, firing timers,
// until none is pending or limit timers have fired. It returns the number
// fired, and an error wrapping ErrNotIdle if timers are still pending at
// the limit (a timer that keeps resetting itself never lets the clock go
// idle).
func (v *Virtual) RunUntilIdle(limit int) (int, error) {
	n := 0
	for n < limit && v.fire(time.Time{}, false) {
		n++
	}
	if p := v.Pending(); p > 0 {
		return n, fmt.Errorf("%w: %d timers after %d fired", ErrNotIdle, p, n)
	}
	return n, nil
}

// fire fires the earliest pending timer if it is due by until (or at any
// time if bounded is false), moving the clock to its deadline, and reports
// whether it fired one. When none is due, it moves the clock to until.
func (v *Virtual) fire(until time.Time, bounded bool) bool {
	v.mu.Lock()
	if len(v.timers) == 0 || (bounded && v.timers[0].when.After(until)) {
		if bounded && until.After(v.now) {
			v.now = until
		}
		v.mu.Unlock()
		return false
	}
	t := heap.Pop(&v.timers).(*vtimer)
	if t.when.After(v.now) {
		v.now = t.when
	}
	if t.c != nil {
		select {
		case t.c <- v.now:
		default: // cannot happen: the buffer is drained whenever the timer is scheduled
		}
	}
	v.mu.Unlock()
	if t.f != nil {
		t.f()
	}
	return true
}

// vtimer is a timer of a Virtual clock.
type vtimer struct {
	v     *Virtual
	when  time.Time
	seq   uint64 // creation order, breaks ties between equal deadlines
	index int    // position in the heap; -1 when not pending
	c     chan time.Time
	f     func()
}

func (t *vtimer) C() <-chan time.Time { return t.c }

func (t *vtimer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	return t.stop()
}

func (t *vtimer) Reset(d time.Duration) bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	active := t.stop()
	t.when = t.v.now.Add(max(d, 0))
	heap.Push(&t.v.timers, t)
	return active
}

// stop removes t from the heap and drains its channel, reporting whether
// it was pending or had fired without its value being received. The clock
// lock is held.
func (t *vtimer) stop() bool {
	active := t.index >= 0
	if active {
		heap.Remove(&t.v.timers, t.index)
	}
	if t.c != nil {
		select {
		case <-t.c:
			active = true
		default:
		}
	}
	return active
}

// timerHeap is a min-heap of timers by (deadline, creation order).
type timerHeap []*vtimer

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *timerHeap) Push(x any) {
	t := x.(*vtimer)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
