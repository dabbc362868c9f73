package discovery

import (
	"bytes"
	"errors"
	"testing"

	"pgregory.net/rapid"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// sample returns a valid beacon whose fields are filled from seed.
func sample(seed byte) Beacon {
	var b Beacon
	for i := range b.Network {
		b.Network[i] = seed + byte(i)
	}
	for i := range b.NodeID {
		b.NodeID[i] = seed ^ byte(i) | 1
	}
	b.Port = 7000 + uint16(seed)
	return b
}

func TestBeaconRoundTrip(t *testing.T) {
	for _, seed := range []byte{0, 1, 0x7f, 0xff} {
		b := sample(seed)
		enc := AppendBeacon(nil, b)
		if len(enc) != BeaconSize {
			t.Fatalf("encoded %d bytes, want %d", len(enc), BeaconSize)
		}
		if string(enc[:4]) != Magic || enc[4] != Version {
			t.Fatalf("header % x", enc[:5])
		}
		got, err := DecodeBeacon(enc)
		if err != nil {
			t.Fatal(err)
		}
		if got != b {
			t.Fatalf("decoded %+v, want %+v", got, b)
		}
	}
	// Appending keeps the prefix.
	enc := AppendBeacon([]byte("prefix"), sample(3))
	if !bytes.HasPrefix(enc, []byte("prefix")) || len(enc) != len("prefix")+BeaconSize {
		t.Fatalf("append: % x", enc)
	}
}

func TestDecodeBeaconRejects(t *testing.T) {
	valid := AppendBeacon(nil, sample(9))
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(valid)) }
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"short header", []byte("x0t"), ErrMalformed},
		{"bad magic", mutate(func(b []byte) []byte { b[0] = 'X'; return b }), ErrMalformed},
		{"version 0", mutate(func(b []byte) []byte { b[4] = 0; return b }), ErrVersion},
		{"version 2", mutate(func(b []byte) []byte { b[4] = 2; return b }), ErrVersion},
		{"truncated", valid[:BeaconSize-1], ErrMalformed},
		{"header only", valid[:5], ErrMalformed},
		{"trailing byte", append(bytes.Clone(valid), 0), ErrMalformed},
		{"zero network", mutate(func(b []byte) []byte { clear(b[5:37]); return b }), ErrMalformed},
		{"zero node ID", mutate(func(b []byte) []byte { clear(b[37:69]); return b }), ErrMalformed},
		{"port 0", mutate(func(b []byte) []byte { b[69], b[70] = 0, 0; return b }), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeBeacon(tt.in); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestBeaconRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var b Beacon
		copy(b.Network[:], rapid.SliceOfN(rapid.Byte(), NetworkIDSize, NetworkIDSize).Draw(t, "network"))
		copy(b.NodeID[:], rapid.SliceOfN(rapid.Byte(), identity.NodeIDSize, identity.NodeIDSize).Draw(t, "id"))
		b.Port = rapid.Uint16().Draw(t, "port")
		got, err := DecodeBeacon(AppendBeacon(nil, b))
		valid := b.Network != [NetworkIDSize]byte{} && !b.NodeID.IsZero() && b.Port != 0
		if valid != (err == nil) {
			t.Fatalf("valid=%v err=%v", valid, err)
		}
		if err == nil && got != b {
			t.Fatalf("decoded %+v, want %+v", got, b)
		}
	})
}

func BenchmarkDecodeBeacon(b *testing.B) {
	enc := AppendBeacon(nil, sample(1))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeBeacon(enc); err != nil {
			b.Fatal(err)
		}
	}
}
