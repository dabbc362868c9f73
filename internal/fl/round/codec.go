package round

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// Every message is
//
//	uint8  version (Version)
//	uint8  type
//	uint32 epoch
//	uint64 round
//	...    body
//
// with big-endian integers, float64 values as their IEEE 754 bits, vectors
// as a uint32 count followed by the values, lists of node IDs as a uint16
// count followed by strictly ascending 32-byte IDs, and no trailing bytes.
// Every encoding is therefore unique, and Decode(b) re-encodes to b.

// flag bits of RoundStart.
const (
	flagDP     = 1 << 0
	flagSecAgg = 1 << 1
	knownFlags = flagDP | flagSecAgg
)

// Encode returns the canonical encoding of m.
func Encode(m Message) ([]byte, error) { return m.MarshalBinary() }

// Decode decodes one message of any type. It allocates no more than a
// small multiple of len(b) and returns an error wrapping ErrMalformed,
// ErrVersion or ErrLimit for bad input.
func Decode(b []byte) (Message, error) {
	if len(b) > MaxMessageSize {
		return nil, fmt.Errorf("%w: message of %d bytes, at most %d", ErrLimit, len(b), MaxMessageSize)
	}
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the header", ErrMalformed, len(b))
	}
	var m interface {
		Message
		UnmarshalBinary([]byte) error
	}
	switch msgType(b[1]) {
	case typeRoundStart:
		m = new(RoundStart)
	case typeUpdate:
		m = new(Update)
	case typeRefusal:
		m = new(Refusal)
	case typeSecAgg:
		m = new(SecAgg)
	case typeCheckpoint:
		m = new(Checkpoint)
	default:
		if b[0] != Version {
			return nil, fmt.Errorf("%w: version %d, want %d", ErrVersion, b[0], Version)
		}
		return nil, fmt.Errorf("%w: unknown message type %d", ErrMalformed, b[1])
	}
	if err := m.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return m, nil
}

// newBuilder starts a message of type t.
func newBuilder(t msgType, epoch uint32, round uint64, sizeHint int) *cryptobyte.Builder {
	b := cryptobyte.NewBuilder(make([]byte, 0, headerSize+sizeHint))
	b.AddUint8(Version)
	b.AddUint8(uint8(t))
	b.AddUint32(epoch)
	b.AddUint64(round)
	return b
}

// finish returns the bytes of b, mapping builder errors to ErrMalformed.
func finish(t msgType, b *cryptobyte.Builder) ([]byte, error) {
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: encoding %v: %w", ErrMalformed, t, err)
	}
	return out, nil
}

// encodeError returns an error about a message that cannot be encoded.
func encodeError(t msgType, sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: encoding %v: %s", sentinel, t, fmt.Sprintf(format, args...))
}

func addFloat(b *cryptobyte.Builder, x float64) { b.AddUint64(math.Float64bits(x)) }

// checkVector returns an error unless v can be encoded: at most MaxDim
// values, each finite and at most MaxAbsValue in magnitude.
func checkVector(t msgType, what string, v []float64) error {
	if len(v) > MaxDim {
		return encodeError(t, ErrLimit, "%s of %d values, at most %d", what, len(v), MaxDim)
	}
	if i := badValue(v); i >= 0 {
		return encodeError(t, ErrInvalidUpdate, "%s value %v at index %d", what, v[i], i)
	}
	return nil
}

// badValue returns the index of the first NaN, infinity or value beyond
// MaxAbsValue in v, or -1.
func badValue(v []float64) int {
	for i, x := range v {
		if !(math.Abs(x) <= MaxAbsValue) {
			return i
		}
	}
	return -1
}

// addVector writes a vector: its length, then the values' IEEE 754 bits.
func addVector(b *cryptobyte.Builder, v []float64) {
	b.AddUint32(uint32(len(v)))
	buf := make([]byte, 8*len(v))
	for i, x := range v {
		binary.BigEndian.PutUint64(buf[8*i:], math.Float64bits(x))
	}
	b.AddBytes(buf)
}

// checkIDs returns an error unless ids can be encoded: at most MaxClients,
// strictly ascending.
func checkIDs(t msgType, what string, ids []NodeID) error {
	if len(ids) > MaxClients {
		return encodeError(t, ErrLimit, "%d %s, at most %d", len(ids), what, MaxClients)
	}
	for i := 1; i < len(ids); i++ {
		if bytes.Compare(ids[i-1][:], ids[i][:]) >= 0 {
			return encodeError(t, ErrMalformed, "%s not strictly ascending at index %d", what, i)
		}
	}
	return nil
}

func addIDs(b *cryptobyte.Builder, ids []NodeID) {
	b.AddUint16(uint16(len(ids)))
	for _, id := range ids {
		b.AddBytes(id[:])
	}
}

// reader decodes one message, remembering the first error.
type reader struct {
	t   msgType
	s   cryptobyte.String
	err error
}

