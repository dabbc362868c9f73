package link

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig: %v", err)
	}
	tests := []struct {
		field string
		edit  func(*Config)
	}{
		{"HelloInterval", func(c *Config) { c.HelloInterval = 0 }},
		{"HelloInterval", func(c *Config) { c.HelloInterval = MaxHelloInterval + 1 }},
		{"HelloJitter", func(c *Config) { c.HelloJitter = -1 }},
		{"HelloJitter", func(c *Config) { c.HelloJitter = c.HelloInterval/2 + 1 }},
		{"DeadInterval", func(c *Config) { c.DeadInterval = MinDeadHellos*c.HelloInterval - 1 }},
		{"DeadInterval", func(c *Config) { c.DeadInterval = MaxDeadInterval + 1 }},
		{"MinRTT", func(c *Config) { c.MinRTT = -1 }},
		{"MaxRTT", func(c *Config) { c.MaxRTT = c.MinRTT }},
		{"RTTAlpha", func(c *Config) { c.RTTAlpha = 0 }},
		{"RTTAlpha", func(c *Config) { c.RTTAlpha = math.NaN() }},
		{"RTTBeta", func(c *Config) { c.RTTBeta = 1.5 }},
		{"CostHysteresis", func(c *Config) { c.CostHysteresis = -1 }},
		{"CostHysteresis", func(c *Config) { c.CostHysteresis = MaxCostHysteresis + 1 }},
	}
	for _, tc := range tests {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field+":") {
			t.Errorf("%s: Validate = %v, want ErrInvalidConfig naming the field", tc.field, err)
		}
		if _, err := New(c, newRand(1), t0); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: New = %v", tc.field, err)
		}
	}
	// Edge values that are allowed.
	c := DefaultConfig()
	c.HelloJitter, c.CostHysteresis, c.MinRTT = 0, 0, 0
	c.DeadInterval = MinDeadHellos * c.HelloInterval
	if err := c.Validate(); err != nil {
		t.Errorf("edge config: %v", err)
	}
	if _, err := New(DefaultConfig(), nil, t0); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("New with nil rng: %v", err)
	}
}

