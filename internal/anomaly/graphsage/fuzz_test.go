package graphsage

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load. Load must not panic, must classify every failure with one
// of the sentinel errors, and a model it accepts must be within the limits, have finite parameters
// and save back to exactly the input bytes.
func FuzzLoad(f *testing.F) {
	for _, agg := range []Aggregator{AggregatorMean, AggregatorGCN, AggregatorPool} {
		f.Add(smallModelFile(f, agg, HeadSoftmax, false))
	}
	valid := smallModelFile(f, AggregatorGCN, HeadBinary, true)
	f.Add(valid)
	f.Add(valid[:headerSize])
	f.Add(valid[:len(valid)-1])
	f.Add(append(bytes.Clone(valid), 0))
	flipped := bytes.Clone(valid)
	flipped[headerSize] ^= 0x40
	f.Add(flipped)
	f.Add(rehash(flipped))
	f.Add([]byte(fileMagic))
	f.Add([]byte{})
	sentinels := []error{ErrMagic, ErrVersion, ErrArchitecture, ErrTruncated, ErrTooLarge, ErrHash, ErrNonFinite}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(bytes.NewReader(data))
		if err != nil {
			if m != nil {
				t.Fatal("a model and an error")
			}
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("unclassified error: %v", err)
		}
		if len(data) > MaxModelFileSize || m.NumParams() > MaxParams {
			t.Fatalf("accepted %d bytes, %d parameters", len(data), m.NumParams())
		}
		for i, p := range m.Params() {
			if math.IsNaN(p) || math.IsInf(p, 0) {
				t.Fatalf("parameter %d is %v", i, p)
			}
		}
		var buf bytes.Buffer
		if err := m.Save(&buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatal("saving the loaded model does not reproduce the file")
		}
	})
}
