package sim

import (
	"testing"
	"time"
)

// TestForgetLost checks that datagrams lost long ago are forgotten once
// enough are in flight, and recent ones are kept.
func TestForgetLost(t *testing.T) {
	s := &Sim{dgram: make(map[uint64]*sent), now: time.Unix(1000, 0)}
	tests := []struct {
		name      string
		old, new  int
		wantAfter int
	}{
		{"below the floor nothing is purged", 10, 10, 20},
		{"old ones go, recent ones stay", purgeFloor, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clear(s.dgram)
			s.purgeAt = 0
			n := uint64(0)
			for range tt.old {
				s.dgram[n] = &sent{at: s.now.Add(-LostAfter - time.Second)}
				n++
			}
			for range tt.new {
				s.dgram[n] = &sent{at: s.now}
				n++
			}
			s.forgetLost()
			if len(s.dgram) != tt.wantAfter {
				t.Errorf("%d in flight after forgetLost, want %d", len(s.dgram), tt.wantAfter)
			}
		})
	}
}
