package store

import (
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// nopActuator applies every action successfully.
type nopActuator struct{ n int }

func (a *nopActuator) RaiseLinkCost(identity.NodeID, float64) error   { a.n++; return nil }
func (a *nopActuator) Quarantine(identity.NodeID) error               { a.n++; return nil }
func (a *nopActuator) ConnectSpares(int) error                        { a.n++; return nil }
func (a *nopActuator) SwitchTransport(identity.NodeID) error          { a.n++; return nil }
func (a *nopActuator) Rekey(identity.NodeID) error                    { a.n++; return nil }
func (a *nopActuator) RateLimitHandshakes(int) error                  { a.n++; return nil }
func (a *nopActuator) Restart(mapek.Subsystem, identity.NodeID) error { a.n++; return nil }
func (a *nopActuator) Undo(mapek.Action) error                        { return nil }

// TestLoopIntoStore persists a Loop's Steps through a link failure and
// repair, reopens the store and recomputes MTTR from it.
func TestLoopIntoStore(t *testing.T) {
	s, path := openTemp(t, Options{})
	act := &nopActuator{}
	l, err := mapek.New(mapek.Config{}, act, nil)
	if err != nil {
		t.Fatal(err)
	}
	peer := nid(9)
	var records int
	for i := 0; i < 300; i++ {
		n := mapek.NeighbourSample{ID: peer, Up: i < 50 || i >= 70, SRTT: 10 * time.Millisecond}
		r := l.Step(t0.Add(time.Duration(i)*time.Second), mapek.Snapshot{Neighbours: []mapek.NeighbourSample{n}})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if _, err := s.WriteStep(r); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		records += len(r.Audit)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	incs, err := s.Incidents()
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents %+v, %v", incs, err)
	}
	inc := incs[0]
	if inc.Open() || !inc.DetectedAt.Equal(t0.Add(50*time.Second)) || !inc.ResolvedAt.Equal(t0.Add(70*time.Second)) {
		t.Errorf("incident %+v", inc)
	}
	if got := mapek.MTTRStats(incs); got.N != 1 || got.Max != 20*time.Second {
		t.Errorf("MTTR %+v", got)
	}
	aud, err := s.Audit(0, MaxReadRecords)
	if err != nil || len(aud) != records || act.n == 0 {
		t.Errorf("%d audit records, want %d; %d actions; %v", len(aud), records, act.n, err)
	}
	bs, err := s.Baselines()
	if err != nil || len(bs) != 1 || bs[0].Peer != peer {
		t.Errorf("baselines %+v %v", bs, err)
	}
	inc1, act1, err := s.LastIDs()
	if err != nil || inc1 != 1 || act1 == 0 {
		t.Errorf("LastIDs %d %d %v", inc1, act1, err)
	}
}
