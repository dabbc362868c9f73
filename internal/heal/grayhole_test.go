package heal

import (
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// TestGrayholeRelay: in a square 0-1-2-3-0 node 0 sends to 2; its relay
// forwards only a third of 0's packets to 2 while its links stay perfect.
// The relay accounting (echo probes) exposes it, the loop raises
// misbehaving-relay and quarantines it, and 0 routes around it.
func TestGrayholeRelay(t *testing.T) {
	for _, tc := range []struct {
		name string
		keep int // of every 3 packets
	}{
		{"blackhole", 0},
		{"grayhole", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn := newTestNet(t, 4, nil)
			tn.connect(0, 1)
			tn.connect(1, 2)
			tn.connect(2, 3)
			tn.connect(3, 0)
			tn.converge()
			tn.run(2 * time.Second)
			relay := tn.nextHop(0, 2)
			other := 4 - relay
			src, dst := tn.nodes[0].id, tn.nodes[2].id
			if err := tn.nodes[0].core.Send(tn.now, dst, []byte("hello")); err != nil {
				t.Fatal(err)
			}
			tn.run(time.Second) // the end-to-end session is up
			if tn.nodes[0].core.Stats().Sessions == 0 {
				t.Fatal("no session")
			}
			n := 0
			tn.drop = func(i, j int, p []byte) bool {
				if i != relay || j != 2 || p[0] != mesh.KindPacket {
					return false
				}
				h, _, err := mesh.DecodeHeader(p)
				if err != nil || h.Src != src || h.Dst != dst {
					return false
				}
				n++
				return n%3 >= tc.keep
			}
			start := tn.now
			ok := tn.runUntil(time.Minute, func() bool {
				if tn.now.Sub(start)%(20*time.Millisecond) == 0 {
					_ = tn.nodes[0].core.Send(tn.now, dst, []byte("payload")) // drops are the point
				}
				return tn.nodes[0].core.Quarantined(tn.nodes[relay].id)
			})
			if !ok {
				t.Fatalf("relay %d not quarantined; relays %+v, symptoms %d", relay, tn.nodes[0].core.Relays(), tn.nodes[0].symptoms(0))
			}
			var found bool
			for _, inc := range tn.nodes[0].agent.Incidents() {
				if inc.Kind == mapek.SymptomMisbehavingRelay && inc.Subject == tn.nodes[relay].id {
					found = true
				}
			}
			if !found {
				t.Error("no misbehaving-relay incident for the relay")
			}
			tn.pump()
			if h := tn.nextHop(0, 2); h != other {
				t.Errorf("next hop to 2 is %d after quarantine, want %d", h, other)
			}
			if s := tn.nodes[0].symptoms(mapek.SymptomMisbehavingRelay); s == 0 {
				t.Error("no symptom")
			}
		})
	}
}
