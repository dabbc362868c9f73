package session

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// fuzzPeers returns the sending session of the fuzz peer and a fresh receiving session for it.
func fuzzPeers(tb testing.TB) (send *Session, newRecv func() *Session) {
	tb.Helper()
	k1, k2 := testKeys(7)
	send, err := New(Params{SendKey: k1, RecvKey: k2, LocalIndex: 1, RemoteIndex: 2, Initiator: true, Created: t0})
	if err != nil {
		tb.Fatal(err)
	}
	return send, func() *Session {
		r, err := New(Params{SendKey: k2, RecvKey: k1, LocalIndex: 2, RemoteIndex: 1, Created: t0})
		if err != nil {
			tb.Fatal(err)
		}
		return r
	}
}

// fuzzGenuine seals the peer's genuine frames: the only frames the receiver may ever accept.
// Sealing is deterministic for fixed keys and counters, so the set is the same on every run.
func fuzzGenuine(tb testing.TB) map[string][]byte {
	send, _ := fuzzPeers(tb)
	genuine := map[string][]byte{}
	for _, n := range []int{0, 64, 1, 16, 300} { // testdata/fuzz/FuzzOpen holds the first two
		p := payloadOf(n)
		f, err := send.Seal(nil, p)
		if err != nil {
			tb.Fatal(err)
		}
		genuine[string(f)] = p
	}
	return genuine
}

// openErrors are the errors Open may return for a frame.
var openErrors = []error{ErrMalformed, ErrWrongIndex, ErrExpired, ErrExhausted, ErrAuth, ErrReplay, ErrTooOld}

func FuzzOpen(f *testing.F) {
	genuine := fuzzGenuine(f)
	for fr := range genuine {
		f.Add([]byte(fr))
		flipped := []byte(fr)
		flipped[len(flipped)-1] ^= 0x80
		f.Add(flipped)
		f.Add([]byte(fr)[:len(fr)-1])
	}
	hdr := make([]byte, MinFrameSize)
	hdr[0] = TypeData
	binary.LittleEndian.PutUint32(hdr[4:], 2)
	f.Add(hdr)
	f.Add([]byte{TypeData})
	f.Add([]byte{})
	_, newRecv := fuzzPeers(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		r := newRecv()
		out, err := r.Open(nil, frame, t0)
		if err != nil {
			if out != nil {
				t.Fatalf("error %v with a payload", err)
			}
			if !isOneOf(err, openErrors) {
				t.Fatalf("unexpected error %v", err)
			}
			if _, _, perr := ParseHeader(frame); perr != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseHeader refused (%v) but Open said %v", perr, err)
			}
			return
		}
		want, ok := genuine[string(frame)]
		if !ok {
			t.Fatalf("accepted a frame the peer never sealed: %x", frame)
		}
		if !bytes.Equal(out, want) || len(out) != len(frame)-Overhead {
			t.Fatal("wrong payload for a genuine frame")
		}
		if _, err := r.Open(nil, frame, t0); !errors.Is(err, ErrReplay) {
			t.Fatalf("second Open: %v", err)
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	good := make([]byte, MinFrameSize)
	good[0] = TypeData
	binary.LittleEndian.PutUint32(good[4:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint64(good[8:], 42)
	f.Add(good)
	f.Add(good[:HeaderSize])
	f.Add(append([]byte{0x01}, good[1:]...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, frame []byte) {
		idx, ctr, err := ParseHeader(frame)
		if err != nil {
			if !errors.Is(err, ErrMalformed) || idx != 0 || ctr != 0 {
				t.Fatalf("ParseHeader = %d, %d, %v", idx, ctr, err)
			}
			return
		}
		if len(frame) < MinFrameSize || len(frame) > MaxFrameSize {
			t.Fatalf("accepted %d bytes", len(frame))
		}
		h := append([]byte{TypeData, 0, 0, 0}, binary.LittleEndian.AppendUint32(nil, idx)...)
		h = binary.LittleEndian.AppendUint64(h, ctr)
		if !bytes.Equal(h, frame[:HeaderSize]) {
			t.Fatalf("header does not round-trip: % x vs % x", h, frame[:HeaderSize])
		}
	})
}

func isOneOf(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
