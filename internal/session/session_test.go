package session

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false)
	for _, n := range []int{0, 1, 64, 1400, MaxPayloadSize} {
		for _, dir := range []struct {
			name     string
			from, to *Session
		}{{"initiator", ini, resp}, {"responder", resp, ini}} {
			payload := payloadOf(n)
			prefix := []byte("prefix")
			frame, err := dir.from.Seal(bytes.Clone(prefix), payload)
			if err != nil {
				t.Fatalf("%s %d: Seal: %v", dir.name, n, err)
			}
			if !bytes.HasPrefix(frame, prefix) {
				t.Fatalf("%s %d: Seal lost dst", dir.name, n)
			}
			frame = frame[len(prefix):]
			if len(frame) != n+Overhead {
				t.Fatalf("%s %d: frame is %d bytes, want %d", dir.name, n, len(frame), n+Overhead)
			}
			if bytes.Contains(frame, payload) && n >= 16 {
				t.Fatalf("%s %d: payload visible in frame", dir.name, n)
			}
			idx, ctr, err := ParseHeader(frame)
			if err != nil || idx != dir.to.LocalIndex() {
				t.Fatalf("%s %d: ParseHeader = %#x, %d, %v", dir.name, n, idx, ctr, err)
			}
			got, err := dir.to.Open([]byte("x"), frame, t0)
			if err != nil {
				t.Fatalf("%s %d: Open: %v", dir.name, n, err)
			}
			if got[0] != 'x' || !bytes.Equal(got[1:], payload) {
				t.Fatalf("%s %d: payload mismatch", dir.name, n)
			}
		}
	}
}

func TestFrameLayout(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false)
	_, _ = ini.Seal(nil, nil) // counter 1 was used by confirm; this is 1, next is 2
	frame, err := ini.Seal(nil, []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{TypeData, 0, 0, 0, 0x22, 0x22, 0x22, 0x22, 2, 0, 0, 0, 0, 0, 0, 0}
	if !bytes.Equal(frame[:HeaderSize], want) {
		t.Fatalf("header % x, want % x", frame[:HeaderSize], want)
	}
	if ini.RemoteIndex() != 0x22222222 || resp.RemoteIndex() != 0x11111111 {
		t.Fatal("RemoteIndex")
	}
	if !ini.Initiator() || resp.Initiator() || !ini.Created().Equal(t0) {
		t.Fatal("accessors")
	}
}

func TestOpenInPlace(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false)
	payload := payloadOf(300)
	frame, _ := ini.Seal(nil, payload)
	got, err := resp.Open(frame[HeaderSize:HeaderSize], frame, t0)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("in-place Open: %v", err)
	}
}

func TestSealInPlace(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false)
	payload := payloadOf(300)
	buf := make([]byte, HeaderSize+len(payload), HeaderSize+len(payload)+TagSize)
	copy(buf[HeaderSize:], payload)
	frame, err := ini.Seal(buf[:0], buf[HeaderSize:])
	if err != nil {
		t.Fatal(err)
	}
	got, err := resp.Open(nil, frame, t0)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("Open of in-place frame: %v", err)
	}
}

