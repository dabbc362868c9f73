package secagg

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// msgType is the second byte of every encoded message.
type msgType uint8

// Message types, in protocol order.
const (
	typeAdvertiseKeys msgType = iota + 1
	typeRoster
	typeKeyCiphertexts
	typeKeyDelivery
	typeShareKeys
	typeShareDelivery
	typeMaskedInput
	typeUnmaskRequest
	typeUnmaskResponse
)

// String names t for error messages.
func (t msgType) String() string {
	names := [...]string{"", "AdvertiseKeys", "Roster", "KeyCiphertexts", "KeyDelivery",
		"ShareKeys", "ShareDelivery", "MaskedInput", "UnmaskRequest", "UnmaskResponse"}
	if int(t) < len(names) && t != 0 {
		return names[t]
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// Every message is
//
//	uint8  version (Version)
//	uint8  type
//	uint64 round
//	uint32 client   (sender, or recipient of a server message; absent in Roster)
//	...    body
//
// with big-endian integers, lists prefixed by their uint24 byte length,
// every list of client IDs strictly ascending, and no trailing bytes. The
// encoding of a message is therefore unique, and decoders check that.

// newBuilder starts a message of type t for round.
func newBuilder(t msgType, round uint64, sizeHint int) *cryptobyte.Builder {
	b := cryptobyte.NewBuilder(make([]byte, 0, sizeHint))
	b.AddUint8(Version)
	b.AddUint8(uint8(t))
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

// reader decodes one message, remembering the first error.
type reader struct {
	t   msgType
	s   cryptobyte.String
	err error
}

// newReader checks the header of data for type t and returns a reader
// positioned after it, with the round.
func newReader(t msgType, data []byte) (*reader, uint64, error) {
	r := &reader{t: t, s: cryptobyte.String(data)}
	var v, typ uint8
	var round uint64
	if !r.s.ReadUint8(&v) || !r.s.ReadUint8(&typ) || !r.s.ReadUint64(&round) {
		return nil, 0, fmt.Errorf("%w: %v: %d bytes is shorter than the header", ErrMalformed, t, len(data))
	}
	if v != Version {
		return nil, 0, fmt.Errorf("%w: %v: version %d, want %d", ErrVersion, t, v, Version)
	}
	if msgType(typ) != t {
		return nil, 0, fmt.Errorf("%w: got %v, want %v", ErrMalformed, msgType(typ), t)
	}
	return r, round, nil
}

// fail records the first error.
func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %v: %s", ErrMalformed, r.t, fmt.Sprintf(format, args...))
	}
}

// failLimit records an ErrLimit error.
func (r *reader) failLimit(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %v: %s", ErrLimit, r.t, fmt.Sprintf(format, args...))
	}
}

// u32 reads a uint32.
func (r *reader) u32(what string) uint32 {
	var v uint32
	if r.err == nil && !r.s.ReadUint32(&v) {
		r.fail("truncated %s", what)
	}
	return v
}

// id reads a nonzero client ID.
func (r *reader) id(what string) ClientID {
	v := r.u32(what)
	if r.err == nil && v == 0 {
		r.fail("%s is client 0", what)
	}
	return ClientID(v)
}

// bytes reads n bytes into a new slice.
func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	out := make([]byte, n)
	if !r.s.CopyBytes(out) {
		r.fail("truncated %s", what)
		return nil
	}
	return out
}

// list reads a uint24-prefixed list of entries of entrySize bytes each and
// calls read for each, with at most MaxClients entries.
func (r *reader) list(what string, entrySize int, read func(s *cryptobyte.String)) {
	if r.err != nil {
		return
	}
	var l cryptobyte.String
	if !r.s.ReadUint24LengthPrefixed(&l) {
		r.fail("truncated %s list", what)
		return
	}
	if len(l)%entrySize != 0 {
		r.fail("%s list of %d bytes is not a multiple of %d", what, len(l), entrySize)
		return
	}
	if n := len(l) / entrySize; n > MaxClients {
		r.failLimit("%d %s entries, at most %d", n, what, MaxClients)
		return
	}
	for !l.Empty() {
		read(&l)
	}
}

// ids reads a uint24-prefixed strictly ascending list of nonzero IDs.
func (r *reader) ids(what string) []ClientID {
	var out []ClientID
	r.list(what, 4, func(s *cryptobyte.String) {
		var v uint32
		s.ReadUint32(&v)
		out = append(out, ClientID(v))
	})
	if r.err == nil {
		if err := checkAscending(out); err != nil {
			r.fail("%s: %v", what, err)
		}
	}
	return out
}

// end checks that nothing follows the message.
func (r *reader) end() error {
	if r.err == nil && !r.s.Empty() {
		r.fail("%d trailing bytes", len(r.s))
	}
	return r.err
}

// checkAscending reports an error unless ids are nonzero and strictly
// ascending.
func checkAscending(ids []ClientID) error {
	for i, id := range ids {
		if id == 0 {
			return fmt.Errorf("client 0 at index %d", i)
		}
		if i > 0 && id <= ids[i-1] {
			return fmt.Errorf("client %d after %d: not strictly ascending", id, ids[i-1])
		}
	}
	return nil
}

// addIDs writes a uint24-prefixed list of IDs.
func addIDs(b *cryptobyte.Builder, ids []ClientID) {
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, id := range ids {
			b.AddUint32(uint32(id))
		}
	})
}

// checkIDs validates a list of IDs about to be encoded: at most MaxClients
// entries, nonzero and strictly ascending.
func checkIDs(t msgType, what string, ids []ClientID) error {
	if len(ids) > MaxClients {
		return fmt.Errorf("%w: %v: %d %s entries, at most %d", ErrLimit, t, len(ids), what, MaxClients)
	}
	if err := checkAscending(ids); err != nil {
		return fmt.Errorf("%w: %v: %s: %w", ErrMalformed, t, what, err)
	}
	return nil
}

// checkSize reports an error unless a blob about to be encoded has the
// wanted size.
func checkSize(t msgType, what string, got, want int) error {
	if got != want {
		return fmt.Errorf("%w: %v: %s of %d bytes, want %d", ErrMalformed, t, what, got, want)
	}
	return nil
}

// checkSender validates the client ID of a message about to be encoded.
func checkSender(t msgType, id ClientID) error {
	if id == 0 {
		return fmt.Errorf("%w: %v: client 0", ErrMalformed, t)
	}
	return nil
}
