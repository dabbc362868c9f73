package secagg

import (
	"bytes"
	"encoding"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz seed files")

// sampleMessages runs a small round (n = 4, one client dropping before
// masking so that every list kind is non-empty) and returns one encoded
// message of each type, keyed by the name of its fuzz target.
func sampleMessages(tb failer) map[string][]byte {
	tb.Helper()
	p := testParams(4, 3, 0)
	r := newRound(tb, p, 4, map[ClientID]int{13: dropBeforeMask}, 1)
	out := map[string][]byte{}
	enc := func(name string, m encoding.BinaryMarshaler) {
		if _, ok := out[name]; ok {
			return
		}
		b, err := m.MarshalBinary()
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = b
	}
	c := r.clients[4]
	adv, err := c.Advertise()
	if err != nil {
		tb.Fatal(err)
	}
	enc("FuzzAdvertiseKeys", adv)
	if err := r.server.HandleAdvertise(adv); err != nil {
		tb.Fatal(err)
	}
	for _, id := range r.ids[1:] {
		m, _ := r.clients[id].Advertise()
		if err := r.server.HandleAdvertise(m); err != nil {
			tb.Fatal(err)
		}
	}
	roster, err := r.server.Roster(testRand(2))
	if err != nil {
		tb.Fatal(err)
	}
	enc("FuzzRoster", roster)
	for _, id := range r.ids {
		m, err := r.clients[id].HandleRoster(roster)
		if err != nil {
			tb.Fatal(err)
		}
		enc("FuzzKeyCiphertexts", m)
		if err := r.server.HandleKeyCiphertexts(m); err != nil {
			tb.Fatal(err)
		}
	}
	kd, err := r.server.KeyDeliveries()
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range kd {
		if len(d.Ciphertexts) > 0 {
			enc("FuzzKeyDelivery", d)
		}
		m, err := r.clients[d.To].HandleKeyDelivery(d)
		if err != nil {
			tb.Fatal(err)
		}
		enc("FuzzShareKeys", m)
		if err := r.server.HandleShareKeys(m); err != nil {
			tb.Fatal(err)
		}
	}
	sd, err := r.server.ShareDeliveries()
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range sd {
		enc("FuzzShareDelivery", d)
		if !r.alive(d.To, dropBeforeMask) {
			continue
		}
		m, err := r.clients[d.To].HandleShareDelivery(d, r.inputs[d.To])
		if err != nil {
			tb.Fatal(err)
		}
		enc("FuzzMaskedInput", m)
		if err := r.server.HandleMaskedInput(m); err != nil {
			tb.Fatal(err)
		}
	}
	reqs, err := r.server.UnmaskRequests()
	if err != nil {
		tb.Fatal(err)
	}
	for _, q := range reqs {
		enc("FuzzUnmaskRequest", q)
		m, err := r.clients[q.To].HandleUnmaskRequest(q)
		if err != nil {
			tb.Fatal(err)
		}
		enc("FuzzUnmaskResponse", m)
	}
	return out
}

// seedVariants returns the valid message b and damaged copies of it: cut
// short, with a trailing byte, another version, another type, and a list
// length byte changed.
func seedVariants(b []byte) map[string][]byte {
	mut := func(f func(c []byte) []byte) []byte { return f(bytes.Clone(b)) }
	return map[string][]byte{
		"valid":         b,
		"truncated":     b[:len(b)-1],
		"header-only":   b[:headerSize],
		"trailing":      append(bytes.Clone(b), 0),
		"version-2":     mut(func(c []byte) []byte { c[0] = 2; return c }),
		"wrong-type":    mut(func(c []byte) []byte { c[1] ^= 0x0f; return c }),
		"length-byte+1": mut(func(c []byte) []byte { c[headerSize+6]++; return c }),
	}
}

// fuzzDecoder is the body shared by the decoder fuzz targets: a rejected
// input gets one of the package's decode errors; an accepted one
// re-encodes to exactly the input (the encoding is canonical), stays
// within the limits and passes check.
func fuzzDecoder[M any, P interface {
	*M
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}](f *testing.F, check func(t *testing.T, m P, in []byte)) {
	seeds := sampleMessages(f)
	name := f.Name()
	b, ok := seeds[name]
	if !ok {
		f.Fatalf("no sample message for %s", name)
	}
	for _, v := range seedVariants(b) {
		f.Add(v)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		m := P(new(M))
		err := m.UnmarshalBinary(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrLimit) {
				t.Fatalf("decode error %v wraps no decode sentinel", err)
			}
			return
		}
		out, err := m.MarshalBinary()
		if err != nil {
			t.Fatalf("accepted message does not re-encode: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("re-encoding differs: %d bytes in, %d out", len(in), len(out))
		}
		check(t, m, in)
	})
}

