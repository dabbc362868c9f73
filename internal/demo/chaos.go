package demo

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/route"
)

// Fault kinds, injected in this order, round and round.
const (
	KindCrash    = "crash"
	KindCut      = "cut"
	KindFlap     = "flap"
	KindGrayhole = "grayhole"
)

// Fault is a fault the demo injected.
type Fault struct {
	// Kind is crash, cut, flap or grayhole.
	Kind string `json:"kind"`
	// Target names the node ("node7") or the link ("node3-node9").
	Target string `json:"target"`
	// Reason says why the target was chosen.
	Reason string `json:"reason"`
	// At is when the fault began; Until when it is to be reverted, or
	// once Reverted when it was.
	At    time.Time `json:"at"`
	Until time.Time `json:"until"`
	// Reverted reports whether it was reverted.
	Reverted bool `json:"reverted"`
}

// activeFault is the fault in progress and how to end it.
type activeFault struct {
	index int // in Mesh.faults (faults never overlap: it is the last)
	until time.Duration
	undo  func() error
	what  string
}

// inject injects the next fault kind of the rotation on a target chosen
// from the mesh's current state; a kind without a target is skipped.
func (m *Mesh) inject() {
	kinds := [...]string{KindCrash, KindCut, KindFlap, KindGrayhole}
	kind := kinds[m.kind%len(kinds)]
	m.kind++
	var f Fault
	var do, undo func() error
	var what string
	switch kind {
	case KindCrash, KindGrayhole:
		v, transit, ok := m.busyRelay()
		if !ok {
			m.logf("chaos    %s skipped: no running relay other than %s", kind, m.names[m.opt.View])
			return
		}
		f = Fault{Kind: kind, Target: m.names[v], Reason: fmt.Sprintf("busy relay: %d routes go through it", transit)}
		if kind == KindCrash {
			do, undo = func() error { return m.s.Crash(v) }, func() error { return m.s.Restart(v) }
			what = "restart " + m.names[v]
		} else {
			do = func() error { return m.s.Grayhole(v, GrayholeFraction) }
			undo = func() error { return m.s.Grayhole(v, 0) }
			f.Reason += fmt.Sprintf("; drops %.0f%% of what it relays", GrayholeFraction*100)
			what = "grayhole " + m.names[v] + " ends"
		}
	default:
		l, ok := m.spareLink(kind == KindCut)
		if !ok {
			m.logf("chaos    %s skipped: every link is a bridge", kind)
			return
		}
		a, b := l[0], l[1]
		f = Fault{Kind: kind, Target: m.names[a] + "-" + m.names[b], Reason: "its loss leaves the mesh connected"}
		if kind == KindCut {
			if a == m.opt.View || b == m.opt.View {
				f.Reason = "a link of the node in view; " + f.Reason
			}
			do, undo = func() error { return m.s.Cut(a, b) }, func() error { return m.s.Heal(a, b) }
			what = "heal " + f.Target
		} else {
			do = func() error { return m.s.Flap(a, b, FlapPeriod) }
			undo = func() error { return m.s.Flap(a, b, 0) }
			f.Reason += fmt.Sprintf("; down and up every %v", FlapPeriod)
			what = "flapping " + f.Target + " ends"
		}
	}
	if err := do(); err != nil { // unreachable: targets are running nodes and links of the topology
		m.logf("chaos    %s %s failed: %v", kind, f.Target, err)
		return
	}
	f.At, f.Until = m.clock(), m.clock().Add(m.hold)
	m.active = &activeFault{index: len(m.faults), until: m.s.Now() + m.hold, undo: undo, what: what}
	m.faults = append(m.faults, f)
	if len(m.faults) > MaxFaults {
		m.faults = slices.Delete(m.faults, 0, 1)
		m.active.index--
	}
	m.logf("chaos    %s %s (%s); reverted after %v", kind, f.Target, f.Reason, m.hold)
}

// revert ends the active fault.
func (m *Mesh) revert() {
	a := m.active
	m.active = nil
	if err := a.undo(); err != nil { // unreachable: the fault's own target
		m.logf("chaos    %s failed: %v", a.what, err)
		return
	}
	m.faults[a.index].Reverted, m.faults[a.index].Until = true, m.clock()
	m.logf("chaos    %s", a.what)
}

// busyRelay returns a running node other than the one in view, drawn from
// the BusyCandidates that the most selected routes of the running Cores go
// through (as a relay, not as the destination), with that count.
func (m *Mesh) busyRelay() (int, int, bool) {
	n := m.s.Nodes()
	transit := make([]int, n)
	for u := range n {
		c := m.s.Core(u)
		if c == nil {
			continue
		}
		for _, r := range c.Routes() {
			if r.Selected && r.Metric < route.Infinity && r.NextHop != r.Dst {
				if v, ok := m.s.Index(r.NextHop); ok {
					transit[v]++
				}
			}
		}
	}
	var cand []int
	for v := range n {
		if v != m.opt.View && m.s.Up(v) && transit[v] > 0 {
			cand = append(cand, v)
		}
	}
	if len(cand) == 0 {
		return 0, 0, false
	}
	slices.SortStableFunc(cand, func(a, b int) int { return cmp.Compare(transit[b], transit[a]) })
	v := cand[m.rng.IntN(min(len(cand), BusyCandidates))]
	return v, transit[v], true
}

// spareLink returns a random link between running nodes, not cut, whose
// loss leaves its ends connected; with nearView, one of the node in view
// when it has such a link.
func (m *Mesh) spareLink(nearView bool) ([2]int, bool) {
	var all, near [][2]int
	for _, l := range m.s.Links() {
		if !m.s.Up(l[0]) || !m.s.Up(l[1]) || m.s.IsCut(l[0], l[1]) || !m.connectedWithout(l) {
			continue
		}
		all = append(all, l)
		if l[0] == m.opt.View || l[1] == m.opt.View {
			near = append(near, l)
		}
	}
	if nearView && len(near) > 0 {
		all = near
	}
	if len(all) == 0 {
		return [2]int{}, false
	}
	return all[m.rng.IntN(len(all))], true
}

// connectedWithout reports whether l's ends stay connected over running
// nodes and links not cut when l itself is removed.
func (m *Mesh) connectedWithout(l [2]int) bool {
	seen := map[int]bool{l[0]: true}
	queue := []int{l[0]}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, v := range m.s.Neighbours(u) {
			if seen[v] || !m.s.Up(v) || m.s.IsCut(u, v) || (u == l[0] && v == l[1]) || (u == l[1] && v == l[0]) {
				continue
			}
			if v == l[1] {
				return true
			}
			seen[v] = true
			queue = append(queue, v)
		}
	}
	return false
}
