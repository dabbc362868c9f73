package link

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Outgoing is a message the caller must send to a neighbour, over the
// neighbour's session.
type Outgoing struct {
	// To is the neighbour.
	To identity.NodeID
	// Msg is the encoded Hello or HelloAck.
	Msg []byte
}

// EventKind is the kind of an Event.
type EventKind uint8

// Event kinds.
const (
	// EventUp reports a neighbour that became reachable, with its cost.
	EventUp EventKind = iota + 1
	// EventDown reports a neighbour silent for DeadInterval; its cost is
	// CostInfinity.
	EventDown
	// EventCostChanged reports a significant change of an up neighbour's
	// cost.
	EventCostChanged
)

// String returns "up", "down" or "cost".
func (k EventKind) String() string {
	switch k {
	case EventUp:
		return "up"
	case EventDown:
		return "down"
	case EventCostChanged:
		return "cost"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is a change of a neighbour's state or cost, for routing.
type Event struct {
	// Kind is what happened.
	Kind EventKind
	// Neighbour is the node it happened to.
	Neighbour identity.NodeID
	// Cost is the neighbour's cost after the event.
	Cost uint16
	// At is the time passed to the call that produced the event.
	At time.Time
}

// Stats is what a Table knows of one neighbour.
type Stats struct {
	// Up reports whether the neighbour is reachable.
	Up bool
	// SRTT and RTTVar are the smoothed RTT and its variance (zero before
	// the first ack).
	SRTT, RTTVar time.Duration
	// RxLoss is the fraction of the neighbour's last hellos not received.
	RxLoss float64
	// TxLoss is the fraction of our last hellos the neighbour reports it did
	// not receive.
	TxLoss float64
	// Cost is the cost last reported in an event: CostInfinity when down.
	Cost uint16
	// MeasuredCost is the current cost before hysteresis.
	MeasuredCost uint16
	// LastHeard is the arrival time of the last valid hello or ack (zero if
	// none).
	LastHeard time.Time
	// HellosSent, HellosReceived and AcksReceived count messages; duplicates
	// are counted only in Duplicates.
	HellosSent, HellosReceived, AcksReceived, Duplicates uint64
}

// sentHello is a hello this Table sent, kept to match its ack.
type sentHello struct {
	seq   uint32
	ts    uint64
	at    time.Time
	valid bool
	acked bool
}

// neighbour is the state of one link.
type neighbour struct {
	id        identity.NodeID
	up        bool
	lastHeard time.Time

	nextSeq   uint32
	nextHello time.Time
	sent      [SentHistory]sentHello

	rx       rxHistory
	missAt   time.Time // when the next hello counts as missed; zero when not expected
	misses   int       // consecutive misses since the last hello
	txCount  uint8     // the neighbour's report of our hellos
	txWindow uint8

	rtt  rttEstimator
	cost uint16 // last reported

	sentN, helloN, ackN, dupN uint64
}

// Table tracks the links to a node's neighbours. It is a pure state
// machine and is not safe for concurrent use.
type Table struct {
	cfg    Config
	rng    *rand.Rand
	epoch  time.Time
	nbrs   []*neighbour // sorted by ID, for deterministic output
	events []Event
}

// New returns an empty Table. Hello timestamps count from epoch (usually
// the current time); rng supplies the hello jitter and initial sequence
// numbers.
func New(cfg Config, rng *rand.Rand, epoch time.Time) (*Table, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, fmt.Errorf("%w: nil random source", ErrInvalidConfig)
	}
	return &Table{cfg: cfg, rng: rng, epoch: epoch}, nil
}

// Add starts tracking the neighbour id, initially down; its first hello is
// due at now.
func (t *Table) Add(now time.Time, id identity.NodeID) error {
	i, found := t.find(id)
	if found {
		return fmt.Errorf("%w: %s", ErrDuplicateNeighbour, id.Short())
	}
	n := &neighbour{id: id, nextSeq: t.rng.Uint32(), nextHello: now, cost: CostInfinity}
	t.nbrs = slices.Insert(t.nbrs, i, n)
	return nil
}

// Remove stops tracking the neighbour id, without an event, and reports
// whether it was present.
func (t *Table) Remove(id identity.NodeID) bool {
	i, found := t.find(id)
	if found {
		t.nbrs = slices.Delete(t.nbrs, i, i+1)
	}
	return found
}

// Neighbours returns the IDs of the neighbours in the Table, in order.
func (t *Table) Neighbours() []identity.NodeID {
	ids := make([]identity.NodeID, len(t.nbrs))
	for i, n := range t.nbrs {
		ids[i] = n.id
	}
	return ids
}

func (t *Table) find(id identity.NodeID) (int, bool) {
	return slices.BinarySearchFunc(t.nbrs, id, func(n *neighbour, id identity.NodeID) int {
		return cmp.Compare(string(n.id[:]), string(id[:]))
	})
}

func (t *Table) lookup(id identity.NodeID) *neighbour {
	if i, ok := t.find(id); ok {
		return t.nbrs[i]
	}
	return nil
}

// Tick advances the Table to now: it counts overdue hellos as missed,
// declares silent neighbours down, and returns the hellos due. Call it no
// later than NextDeadline.
func (t *Table) Tick(now time.Time) []Outgoing {
	var out []Outgoing
	for _, n := range t.nbrs {
		for !n.missAt.IsZero() && !now.Before(n.missAt) {
			n.rx.miss()
			n.misses++
			n.missAt = n.missAt.Add(t.cfg.HelloInterval)
			if n.misses >= HelloWindow {
				n.missAt = time.Time{} // the window holds nothing more to lose
			}
		}
		if n.up && !now.Before(n.lastHeard.Add(t.cfg.DeadInterval)) {
			t.down(now, n)
		}
		if !now.Before(n.nextHello) {
			out = append(out, Outgoing{To: n.id, Msg: t.hello(now, n)})
		}
		t.update(now, n)
	}
	return out
}

// hello builds the next hello to n and schedules the one after.
func (t *Table) hello(now time.Time, n *neighbour) []byte {
	ts := uint64(max(now.Sub(t.epoch), 0))
	cnt, win := n.rx.report()
	h := Hello{Seq: n.nextSeq, Timestamp: ts, RxCount: cnt, RxWindow: win}
	n.sent[h.Seq%SentHistory] = sentHello{seq: h.Seq, ts: ts, at: now, valid: true}
	n.nextSeq++
	n.sentN++
	interval := t.cfg.HelloInterval
	if t.cfg.HelloJitter > 0 {
		interval -= time.Duration(t.rng.Int64N(int64(t.cfg.HelloJitter) + 1))
	}
	n.nextHello = now.Add(interval)
	b, _ := h.Append(make([]byte, 0, HelloSize)) // cannot fail: report() stays within HelloWindow
	return b
}

// Receive handles a message from the neighbour from, arrived at now, and
// returns the messages to send in answer (the ack of a hello). Duplicate
// and late messages are not errors; messages that cannot be decoded, or
// acks that match no recent hello, are.
func (t *Table) Receive(now time.Time, from identity.NodeID, msg []byte) ([]Outgoing, error) {
	n := t.lookup(from)
	if n == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownNeighbour, from.Short())
	}
	typ, err := messageType(msg)
	if err != nil {
		return nil, err
	}
	if typ == TypeHello {
		h, err := DecodeHello(msg)
		if err != nil {
			return nil, err
		}
		return t.receiveHello(now, n, h), nil
	}
	a, err := DecodeHelloAck(msg)
	if err != nil {
		return nil, err
	}
	return nil, t.receiveAck(now, n, a)
}

