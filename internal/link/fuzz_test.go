package link

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"
)

func FuzzDecode(f *testing.F) {
	for _, m := range []Message{
		Hello{Seq: 1, Timestamp: 2, RxCount: 3, RxWindow: 4},
		Hello{Seq: 0xFFFFFFFF, Timestamp: 1<<64 - 1, RxCount: HelloWindow, RxWindow: HelloWindow},
		HelloAck{Seq: 7, Timestamp: 1e9, Hold: time.Millisecond},
		HelloAck{Hold: MaxAckHold},
	} {
		b, _ := m.Append(nil)
		f.Add(b)
	}
	for _, m := range malformed {
		f.Add(m.msg)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			if m != nil {
				t.Fatalf("error %v with a message", err)
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrVersion) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		want := HelloSize
		if m.Type() == TypeHelloAck {
			want = HelloAckSize
		}
		if len(b) != want || b[0] != m.Type() {
			t.Fatalf("accepted %d bytes of type %#x as %T", len(b), b[0], m)
		}
		// Canonical: the decoded message re-encodes to the same bytes.
		enc, err := m.Append(nil)
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("%x decoded to %+v, which encodes to %x, %v", b, m, enc, err)
		}
	})
}

// fuzzTable returns a Table with neighbour 1 to which it sent two hellos, at
// t0 and t0+HelloInterval, and those hellos.
func fuzzTable(tb testing.TB) (*Table, []Hello) {
	tab, err := New(DefaultConfig(), newRand(42), t0)
	if err != nil {
		tb.Fatal(err)
	}
	if err := tab.Add(t0, nodeID(1)); err != nil {
		tb.Fatal(err)
	}
	var sent []Hello
	for _, at := range []time.Time{t0, t0.Add(DefaultHelloInterval)} {
		for _, o := range tab.Tick(at) {
			h, err := DecodeHello(o.Msg)
			if err != nil {
				tb.Fatal(err)
			}
			sent = append(sent, h)
		}
	}
	if len(sent) != 2 {
		tb.Fatalf("sent %d hellos, want 2", len(sent))
	}
	return tab, sent
}

// receiveErrors are the errors Receive may return for a message from a
// neighbour.
var receiveErrors = []error{ErrMalformed, ErrVersion, ErrBadAck}

func FuzzReceive(f *testing.F) {
	_, sent := fuzzTable(f)
	for _, h := range sent {
		b, _ := HelloAck{Seq: h.Seq, Timestamp: h.Timestamp}.Append(nil)
		f.Add(b, uint16(60))
		b, _ = HelloAck{Seq: h.Seq, Timestamp: h.Timestamp, Hold: 5 * time.Millisecond}.Append(nil)
		f.Add(b, uint16(2))
	}
	hello, _ := Hello{Seq: 1000, Timestamp: 5, RxCount: 1, RxWindow: 1}.Append(nil)
	f.Add(hello, uint16(70))
	for _, m := range malformed {
		f.Add(m.msg, uint16(0))
	}
	f.Fuzz(func(t *testing.T, msg []byte, ms uint16) {
		tab, sent := fuzzTable(t)
		now := t0.Add(DefaultHelloInterval + time.Duration(ms)*time.Millisecond)
		before, _ := tab.Stats(nodeID(1))
		deadline, _ := tab.NextDeadline()
		out, err := tab.Receive(now, nodeID(1), msg)
		after, _ := tab.Stats(nodeID(1))
		if err != nil {
			if out != nil || slices.IndexFunc(receiveErrors, func(e error) bool { return errors.Is(err, e) }) < 0 {
				t.Fatalf("Receive = %v, %v", out, err)
			}
			if d, _ := tab.NextDeadline(); after != before || !d.Equal(deadline) || len(tab.Events()) != 0 {
				t.Fatalf("refused message changed the state: %+v -> %+v", before, after)
			}
			return
		}
		m, derr := Decode(msg)
		switch m := m.(type) {
		case Hello:
			if len(out) != 1 || out[0].To != nodeID(1) {
				t.Fatalf("hello answered with %v", out)
			}
			ack, err := DecodeHelloAck(out[0].Msg)
			if err != nil || ack != (HelloAck{Seq: m.Seq, Timestamp: m.Timestamp}) {
				t.Fatalf("hello %+v answered with %+v, %v", m, ack, err)
			}
			if after.HellosReceived != 1 {
				t.Fatalf("first hello counted %d times", after.HellosReceived)
			}
		case HelloAck:
			if out != nil {
				t.Fatalf("ack answered with %v", out)
			}
			if !slices.ContainsFunc(sent, func(h Hello) bool { return h.Seq == m.Seq && h.Timestamp == m.Timestamp }) {
				t.Fatalf("accepted an ack %+v for a hello never sent", m)
			}
			rtt := now.Sub(t0) - m.Hold
			if !after.Up || after.AcksReceived != 1 || after.SRTT > rtt || after.SRTT < rtt-DefaultHelloInterval {
				t.Fatalf("after ack %+v at %v: %+v", m, now.Sub(t0), after)
			}
		default:
			t.Fatalf("Receive accepted %x, which Decode refuses: %v", msg, derr)
		}
		// The state stays sane as time goes on.
		tab.Tick(now.Add(time.Second))
		st, _ := tab.Stats(nodeID(1))
		if st.RxLoss < 0 || st.RxLoss > 1 || st.TxLoss < 0 || st.TxLoss > 1 || st.Up || st.Cost != CostInfinity {
			t.Fatalf("a second later: %+v", st)
		}
	})
}
