package meshdetect

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	d := tinyDetector(t)
	b := saved(t, d)
	got, err := Load(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(saved(t, got), b) {
		t.Fatal("a loaded detector saves to other bytes")
	}
	if got.mean != d.mean || got.std != d.std {
		t.Fatal("statistics changed")
	}
	h1, _ := d.Hash()
	h2, _ := got.Hash()
	if h1 != h2 {
		t.Fatal("hash changed")
	}
}

// rehash recomputes the SHA-256 trailer of a detector file after an edit.
func rehash(b []byte) []byte {
	b = append([]byte(nil), b...)
	n := len(b) - detectorHashSize
	sum := sha256.Sum256(b[:n])
	copy(b[n:], sum[:])
	return b
}

func TestLoadCorruption(t *testing.T) {
	good := saved(t, tinyDetector(t))
	v := len(detectorMagic)
	statAt := detectorHeaderSize
	modelAt := detectorHeaderSize + statsSize
	set := func(off int, f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b[off:])
		return rehash(b)
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"not ours", []byte("hello world, not a detector at all"), ErrMagic},
		{"short magic", []byte("X0M"), ErrTruncated},
		{"other magic", append([]byte("X0GSAGE\x00"), good[8:]...), ErrMagic},
		{"header cut", good[:detectorHeaderSize-1], ErrTruncated},
		{"version", set(v, func(b []byte) { binary.LittleEndian.PutUint16(b, 2) }), ErrVersion},
		{"schema 1 (before per-destination relay counts)", set(v+2, func(b []byte) { binary.LittleEndian.PutUint16(b, 1) }), ErrMismatch},
		{"schema", set(v+2, func(b []byte) { binary.LittleEndian.PutUint16(b, SchemaVersion+1) }), ErrMismatch},
		{"features", set(v+4, func(b []byte) { binary.LittleEndian.PutUint32(b, NumFeatures-1) }), ErrMismatch},
		{"classes", set(v+8, func(b []byte) { binary.LittleEndian.PutUint32(b, 2) }), ErrMismatch},
		{"model length huge", set(v+12, func(b []byte) { binary.LittleEndian.PutUint64(b, math.MaxUint64) }), ErrTooLarge},
		{"model length long", set(v+12, func(b []byte) { binary.LittleEndian.PutUint64(b, uint64(len(good))) }), ErrTruncated},
		{"stats cut", good[:statAt+5], ErrTruncated},
		{"mean NaN", set(statAt, func(b []byte) { binary.LittleEndian.PutUint64(b, math.Float64bits(math.NaN())) }), ErrCorrupt},
		{"std zero", set(statAt+8*NumFeatures, func(b []byte) { binary.LittleEndian.PutUint64(b, 0) }), ErrCorrupt},
		{"std inf", set(statAt+8*NumFeatures, func(b []byte) { binary.LittleEndian.PutUint64(b, math.Float64bits(math.Inf(1))) }), ErrCorrupt},
		{"model cut", good[:modelAt+10], ErrTruncated},
		{"hash cut", good[:len(good)-1], ErrTruncated},
		{"bit flip", func() []byte { b := append([]byte(nil), good...); b[modelAt+100] ^= 1; return b }(), ErrHash},
		{"trailing", append(append([]byte(nil), good...), 0), ErrTooLarge},
		{"embedded model magic", set(modelAt, func(b []byte) { b[0] = 'Y' }), graphsage.ErrMagic},
		{"embedded model hash", set(modelAt+100, func(b []byte) { b[0] ^= 1 }), graphsage.ErrHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Load(bytes.NewReader(tc.in))
			if !errors.Is(err, tc.want) || d != nil {
				t.Fatalf("Load = %v, %v; want %v", d, err, tc.want)
			}
		})
	}
}

func TestLoadWrongEmbeddedShape(t *testing.T) {
	// A valid graphsage model with another input width, wrapped in a valid detector file.
	arch := graphsage.Architecture{Aggregator: graphsage.AggregatorMean, Head: graphsage.HeadSoftmax, Layers: 1,
		InDim: NumFeatures + 1, Hidden: 2, Classes: int(NumClasses)}
	m, err := graphsage.New(arch, newRand())
	if err != nil {
		t.Fatal(err)
	}
	d := tinyDetector(t)
	d.model = m
	if _, err := Load(bytes.NewReader(saved(t, d))); !errors.Is(err, ErrMismatch) {
		t.Fatalf("Load = %v, want ErrMismatch", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

type failReader struct{ b []byte }

func (r *failReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errors.New("device gone")
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func TestSaveLoadIOErrors(t *testing.T) {
	d := tinyDetector(t)
	if err := d.Save(failWriter{}); err == nil {
		t.Fatal("Save to a failing writer succeeded")
	}
	good := saved(t, d)
	for _, n := range []int{10, detectorHeaderSize + 3, detectorHeaderSize + statsSize + 3, len(good) - 3} {
		_, err := Load(&failReader{b: good[:n]})
		if err == nil || errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at %d: Load = %v, want a read error", n, err)
		}
	}
}
