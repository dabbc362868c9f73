package route

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func TestMessageRoundTrip(t *testing.T) {
	a, b := testID(1), testID(2)
	full := Message{}
	for i := range MaxUpdatesPerMessage {
		full.Updates = append(full.Updates, Update{Dst: testID(i), Seqno: uint16(i), Metric: uint16(3 * i), Interval: 1})
	}
	tests := []struct {
		name string
		m    Message
		size int
	}{
		{"update", Message{Updates: []Update{{Dst: a, Seqno: 7, Metric: 300, Interval: 1000}}}, 1 + 3 + 38},
		{"retraction", Message{Updates: []Update{{Dst: a, Seqno: 0xFFFF, Metric: Infinity, Interval: 1}}}, 42},
		{"route request wildcard", Message{RouteRequests: []RouteRequest{{}}}, 1 + 3 + 32},
		{"seqno request", Message{SeqnoRequests: []SeqnoRequest{{Dst: b, Seqno: 1, HopCount: 64}}}, 1 + 3 + 35},
		{"all", Message{
			Updates:       []Update{{Dst: a, Seqno: 1, Metric: 2, Interval: 3}, {Dst: b, Seqno: 4, Metric: 5, Interval: 6}},
			RouteRequests: []RouteRequest{{Dst: a}, {}},
			SeqnoRequests: []SeqnoRequest{{Dst: b, Seqno: 9, HopCount: 1}},
		}, 1 + 3 + 76 + 3 + 64 + 3 + 35},
		{"full", full, 1 + 3 + MaxUpdatesPerMessage*UpdateSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := tt.m.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if len(enc) != tt.size || tt.m.Size() != tt.size {
				t.Fatalf("encoded %d bytes, Size %d, want %d", len(enc), tt.m.Size(), tt.size)
			}
			dec, err := Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*dec, tt.m) {
				t.Fatalf("decoded %+v, want %+v", dec, tt.m)
			}
		})
	}
}

func TestWireLayout(t *testing.T) {
	m := Message{Updates: []Update{{Dst: testID(1), Seqno: 0x0102, Metric: 0x0304, Interval: 0x0506}}}
	enc, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	id := testID(1)
	want := append([]byte{Version, TypeUpdate, 0, 38}, id[:]...)
	want = append(want, 1, 2, 3, 4, 5, 6)
	if !bytes.Equal(enc, want) {
		t.Fatalf("got %x\nwant %x", enc, want)
	}
}

// tlv builds a TLV with the given type and body.
func tlv(typ byte, body []byte) []byte {
	b := []byte{typ, 0, 0}
	binary.BigEndian.PutUint16(b[1:], uint16(len(body)))
	return append(b, body...)
}

func updateBody(id identity.NodeID, seqno, metric, interval uint16) []byte {
	b := append([]byte{}, id[:]...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, seqno), metric), interval)
}

func TestDecodeErrors(t *testing.T) {
	id := testID(1)
	good := updateBody(id, 1, 1, 1)
	msg := func(parts ...[]byte) []byte { return append([]byte{Version}, bytes.Join(parts, nil)...) }
	seq := func(id identity.NodeID, hop byte) []byte { return append(append([]byte{}, id[:]...), 0, 1, hop) }
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"version only", []byte{Version}, ErrMalformed},
		{"version 2", []byte{2, TypeUpdate}, ErrUnsupportedVersion},
		{"version 0", append([]byte{0}, tlv(TypeUpdate, good)...), ErrUnsupportedVersion},
		{"too large", make([]byte, MaxMessageSize+1), ErrTooLarge},
		{"truncated header", msg([]byte{TypeUpdate, 0}), ErrMalformed},
		{"truncated body", msg(tlv(TypeUpdate, good)[:20]), ErrMalformed},
		{"unknown type", msg(tlv(9, good)), ErrMalformed},
		{"type zero", msg(tlv(0, good)), ErrMalformed},
		{"empty tlv", msg(tlv(TypeUpdate, nil)), ErrMalformed},
		{"partial entry", msg(tlv(TypeUpdate, good[:37])), ErrMalformed},
		{"repeated type", msg(tlv(TypeUpdate, good), tlv(TypeUpdate, good)), ErrMalformed},
		{"wrong order", msg(tlv(TypeRouteRequest, id[:]), tlv(TypeUpdate, good)), ErrMalformed},
		{"zero dst", msg(tlv(TypeUpdate, updateBody(identity.NodeID{}, 1, 1, 1))), ErrMalformed},
		{"zero interval", msg(tlv(TypeUpdate, updateBody(id, 1, 1, 0))), ErrMalformed},
		{"seqno request zero dst", msg(tlv(TypeSeqnoRequest, seq(identity.NodeID{}, 3))), ErrMalformed},
		{"seqno request zero hop", msg(tlv(TypeSeqnoRequest, seq(id, 0))), ErrMalformed},
		{"trailing byte", append(msg(tlv(TypeUpdate, good)), 0), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.b)
			if !errors.Is(err, tt.want) || m != nil {
				t.Fatalf("Decode = %v, %v; want %v", m, err, tt.want)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	big := Message{}
	for range MaxUpdatesPerMessage + 1 {
		big.Updates = append(big.Updates, Update{Dst: testID(1), Interval: 1})
	}
	tests := []struct {
		name string
		m    Message
		want error
	}{
		{"empty", Message{}, ErrMalformed},
		{"too large", big, ErrTooLarge},
		{"zero dst", Message{Updates: []Update{{Interval: 1}}}, ErrMalformed},
		{"zero interval", Message{Updates: []Update{{Dst: testID(1)}}}, ErrMalformed},
		{"zero hop count", Message{SeqnoRequests: []SeqnoRequest{{Dst: testID(1)}}}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := tt.m.Encode(); !errors.Is(err, tt.want) || b != nil {
				t.Fatalf("Encode = %x, %v; want %v", b, err, tt.want)
			}
		})
	}
}

func TestPacker(t *testing.T) {
	tests := []struct {
		name                string
		updates, rreqs, sqs int
		wantMsgs            int
	}{
		{"one update", 1, 0, 0, 1},
		{"full message", MaxUpdatesPerMessage, 0, 0, 1},
		{"one over", MaxUpdatesPerMessage + 1, 0, 0, 2},
		{"hundred", 100, 0, 0, 4},
		{"mixed", 30, 1, 1, 2}, // 1+3+30*38 = 1144; +3+32 = 1179; a seqno request needs 38 more
		{"requests", 0, 40, 40, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p packer
			for i := range tt.updates {
				p.update(Update{Dst: testID(i), Interval: 1})
			}
			for i := range tt.rreqs {
				p.routeRequest(RouteRequest{Dst: testID(i)})
			}
			for i := range tt.sqs {
				p.seqnoRequest(SeqnoRequest{Dst: testID(i), HopCount: 1})
			}
			if len(p.msgs) != tt.wantMsgs {
				t.Fatalf("%d messages, want %d", len(p.msgs), tt.wantMsgs)
			}
			var u, r, s int
			for _, m := range p.msgs {
				b, err := m.Encode()
				if err != nil || len(b) > MaxMessageSize {
					t.Fatalf("message of %d bytes: %v", len(b), err)
				}
				u, r, s = u+len(m.Updates), r+len(m.RouteRequests), s+len(m.SeqnoRequests)
			}
			if u != tt.updates || r != tt.rreqs || s != tt.sqs {
				t.Fatalf("packed %d/%d/%d entries", u, r, s)
			}
		})
	}
}
