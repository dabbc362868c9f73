package handshake

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func TestMeasureCost(t *testing.T) {
	n := 20
	if testing.Short() {
		n = 2
	}
	r, err := MeasureCost(rand.Reader, n)
	if err != nil {
		t.Fatal(err)
	}
	if r.Handshake <= 0 || r.HandshakeFullCert <= 0 || r.PrimitiveSum <= 0 {
		t.Fatalf("non-positive timings: %+v", r)
	}
	// The handshake performs every primitive it is compared with, so it cannot be much faster
	// than their sum; a ratio far below 1 means the accounting is wrong.
	if r.Ratio < 0.6 {
		t.Errorf("ratio %.2f: the handshake is faster than its primitives", r.Ratio)
	}
	t.Logf("\n%s", r)
	if r.Wire[0].Bytes != InitiationOverhead+typicalCertSize || r.Wire[2].Bytes != ResponseSize {
		t.Errorf("wire sizes %+v", r.Wire)
	}
	if !strings.Contains(r.String(), "ratio") {
		t.Error("String lacks the ratio")
	}
	if _, err := MeasureCost(rand.Reader, 0); !errors.Is(err, ErrConfig) {
		t.Errorf("n = 0: err = %v", err)
	}
	if _, err := MeasureCost(errReader{}, 1); err == nil {
		t.Error("MeasureCost without randomness succeeded")
	}
}

func TestWireSizes(t *testing.T) {
	for _, w := range WireSizes(typicalCertSize) {
		chunk := MaxDatagramSize - FragmentHeaderSize
		switch {
		case w.Bytes <= MaxDatagramSize && (w.Datagrams != 1 || w.WireBytes != w.Bytes):
			t.Errorf("%s: %+v", w.Name, w)
		case w.Bytes > MaxDatagramSize && (w.Datagrams != (w.Bytes+chunk-1)/chunk || w.WireBytes != w.Bytes+FragmentHeaderSize*w.Datagrams):
			t.Errorf("%s: %+v", w.Name, w)
		}
	}
}
