package link

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestWireRoundTrip(t *testing.T) {
	tests := []Message{
		Hello{},
		Hello{Seq: 1, Timestamp: 2, RxCount: 3, RxWindow: 4},
		Hello{Seq: 0xFFFFFFFF, Timestamp: 1<<64 - 1, RxCount: HelloWindow, RxWindow: HelloWindow},
		HelloAck{},
		HelloAck{Seq: 7, Timestamp: 1e9, Hold: 1500 * time.Microsecond},
		HelloAck{Seq: 0xFFFFFFFF, Timestamp: 1<<64 - 1, Hold: MaxAckHold},
	}
	for _, m := range tests {
		b, err := m.Append([]byte{0xAA})
		if err != nil {
			t.Fatalf("%+v: %v", m, err)
		}
		if b[0] != 0xAA || b[1] != m.Type() {
			t.Fatalf("%+v: Append did not append after the prefix: %x", m, b)
		}
		b = b[1:]
		want := HelloSize
		if m.Type() == TypeHelloAck {
			want = HelloAckSize
		}
		if len(b) != want {
			t.Errorf("%+v: %d bytes, want %d", m, len(b), want)
		}
		got, err := Decode(b)
		if err != nil || got != m {
			t.Errorf("Decode(%x) = %+v, %v; want %+v", b, got, err, m)
		}
	}
	h := Hello{Seq: 0x01020304, Timestamp: 0x05060708090a0b0c, RxCount: 5, RxWindow: 9}
	b, _ := h.Encode()
	if want := []byte{0x11, 0, 5, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; !bytes.Equal(b, want) {
		t.Errorf("hello encoding %x, want %x", b, want)
	}
	a := HelloAck{Seq: 0x01020304, Timestamp: 0x05060708090a0b0c, Hold: 0x0d0e0f10}
	b, _ = a.Encode()
	if want := []byte{0x12, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x0d, 0x0e, 0x0f, 0x10}; !bytes.Equal(b, want) {
		t.Errorf("ack encoding %x, want %x", b, want)
	}
}

func TestEncodeRefusesInvalid(t *testing.T) {
	tests := []Message{
		Hello{RxCount: 2, RxWindow: 1},
		Hello{RxCount: 0, RxWindow: HelloWindow + 1},
		HelloAck{Hold: -1},
		HelloAck{Hold: MaxAckHold + 1},
	}
	for _, m := range tests {
		if b, err := m.Append(nil); !errors.Is(err, ErrMalformed) || len(b) != 0 {
			t.Errorf("%+v: Append = %x, %v; want ErrMalformed", m, b, err)
		}
	}
}

// malformed are encodings every decoder must refuse, with the error each wraps.
var malformed = []struct {
	name string
	msg  []byte
	err  error
}{
	{"empty", nil, ErrMalformed},
	{"version 0", []byte{0x01, 0, 0, 0}, ErrVersion},
	{"version 2", append([]byte{0x21}, make([]byte, HelloSize-1)...), ErrVersion},
	{"unknown type", append([]byte{0x13}, make([]byte, HelloSize-1)...), ErrMalformed},
	{"type 0", append([]byte{0x10}, make([]byte, HelloSize-1)...), ErrMalformed},
	{"short hello", append([]byte{TypeHello}, make([]byte, HelloSize-2)...), ErrMalformed},
	{"long hello", append([]byte{TypeHello}, make([]byte, HelloSize)...), ErrMalformed},
	{"hello reserved", append([]byte{TypeHello, 1}, make([]byte, HelloSize-2)...), ErrMalformed},
	{"hello count above window", append([]byte{TypeHello, 0, 3, 2}, make([]byte, HelloSize-4)...), ErrMalformed},
	{"hello window too wide", append([]byte{TypeHello, 0, 0, HelloWindow + 1}, make([]byte, HelloSize-4)...), ErrMalformed},
	{"hello sized ack", append([]byte{TypeHelloAck}, make([]byte, HelloSize-1)...), ErrMalformed},
	{"short ack", append([]byte{TypeHelloAck}, make([]byte, HelloAckSize-2)...), ErrMalformed},
	{"long ack", append([]byte{TypeHelloAck}, make([]byte, HelloAckSize)...), ErrMalformed},
	{"ack reserved", append([]byte{TypeHelloAck, 0, 0, 1}, make([]byte, HelloAckSize-4)...), ErrMalformed},
	{"ack hold too long", append(append([]byte{TypeHelloAck}, make([]byte, HelloAckSize-5)...), 0xff, 0xff, 0xff, 0xff), ErrMalformed},
}

func TestDecodeMalformed(t *testing.T) {
	for _, tc := range malformed {
		t.Run(tc.name, func(t *testing.T) {
			if m, err := Decode(tc.msg); !errors.Is(err, tc.err) || m != nil {
				t.Errorf("Decode = %+v, %v; want %v", m, err, tc.err)
			}
			_, herr := DecodeHello(tc.msg)
			_, aerr := DecodeHelloAck(tc.msg)
			if herr == nil || aerr == nil {
				t.Errorf("DecodeHello: %v, DecodeHelloAck: %v; want errors", herr, aerr)
			}
		})
	}
	// Each typed decoder refuses the other type.
	h, _ := Hello{}.Encode()
	a, _ := HelloAck{}.Encode()
	if _, err := DecodeHello(a); !errors.Is(err, ErrMalformed) {
		t.Errorf("DecodeHello(ack): %v", err)
	}
	if _, err := DecodeHelloAck(h); !errors.Is(err, ErrMalformed) {
		t.Errorf("DecodeHelloAck(hello): %v", err)
	}
}