func TestTableMembership(t *testing.T) {
	tab := newTable(t, DefaultConfig(), 1)
	if _, ok := tab.NextDeadline(); ok {
		t.Error("empty table has a deadline")
	}
	if out := tab.Tick(t0); len(out) != 0 {
		t.Errorf("empty table sent %d messages", len(out))
	}
	for _, b := range []byte{3, 1, 2} {
		if err := tab.Add(t0.Add(time.Duration(b)), nodeID(b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.Add(t0, nodeID(2)); !errors.Is(err, ErrDuplicateNeighbour) {
		t.Errorf("second Add: %v", err)
	}
	if got, want := tab.Neighbours(), []identity.NodeID{nodeID(1), nodeID(2), nodeID(3)}; !slices.Equal(got, want) {
		t.Errorf("Neighbours = %v", got)
	}
	if d, ok := tab.NextDeadline(); !ok || !d.Equal(t0.Add(1)) {
		t.Errorf("NextDeadline = %v, %v; want the first hello due", d, ok)
	}
	out := tab.Tick(t0.Add(3))
	if len(out) != 3 || out[0].To != nodeID(1) || out[2].To != nodeID(3) {
		t.Fatalf("Tick sent %v, want one hello to each neighbour in order", out)
	}
	for _, o := range out {
		if h, err := DecodeHello(o.Msg); err != nil || h.Timestamp != 3 || h.RxWindow != 0 {
			t.Errorf("hello %+v, %v", h, err)
		}
	}
	if out := tab.Tick(t0.Add(3)); len(out) != 0 {
		t.Errorf("second Tick at the same time sent %d hellos", len(out))
	}
	st, ok := tab.Stats(nodeID(1))
	if !ok || st.Up || st.Cost != CostInfinity || st.HellosSent != 1 {
		t.Errorf("Stats = %+v, %v", st, ok)
	}
	if !tab.Remove(nodeID(2)) || tab.Remove(nodeID(2)) {
		t.Error("Remove did not report presence")
	}
	if _, ok := tab.Stats(nodeID(2)); ok {
		t.Error("Stats of a removed neighbour")
	}
	if _, err := tab.Receive(t0, nodeID(2), nil); !errors.Is(err, ErrUnknownNeighbour) {
		t.Errorf("Receive from a removed neighbour: %v", err)
	}
	if len(tab.Events()) != 0 {
		t.Error("events without any link")
	}
}

func TestHelloTimestampBeforeEpoch(t *testing.T) {
	tab := newTable(t, DefaultConfig(), 1)
	if err := tab.Add(t0.Add(-2*time.Hour), nodeID(1)); err != nil {
		t.Fatal(err)
	}
	out := tab.Tick(t0.Add(-time.Hour))
	if h, err := DecodeHello(out[0].Msg); err != nil || h.Timestamp != 0 {
		t.Errorf("hello before the epoch: %+v, %v", h, err)
	}
}

// exchange returns a Table with neighbour 1 that has sent one hello at t0
// (returned), and is still down.
func exchange(t *testing.T, cfg Config) (*Table, Hello) {
	t.Helper()
	tab := newTable(t, cfg, 9)
	if err := tab.Add(t0, nodeID(1)); err != nil {
		t.Fatal(err)
	}
	out := tab.Tick(t0)
	if len(out) != 1 {
		t.Fatalf("Tick sent %d messages", len(out))
	}
	h, err := DecodeHello(out[0].Msg)
	if err != nil {
		t.Fatal(err)
	}
	return tab, h
}

func encode(t *testing.T, m Message) []byte {
	t.Helper()
	b, err := m.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAckHold(t *testing.T) {
	tab, h := exchange(t, DefaultConfig())
	ack := HelloAck{Seq: h.Seq, Timestamp: h.Timestamp, Hold: 10 * time.Millisecond}
	now := t0.Add(30 * time.Millisecond)
	if out, err := tab.Receive(now, nodeID(1), encode(t, ack)); err != nil || out != nil {
		t.Fatalf("Receive(ack) = %v, %v", out, err)
	}
	st, _ := tab.Stats(nodeID(1))
	if !st.Up || st.SRTT != 20*time.Millisecond || st.RTTVar != 10*time.Millisecond || !st.LastHeard.Equal(now) || st.AcksReceived != 1 {
		t.Errorf("after ack held 10ms of 30ms: %+v", st)
	}
	ev := tab.Events()
	if len(ev) != 1 || ev[0] != (Event{Kind: EventUp, Neighbour: nodeID(1), Cost: 276, At: now}) {
		t.Errorf("events %+v, want up with cost 256+20", ev)
	}
	// A duplicate ack is ignored without error.
	if _, err := tab.Receive(now.Add(time.Millisecond), nodeID(1), encode(t, ack)); err != nil {
		t.Errorf("duplicate ack: %v", err)
	}
	if st2, _ := tab.Stats(nodeID(1)); st2.Duplicates != 1 || st2.AcksReceived != 1 || st2.SRTT != st.SRTT || !st2.LastHeard.Equal(now) {
		t.Errorf("duplicate ack counted: %+v", st2)
	}
}

func TestReceiveRejects(t *testing.T) {
	tests := []struct {
		name string
		msg  func(h Hello) []byte
		err  error
	}{
		{"unknown seq", func(h Hello) []byte { return encodeAck(HelloAck{Seq: h.Seq + 1, Timestamp: h.Timestamp}) }, ErrBadAck},
		{"older seq", func(h Hello) []byte { return encodeAck(HelloAck{Seq: h.Seq - SentHistory, Timestamp: h.Timestamp}) }, ErrBadAck},
		{"wrong timestamp", func(h Hello) []byte { return encodeAck(HelloAck{Seq: h.Seq, Timestamp: h.Timestamp + 1}) }, ErrBadAck},
		{"hold beyond round trip", func(h Hello) []byte {
			return encodeAck(HelloAck{Seq: h.Seq, Timestamp: h.Timestamp, Hold: 6 * time.Millisecond})
		}, ErrBadAck},
	}
	for _, m := range malformed {
		tests = append(tests, struct {
			name string
			msg  func(h Hello) []byte
			err  error
		}{m.name, func(Hello) []byte { return m.msg }, m.err})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, h := exchange(t, DefaultConfig())
			before, _ := tab.Stats(nodeID(1))
			deadline, _ := tab.NextDeadline()
			out, err := tab.Receive(t0.Add(5*time.Millisecond), nodeID(1), tc.msg(h))
			if !errors.Is(err, tc.err) || out != nil {
				t.Errorf("Receive = %v, %v; want %v", out, err, tc.err)
			}
			after, _ := tab.Stats(nodeID(1))
			if d, _ := tab.NextDeadline(); before != after || !d.Equal(deadline) || len(tab.Events()) != 0 {
				t.Errorf("rejected message changed the state: %+v -> %+v", before, after)
			}
		})
	}
}

func encodeAck(a HelloAck) []byte {
	b, _ := a.Append(nil)
	return b
}

func TestReceiveHello(t *testing.T) {
	tab, _ := exchange(t, DefaultConfig())
	hello := func(seq uint32, cnt, win uint8) []byte {
		b, _ := Hello{Seq: seq, Timestamp: uint64(seq) * 1000, RxCount: cnt, RxWindow: win}.Append(nil)
		return b
	}
	steps := []struct {
		seq          uint32
		received     uint64
		dups         uint64
		rxLoss       float64
		txLoss       float64
		heardChanges bool
	}{
		{100, 1, 0, 0, 0, true},
		{102, 2, 0, 1.0 / 3, 0.5, true},
		{101, 3, 0, 0, 0.5, true},  // late: fills the gap, its older report is ignored
		{101, 3, 1, 0, 0.5, false}, // duplicate
		{50, 3, 1, 0, 0.5, false},  // too old
		{9000, 4, 1, 0, 0, true},   // restart
	}
	now := t0
	for i, s := range steps {
		now = now.Add(time.Millisecond)
		var cnt, win uint8 = 1, 2 // the report of a newest hello is taken
		if s.txLoss == 0 {
			cnt = 2
		}
		out, err := tab.Receive(now, nodeID(1), hello(s.seq, cnt, win))
		if err != nil || len(out) != 1 || out[0].To != nodeID(1) {
			t.Fatalf("step %d: Receive = %v, %v", i, out, err)
		}
		ack, err := DecodeHelloAck(out[0].Msg)
		if err != nil || ack != (HelloAck{Seq: s.seq, Timestamp: uint64(s.seq) * 1000}) {
			t.Errorf("step %d: ack %+v, %v", i, ack, err)
		}
		st, _ := tab.Stats(nodeID(1))
		if st.HellosReceived != s.received || st.Duplicates != s.dups || math.Abs(st.RxLoss-s.rxLoss) > 1e-9 ||
			st.TxLoss != s.txLoss || st.LastHeard.Equal(now) != s.heardChanges {
			t.Errorf("step %d (seq %d): %+v", i, s.seq, st)
		}
	}
}

// TestMissedHellos checks that a silent neighbour's hellos are counted as
// missed on time, that the count stops at HelloWindow, and that the
// deadlines follow.
func TestMissedHellos(t *testing.T) {
	cfg := DefaultConfig()
	tab, _ := exchange(t, cfg)
	b, _ := Hello{Seq: 1}.Append(nil)
	if _, err := tab.Receive(t0, nodeID(1), b); err != nil {
		t.Fatal(err)
	}
	missAt := t0.Add(cfg.HelloInterval + cfg.HelloInterval/missGraceDivisor)
	tab.Tick(t0.Add(time.Minute))
	st, _ := tab.Stats(nodeID(1))
	if st.RxLoss != 1 || st.HellosReceived != 1 {
		t.Errorf("after a minute of silence: rx loss %v", st.RxLoss)
	}
	// A fresh table: the first miss is due exactly at missAt.
	tab, _ = exchange(t, cfg)
	if _, err := tab.Receive(t0, nodeID(1), b); err != nil {
		t.Fatal(err)
	}
	tab.Tick(missAt.Add(-1))
	if st, _ := tab.Stats(nodeID(1)); st.RxLoss != 0 {
		t.Errorf("hello counted missed early: %v", st.RxLoss)
	}
	if d, _ := tab.NextDeadline(); d.After(missAt) {
		t.Errorf("NextDeadline %v after the miss deadline %v", d, missAt)
	}
	tab.Tick(missAt)
	if st, _ := tab.Stats(nodeID(1)); st.RxLoss != 0.5 {
		t.Errorf("rx loss %v after one miss, want 0.5", st.RxLoss)
	}
}

func TestEventQueueBounded(t *testing.T) {
	tab := newTable(t, DefaultConfig(), 1)
	for i := range MaxPendingEvents + 10 {
		tab.emit(Event{Kind: EventCostChanged, Cost: uint16(i)})
	}
	ev := tab.Events()
	if len(ev) != MaxPendingEvents || ev[0].Cost != 10 || ev[len(ev)-1].Cost != MaxPendingEvents+9 {
		t.Errorf("%d events from %d to %d", len(ev), ev[0].Cost, ev[len(ev)-1].Cost)
	}
	if len(tab.Events()) != 0 {
		t.Error("Events did not clear the queue")
	}
}

func TestEventKindString(t *testing.T) {
	for k, want := range map[EventKind]string{EventUp: "up", EventDown: "down", EventCostChanged: "cost", 0: "EventKind(0)", 9: "EventKind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", k, got, want)
		}
	}
}
