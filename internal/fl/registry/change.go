package registry

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// ChangeKind tells the two ways the current version changes apart.
type ChangeKind uint8

// The kinds of changes of the current version.
const (
	// ChangeAccept is a new version accepted from a coordinator.
	ChangeAccept ChangeKind = 1
	// ChangeRollback is an operator's return to an earlier version.
	ChangeRollback ChangeKind = 2
)

// String returns "accept", "rollback" or a number for an unknown kind.
func (k ChangeKind) String() string {
	switch k {
	case ChangeAccept:
		return "accept"
	case ChangeRollback:
		return "rollback"
	}
	return fmt.Sprintf("change(%d)", uint8(k))
}

func (k ChangeKind) valid() bool { return k == ChangeAccept || k == ChangeRollback }

// Change is one entry of the history: the current version changed from
// From to To.
type Change struct {
	// Seq numbers the changes of a store from 1, without holes; pruning
	// removes the oldest.
	Seq uint64
	// At is when the change was made (UTC).
	At time.Time
	// Kind is ChangeAccept or ChangeRollback.
	Kind ChangeKind
	// From is the version current before; zero for the first acceptance.
	From ID
	// To is the version current after.
	To ID
	// Round is the round of To.
	Round uint64
	// Reason says why: the coordinator and participants of an accepted
	// version, the operator's words for a rollback.
	Reason string
}

// checkTime returns what makes t unfit for the store: a time outside the
// range of int64 Unix nanoseconds from 1970.
func checkTime(t time.Time) error {
	if !inTimeRange(t) {
		return fmt.Errorf("time %s out of range", t.UTC().Format(time.RFC3339))
	}
	return nil
}

// encodeChange returns the stored value of c: value version, time (Unix
// ns), kind, from, to, round and the reason (u16 length, bytes).
func encodeChange(c Change) ([]byte, error) {
	if err := checkTime(c.At); err != nil {
		return nil, fmt.Errorf("%w: change: %w", ErrInvalid, err)
	}
	if err := checkReason(c.Reason); err != nil {
		return nil, fmt.Errorf("%w: change: %w", ErrInvalid, err)
	}
	if !c.Kind.valid() {
		return nil, fmt.Errorf("%w: change kind %d", ErrInvalid, uint8(c.Kind))
	}
	b := cryptobyte.NewFixedBuilder(make([]byte, 0, 1+8+1+2*IDSize+8+2+len(c.Reason)))
	b.AddUint8(valueVersion)
	b.AddUint64(uint64(c.At.UnixNano()))
	b.AddUint8(uint8(c.Kind))
	b.AddBytes(c.From[:])
	b.AddBytes(c.To[:])
	b.AddUint64(c.Round)
	b.AddUint16(uint16(len(c.Reason)))
	b.AddBytes([]byte(c.Reason))
	return b.Bytes()
}

// decodeChange parses a value written by encodeChange; errors wrap
// ErrMalformed.
func decodeChange(seq uint64, v []byte) (Change, error) {
	c := Change{Seq: seq}
	s := cryptobyte.String(v)
	var version, kind uint8
	var at uint64
	var from, to []byte
	var reason cryptobyte.String
	if !s.ReadUint8(&version) || version != valueVersion {
		return c, fmt.Errorf("%w: change of unknown value version", ErrMalformed)
	}
	if !s.ReadUint64(&at) || !s.ReadUint8(&kind) || !s.ReadBytes(&from, IDSize) || !s.ReadBytes(&to, IDSize) ||
		!s.ReadUint64(&c.Round) || !s.ReadUint16LengthPrefixed(&reason) || !s.Empty() {
		return c, fmt.Errorf("%w: change truncated or with trailing data", ErrMalformed)
	}
	if at > math.MaxInt64 {
		return c, fmt.Errorf("%w: change time %d out of range", ErrMalformed, at)
	}
	c.At, c.Kind, c.Reason = time.Unix(0, int64(at)).UTC(), ChangeKind(kind), string(reason)
	copy(c.From[:], from)
	copy(c.To[:], to)
	if !c.Kind.valid() {
		return c, fmt.Errorf("%w: change kind %d", ErrMalformed, kind)
	}
	if err := checkReason(c.Reason); err != nil {
		return c, fmt.Errorf("%w: change: %w", ErrMalformed, err)
	}
	return c, nil
}

// Version is a stored model version without its payload.
type Version struct {
	Header
	// ID is the version's ID.
	ID ID
	// AcceptedAt is when this store accepted the version (UTC).
	AcceptedAt time.Time
	// Current reports whether the version is the store's current one.
	Current bool
}

// encodeVersion returns the stored value of an accepted version: value
// version, acceptance time (Unix ns) and the envelope (body and
// signature).
func encodeVersion(at time.Time, env []byte) []byte {
	b := make([]byte, 0, versionValueFixed+len(env))
	b = append(b, valueVersion)
	b = append(b, u64(uint64(at.UnixNano()))...)
	return append(b, env...)
}

// decodeVersion parses a stored version value under key; errors wrap
// ErrMalformed. The Version holds no reference to v; the Record (without
// payload) does, so it is valid only inside the transaction.
func decodeVersion(key, v []byte) (Version, *Record, error) {
	s := cryptobyte.String(v)
	var version uint8
	var at uint64
	if !s.ReadUint8(&version) || version != valueVersion {
		return Version{}, nil, fmt.Errorf("%w: version value of unknown value version", ErrMalformed)
	}
	if !s.ReadUint64(&at) || at > math.MaxInt64 {
		return Version{}, nil, fmt.Errorf("%w: version value truncated or out of range", ErrMalformed)
	}
	r, err := parseEnvelope([]byte(s))
	if err != nil {
		return Version{}, nil, err
	}
	if string(key) != string(r.ID[:]) {
		return Version{}, nil, fmt.Errorf("%w: version stored under %x has ID %s", ErrMalformed, key, r.ID)
	}
	return Version{Header: r.Header, ID: r.ID, AcceptedAt: time.Unix(0, int64(at)).UTC()}, r, nil
}
