package mapek

import (
	"fmt"
	"math"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// Snapshot is the telemetry the runtime hands to Loop.Step once per period.
// Counters are cumulative since the runtime started (a counter that goes
// back is treated as a restart); the other fields are current values.
type Snapshot struct {
	// Neighbours holds one entry per direct neighbour (link.Stats from
	// mesh.Core.Neighbours plus per-link counters), at most MaxNeighbours,
	// with distinct non-zero IDs.
	Neighbours []NeighbourSample
	// Node holds the node-wide counters and gauges.
	Node NodeSample
}

// NeighbourSample is the telemetry of one direct neighbour.
type NeighbourSample struct {
	// ID is the neighbour.
	ID identity.NodeID
	// Up, SRTT, RTTVar, RxLoss, TxLoss and Cost are link.Stats' fields.
	Up           bool
	SRTT, RTTVar time.Duration
	RxLoss       float64
	TxLoss       float64
	Cost         uint16
	// Relayed counts packets this node sent through the neighbour as next
	// hop that call for an end-to-end answer (session keepalives, handshake
	// initiations, acknowledged datagrams); Confirmed counts the answers
	// that came back. Zero when the runtime does not track them.
	Relayed, Confirmed uint64
	// HandshakeAttempts and HandshakeFailures count hop-by-hop handshakes
	// the runtime started towards the neighbour and those that gave up.
	HandshakeAttempts, HandshakeFailures uint64
	// Dests is the number of destinations whose recent end-to-end answers
	// through the neighbour were judged (mesh.RelayCount.Dests, at most
	// MaxRelayDests) and FailingDests the number of them that are silent
	// or answer too little (at most Dests): current values. The
	// misbehaving-relay rule blames the neighbour only when the failures
	// spread over RelaySpreadFraction of its destinations. Zero when the
	// runtime does not track them.
	Dests, FailingDests int
	// RoutesVia is the number of selected routes whose next hop is the
	// neighbour, not counting the route to the neighbour itself: the transit
	// routes through the link (a current value, at most MaxRoutesVia).
	// RaiseCost and Quarantine are judged by it. Zero when the runtime does
	// not set it.
	RoutesVia int
}

// NodeSample is the node-wide telemetry.
type NodeSample struct {
	// Drops are mesh.Stats.Dropped.
	Drops mesh.Drops
	// HandshakeDrops and CookieReplies are handshake.Stats' Dropped and
	// CookieRepliesSent.
	HandshakeDrops, CookieReplies uint64
	// HandshakesProcessed counts the handshake messages the node processed
	// with its full public-key work (neither dropped nor answered with a
	// cookie), end to end and hop by hop. RateLimitHandshakes against a
	// handshake flood is judged by it. Zero when the runtime does not count
	// them.
	HandshakesProcessed uint64
	// RouteChanges counts route selections changed (mesh route events).
	RouteChanges uint64
	// Routes is the number of destinations with a usable route now.
	Routes int
	// QueueDrops counts packets the runtime dropped for full queues
	// (including mesh Drops.QueueFull if the runtime has no other queue).
	QueueDrops uint64
	// CPU and Memory are usage fractions in [0, 1] measured by the runtime.
	CPU, Memory float64
}

// Validate reports whether s is usable; the error wraps ErrInvalidSnapshot.
func (s *Snapshot) Validate() error {
	if len(s.Neighbours) > MaxNeighbours {
		return fmt.Errorf("%w: %d neighbours, at most %d", ErrInvalidSnapshot, len(s.Neighbours), MaxNeighbours)
	}
	seen := make(map[identity.NodeID]struct{}, len(s.Neighbours))
	for i := range s.Neighbours {
		n := &s.Neighbours[i]
		if n.ID.IsZero() {
			return fmt.Errorf("%w: neighbour %d has the zero ID", ErrInvalidSnapshot, i)
		}
		if _, dup := seen[n.ID]; dup {
			return fmt.Errorf("%w: duplicate neighbour %s", ErrInvalidSnapshot, n.ID.Short())
		}
		seen[n.ID] = struct{}{}
		if !isFraction(n.RxLoss) || !isFraction(n.TxLoss) {
			return fmt.Errorf("%w: neighbour %s loss out of [0,1]", ErrInvalidSnapshot, n.ID.Short())
		}
		if n.SRTT < 0 || n.RTTVar < 0 {
			return fmt.Errorf("%w: neighbour %s negative RTT", ErrInvalidSnapshot, n.ID.Short())
		}
		if n.RoutesVia < 0 || n.RoutesVia > MaxRoutesVia {
			return fmt.Errorf("%w: neighbour %s RoutesVia %d out of [0,%d]", ErrInvalidSnapshot, n.ID.Short(), n.RoutesVia, MaxRoutesVia)
		}
		if n.Dests < 0 || n.Dests > MaxRelayDests || n.FailingDests < 0 || n.FailingDests > n.Dests {
			return fmt.Errorf("%w: neighbour %s failing destinations %d of %d out of [0,%d]", ErrInvalidSnapshot,
				n.ID.Short(), n.FailingDests, n.Dests, MaxRelayDests)
		}
		if n.Confirmed > n.Relayed || n.HandshakeFailures > n.HandshakeAttempts {
			return fmt.Errorf("%w: neighbour %s counter exceeds its total", ErrInvalidSnapshot, n.ID.Short())
		}
	}
	if !isFraction(s.Node.CPU) || !isFraction(s.Node.Memory) {
		return fmt.Errorf("%w: CPU or memory usage out of [0,1]", ErrInvalidSnapshot)
	}
	if s.Node.Routes < 0 {
		return fmt.Errorf("%w: negative route count", ErrInvalidSnapshot)
	}
	return nil
}

func isFraction(v float64) bool { return v >= 0 && v <= 1 && !math.IsNaN(v) }