func (t *Table) receiveHello(now time.Time, n *neighbour, h Hello) []Outgoing {
	switch n.rx.add(h.Seq) {
	case rxNewest, rxRestart:
		n.txCount, n.txWindow = h.RxCount, h.RxWindow
		n.missAt = now.Add(t.cfg.HelloInterval + t.cfg.HelloInterval/missGraceDivisor)
		n.misses = 0
		fallthrough
	case rxLate:
		n.helloN++
		n.lastHeard = now
	case rxDuplicate:
		n.dupN++
	case rxTooOld:
		// Neither counted nor proof of life, but still acknowledged: the
		// sender decides what its ack is worth.
	}
	t.update(now, n)
	ack := HelloAck{Seq: h.Seq, Timestamp: h.Timestamp}
	b, _ := ack.Append(make([]byte, 0, HelloAckSize)) // cannot fail: zero hold
	return []Outgoing{{To: n.id, Msg: b}}
}

func (t *Table) receiveAck(now time.Time, n *neighbour, a HelloAck) error {
	s := &n.sent[a.Seq%SentHistory]
	if !s.valid || s.seq != a.Seq || s.ts != a.Timestamp {
		return fmt.Errorf("%w: seq %d from %s", ErrBadAck, a.Seq, n.id.Short())
	}
	elapsed := now.Sub(s.at)
	if a.Hold > elapsed {
		return fmt.Errorf("%w: hold %v exceeds round trip %v", ErrBadAck, a.Hold, elapsed)
	}
	if s.acked {
		n.dupN++
		return nil
	}
	s.acked = true
	n.ackN++
	n.lastHeard = now
	n.rtt.sample(elapsed-a.Hold, t.cfg.MinRTT, t.cfg.MaxRTT, t.cfg.RTTAlpha, t.cfg.RTTBeta)
	if !n.up {
		n.up = true
		n.cost = t.measure(n)
		t.emit(Event{Kind: EventUp, Neighbour: n.id, Cost: n.cost, At: now})
		return nil
	}
	t.update(now, n)
	return nil
}

