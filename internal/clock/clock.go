// Package clock gives the runtime its time through an interface, so that
// the same code runs on the wall clock in production and on virtual time in
// tests and in the simulator.
//
// Real returns a Clock backed by package time. A *Virtual clock stands
// still until it is advanced; advancing it fires the timers that fall due,
// in deadline order, ties broken by creation order, so that a simulation
// run with the same inputs always runs the same way.
package clock

import "time"

// Clock tells the time and makes timers.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Since returns the time elapsed since t.
	Since(t time.Time) time.Duration
	// NewTimer returns a timer that sends the time on its channel after d.
	NewTimer(d time.Duration) Timer
	// AfterFunc returns a timer that calls f after d. Its C is nil.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a single event, as time.Timer, with Go 1.23 semantics: after
// Stop or Reset returns, no value sent before the call will be received.
type Timer interface {
	// C returns the channel on which the timer delivers its time; nil for
	// a timer made by AfterFunc.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It returns true if the call
	// stops the timer, false if the timer has already expired (and its
	// value was received, or its function started) or been stopped.
	Stop() bool
	// Reset changes the timer to expire after d, whether or not it was
	// active, and returns what Stop would have returned.
	Reset(d time.Duration) bool
}

// Real returns the Clock of package time.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                  { return time.Now() }
func (realClock) Since(t time.Time) time.Duration { return time.Since(t) }
func (realClock) NewTimer(d time.Duration) Timer  { return realTimer{time.NewTimer(d)} }
func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return realTimer{time.AfterFunc(d, f)}
}

// realTimer adapts *time.Timer to Timer.
type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }
