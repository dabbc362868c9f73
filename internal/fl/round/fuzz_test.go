package round

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzDecode seed files")

// decodedSize returns the bytes of vectors, ID lists and payloads a
// decoded message holds: Decode may allocate no more than its input.
func decodedSize(m Message) int {
	switch m := m.(type) {
	case *RoundStart:
		return 8 * len(m.Params)
	case *Update:
		return 8 * len(m.Delta)
	case *Refusal:
		return len(m.Detail)
	case *SecAgg:
		return len(m.Payload)
	case *Checkpoint:
		return 8*len(m.Model.Params) + idSize*(len(m.Model.Participants)+len(m.Excluded)) +
			(idSize+4)*len(m.Participation) + len(m.Model.Strategy)
	}
	return 0
}

// FuzzDecode decodes arbitrary bytes: anything that decodes re-encodes to
// the same bytes (the format is canonical) and holds no more data than the
// input; anything else fails with one of the package's sentinel errors.
func FuzzDecode(f *testing.F) {
	for _, b := range seedCorpus(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrLimit) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		out, err := Encode(m)
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, out)
		}
		if n := decodedSize(m); n > len(b) {
			t.Fatalf("%d bytes of data from %d bytes of input", n, len(b))
		}
	})
}

// seedCorpus returns the encoded samples and broken variants of them.
func seedCorpus(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	for name, m := range sampleMessages() {
		b, err := m.MarshalBinary()
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = b
		out[name+"-truncated"] = b[:len(b)-1]
		out[name+"-trailing"] = append(slices.Clone(b), 0)
		out[name+"-version"] = patch(b, 0, Version+1)
	}
	out["empty"] = []byte{}
	out["header-only"] = []byte{Version, byte(typeUpdate), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	return out
}

// TestFuzzSeedFiles checks the seed files of FuzzDecode: one per corpus
// entry, each holding exactly the corpus bytes. With -update-seeds it
// rewrites them.
func TestFuzzSeedFiles(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	corpus := seedCorpus(t)
	if *updateSeeds {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range corpus {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, want := range corpus {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v (run with -update-seeds)", name, err)
		}
		got, err := parseSeed(raw)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: seed file differs from the corpus (%v); run with -update-seeds", name, err)
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