// down declares n down. It forgets the RTT, so that a recovered link's path
// is measured afresh, but keeps the receive history, which fills with
// missed hellos: a neighbour that still hears us learns from our reports
// that we do not hear it, and a recovered link earns back its delivery
// ratio one hello at a time, as ETX does.
func (t *Table) down(now time.Time, n *neighbour) {
	n.up = false
	n.cost = CostInfinity
	n.rtt = rttEstimator{}
	t.emit(Event{Kind: EventDown, Neighbour: n.id, Cost: CostInfinity, At: now})
}

// measure returns the current cost of n, before hysteresis.
func (t *Table) measure(n *neighbour) uint16 {
	if !n.up {
		return CostInfinity
	}
	cnt, win := n.rx.report()
	return Cost(ratio(n.txCount, n.txWindow), ratio(cnt, win), n.rtt.srtt)
}

// update reports a significant change of n's cost.
func (t *Table) update(now time.Time, n *neighbour) {
	if !n.up {
		return
	}
	if c := t.measure(n); significant(n.cost, c, t.cfg.CostHysteresis) {
		n.cost = c
		t.emit(Event{Kind: EventCostChanged, Neighbour: n.id, Cost: c, At: now})
	}
}

func (t *Table) emit(e Event) {
	if len(t.events) >= MaxPendingEvents {
		t.events = slices.Delete(t.events, 0, 1)
	}
	t.events = append(t.events, e)
}

// Events returns the events since the last call, oldest first, and clears
// them. At most MaxPendingEvents are kept.
func (t *Table) Events() []Event {
	e := t.events
	t.events = nil
	return e
}

// NextDeadline returns the time by which Tick must next be called: the
// earliest hello due, missed-hello check or dead interval expiry. It
// reports false when the Table is empty.
func (t *Table) NextDeadline() (time.Time, bool) {
	if len(t.nbrs) == 0 {
		return time.Time{}, false
	}
	d := t.nbrs[0].nextHello
	for _, n := range t.nbrs {
		if n.nextHello.Before(d) {
			d = n.nextHello
		}
		if !n.missAt.IsZero() && n.missAt.Before(d) {
			d = n.missAt
		}
		if dead := n.lastHeard.Add(t.cfg.DeadInterval); n.up && dead.Before(d) {
			d = dead
		}
	}
	return d, true
}

// Stats returns what the Table knows of the neighbour id, and false if id
// is not in the Table.
func (t *Table) Stats(id identity.NodeID) (Stats, bool) {
	n := t.lookup(id)
	if n == nil {
		return Stats{}, false
	}
	cnt, win := n.rx.report()
	return Stats{
		Up:             n.up,
		SRTT:           n.rtt.srtt,
		RTTVar:         n.rtt.rttvar,
		RxLoss:         1 - ratio(cnt, win),
		TxLoss:         1 - ratio(n.txCount, n.txWindow),
		Cost:           n.cost,
		MeasuredCost:   t.measure(n),
		LastHeard:      n.lastHeard,
		HellosSent:     n.sentN,
		HellosReceived: n.helloN,
		AcksReceived:   n.ackN,
		Duplicates:     n.dupN,
	}, true
}
