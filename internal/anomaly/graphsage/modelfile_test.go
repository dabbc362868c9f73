package graphsage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
	"testing"
	"testing/iotest"
)

// smallModelFile returns a valid model file of a small random model.
func smallModelFile(t testing.TB, agg Aggregator, head Head, normalize bool) []byte {
	t.Helper()
	classes := 3
	if head == HeadBinary {
		classes = 2
	}
	arch := Architecture{Aggregator: agg, Head: head, Layers: 2, InDim: 4, Hidden: 3, Classes: classes,
		Normalize: normalize, RowNormalize: !normalize}
	m, err := New(arch, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rehash replaces the SHA-256 trailer of a model file with the hash of its content.
func rehash(file []byte) []byte {
	out := slices.Clone(file)
	sum := sha256.Sum256(out[:len(out)-hashSize])
	copy(out[len(out)-hashSize:], sum[:])
	return out
}

func TestSaveLoadRoundTrip(t *testing.T) {
	g := randomGraph(t, newRNG(1), 20, 4, 2, 3, false)
	for _, agg := range []Aggregator{AggregatorMean, AggregatorGCN, AggregatorPool} {
		for _, head := range []Head{HeadSoftmax, HeadBinary} {
			for _, normalize := range []bool{false, true} {
				arch := Architecture{Aggregator: agg, Head: head, Layers: 3, InDim: 4, Hidden: 5, Classes: 2,
					Normalize: normalize, RowNormalize: !normalize}
				m, err := New(arch, newRNG(2))
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := m.Save(&buf); err != nil {
					t.Fatal(err)
				}
				if want := headerSize + 8*m.NumParams() + hashSize; buf.Len() != want {
					t.Fatalf("file has %d bytes, want %d", buf.Len(), want)
				}
				file := slices.Clone(buf.Bytes())
				got, err := Load(&buf)
				if err != nil {
					t.Fatalf("%v/%v/%v: %v", agg, head, normalize, err)
				}
				if got.Architecture() != arch || !slices.Equal(got.Params(), m.Params()) {
					t.Fatalf("%v/%v/%v: loaded model differs", agg, head, normalize)
				}
				p1, _ := m.Predict(g)
				p2, _ := got.Predict(g)
				if !slices.EqualFunc(p1, p2, slices.Equal) {
					t.Errorf("%v/%v/%v: loaded model predicts differently", agg, head, normalize)
				}
				var again bytes.Buffer
				if err := got.Save(&again); err != nil || !bytes.Equal(again.Bytes(), file) {
					t.Errorf("%v/%v/%v: re-saved file differs", agg, head, normalize)
				}
			}
		}
	}
}

func TestLoadRejects(t *testing.T) {
	valid := smallModelFile(t, AggregatorMean, HeadSoftmax, false)
	mutate := func(f func([]byte) []byte) []byte { return f(slices.Clone(valid)) }
	setU32 := func(off int, v uint32) []byte {
		return rehash(mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b }))
	}
	const archOff = len(fileMagic) + 2 // aggregator, head, flags, layers, then in, hidden, classes
	tests := []struct {
		name string
		file []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short magic", []byte("X0GS"), ErrTruncated},
		{"wrong short magic", []byte("PK\x03\x04"), ErrMagic},
		{"wrong magic", mutate(func(b []byte) []byte { b[0] = 'Y'; return b }), ErrMagic},
		{"version 2", rehash(mutate(func(b []byte) []byte { b[8] = 2; return b })), ErrVersion},
		{"version 0", rehash(mutate(func(b []byte) []byte { b[8] = 0; return b })), ErrVersion},
		{"unknown aggregator", rehash(mutate(func(b []byte) []byte { b[archOff] = 9; return b })), ErrArchitecture},
		{"unknown head", rehash(mutate(func(b []byte) []byte { b[archOff+1] = 0; return b })), ErrArchitecture},
		{"unknown flag", rehash(mutate(func(b []byte) []byte { b[archOff+2] |= 0x80; return b })), ErrArchitecture},
		{"zero layers", rehash(mutate(func(b []byte) []byte { b[archOff+3] = 0; return b })), ErrArchitecture},
		{"other aggregator, same count", rehash(mutate(func(b []byte) []byte { b[archOff] = byte(AggregatorGCN); return b })), ErrArchitecture},
		{"wider input", setU32(archOff+4, 5), ErrArchitecture},
		{"zero classes", setU32(archOff+12, 0), ErrArchitecture},
		{"huge architecture", rehash(mutate(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[archOff+4:], MaxInDim)
			binary.LittleEndian.PutUint32(b[archOff+8:], MaxHidden)
			return b
		})), ErrTooLarge},
		{"parameter count", rehash(mutate(func(b []byte) []byte { b[headerSize-8]++; return b })), ErrArchitecture},
		{"truncated header", valid[:headerSize-1], ErrTruncated},
		{"truncated parameters", valid[:headerSize+12], ErrTruncated},
		{"truncated hash", valid[:len(valid)-1], ErrTruncated},
		{"no hash", valid[:len(valid)-hashSize], ErrTruncated},
		{"trailing byte", append(slices.Clone(valid), 0), ErrTooLarge},
		{"flipped parameter bit", mutate(func(b []byte) []byte { b[headerSize+3] ^= 1; return b }), ErrHash},
		{"flipped hash bit", mutate(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrHash},
		{"NaN parameter", rehash(mutate(func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[headerSize+8:], math.Float64bits(math.NaN()))
			return b
		})), ErrNonFinite},
		{"infinite parameter", rehash(mutate(func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[headerSize:], math.Float64bits(math.Inf(-1)))
			return b
		})), ErrNonFinite},
	}
	for _, tt := range tests {
		m, err := Load(bytes.NewReader(tt.file))
		if !errors.Is(err, tt.want) || m != nil {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := Load(bytes.NewReader(valid)); err != nil {
		t.Fatalf("the unmodified file: %v", err)
	}
}

func TestLoadReadErrors(t *testing.T) {
	valid := smallModelFile(t, AggregatorGCN, HeadSoftmax, false)
	boom := errors.New("disk on fire")
	for _, cut := range []int{0, headerSize, headerSize + 8, len(valid) - hashSize} {
		r := io.MultiReader(bytes.NewReader(valid[:cut]), iotest.ErrReader(boom))
		if _, err := Load(r); !errors.Is(err, boom) && !errors.Is(err, ErrMagic) {
			t.Errorf("read error after %d bytes: %v", cut, err)
		}
	}
	// One byte at a time works.
	if _, err := Load(iotest.OneByteReader(bytes.NewReader(valid))); err != nil {
		t.Errorf("one-byte reader: %v", err)
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after < len(p) {
		n := max(w.after, 0)
		w.after = 0
		return n, errors.New("disk full")
	}
	w.after -= len(p)
	return len(p), nil
}

func TestSaveWriteErrors(t *testing.T) {
	valid := smallModelFile(t, AggregatorGCN, HeadSoftmax, false)
	m, err := Load(bytes.NewReader(valid))
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []int{0, len(valid) - hashSize} {
		if err := m.Save(&failWriter{after: after}); err == nil {
			t.Errorf("Save into a writer failing after %d bytes succeeded", after)
		}
	}
}
