package heal

import (
	"bytes"
	"sort"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// snapshot builds the loop's telemetry at now from the Core, the events
// observed and the runtime's counters.
func (a *Agent) snapshot(now time.Time) mapek.Snapshot {
	var rt Runtime
	if a.opt.Runtime != nil {
		rt = a.opt.Runtime()
	}
	relays := make(map[identity.NodeID]mesh.RelayCount)
	for _, r := range a.core.Relays() {
		relays[r.ID] = r
	}
	// via counts the selected routes through each neighbour, other than
	// the route to the neighbour itself (mapek: RoutesVia).
	// The Core keeps these counts: copying the table here cost most of a
	// large simulation's CPU (docs/chaos.md).
	via := make(map[identity.NodeID]int)
	routes := a.core.SelectedRoutes(via)
	var snap mapek.Snapshot
	cur := make(map[identity.NodeID]bool)
	for _, n := range a.core.Neighbours() {
		if len(snap.Neighbours) >= mapek.MaxNeighbours {
			break
		}
		cur[n.ID] = true
		delete(a.gone, n.ID)
		rc := relays[n.ID]
		hs := rt.Handshakes[n.ID]
		snap.Neighbours = append(snap.Neighbours, mapek.NeighbourSample{
			ID: n.ID, Up: n.Link.Up, SRTT: n.Link.SRTT, RTTVar: n.Link.RTTVar,
			RxLoss: n.Link.RxLoss, TxLoss: n.Link.TxLoss, Cost: n.Link.Cost,
			Relayed: rc.Relayed, Confirmed: rc.Confirmed, RoutesVia: min(via[n.ID], mapek.MaxRoutesVia),
			Dests: min(rc.Dests, mapek.MaxRelayDests), FailingDests: min(rc.FailingDests, rc.Dests, mapek.MaxRelayDests),
			HandshakeAttempts: hs.Attempts, HandshakeFailures: min(hs.Failures, hs.Attempts),
		})
	}
	// Neighbours the Core dropped (hop-by-hop session lost) stay reported
	// down for RetainDown.
	for id := range a.known {
		if !cur[id] {
			if _, ok := a.gone[id]; !ok {
				a.gone[id] = now
			}
		}
	}
	gone := make([]identity.NodeID, 0, len(a.gone))
	for id, since := range a.gone {
		if now.Sub(since) >= RetainDown {
			delete(a.gone, id)
			continue
		}
		gone = append(gone, id)
	}
	sort.Slice(gone, func(i, j int) bool { return bytes.Compare(gone[i][:], gone[j][:]) < 0 })
	for _, id := range gone {
		if len(snap.Neighbours) >= mapek.MaxNeighbours {
			delete(a.gone, id)
			continue
		}
		cur[id] = true
		hs := rt.Handshakes[id]
		snap.Neighbours = append(snap.Neighbours, mapek.NeighbourSample{
			ID: id, Cost: link.CostInfinity, RxLoss: 1, TxLoss: 1,
			HandshakeAttempts: hs.Attempts, HandshakeFailures: min(hs.Failures, hs.Attempts),
		})
	}
	a.known = cur

	st := a.core.Stats()
	hs := a.core.HandshakeStats()
	snap.Node = mapek.NodeSample{
		Drops:               st.Dropped,
		HandshakeDrops:      hs.Dropped + rt.HandshakeDrops,
		CookieReplies:       hs.CookieRepliesSent + rt.CookieReplies,
		HandshakesProcessed: hs.InitiationsProcessed + rt.HandshakesProcessed,
		RouteChanges:        a.routeChanges,
		Routes:              routes,
		QueueDrops:          st.Dropped.QueueFull + rt.QueueDrops,
		CPU:                 rt.CPU,
		Memory:              rt.Memory,
	}
	return snap
}
