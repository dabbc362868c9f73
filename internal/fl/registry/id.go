package registry

import (
	"encoding/hex"
	"fmt"
)

// ID names a model version: the SHA-256 of its signed body.
type ID [IDSize]byte

// ParseID decodes the 64 hexadecimal digits of an ID, as written by String.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 2*IDSize {
		return ID{}, fmt.Errorf("%w: version ID is %d characters, want %d hexadecimal digits", ErrInvalid, len(s), 2*IDSize)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return ID{}, fmt.Errorf("%w: version ID %q: %w", ErrInvalid, s, err)
	}
	return id, nil
}

// String returns the ID as 64 lower-case hexadecimal digits.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Short returns the first 16 hexadecimal digits of the ID, for tables and
// logs.
func (id ID) Short() string { return hex.EncodeToString(id[:8]) }

// IsZero reports whether id is the zero ID, the parent of a first version.
func (id ID) IsZero() bool { return id == ID{} }

// MarshalText implements encoding.TextMarshaler with the String form.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseID.
func (id *ID) UnmarshalText(text []byte) error {
	v, err := ParseID(string(text))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
