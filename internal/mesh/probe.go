package mesh

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Relay accounting. A relay that drops what it should forward (a blackhole,
// or a grayhole that drops part of it) while it keeps its own link alive is
// invisible to the link layer. The Core therefore counts, per next hop,
// the end-to-end messages that call for an answer which it sends to a node
// more than one hop away (Relayed), and the answers that come back from
// those nodes (Confirmed):
//
//   - a handshake it initiates calls for the responder's answer; the
//     session it completes as initiator is the answer;
//   - an echo request (Probe) calls for an echo reply.
//
// Each peer remembers the next hop of its outstanding messages (at most
// MaxOutstandingProbes); an answer is credited to that next hop. When the
// next hop changes, the outstanding messages of the old one are written
// off, so a relay is only ever charged for messages sent through it. The
// answer may come back on another path than the request took; the
// heuristic charges the forward next hop, which is exact on symmetric paths
// (Babel's metrics are symmetric when link costs are) and errs towards
// blaming the forward relay otherwise. Confirmed/Relayed is then the
// end-to-end delivery ratio through the relay, which the self-healing loop
// compares with the link's own delivery ratio.
//
// Per destination. A relay that drops everything silences every
// destination beyond it (it still answers its own probes, which are never
// charged to it); an innocent relay upstream of a misbehaving one loses only
// the destinations whose paths go on through the culprit. The Core
// therefore also keeps, per destination peer, the recent answer-calling
// messages sent through its current next hop and their answers (a window
// of about DestWindow messages: both counts halve when it fills), and the
// run of messages sent since the last answer. A destination is judged once
// it has DestMinProbes messages in the window; it is failing when fewer
// than DestFailRatio of its messages were answered, the newest
// unanswered ones (at most DestInFlight) excused as still in flight.
// RelayCount.Dests and FailingDests count them per next hop, so
// that the self-healing loop blames a next hop only when its failures
// spread over most of the destinations routed through it.

// destCount is the relay accounting of one destination peer through the
// next hop of its newest answer-calling message.
type destCount struct {
	hop            identity.NodeID
	sent, answered uint32
	// miss is the number of messages sent since the newest answer.
	miss uint32
	// at is the newest Probe time at or before the newest message.
	at time.Time
}

// judge reports whether d has enough messages to be judged, and whether
// it is failing.
func (d *destCount) judge() (judged, failing bool) {
	excused := min(d.miss, DestInFlight)
	n := d.sent - excused
	if n < DestMinProbes {
		return false, false
	}
	return true, float64(min(d.answered, n)) < DestFailRatio*float64(n)
}

// Probe sends an echo request to every peer that has a usable session, was
// sent a datagram within ProbeActiveWindow and is not a direct next hop of
// itself, and returns how many it sent. The self-healing loop calls it once
// per period; the replies feed Relays.
func (c *Core) Probe(now time.Time) int {
	ids := make([]identity.NodeID, 0, len(c.peers))
	for id, p := range c.peers {
		if p.usable(now) && !p.lastSent.IsZero() && now.Sub(p.lastSent) < ProbeActiveWindow {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareID)
	c.heal.probeAt = now
	c.pruneDests()
	n := 0
	for _, id := range ids {
		p := c.peers[id]
		if next, ok := c.router.NextHop(id); !ok || next == id {
			continue
		}
		c.heal.probeSeq++
		msg := make([]byte, 1+EchoDataSize)
		msg[0] = InnerEchoRequest
		binary.BigEndian.PutUint64(msg[1:], c.heal.probeSeq)
		if c.seal(now, p, msg) == nil {
			c.countRelayed(p)
			n++
		}
	}
	return n
}

// receiveEcho answers an echo request of p or credits its reply.
func (c *Core) receiveEcho(now time.Time, p *peer, pt []byte) error {
	if len(pt) != 1+EchoDataSize {
		return c.drop(now, p.id, DropMalformed, fmt.Errorf("%w: %d-byte echo message", ErrMalformed, len(pt)))
	}
	if pt[0] == InnerEchoReply {
		c.countConfirmed(p)
		return nil
	}
	reply := slices.Clone(pt)
	reply[0] = InnerEchoReply
	return c.seal(now, p, reply)
}

// countRelayed charges one answer-calling message to p to its next hop.
func (c *Core) countRelayed(p *peer) {
	next, ok := c.router.NextHop(p.id)
	if !ok || next == p.id {
		return
	}
	if next != p.probeHop {
		p.probeHop, p.outstanding = next, 0
	}
	r := c.heal.relays[next]
	if r == nil {
		if c.heal.relays == nil {
			c.heal.relays = make(map[identity.NodeID]*RelayCount)
		}
		r = &RelayCount{ID: next}
		c.heal.relays[next] = r
	}
	r.Relayed++
	p.outstanding = min(p.outstanding+1, MaxOutstandingProbes)
	d := c.heal.dests[p.id]
	if d == nil {
		if c.heal.dests == nil {
			c.heal.dests = make(map[identity.NodeID]*destCount)
		}
		d = &destCount{}
		c.heal.dests[p.id] = d
	}
	if d.hop != next {
		*d = destCount{hop: next}
	}
	if d.sent >= DestWindow {
		d.sent, d.answered = d.sent/2, d.answered/2
	}
	d.sent++
	d.miss = min(d.miss+1, DestWindow)
	d.at = c.heal.probeAt
}

// countConfirmed credits an answer from p to the next hop of its
// outstanding messages.
func (c *Core) countConfirmed(p *peer) {
	if p.outstanding == 0 {
		return
	}
	p.outstanding--
	if r := c.heal.relays[p.probeHop]; r != nil && r.Confirmed < r.Relayed {
		r.Confirmed++
	}
	if d := c.heal.dests[p.id]; d != nil && d.hop == p.probeHop {
		d.answered = min(d.answered+1, d.sent)
		d.miss = 0
	}
}

// pruneDests forgets the per-destination accounting of peers the Core no
// longer tracks, so that it holds at most one entry per peer (plus those
// forgotten since the previous Probe).
func (c *Core) pruneDests() {
	for id := range c.heal.dests {
		if c.peers[id] == nil {
			delete(c.heal.dests, id)
		}
	}
}

// destsOf fills the Dests and FailingDests of every RelayCount in relays
// (by next hop) from the per-destination accounting: destinations whose
// newest message is within DestActiveWindow of the newest Probe and that
// have enough messages to be judged.
func (c *Core) destsOf(relays map[identity.NodeID]*RelayCount) {
	for id, d := range c.heal.dests {
		r := relays[d.hop]
		if r == nil || c.peers[id] == nil || c.heal.probeAt.Sub(d.at) >= DestActiveWindow {
			continue
		}
		judged, failing := d.judge()
		if judged {
			r.Dests++
		}
		if failing {
			r.FailingDests++
		}
	}
}