func TestResponderConfirmation(t *testing.T) {
	ini, resp := newPair(t, Limits{}, true)
	if !ini.Confirmed() || resp.Confirmed() {
		t.Fatal("initial confirmation state wrong")
	}
	if _, err := resp.Seal(nil, []byte("early")); !errors.Is(err, ErrNotConfirmed) {
		t.Fatalf("unconfirmed responder Seal: %v", err)
	}
	// A forged frame must not confirm.
	forged, _ := ini.Seal(nil, nil)
	forged[len(forged)-1] ^= 1
	if _, err := resp.Open(nil, forged, t0); !errors.Is(err, ErrAuth) {
		t.Fatalf("forged: %v", err)
	}
	if resp.Confirmed() {
		t.Fatal("forged frame confirmed the responder")
	}
	ka, _ := ini.Seal(nil, nil)
	if _, err := resp.Open(nil, ka, t0); err != nil {
		t.Fatal(err)
	}
	if !resp.Confirmed() {
		t.Fatal("responder not confirmed after the first frame")
	}
	frame, err := resp.Seal(nil, []byte("now"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ini.Open(nil, frame, t0); err != nil || string(got) != "now" {
		t.Fatalf("initiator Open: %q, %v", got, err)
	}
}

func TestWrongKey(t *testing.T) {
	ini, _ := newPair(t, Limits{}, false)
	_, other := testKeys(99)
	k, _ := testKeys(1)
	eve, err := New(Params{SendKey: k, RecvKey: other, LocalIndex: 0x22222222, Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	frame, _ := ini.Seal(nil, []byte("secret"))
	if _, err := eve.Open(nil, frame, t0); !errors.Is(err, ErrAuth) {
		t.Fatalf("Open with wrong key: %v", err)
	}
}

// TestBitFlips flips every bit of a frame: each forgery is refused, and the genuine frame is still
// accepted afterwards (forgeries do not touch the replay window).
func TestBitFlips(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false)
	frame, _ := ini.Seal(nil, payloadOf(64))
	for bit := range len(frame) * 8 {
		f := bytes.Clone(frame)
		f[bit/8] ^= 1 << (bit % 8)
		got, err := resp.Open(nil, f, t0)
		if err == nil || got != nil {
			t.Fatalf("bit %d: flipped frame accepted", bit)
		}
		var want error
		switch i := bit / 8; {
		case i < 4:
			want = ErrMalformed
		case i < 8:
			want = ErrWrongIndex
		default:
			want = ErrAuth // counter, ciphertext and tag
		}
		if !errors.Is(err, want) {
			t.Fatalf("bit %d: %v, want %v", bit, err, want)
		}
	}
	if _, err := resp.Open(nil, frame, t0); err != nil {
		t.Fatalf("genuine frame after forgeries: %v", err)
	}
}

func TestTruncatedAndOversize(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false)
	frame, _ := ini.Seal(nil, payloadOf(100))
	for n := range len(frame) {
		_, err := resp.Open(nil, frame[:n], t0)
		want := ErrAuth
		if n < MinFrameSize {
			want = ErrMalformed
		}
		if !errors.Is(err, want) {
			t.Fatalf("truncated to %d: %v, want %v", n, err, want)
		}
	}
	big := make([]byte, MaxFrameSize+1)
	copy(big, frame[:HeaderSize])
	if _, err := resp.Open(nil, big, t0); !errors.Is(err, ErrMalformed) {
		t.Fatalf("oversize: %v", err)
	}
	if _, err := ini.Seal(nil, make([]byte, MaxPayloadSize+1)); !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("oversize payload: %v", err)
	}
	if _, err := resp.Open(nil, frame, t0); err != nil {
		t.Fatalf("genuine frame: %v", err)
	}
}

func TestParseHeader(t *testing.T) {
	good := make([]byte, MinFrameSize)
	good[0] = TypeData
	binary.LittleEndian.PutUint32(good[4:], 0xdeadbeef)
	binary.LittleEndian.PutUint64(good[8:], 0x0102030405060708)
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name  string
		frame []byte
		err   error
	}{
		{"keepalive", good, nil},
		{"max", append(bytes.Clone(good), make([]byte, MaxFrameSize-MinFrameSize)...), nil},
		{"empty", nil, ErrMalformed},
		{"short", good[:MinFrameSize-1], ErrMalformed},
		{"long", append(bytes.Clone(good), make([]byte, MaxFrameSize-MinFrameSize+1)...), ErrMalformed},
		{"handshake type", mod(func(b []byte) []byte { b[0] = 0x01; return b }), ErrMalformed},
		{"reserved 1", mod(func(b []byte) []byte { b[1] = 1; return b }), ErrMalformed},
		{"reserved 3", mod(func(b []byte) []byte { b[3] = 0x80; return b }), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx, ctr, err := ParseHeader(tt.frame)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && (idx != 0xdeadbeef || ctr != 0x0102030405060708) {
				t.Fatalf("got %#x, %#x", idx, ctr)
			}
		})
	}
}

