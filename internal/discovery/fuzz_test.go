package discovery

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// FuzzDecodeBeacon checks that any datagram either decodes to a beacon that re-encodes to exactly
// the same bytes, or is refused with one of the package's errors; and that feeding it to a table
// never grows the table beyond its bound.
func FuzzDecodeBeacon(f *testing.F) {
	f.Add(AppendBeacon(nil, sample(1)))
	f.Add(AppendBeacon(nil, sample(0xfe)))
	f.Add([]byte(Magic))
	f.Add([]byte("x0tb\x02"))
	f.Add(append(AppendBeacon(nil, sample(2)), 0))
	f.Add(make([]byte, BeaconSize))
	self := sample(0x55)
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := DecodeBeacon(p)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrVersion) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if len(p) != BeaconSize {
			t.Fatalf("accepted %d bytes", len(p))
		}
		if enc := AppendBeacon(nil, b); !bytes.Equal(enc, p) {
			t.Fatalf("re-encoded % x, input % x", enc, p)
		}
		tab := NewTable(b.Network, self.NodeID, time.Minute)
		_, _, err = tab.Observe(time.Unix(0, 0), netip.MustParseAddrPort("192.0.2.1:9"), b)
		if err != nil && !errors.Is(err, ErrOwnBeacon) {
			t.Fatalf("observe: %v", err)
		}
		if tab.Len() > 1 {
			t.Fatalf("%d candidates from one beacon", tab.Len())
		}
	})
}
