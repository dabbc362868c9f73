package obfs

import (
	"bytes"
	"crypto/rand"
	"errors"
	"net/netip"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// nopConn is an inner Conn that is never used: the fuzz targets call the Conn's decoder directly.
type nopConn struct{}

func (nopConn) ReadFrom([]byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, transport.ErrClosed
}
func (nopConn) WriteTo([]byte, netip.AddrPort) error { return nil }
func (nopConn) LocalAddr() netip.AddrPort            { return netip.AddrPort{} }
func (nopConn) Close() error                         { return nil }

// FuzzOpen feeds arbitrary datagrams to the receive path under the test key at the corpus's time
// (epoch). Whatever the input, open returns one of its drop reasons or a payload inside the
// datagram; an accepted datagram is refused when replayed and when any bit is flipped. Sealing
// the input as a payload and opening it gives it back.
func FuzzOpen(f *testing.F) {
	c, err := newCodec(testKey())
	if err != nil {
		f.Fatal(err)
	}
	for _, payload := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte{0}, 300)} {
		b := make([]byte, Overhead+len(payload)+7)
		rand.Read(b[:NonceSize])
		f.Add(c.seal(b, header{kind: kindData, sender: 1, counter: 2, millis: epoch.UnixMilli()}, payload))
	}
	f.Add([]byte{})
	f.Add(make([]byte, Overhead))
	f.Fuzz(func(t *testing.T, data []byte) {
		conn, err := New(nopConn{}, Config{Key: testKey(), Rand: rand.Reader, Clock: newFixedClock(epoch)})
		if err != nil {
			t.Fatal(err)
		}
		pkt := bytes.Clone(data)
		h, payload, err := conn.open(pkt)
		switch {
		case err == nil:
			if len(payload) > len(data)-Overhead || (h.kind != kindData && h.kind != kindJunk) {
				t.Fatalf("accepted header %+v with %d payload bytes from %d", h, len(payload), len(data))
			}
			if _, _, err := conn.open(bytes.Clone(data)); !errors.Is(err, errReplay) {
				t.Fatalf("replay of an accepted datagram: %v", err)
			}
			for bit := 0; bit < 8*len(data); bit += 1 + bit/8 {
				m := bytes.Clone(data)
				m[bit/8] ^= 1 << (bit % 8)
				if _, _, err := conn.open(m); !errors.Is(err, errAuth) {
					t.Fatalf("bit %d flipped: %v", bit, err)
				}
			}
		case errors.Is(err, errShort):
			if len(data) >= Overhead {
				t.Fatalf("%d bytes called short", len(data))
			}
		case errors.Is(err, errAuth), errors.Is(err, errMalformed), errors.Is(err, errStale), errors.Is(err, errReplay):
		default:
			t.Fatalf("unexpected error %v", err)
		}

		in := data[:min(len(data), MaxPayloadSize)]
		buf := make([]byte, Overhead+len(in)+3)
		rand.Read(buf[:NonceSize])
		c.seal(buf, header{kind: kindData, sender: 7, counter: 9, millis: epoch.UnixMilli()}, in)
		if _, got, err := conn.open(buf); err != nil || !bytes.Equal(got, in) {
			t.Fatalf("sealed %d bytes, opened %d: %v", len(in), len(got), err)
		}
	})
}

// FuzzParseKey checks that any text either parses to a non-zero key whose text form is the input,
// or is refused with ErrInvalidKey.
func FuzzParseKey(f *testing.F) {
	text, _ := testKey().MarshalText()
	f.Add(string(text))
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		back, _ := k.MarshalText()
		if k.IsZero() || string(back) != s {
			t.Fatalf("%q parsed to a key written %q", s, back)
		}
	})
}