func TestWrongIndex(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false)
	frame, _ := resp.Seal(nil, []byte("to the initiator"))
	if _, err := resp.Open(nil, frame, t0); !errors.Is(err, ErrWrongIndex) {
		t.Fatalf("own frame reflected: %v", err)
	}
	if st := resp.Stats(); st.RejectedIndex != 1 {
		t.Fatalf("RejectedIndex = %d", st.RejectedIndex)
	}
	if _, err := ini.Open(nil, frame, t0); err != nil {
		t.Fatal(err)
	}
}

func TestReplayDuplicateReorder(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false)
	var frames [][]byte
	for i := range 100 {
		f, err := ini.Seal(nil, []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	// Reversed order is accepted once each; every second frame is also duplicated at once.
	for i := len(frames) - 1; i >= 0; i-- {
		got, err := resp.Open(nil, frames[i], t0)
		if err != nil || got[0] != byte(i) {
			t.Fatalf("frame %d: %v", i, err)
		}
		if i%2 == 0 {
			if _, err := resp.Open(nil, frames[i], t0); !errors.Is(err, ErrReplay) {
				t.Fatalf("duplicate %d: %v", i, err)
			}
		}
	}
	for i, f := range frames {
		if _, err := resp.Open(nil, f, t0); !errors.Is(err, ErrReplay) {
			t.Fatalf("replay %d: %v", i, err)
		}
	}
	st := resp.Stats()
	if st.FramesOpened != 101 || st.RejectedReplay != 150 {
		t.Fatalf("stats %+v", st)
	}
}

func TestReplayWindowEdge(t *testing.T) {
	ini, resp := newPair(t, Limits{}, true)
	n := ReplayWindowSize + 10
	frames := make([][]byte, n)
	for i := range frames {
		frames[i], _ = ini.Seal(nil, nil)
	}
	last := n - 1
	if _, err := resp.Open(nil, frames[last], t0); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		counter int
		err     error
	}{
		{last - ReplayWindowSize, ErrTooOld},
		{0, ErrTooOld},
		{last - ReplayWindowSize + 1, nil},
		{last - ReplayWindowSize + 1, ErrReplay},
		{last - 1, nil},
		{last, ErrReplay},
	} {
		if _, err := resp.Open(nil, frames[tt.counter], t0); !errors.Is(err, tt.err) {
			t.Fatalf("counter %d (last %d): %v, want %v", tt.counter, last, err, tt.err)
		}
	}
	if st := resp.Stats(); st.RejectedTooOld != 2 || st.RejectedReplay != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestCounterExhaustion(t *testing.T) {
	ini, resp := newPair(t, Limits{RekeyAfterMessages: 3, RejectAfterMessages: 5}, false)
	// confirm used counter 0.
	if ini.NeedsRekey(t0) {
		t.Fatal("NeedsRekey too early")
	}
	for i := 1; i < 5; i++ {
		f, err := ini.Seal(nil, []byte{byte(i)})
		if err != nil {
			t.Fatalf("Seal %d: %v", i, err)
		}
		if _, err := resp.Open(nil, f, t0); err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
	}
	if !ini.NeedsRekey(t0) {
		t.Fatal("NeedsRekey after RekeyAfterMessages")
	}
	for range 10000 {
		if _, err := ini.Seal(nil, nil); !errors.Is(err, ErrExhausted) {
			t.Fatalf("Seal after limit: %v", err)
		}
	}
	if ini.sendCounter.Load() != 5 {
		t.Fatalf("counter moved past the limit: %d", ini.sendCounter.Load())
	}
	// An authentic frame whose counter is beyond the receiver's limit is refused.
	k1, k2 := testKeys(1)
	wide, err := New(Params{SendKey: k1, RecvKey: k2, RemoteIndex: 0x22222222, Initiator: true, Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	var f []byte
	for range 6 {
		f, _ = wide.Seal(nil, nil)
	}
	if _, err := resp.Open(nil, f, t0); !errors.Is(err, ErrExhausted) {
		t.Fatalf("Open beyond limit: %v", err)
	}
	if resp.Stats().RejectedExhausted != 1 {
		t.Fatal("RejectedExhausted not counted")
	}
}

func TestTimers(t *testing.T) {
	tests := []struct {
		name          string
		lim           Limits
		rekey, reject time.Duration
	}{
		{"defaults", Limits{}, RekeyAfterTime, RejectAfterTime},
		{"tight", Limits{RekeyAfterTime: time.Second, RejectAfterTime: 2 * time.Second}, time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ini, resp := newPair(t, tt.lim, false)
			if ini.NeedsRekey(t0.Add(tt.rekey-1)) || !ini.NeedsRekey(t0.Add(tt.rekey)) {
				t.Fatal("NeedsRekey boundary")
			}
			if ini.Expired(t0.Add(tt.reject-1)) || !ini.Expired(t0.Add(tt.reject)) {
				t.Fatal("Expired boundary")
			}
			if ini.Expired(t0.Add(-time.Hour)) {
				t.Fatal("a clock that went back expired the session")
			}
			f1, _ := ini.Seal(nil, []byte("a"))
			f2, _ := ini.Seal(nil, []byte("b"))
			if _, err := resp.Open(nil, f1, t0.Add(tt.reject-1)); err != nil {
				t.Fatalf("Open just before expiry: %v", err)
			}
			if _, err := resp.Open(nil, f2, t0.Add(tt.reject)); !errors.Is(err, ErrExpired) {
				t.Fatalf("Open at expiry: %v", err)
			}
			if resp.Stats().RejectedExpired != 1 {
				t.Fatal("RejectedExpired not counted")
			}
		})
	}
}

func TestNewInvalid(t *testing.T) {
	k1, k2 := testKeys(5)
	ok := Params{SendKey: k1, RecvKey: k2, Created: t0}
	tests := []struct {
		name string
		edit func(p *Params)
	}{
		{"zero send key", func(p *Params) { p.SendKey = [32]byte{} }},
		{"zero recv key", func(p *Params) { p.RecvKey = [32]byte{} }},
		{"equal keys", func(p *Params) { p.RecvKey = p.SendKey }},
		{"zero time", func(p *Params) { p.Created = time.Time{} }},
		{"negative rekey time", func(p *Params) { p.Limits.RekeyAfterTime = -1 }},
		{"negative reject time", func(p *Params) { p.Limits.RejectAfterTime = -1 }},
		{"reject time too long", func(p *Params) { p.Limits.RejectAfterTime = RejectAfterTime + 1 }},
		{"rekey after reject", func(p *Params) { p.Limits.RejectAfterTime, p.Limits.RekeyAfterTime = time.Second, 2*time.Second }},
		{"messages too many", func(p *Params) { p.Limits.RejectAfterMessages = RejectAfterMessages + 1 }},
		{"rekey messages above reject", func(p *Params) { p.Limits.RejectAfterMessages, p.Limits.RekeyAfterMessages = 10, 11 }},
	}
	if _, err := New(ok); err != nil {
		t.Fatalf("valid params: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			s, err := New(p)
			if !errors.Is(err, ErrInvalidParams) || s != nil {
				t.Fatalf("New = %v, %v", s, err)
			}
		})
	}
}

func TestClose(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false)
	frame, _ := ini.Seal(nil, []byte("late"))
	resp.Close()
	resp.Close()
	if _, err := resp.Open(nil, frame, t0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Open after Close: %v", err)
	}
	if _, err := resp.Seal(nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Seal after Close: %v", err)
	}
	if st := resp.Stats(); st.RejectedClosed != 1 || st.Rejected() != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestStats(t *testing.T) {
	ini, resp := newPair(t, Limits{}, false) // one keepalive of 32 bytes
	f, _ := ini.Seal(nil, payloadOf(100))
	if _, err := resp.Open(nil, f, t0); err != nil {
		t.Fatal(err)
	}
	_, _ = resp.Open(nil, f[:10], t0)
	f[20] ^= 1
	_, _ = resp.Open(nil, f, t0)
	is, rs := ini.Stats(), resp.Stats()
	if is.FramesSealed != 2 || is.BytesSealed != 2*Overhead+100 {
		t.Fatalf("initiator %+v", is)
	}
	if rs.FramesOpened != 2 || rs.BytesOpened != 2*Overhead+100 || rs.RejectedMalformed != 1 ||
		rs.RejectedAuth != 1 || rs.Rejected() != 2 {
		t.Fatalf("responder %+v", rs)
	}
}
