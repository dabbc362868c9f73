package obfs

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
)

// Key is a network obfuscation key: 32 secret bytes shared by every member of a network. Its
// text form is standard base64 (44 characters), as WireGuard writes keys; String never shows it.
type Key [KeySize]byte

// GenerateKey returns a fresh key read from rand (use crypto/rand.Reader).
func GenerateKey(rand io.Reader) (Key, error) {
	var k Key
	if _, err := io.ReadFull(rand, k[:]); err != nil {
		return Key{}, fmt.Errorf("obfs: reading randomness: %w", err)
	}
	if k.IsZero() {
		return Key{}, fmt.Errorf("%w: the random source returned zeros", ErrInvalidKey)
	}
	return k, nil
}

// ParseKey decodes the base64 text form of a key. An all-zero key is refused.
func ParseKey(s string) (Key, error) {
	var k Key
	if err := k.UnmarshalText([]byte(s)); err != nil {
		return Key{}, err
	}
	return k, nil
}

// IsZero reports whether every byte of k is zero: a key that was never set.
func (k Key) IsZero() bool {
	var zero Key
	return subtle.ConstantTimeCompare(k[:], zero[:]) == 1
}

// MarshalText returns the base64 text form of k, for configuration files.
func (k Key) MarshalText() ([]byte, error) {
	out := make([]byte, base64.StdEncoding.EncodedLen(KeySize))
	base64.StdEncoding.Encode(out, k[:])
	return out, nil
}

// UnmarshalText decodes the base64 text form of a key into k. An all-zero key is refused.
func (k *Key) UnmarshalText(text []byte) error {
	if len(text) != base64.StdEncoding.EncodedLen(KeySize) {
		return fmt.Errorf("%w: %d characters, want %d of base64", ErrInvalidKey, len(text), base64.StdEncoding.EncodedLen(KeySize))
	}
	// 44 characters without padding decode to 33 bytes: leave room, then insist on 32.
	var buf [KeySize + 1]byte
	n, err := base64.StdEncoding.Strict().Decode(buf[:], text)
	if err != nil || n != KeySize {
		return fmt.Errorf("%w: not base64 of %d bytes", ErrInvalidKey, KeySize)
	}
	b := Key(buf[:KeySize])
	clear(buf[:])
	if b.IsZero() {
		return fmt.Errorf("%w: all zero", ErrInvalidKey)
	}
	*k = b
	return nil
}

// String hides the key, so that logging a Config or a Key never leaks it.
func (k Key) String() string { return "obfs.Key(redacted)" }
