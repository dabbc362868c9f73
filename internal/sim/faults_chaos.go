package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// flood is a running HandshakeFlood.
type flood struct {
	perSecond int
	sent      uint64
}

// flap is a running Flap.
type flap struct {
	period time.Duration
}

// Grayhole makes node i silently drop dropFraction of the transit mesh
// data packets it forwards (those whose source is not i; its own packets,
// link hellos and route messages pass). Its Core still counts them as
// forwarded, as a compromised relay would. A fraction of 0 ends the fault.
func (s *Sim) Grayhole(i int, dropFraction float64) error {
	if err := s.checkNode(i); err != nil {
		return err
	}
	if !(dropFraction >= 0 && dropFraction <= 1) {
		return fmt.Errorf("%w: grayhole drop fraction %v is outside [0, 1]", ErrInvalidOptions, dropFraction)
	}
	s.nodes[i].grayhole = dropFraction
	s.logf(i, "grayhole fraction=%.4g", dropFraction)
	return nil
}

// grayholed reports whether node i, a grayhole, drops payload o.
func (s *Sim) grayholed(i int, o mesh.Outgoing) bool {
	n := s.nodes[i]
	if n.grayhole == 0 || o.Payload[0] != mesh.KindPacket {
		return false
	}
	h, _, err := mesh.DecodeHeader(o.Payload)
	if err != nil || h.Src == n.id {
		return false
	}
	return s.chaos.Float64() < n.grayhole
}

// HandshakeFlood makes a virtual attacker send perSecond junk handshake
// opening messages (CertRequests of the right size with random sender
// indices and cookies, from a source ID outside the network) to node
// target, carried as mesh packets over target's first running neighbour
// with a link that is not cut. Each one costs target a stateless cookie
// check and a Retry. A rate of 0 ends the flood.
func (s *Sim) HandshakeFlood(target, perSecond int) error {
	if err := s.checkNode(target); err != nil {
		return err
	}
	if perSecond < 0 || perSecond > MaxFloodRate {
		return fmt.Errorf("%w: flood rate %d is outside [0, %d]", ErrInvalidOptions, perSecond, MaxFloodRate)
	}
	if old := s.floods[target]; old != nil {
		old.perSecond = 0 // stops its ticks
		delete(s.floods, target)
	}
	s.logf(target, "handshake-flood rate=%d", perSecond)
	if perSecond == 0 {
		return nil
	}
	if s.attacker.IsZero() {
		for k := range s.attacker {
			s.attacker[k] = byte(s.chaos.Uint32())
		}
		s.attacker[0] |= 1 // never the zero ID
	}
	f := &flood{perSecond: perSecond}
	s.floods[target] = f
	interval := time.Duration(math.Max(1, float64(time.Second)/float64(perSecond)))
	var tick func()
	tick = func() {
		if f.perSecond == 0 {
			return
		}
		s.injectJunk(target)
		f.sent++
		s.at(s.now.Add(interval), tick)
	}
	s.at(s.now, tick)
	return nil
}

// injectJunk delivers one junk CertRequest to target through a neighbour.
func (s *Sim) injectJunk(target int) {
	t := s.nodes[target]
	if t.core == nil {
		return
	}
	via := -1
	for _, j := range s.adj[target] {
		if s.nodes[j].core != nil && !s.links[mkEdge(target, j)].cut {
			via = j
			break
		}
	}
	if via < 0 {
		return
	}
	msg := make([]byte, handshake.CertRequestSize)
	msg[0] = handshake.TypeCertRequest
	for k := 4; k < 4+4+handshake.CookieSize; k++ {
		msg[k] = byte(s.chaos.Uint32())
	}
	pkt := mesh.Header{HopLimit: FloodHopLimit, Src: s.attacker, Dst: t.id}.Append(nil)
	pkt = append(pkt, msg...)
	if err := t.core.Receive(s.now, s.nodes[via].id, pkt); err != nil {
		s.stats.receiveErrors++
	}
	s.flush(target)
}

// Flap makes the link between i and j go down and up: it is cut now,
// healed period/2 later, cut again period later, and so on. A period of 0
// ends the flapping and leaves the link healed.
func (s *Sim) Flap(i, j int, period time.Duration) error {
	l, err := s.checkLink(i, j)
	if err != nil {
		return err
	}
	if period != 0 && period < MinFlapPeriod {
		return fmt.Errorf("%w: flap period %v is below %v", ErrInvalidOptions, period, MinFlapPeriod)
	}
	e := mkEdge(i, j)
	if old := s.flaps[e]; old != nil {
		old.period = 0
		delete(s.flaps, e)
	}
	s.logf(-1, "flap %d-%d period=%v", e.a, e.b, period)
	if period == 0 {
		if l.cut {
			_ = s.Heal(e.a, e.b) // cannot fail: e is a link
		}
		return nil
	}
	f := &flap{period: period}
	s.flaps[e] = f
	var toggle func()
	toggle = func() {
		if f.period == 0 {
			return
		}
		if s.links[e].cut {
			_ = s.Heal(e.a, e.b)
		} else {
			_ = s.Cut(e.a, e.b)
		}
		s.at(s.now.Add(f.period/2), toggle)
	}
	toggle()
	return nil
}