// bounded fails if a decoded list is longer than MaxClients.
func bounded(t *testing.T, n int) {
	t.Helper()
	if n > MaxClients {
		t.Fatalf("decoded %d entries, more than MaxClients", n)
	}
}

func FuzzAdvertiseKeys(f *testing.F) {
	fuzzDecoder(f, func(t *testing.T, m *AdvertiseKeys, in []byte) {
		if m.From == 0 || len(m.PublicKey) != PublicKeySize {
			t.Fatalf("accepted sender %d with %d-byte key", m.From, len(m.PublicKey))
		}
	})
}

func FuzzRoster(f *testing.F) {
	fuzzDecoder(f, func(t *testing.T, m *Roster, in []byte) {
		bounded(t, len(m.Clients))
		if err := m.Params.Validate(); err != nil {
			t.Fatalf("accepted invalid parameters: %v", err)
		}
	})
}

func FuzzKeyCiphertexts(f *testing.F) {
	fuzzDecoder(f, func(t *testing.T, m *KeyCiphertexts, in []byte) {
		bounded(t, len(m.Ciphertexts))
	})
}

func FuzzKeyDelivery(f *testing.F) {
	fuzzDecoder(f, func(t *testing.T, m *KeyDelivery, in []byte) {
		bounded(t, len(m.Active))
		bounded(t, len(m.Ciphertexts))
	})
}

func FuzzShareKeys(f *testing.F) {
	fuzzDecoder(f, func(t *testing.T, m *ShareKeys, in []byte) {
		bounded(t, len(m.Shares))
	})
}

func FuzzShareDelivery(f *testing.F) {
	fuzzDecoder(f, func(t *testing.T, m *ShareDelivery, in []byte) {
		bounded(t, len(m.Shares))
	})
}

func FuzzMaskedInput(f *testing.F) {
	fuzzDecoder(f, func(t *testing.T, m *MaskedInput, in []byte) {
		if len(m.Masked) == 0 || len(m.Masked) > MaxDim || 4*len(m.Masked) > len(in) {
			t.Fatalf("decoded %d words from %d bytes", len(m.Masked), len(in))
		}
	})
}

func FuzzUnmaskRequest(f *testing.F) {
	fuzzDecoder(f, func(t *testing.T, m *UnmaskRequest, in []byte) {
		bounded(t, len(m.Alive))
		bounded(t, len(m.Dropped))
	})
}

func FuzzUnmaskResponse(f *testing.F) {
	fuzzDecoder(f, func(t *testing.T, m *UnmaskResponse, in []byte) {
		bounded(t, len(m.Shares))
		for _, s := range m.Shares {
			if v := elt(s.Share); !canonical(&v) || (s.Kind != SelfMaskShare && s.Kind != RecoveryShare) {
				t.Fatalf("accepted share %+v", s)
			}
		}
	})
}

// TestFuzzSeedFiles checks the seed corpora in testdata/fuzz: every target
// has its files, and the "valid" one decodes. With -update-seeds it
// rewrites them from a fresh round.
func TestFuzzSeedFiles(t *testing.T) {
	samples := sampleMessages(t)
	if len(samples) != 9 {
		t.Fatalf("%d sample messages, want 9", len(samples))
	}
	decoders := map[string]encoding.BinaryUnmarshaler{
		"FuzzAdvertiseKeys": &AdvertiseKeys{}, "FuzzRoster": &Roster{},
		"FuzzKeyCiphertexts": &KeyCiphertexts{}, "FuzzKeyDelivery": &KeyDelivery{},
		"FuzzShareKeys": &ShareKeys{}, "FuzzShareDelivery": &ShareDelivery{},
		"FuzzMaskedInput": &MaskedInput{}, "FuzzUnmaskRequest": &UnmaskRequest{},
		"FuzzUnmaskResponse": &UnmaskResponse{},
	}
	for name, b := range samples {
		dir := filepath.Join("testdata", "fuzz", name)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for v, data := range seedVariants(b) {
				body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
				if err := os.WriteFile(filepath.Join(dir, v), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		raw, err := os.ReadFile(filepath.Join(dir, "valid"))
		if err != nil {
			t.Fatalf("%s: %v (run with -update-seeds)", name, err)
		}
		data, err := parseSeed(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := decoders[name].UnmarshalBinary(data); err != nil {
			t.Errorf("%s: valid seed does not decode: %v", name, err)
		}
	}
}

// parseSeed reads a one-value "go test fuzz v1" file.
func parseSeed(raw []byte) ([]byte, error) {
	const head = "go test fuzz v1\n[]byte("
	s := string(raw)
	if len(s) < len(head)+2 || s[:len(head)] != head || s[len(s)-2:] != ")\n" {
		return nil, errors.New("not a go test fuzz v1 []byte file")
	}
	v, err := strconv.Unquote(s[len(head) : len(s)-2])
	return []byte(v), err
}
