package obfs

import (
	"net/netip"
	"sync"
	"time"
)

// flowTable remembers when each destination was last sent to, to tell when a datagram starts a
// flow as a middlebox sees it: the first to that address after idle.
type flowTable struct {
	mu   sync.Mutex
	idle time.Duration
	last map[netip.AddrPort]time.Time
}

func newFlowTable(idle time.Duration) *flowTable {
	return &flowTable{idle: idle, last: make(map[netip.AddrPort]time.Time)}
}

// start records a datagram to addr at now and reports whether it starts a flow.
func (f *flowTable) start(addr netip.AddrPort, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev, ok := f.last[addr]
	if !ok && len(f.last) >= MaxFlows {
		for a, t := range f.last {
			if now.Sub(t) >= f.idle {
				delete(f.last, a)
			}
		}
		if len(f.last) >= MaxFlows {
			clear(f.last)
		}
	}
	f.last[addr] = now
	return !ok || now.Sub(prev) >= f.idle
}
