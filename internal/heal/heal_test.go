package heal

import (
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// TestNoFault runs a healthy triangle for a few virtual minutes: no
// symptom, no action.
func TestNoFault(t *testing.T) {
	tn := newTestNet(t, 3, nil)
	tn.connect(0, 1)
	tn.connect(1, 2)
	tn.connect(0, 2)
	tn.converge()
	tn.run(3 * time.Minute)
	for i, n := range tn.nodes {
		if s := n.symptoms(0); s != 0 {
			t.Errorf("node %d: %d symptoms in a healthy network", i, s)
		}
		if a := n.agent.Actions(); len(a) != 0 {
			t.Errorf("node %d: actions %v", i, a)
		}
		if len(n.results) < int(3*time.Minute/DefaultPeriod) {
			t.Errorf("node %d: %d Steps in 3 min", i, len(n.results))
		}
		for _, r := range n.results {
			if r.Err != nil {
				t.Fatalf("node %d: %v", i, r.Err)
			}
		}
	}
}

// TestDeadLink cuts a link of a line and checks the dead-link incident: its
// detection time and the bounded number of actions.
func TestDeadLink(t *testing.T) {
	for _, tc := range []struct {
		name string
		tell bool // the runtime reports the lost session (NeighbourDown)
	}{
		{"link layer", false},
		{"session lost", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn := newTestNet(t, 3, nil)
			tn.connect(0, 1)
			tn.connect(1, 2)
			tn.converge()
			tn.run(5 * time.Second)
			cut := tn.now
			tn.cut(1, 2)
			if tc.tell {
				tn.nodes[1].core.NeighbourDown(tn.now, tn.nodes[2].id)
			}
			tn.run(3 * time.Minute)
			n := tn.nodes[1]
			var dead []mapek.Incident
			for _, inc := range n.agent.Incidents() {
				if inc.Kind == mapek.SymptomDeadLink {
					dead = append(dead, inc)
				}
			}
			if len(dead) != 1 || dead[0].Subject != tn.nodes[2].id {
				t.Fatalf("dead-link incidents %+v, want one for node 2", dead)
			}
			lat := dead[0].DetectedAt.Sub(cut)
			if lat < 0 || lat > link.DefaultDeadInterval {
				t.Errorf("detected %v after the cut, want within the dead interval %v", lat, link.DefaultDeadInterval)
			}
			if d := dead[0].AnalyzedAt.Sub(cut); d > link.DefaultDeadInterval+time.Duration(mapek.DeadLinkSamples)*DefaultPeriod {
				t.Errorf("analyzed %v after the cut", d)
			}
			acts := n.agent.Actions()
			if len(acts) == 0 || len(acts) > len(mapek.DefaultPolicy()[mapek.SymptomDeadLink]) {
				t.Errorf("%d actions, want 1 to the ladder's length", len(acts))
			}
			// An action the node cannot perform (unsupported: no spare-peer
			// dialler, one transport) fails without spending the cooldown;
			// any other is followed by the next no sooner than the cooldown.
			for i := 1; i < len(acts); i++ {
				free := acts[i-1].Outcome == mapek.OutcomeFailed && strings.Contains(acts[i-1].Err, ErrUnsupported.Error())
				if gap := acts[i].At.Sub(acts[i-1].At); gap < mapek.Cooldown && !free {
					t.Errorf("actions %d and %d %v apart, under the cooldown", i-1, i, gap)
				}
			}
			if tn.nodes[0].symptoms(mapek.SymptomDeadLink) != 0 {
				t.Error("node 0 saw a dead link")
			}
		})
	}
}
