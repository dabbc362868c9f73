package route

import (
	"bytes"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// requestKey identifies a seqno request for duplicate suppression (RFC 8966 §3.8.2.2): the
// destination, the seqno asked for and the neighbour it was sent to (zero: every neighbour).
// Suppression is per recipient, as babeld's is per interface: a request forwarded to one
// neighbour must not silence the request a starving router sends to the others, since the
// forwarded copy may have gone to a neighbour that has just failed (docs/routing.md).
type requestKey struct {
	dst   identity.NodeID
	seqno uint16
	to    identity.NodeID
}

// addressed is a seqno request waiting in the outbox; a zero to means every neighbour.
type addressed struct {
	to  identity.NodeID
	req SeqnoRequest
}

// requestSeqno originates a seqno request for dst asking for a seqno newer than the
// feasibility distance, to neighbour to (zero: every neighbour).
func (r *Router) requestSeqno(now time.Time, to, dst identity.NodeID, d *dest) {
	r.sendSeqnoRequest(now, to, SeqnoRequest{Dst: dst, Seqno: d.fd.seqno + 1, HopCount: MaxHopCount})
}

// sendSeqnoRequest queues q for to unless the same request was sent or forwarded to the same
// neighbour, or to every neighbour, within RequestSuppression, or the suppression table is
// full. It reports whether q was queued.
func (r *Router) sendSeqnoRequest(now time.Time, to identity.NodeID, q SeqnoRequest) bool {
	k := requestKey{q.Dst, q.Seqno, to}
	if r.out.isSuppressed(now, k) {
		return false
	}
	if len(r.out.suppressed) >= MaxPendingRequests {
		r.out.expireRequests(now)
		if len(r.out.suppressed) >= MaxPendingRequests {
			return false
		}
	}
	r.out.suppressed[k] = now.Add(r.cfg.RequestSuppression)
	r.out.seqnoRequests = append(r.out.seqnoRequests, addressed{to: to, req: q})
	return true
}

// handleSeqnoRequest answers or forwards a seqno request from neighbour from
// (RFC 8966 §3.8.1.2).
func (r *Router) handleSeqnoRequest(from identity.NodeID, q SeqnoRequest) {
	if q.Dst == r.self {
		if seqnoNewer(q.Seqno, r.seqno) {
			// Jump straight to the requested seqno (RFC 8966 increments by one; see
			// docs/routing.md) and announce it to everyone.
			r.seqno = q.Seqno
			r.out.self = true
		} else {
			r.out.addUnicast(from, r.self)
		}
		return
	}
	d := r.dests[q.Dst]
	if d == nil {
		return
	}
	if sel := d.selected; sel != nil && !seqnoLess(sel.seqno, q.Seqno) {
		r.out.addUnicast(from, q.Dst) // our route is recent enough: answer
		return
	}
	if q.HopCount < 2 {
		return
	}
	// Forward towards the source: along the selected route, or else the best finite route,
	// never back to the requester.
	var via *entry
	if sel := d.selected; sel != nil && sel.neighbour != from {
		via = sel
	} else {
		for _, e := range d.routes {
			if e.neighbour == from || e.metric == Infinity {
				continue
			}
			if via == nil || e.metric < via.metric || e.metric == via.metric && bytes.Compare(e.neighbour[:], via.neighbour[:]) < 0 {
				via = e
			}
		}
	}
	if via == nil {
		return
	}
	q.HopCount--
	r.sendSeqnoRequest(r.now, via.neighbour, q)
}

// handleRouteRequest answers a route request from neighbour from (RFC 8966 §3.8.1.1): a
// wildcard asks for the whole table, otherwise for one destination (a retraction if there is
// no route to it).
func (r *Router) handleRouteRequest(from identity.NodeID, q RouteRequest) {
	switch {
	case q.Dst.IsZero():
		r.out.dumps[from] = true
	case q.Dst == r.self || r.dests[q.Dst] != nil:
		r.out.addUnicast(from, q.Dst)
	}
}
