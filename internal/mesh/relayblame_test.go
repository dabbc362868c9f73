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

// TestRelayBlame: in a line 0-1-2-3-4-5 on virtual time, node 0 sends to
// and probes nodes 2 to 5 through its one neighbour 1 while a node drops
// transit packets, and a MAPE-K loop watches node 0's telemetry every
// 100 ms for 15 s. A blackhole or grayhole at 1 is blamed on 1; a blackhole
// at 2 or 3 silences most of node 0's relayed messages through 1 (which the
// aggregate ratio alone blamed on 1) but not every destination behind 1,
// and 1 is not blamed.
func TestRelayBlame(t *testing.T) {
	for _, tc := range []struct {
		name     string
		hole     int
		drop, of int
		blamed   bool
	}{
		{"adjacent blackhole", 1, 1, 1, true},
		{"adjacent grayhole", 1, 1, 2, true},
		{"blackhole two hops away", 2, 1, 1, false},
		{"blackhole three hops away", 3, 1, 1, false},
		{"no fault", -1, 0, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := mesh.NewRelayLine(t, 6, tc.hole, tc.drop, tc.of)
			a := line.Core(0)
			relay := line.Core(1).ID()
			loop, err := mapek.New(mapek.Config{}, okActuator{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			blamed := false
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
			}
			rs := a.Relays()
			if blamed != tc.blamed {
				t.Fatalf("relay blamed %v, want %v (relays %+v)", blamed, tc.blamed, rs)
			}
			if ambiguous != 0 {
				t.Errorf("evidence called ambiguous with %d destinations", rs[0].Dests)
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
