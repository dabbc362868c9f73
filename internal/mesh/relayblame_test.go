package mesh_test

import (
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// okActuator applies nothing and reports success.
type okActuator struct{}

func (okActuator) RaiseLinkCost(identity.NodeID, float64) error   { return nil }
func (okActuator) Quarantine(identity.NodeID) error               { return nil }
func (okActuator) ConnectSpares(int) error                        { return nil }
func (okActuator) SwitchTransport(identity.NodeID) error          { return nil }
func (okActuator) Rekey(identity.NodeID) error                    { return nil }
func (okActuator) RateLimitHandshakes(int) error                  { return nil }
func (okActuator) Restart(mapek.Subsystem, identity.NodeID) error { return nil }
func (okActuator) Undo(mapek.Action) error                        { return nil }

// snapshot is what heal.Agent reports of c (internal/heal/snapshot.go),
// reduced to the fields the relay rule reads.
func snapshot(c *mesh.Core) mapek.Snapshot {
	relays := make(map[identity.NodeID]mesh.RelayCount)
	for _, r := range c.Relays() {
		relays[r.ID] = r
	}
	via := make(map[identity.NodeID]int)
	var s mapek.Snapshot
	s.Node.Routes = c.SelectedRoutes(via)
	for _, n := range c.Neighbours() {
		r := relays[n.ID]
		s.Neighbours = append(s.Neighbours, mapek.NeighbourSample{
			ID: n.ID, Up: n.Link.Up, SRTT: n.Link.SRTT, RTTVar: n.Link.RTTVar, RxLoss: n.Link.RxLoss, TxLoss: n.Link.TxLoss,
			Cost: n.Link.Cost, Relayed: r.Relayed, Confirmed: r.Confirmed, RoutesVia: via[n.ID],
			Dests: r.Dests, FailingDests: r.FailingDests,
		})
	}
	return s
}

// TestRelayBlame: in a line 0-1-…-(n-1) on virtual time, node 0 sends to
// and probes nodes 2 to n-1 through its one neighbour 1 while a node drops
// transit packets, and a MAPE-K loop watches node 0's telemetry every
// 100 ms for 15 s. In a line of 6, a blackhole or grayhole at 1 is blamed
// on 1 and quarantined; a blackhole at 2 or 3 silences most of node 0's
// relayed messages through 1 (which the aggregate ratio alone blamed on 1)
// but not every destination behind 1, and 1 is not blamed. In a line of 3
// node 0 judges one destination through 1: a hole at 1 is blamed on 1 but
// the evidence is ambiguous (it looks the same as a hole further on) and
// the loop takes no action within the 15 s (mapek.AmbiguousRelayHold).
func TestRelayBlame(t *testing.T) {
	for _, tc := range []struct {
		name                string
		n, hole             int
		drop, of            int
		blamed, quarantined bool
	}{
		{"adjacent blackhole", 6, 1, 1, 1, true, true},
		{"adjacent grayhole", 6, 1, 1, 2, true, true},
		{"blackhole two hops away", 6, 2, 1, 1, false, false},
		{"blackhole three hops away", 6, 3, 1, 1, false, false},
		{"no fault", 6, -1, 0, 1, false, false},
		{"adjacent blackhole, one destination", 3, 1, 1, 1, true, false},
		{"adjacent grayhole, one destination", 3, 1, 1, 2, true, false},
		{"no fault, one destination", 3, -1, 0, 1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := mesh.NewRelayLine(t, tc.n, tc.hole, tc.drop, tc.of)
			a := line.Core(0)
			relay := line.Core(1).ID()
			loop, err := mapek.New(mapek.Config{}, okActuator{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			blamed, quarantined := false, false
			var ambiguous float64
			for range 150 {
				line.Run(100 * time.Millisecond)
				r := loop.Step(line.Now(), snapshot(a))
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				for _, s := range r.Symptoms {
					if s.Kind == mapek.SymptomMisbehavingRelay && s.Subject == relay {
						blamed = true
						ambiguous += s.Evidence["ambiguous"]
					}
				}
				for _, act := range r.Actions {
					quarantined = quarantined || act.Kind == mapek.ActionQuarantine && act.Subject == relay
				}
			}
			rs := a.Relays()
			if blamed != tc.blamed {
				t.Fatalf("relay blamed %v, want %v (relays %+v)", blamed, tc.blamed, rs)
			}
			if quarantined != tc.quarantined {
				t.Errorf("relay quarantined %v, want %v", quarantined, tc.quarantined)
			}
			if tc.blamed && (ambiguous != 0) != (rs[0].Dests < mapek.RelaySpreadMinDests) {
				t.Errorf("evidence ambiguous in %v steps with %d destinations", ambiguous, rs[0].Dests)
			}
			// A fault anywhere makes the aggregate ratio through 1 fall past
			// the grayhole margin: the destination counts are what acquit 1.
			ratio := float64(rs[0].Confirmed) / float64(rs[0].Relayed)
			if faulty := tc.hole >= 0; faulty != (ratio <= 1-mapek.GrayholeMargin) {
				t.Errorf("aggregate ratio %.2f through the relay (fault %v)", ratio, faulty)
			}
		})
	}
}
