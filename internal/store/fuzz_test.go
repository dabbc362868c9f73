package store

import (
	"bytes"
	"errors"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// fuzzDecoder checks, for any input, that dec does not panic, that a
// refusal wraps ErrMalformed, and that an accepted value re-encodes within
// MaxValueSize to a canonical form that decodes to the same encoding.
func fuzzDecoder[T any](t *testing.T, b []byte, dec func([]byte) (T, error), enc func(T) ([]byte, error)) {
	v, err := dec(b)
	if err != nil {
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("error does not wrap ErrMalformed: %v", err)
		}
		return
	}
	e1, err := enc(v)
	if err != nil {
		t.Fatalf("decoded value does not encode: %v", err)
	}
	if len(e1) > MaxValueSize || e1[0] != ValueVersion {
		t.Fatalf("encoding of %d bytes, version %d", len(e1), e1[0])
	}
	v2, err := dec(e1)
	if err != nil {
		t.Fatalf("canonical encoding does not decode: %v", err)
	}
	e2, err := enc(v2)
	if err != nil || !bytes.Equal(e1, e2) {
		t.Fatalf("round trip changed the value:\n%s\n%s", e1, e2)
	}
}

// seed returns a function that unwraps an encoder's result for f.Add.
func seed(f *testing.F) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
}

func FuzzDecodeIncident(f *testing.F) {
	f.Add(seed(f)(EncodeIncident(sampleIncident(1))))
	f.Add([]byte{ValueVersion, '{', '}'})
	f.Add([]byte("\x01{\"ID\":1,\"Kind\":1,\"Decider\":1,\"Extra\":0}"))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzDecoder(t, b, DecodeIncident, EncodeIncident) })
}

func FuzzDecodeAction(f *testing.F) {
	f.Add(seed(f)(EncodeAction(sampleAction(1))))
	f.Add([]byte("\x01{\"ID\":1,\"Kind\":1,\"Symptom\":1,\"Outcome\":1} {}"))
	f.Add([]byte{2})
	f.Fuzz(func(t *testing.T, b []byte) { fuzzDecoder(t, b, DecodeAction, EncodeAction) })
}

func FuzzDecodeAudit(f *testing.F) {
	f.Add(seed(f)(EncodeAudit(sampleAudit(1, 2))))
	f.Add(seed(f)(EncodeAudit(mapek.AuditRecord{Stage: mapek.StageMonitor, Event: mapek.EventInvalidSnapshot})))
	f.Add([]byte("\x01{\"Stage\":1,\"Event\":\"x\",\"Evidence\":{\"a\":1e400}}"))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzDecoder(t, b, DecodeAudit, EncodeAudit) })
}

func FuzzDecodeBaseline(f *testing.F) {
	f.Add(seed(f)(EncodeBaseline(sampleBaseline(3))))
	f.Add([]byte("\x01{\"Peer\":\"00\",\"Loss\":0.5}"))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzDecoder(t, b, DecodeBaseline, EncodeBaseline) })
}
