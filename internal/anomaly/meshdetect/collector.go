package meshdetect

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// runtimeSample is the telemetry a node runtime adds to the Core's (heal.Runtime): the simulator
// has no CPU, memory or runtime queues, so the scenario synthesises them.
type runtimeSample struct {
	cpu, mem float64
	queue    uint64
}

// collector is one simulated node's telemetry pipeline: it builds the mapek.Snapshot a
// heal.Agent would build over the node's Core (heal/snapshot.go: link stats, relay counters,
// routes via each neighbour, lost neighbours kept as down entries, Core drop and handshake
// counters plus the runtime's), feeds it to the node's History and to a rules-only MAPE-K loop
// with an empty policy (it observes, never acts), and calls Core.Probe as the Agent does.
type collector struct {
	core    *mesh.Core
	hist    *History
	loop    *mapek.Loop
	known   map[identity.NodeID]bool
	gone    map[identity.NodeID]time.Time
	rename  func(identity.NodeID) identity.NodeID
	symptom []mapek.Symptom
}

// errNoAct is what the observing loop's actuator answers; with an empty policy it is never asked.
var errNoAct = errors.New("meshdetect: observation only")

type nopActuator struct{}

func (nopActuator) RaiseLinkCost(identity.NodeID, float64) error   { return errNoAct }
func (nopActuator) Quarantine(identity.NodeID) error               { return errNoAct }
func (nopActuator) ConnectSpares(int) error                        { return errNoAct }
func (nopActuator) SwitchTransport(identity.NodeID) error          { return errNoAct }
func (nopActuator) Rekey(identity.NodeID) error                    { return errNoAct }
func (nopActuator) RateLimitHandshakes(int) error                  { return errNoAct }
func (nopActuator) Restart(mapek.Subsystem, identity.NodeID) error { return errNoAct }
func (nopActuator) Undo(mapek.Action) error                        { return errNoAct }

func newCollector(core *mesh.Core, rename func(identity.NodeID) identity.NodeID) (*collector, error) {
	loop, err := mapek.New(mapek.Config{Policy: mapek.Policy{}}, nopActuator{}, nil)
	if err != nil {
		return nil, err
	}
	return &collector{core: core, hist: NewHistory(), loop: loop, rename: rename,
		known: make(map[identity.NodeID]bool), gone: make(map[identity.NodeID]time.Time)}, nil
}

// step samples the node at now.
func (c *collector) step(now time.Time, rt runtimeSample) error {
	snap := c.snapshot(now, rt)
	if err := c.hist.Add(now, &snap); err != nil {
		return err
	}
	r := c.loop.Step(now, snap)
	if r.Err != nil {
		return r.Err
	}
	c.symptom = r.Symptoms
	c.core.Probe(now)
	return nil
}

func (c *collector) snapshot(now time.Time, rt runtimeSample) mapek.Snapshot {
	relays := make(map[identity.NodeID]mesh.RelayCount)
	for _, r := range c.core.Relays() {
		relays[r.ID] = r
	}
	via := make(map[identity.NodeID]int)
	routes := 0
	for _, r := range c.core.Routes() {
		if r.Selected {
			routes++
			if r.NextHop != r.Dst {
				via[r.NextHop]++
			}
		}
	}
	var snap mapek.Snapshot
	cur := make(map[identity.NodeID]bool)
	for _, n := range c.core.Neighbours() {
		id := c.rename(n.ID)
		cur[id] = true
		delete(c.gone, id)
		rc := relays[n.ID]
		snap.Neighbours = append(snap.Neighbours, mapek.NeighbourSample{
			ID: id, Up: n.Link.Up, SRTT: n.Link.SRTT, RTTVar: n.Link.RTTVar,
			RxLoss: n.Link.RxLoss, TxLoss: n.Link.TxLoss, Cost: n.Link.Cost,
			Relayed: rc.Relayed, Confirmed: rc.Confirmed, RoutesVia: min(via[n.ID], mapek.MaxRoutesVia),
			Dests: min(rc.Dests, mapek.MaxRelayDests), FailingDests: min(rc.FailingDests, rc.Dests, mapek.MaxRelayDests),
		})
	}
	for id := range c.known {
		if !cur[id] {
			if _, ok := c.gone[id]; !ok {
				c.gone[id] = now
			}
		}
	}
	gone := make([]identity.NodeID, 0, len(c.gone))
	for id := range c.gone {
		gone = append(gone, id)
	}
	slices.SortFunc(gone, func(a, b identity.NodeID) int { return bytes.Compare(a[:], b[:]) })
	for _, id := range gone {
		cur[id] = true
		snap.Neighbours = append(snap.Neighbours, mapek.NeighbourSample{ID: id, Cost: link.CostInfinity, RxLoss: 1, TxLoss: 1})
	}
	c.known = cur
	st := c.core.Stats()
	hs := c.core.HandshakeStats()
	snap.Node = mapek.NodeSample{
		Drops:               st.Dropped,
		HandshakeDrops:      hs.Dropped,
		CookieReplies:       hs.CookieRepliesSent,
		HandshakesProcessed: hs.InitiationsProcessed,
		Routes:              routes,
		QueueDrops:          st.Dropped.QueueFull + rt.queue,
		CPU:                 rt.cpu,
		Memory:              rt.mem,
	}
	return snap
}

// pseudoID is the identity a churning node presents in its generation gen (0: its own).
func pseudoID(id identity.NodeID, gen int) identity.NodeID {
	if gen == 0 {
		return id
	}
	h := sha256.New()
	h.Write([]byte("meshdetect identity churn"))
	h.Write(id[:])
	h.Write([]byte{byte(gen >> 24), byte(gen >> 16), byte(gen >> 8), byte(gen)})
	var out identity.NodeID
	copy(out[:], h.Sum(nil))
	out[0] |= 1
	return out
}