// newReader checks the header of data for type t and returns a reader
// positioned after it, with the epoch and round.
func newReader(t msgType, data []byte) (*reader, uint32, uint64, error) {
	if len(data) > MaxMessageSize {
		return nil, 0, 0, fmt.Errorf("%w: %v of %d bytes, at most %d", ErrLimit, t, len(data), MaxMessageSize)
	}
	r := &reader{t: t, s: cryptobyte.String(data)}
	var v, typ uint8
	var epoch uint32
	var round uint64
	if !r.s.ReadUint8(&v) || !r.s.ReadUint8(&typ) || !r.s.ReadUint32(&epoch) || !r.s.ReadUint64(&round) {
		return nil, 0, 0, fmt.Errorf("%w: %v: %d bytes is shorter than the header", ErrMalformed, t, len(data))
	}
	if v != Version {
		return nil, 0, 0, fmt.Errorf("%w: %v: version %d, want %d", ErrVersion, t, v, Version)
	}
	if msgType(typ) != t {
		return nil, 0, 0, fmt.Errorf("%w: got %v, want %v", ErrMalformed, msgType(typ), t)
	}
	return r, epoch, round, nil
}

// fail records the first error, wrapping sentinel.
func (r *reader) fail(sentinel error, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %v: %s", sentinel, r.t, fmt.Sprintf(format, args...))
	}
}

func (r *reader) u8(what string) uint8 {
	var v uint8
	if r.err == nil && !r.s.ReadUint8(&v) {
		r.fail(ErrMalformed, "truncated %s", what)
	}
	return v
}

func (r *reader) u16(what string) uint16 {
	var v uint16
	if r.err == nil && !r.s.ReadUint16(&v) {
		r.fail(ErrMalformed, "truncated %s", what)
	}
	return v
}

func (r *reader) u32(what string) uint32 {
	var v uint32
	if r.err == nil && !r.s.ReadUint32(&v) {
		r.fail(ErrMalformed, "truncated %s", what)
	}
	return v
}

func (r *reader) u64(what string) uint64 {
	var v uint64
	if r.err == nil && !r.s.ReadUint64(&v) {
		r.fail(ErrMalformed, "truncated %s", what)
	}
	return v
}

// float reads a finite float64 of magnitude at most MaxAbsValue.
func (r *reader) float(what string) float64 {
	x := math.Float64frombits(r.u64(what))
	if r.err == nil && !(math.Abs(x) <= MaxAbsValue) {
		r.fail(ErrMalformed, "%s is %v", what, x)
	}
	return x
}

// millis reads a duration in whole milliseconds, in (0, MaxRoundTimeout].
func (r *reader) millis(what string) time.Duration {
	d := time.Duration(r.u32(what)) * time.Millisecond
	if r.err == nil && (d <= 0 || d > MaxRoundTimeout) {
		r.fail(ErrMalformed, "%s %v not in (0, %v]", what, d, MaxRoundTimeout)
	}
	return d
}

// vector reads a vector of at most MaxDim finite values. It checks that
// the bytes are present before allocating.
func (r *reader) vector(what string) []float64 {
	n := r.u32(what + " length")
	if r.err != nil {
		return nil
	}
	if n > MaxDim {
		r.fail(ErrLimit, "%s of %d values, at most %d", what, n, MaxDim)
		return nil
	}
	var raw []byte
	if !r.s.ReadBytes(&raw, 8*int(n)) {
		r.fail(ErrMalformed, "truncated %s: %d values need %d bytes, %d left", what, n, 8*uint64(n), len(r.s))
		return nil
	}
	v := make([]float64, n)
	for i := range v {
		x := math.Float64frombits(binary.BigEndian.Uint64(raw[8*i:]))
		if !(math.Abs(x) <= MaxAbsValue) {
			r.fail(ErrMalformed, "%s value %v at index %d", what, x, i)
			return nil
		}
		v[i] = x
	}
	return v
}

// ids reads a strictly ascending list of at most MaxClients node IDs.
func (r *reader) ids(what string) []NodeID {
	n := int(r.u16(what + " count"))
	if r.err != nil {
		return nil
	}
	if n > MaxClients {
		r.fail(ErrLimit, "%d %s, at most %d", n, what, MaxClients)
		return nil
	}
	if len(r.s) < n*idSize {
		r.fail(ErrMalformed, "truncated %s", what)
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]NodeID, n)
	for i := range out {
		r.s.CopyBytes(out[i][:])
		if i > 0 && bytes.Compare(out[i-1][:], out[i][:]) >= 0 {
			r.fail(ErrMalformed, "%s not strictly ascending at index %d", what, i)
			return nil
		}
	}
	return out
}

// string8 reads a string of at most max bytes with a uint8 length.
func (r *reader) string8(what string, max int) string {
	var s cryptobyte.String
	if r.err == nil && !r.s.ReadUint8LengthPrefixed(&s) {
		r.fail(ErrMalformed, "truncated %s", what)
	}
	if r.err == nil && len(s) > max {
		r.fail(ErrLimit, "%s of %d bytes, at most %d", what, len(s), max)
	}
	if r.err != nil {
		return ""
	}
	return string(s)
}

// end checks that nothing follows the message.
func (r *reader) end() error {
	if r.err == nil && !r.s.Empty() {
		r.fail(ErrMalformed, "%d trailing bytes", len(r.s))
	}
	return r.err
}
