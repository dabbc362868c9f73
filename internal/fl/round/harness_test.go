package round

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// id returns a test node ID: kind in the first byte, i in the next two.
func id(kind byte, i int) NodeID {
	var n NodeID
	n[0], n[1], n[2] = kind, byte(i>>8), byte(i)
	return n
}

func coordID(i int) NodeID  { return id(0xc0, i) }
func clientID(i int) NodeID { return id(0x01, i) }

// envelope is a message in flight, encoded as on the wire.
type envelope struct {
	from, to NodeID
	data     []byte
}

// trainJob is a Train output waiting for the test to complete it.
type trainJob struct {
	client NodeID
	req    Train
}

// event is a non-message output and the node that emitted it.
type event struct {
	node NodeID
	out  Output
}

// harness drives coordinators and clients by hand: messages go through
// their encoding into a FIFO inbox, training requests wait until the test
// completes them, and time moves only when the test says so.
type harness struct {
	t       testing.TB
	now     time.Time
	coords  map[NodeID]*Coordinator
	clients map[NodeID]*Client
	dead    map[NodeID]bool
	inbox   []envelope
	jobs    []trainJob
	events  []event
	bytes   int
}

// newHarness builds nc coordinators sharing cfg (Self set per node) and
// nclients clients with 10 samples each.
func newHarness(t testing.TB, cfg Config, nc, nclients int) *harness {
	t.Helper()
	h := &harness{t: t, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		coords: map[NodeID]*Coordinator{}, clients: map[NodeID]*Client{}, dead: map[NodeID]bool{}}
	cfg.Coordinators, cfg.Clients = nil, nil
	for i := range nc {
		cfg.Coordinators = append(cfg.Coordinators, coordID(i))
	}
	for i := range nclients {
		cfg.Clients = append(cfg.Clients, clientID(i))
	}
	for _, cid := range cfg.Coordinators {
		c := cfg
		c.Self = cid
		co, err := NewCoordinator(c)
		if err != nil {
			t.Fatal(err)
		}
		h.coords[cid] = co
	}
	for i, cl := range cfg.Clients {
		c, err := NewClient(ClientConfig{Self: cl, Coordinators: cfg.Coordinators, NumSamples: 10,
			Random: rand.NewChaCha8([32]byte{byte(i), 7})})
		if err != nil {
			t.Fatal(err)
		}
		h.clients[cl] = c
	}
	return h
}

// testConfig is a plain FedAvg configuration over a 4-value model.
func testConfig() Config {
	return Config{Initial: []float64{0, 0, 0, 0}, Rounds: 3, SampleRate: 1, MinClients: 2,
		RoundTimeout: 10 * time.Second, LocalEpochs: 1, Strategy: StrategySpec{Name: StrategyFedAvg}, Seed: 1}
}

// core returns the core of a node.
func (h *harness) core(n NodeID) Core {
	if c, ok := h.coords[n]; ok {
		return c
	}
	return h.clients[n]
}

// emit routes outputs of node n: messages to the inbox, training to the
// job list, the rest to the event log.
func (h *harness) emit(n NodeID, outs []Output) {
	h.t.Helper()
	for _, o := range outs {
		switch o := o.(type) {
		case Send:
			b, err := Encode(o.Msg)
			if err != nil {
				h.t.Fatalf("%v sends unencodable %T: %v", n, o.Msg, err)
			}
			h.bytes += len(b)
			h.inbox = append(h.inbox, envelope{from: n, to: o.To, data: b})
		case Train:
			h.jobs = append(h.jobs, trainJob{client: n, req: o})
		default:
			h.events = append(h.events, event{node: n, out: o})
		}
	}
}

// deliver passes every queued message, including those sent in reply,
// except to dead nodes and those drop rejects.
func (h *harness) deliver(drop func(envelope) bool) {
	h.t.Helper()
	for len(h.inbox) > 0 {
		e := h.inbox[0]
		h.inbox = h.inbox[1:]
		if h.dead[e.to] || h.dead[e.from] || (drop != nil && drop(e)) {
			continue
		}
		m, err := Decode(e.data)
		if err != nil {
			h.t.Fatalf("decode: %v", err)
		}
		h.emit(e.to, h.core(e.to).Handle(h.now, e.from, m))
	}
}

// tick advances time by d and ticks every live node.
func (h *harness) tick(d time.Duration) {
	h.t.Helper()
	h.now = h.now.Add(d)
	for _, n := range h.nodes() {
		if !h.dead[n] {
			h.emit(n, h.core(n).Tick(h.now))
		}
	}
}

// nodes lists every node in a fixed order.
func (h *harness) nodes() []NodeID {
	var out []NodeID
	for n := range h.coords {
		out = append(out, n)
	}
	for n := range h.clients {
		out = append(out, n)
	}
	slices.SortFunc(out, compareIDs)
	return out
}

// train completes the pending training jobs accepted by keep (all if nil)
// with fn(client, params); the others stay pending.
func (h *harness) train(keep func(NodeID) bool, fn func(NodeID, []float64) []float64) {
	h.t.Helper()
	var rest []trainJob
	for _, j := range h.jobs {
		if keep != nil && !keep(j.client) {
			rest = append(rest, j)
			continue
		}
		out := fn(j.client, slices.Clone(j.req.Params))
		h.emit(j.client, h.clients[j.client].Trained(h.now, TrainResult{Epoch: j.req.Epoch, Round: j.req.Round, Params: out}))
	}
	h.jobs = rest
}

// kill marks n dead and reports it to every other node.
func (h *harness) kill(n NodeID) {
	h.dead[n] = true
	for _, o := range h.nodes() {
		if o != n && !h.dead[o] {
			h.emit(o, h.core(o).PeerDown(h.now, n))
		}
	}
}

// step returns a trainer that adds the client's index plus one to every
// parameter: client i's delta is all i+1.
func step(n NodeID, p []float64) []float64 {
	for j := range p {
		p[j] += float64(int(n[2]) + 1)
	}
	return p
}

// find returns the events of type T.
func find[T Output](h *harness) []T {
	var out []T
	for _, e := range h.events {
		if o, ok := e.out.(T); ok {
			out = append(out, o)
		}
	}
	return out
}

// lastModel returns the params of the last ModelReady.
func (h *harness) lastModel() GlobalModel {
	h.t.Helper()
	ms := find[ModelReady](h)
	if len(ms) == 0 {
		h.t.Fatal("no model produced")
	}
	return ms[len(ms)-1].Model
}
