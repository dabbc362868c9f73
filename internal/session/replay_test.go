package session

import (
	"testing"

	"pgregory.net/rapid"
)

// TestReplayFilterModel compares the RFC 6479 ring with the obvious model: a counter is accepted
// iff it was never accepted and lies fewer than ReplayWindowSize counters below the highest one
// accepted so far.
func TestReplayFilterModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var f replayFilter
		seen := map[uint64]bool{}
		var highest uint64
		base := rapid.Uint64Range(0, 1<<40).Draw(t, "base")
		steps := rapid.SliceOfN(rapid.Uint64Range(0, 4*ReplayWindowSize), 1, 400).Draw(t, "steps")
		jumps := rapid.SliceOfN(rapid.Bool(), len(steps), len(steps)).Draw(t, "jumps")
		for i, s := range steps {
			c := base + s
			if jumps[i] {
				base += s // move the window forward for good
			}
			var want replayResult
			switch {
			case c <= highest && highest-c >= ReplayWindowSize:
				want = replayTooOld
			case seen[c]:
				want = replayDuplicate
			default:
				want = replayOK
			}
			if got := f.check(c); got != want {
				t.Fatalf("counter %d (highest %d): got %d, want %d", c, highest, got, want)
			}
			if want == replayOK {
				seen[c] = true
				highest = max(highest, c)
			}
		}
	})
}

func TestReplayFilterZero(t *testing.T) {
	var f replayFilter
	if f.check(0) != replayOK || f.check(0) != replayDuplicate {
		t.Fatal("counter 0")
	}
	if f.check(1<<50) != replayOK || f.check(1) != replayTooOld {
		t.Fatal("big jump")
	}
	if f.check(1<<50-ReplayWindowSize+1) != replayOK {
		t.Fatal("window after big jump")
	}
}
