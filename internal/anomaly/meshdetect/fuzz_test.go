package meshdetect

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func newRand() *rand.Rand { return rand.New(rand.NewPCG(7, 8)) }

// FuzzLoad checks that Load never panics, that what it accepts saves back to the same bytes, and
// that it accepts nothing larger than MaxDetectorFileSize.
func FuzzLoad(f *testing.F) {
	good := saved(f, tinyDetector(f))
	f.Add(good)
	f.Add(good[:detectorHeaderSize])
	f.Add(good[:len(good)/2])
	f.Add([]byte(detectorMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Load(bytes.NewReader(b))
		if err != nil {
			if d != nil {
				t.Fatal("a detector with an error")
			}
			return
		}
		if len(b) > MaxDetectorFileSize {
			t.Fatalf("accepted %d bytes", len(b))
		}
		var out bytes.Buffer
		if err := d.Save(&out); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), b) {
			t.Fatal("accepted file does not save back to the same bytes")
		}
	})
}
