package handshake

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"golang.org/x/crypto/blake2s"
	"golang.org/x/crypto/chacha20poly1305"
)

// symmetric is the Noise symmetric state: the chaining key ck and the handshake hash h.
type symmetric struct {
	ck, h [HashSize]byte
}

// initialState returns ck = HASH(P), h = MixHash(MixHash(ck, networkID), responderCertHash).
func initialState(networkID, responderCertHash *[HashSize]byte) symmetric {
	var s symmetric
	s.ck = sha256.Sum256([]byte(protocolName))
	s.h = s.ck
	s.mixHash(networkID[:])
	s.mixHash(responderCertHash[:])
	return s
}

// mixHash sets h = HASH(h || x).
func (s *symmetric) mixHash(x []byte) {
	d := sha256.New()
	d.Write(s.h[:])
	d.Write(x)
	d.Sum(s.h[:0])
}

// mixKey sets (ck, k) = HKDF-SHA256(salt = ck, ikm, info = kdfInfo, 64) and returns k. The
// input parts are concatenated.
func (s *symmetric) mixKey(ikm ...[]byte) [KeySize]byte {
	var in []byte
	for _, p := range ikm {
		in = append(in, p...)
	}
	out, err := hkdf.Key(sha256.New, in, s.ck[:], kdfInfo, 2*KeySize)
	clear(in)
	if err != nil {
		// HKDF-SHA256 refuses only outputs longer than 255 blocks.
		panic("handshake: HKDF: " + err.Error())
	}
	var k [KeySize]byte
	copy(s.ck[:], out[:KeySize])
	copy(k[:], out[KeySize:])
	clear(out)
	return k
}

// seal encrypts plaintext under k with nonce 0 and ad = h, mixes the ciphertext into h, erases
// k and appends the ciphertext to dst.
func (s *symmetric) seal(dst []byte, k *[KeySize]byte, plaintext []byte) []byte {
	aead, err := chacha20poly1305.New(k[:])
	clear(k[:])
	if err != nil {
		panic("handshake: ChaCha20-Poly1305: " + err.Error()) // the key size is fixed
	}
	var nonce [chacha20poly1305.NonceSize]byte
	n := len(dst)
	dst = aead.Seal(dst, nonce[:], plaintext, s.h[:])
	s.mixHash(dst[n:])
	return dst
}

// open decrypts ciphertext under k with nonce 0 and ad = h, mixes the ciphertext into h and
// erases k.
func (s *symmetric) open(k *[KeySize]byte, ciphertext []byte) ([]byte, error) {
	aead, err := chacha20poly1305.New(k[:])
	clear(k[:])
	if err != nil {
		panic("handshake: ChaCha20-Poly1305: " + err.Error()) // the key size is fixed
	}
	var nonce [chacha20poly1305.NonceSize]byte
	pt, err := aead.Open(nil, nonce[:], ciphertext, s.h[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	s.mixHash(ciphertext)
	return pt, nil
}

// transportKeys derives (T_IR, T_RI) = HKDF-SHA256(salt = ck, ikm = empty, transportInfo, 64)
// and erases the symmetric state.
func (s *symmetric) transportKeys() (ir, ri [KeySize]byte) {
	out, err := hkdf.Key(sha256.New, nil, s.ck[:], transportInfo, 2*KeySize)
	if err != nil {
		panic("handshake: HKDF: " + err.Error())
	}
	copy(ir[:], out[:KeySize])
	copy(ri[:], out[KeySize:])
	clear(out)
	s.erase()
	return ir, ri
}

func (s *symmetric) erase() {
	clear(s.ck[:])
	clear(s.h[:])
}

// labeledHash returns HASH(label || x).
func labeledHash(label string, x []byte) [HashSize]byte {
	d := sha256.New()
	d.Write([]byte(label))
	d.Write(x)
	var out [HashSize]byte
	d.Sum(out[:0])
	return out
}

// mac returns keyed BLAKE2s-128(key, parts...).
func mac(key []byte, parts ...[]byte) [MACSize]byte {
	m, err := blake2s.New128(key)
	if err != nil {
		panic("handshake: BLAKE2s: " + err.Error()) // keys are 16 or 32 bytes
	}
	for _, p := range parts {
		m.Write(p)
	}
	var out [MACSize]byte
	m.Sum(out[:0])
	return out
}

// timestamp is an initiator's clock reading: Unix seconds and nanoseconds.
type timestamp struct {
	sec  uint64
	nsec uint32
}

func timestampOf(t time.Time) timestamp {
	sec := t.Unix()
	if sec < 0 {
		return timestamp{}
	}
	return timestamp{sec: uint64(sec), nsec: uint32(t.Nanosecond())}
}

func (a timestamp) after(b timestamp) bool {
	return a.sec > b.sec || a.sec == b.sec && a.nsec > b.nsec
}

// next returns the smallest timestamp after a.
func (a timestamp) next() timestamp {
	if a.nsec+1 < uint32(time.Second) {
		return timestamp{a.sec, a.nsec + 1}
	}
	return timestamp{a.sec + 1, 0}
}

func (a timestamp) encode() [timestampSize]byte {
	var b [timestampSize]byte
	binary.LittleEndian.PutUint64(b[:8], a.sec)
	binary.LittleEndian.PutUint32(b[8:], a.nsec)
	return b
}

func decodeTimestamp(b []byte) (timestamp, error) {
	if len(b) != timestampSize {
		return timestamp{}, fmt.Errorf("%w: timestamp is %d bytes", ErrMalformed, len(b))
	}
	ts := timestamp{sec: binary.LittleEndian.Uint64(b[:8]), nsec: binary.LittleEndian.Uint32(b[8:])}
	if ts.nsec >= uint32(time.Second) || ts.sec > maxTimestampSec {
		return timestamp{}, fmt.Errorf("%w: invalid time", ErrTimestamp)
	}
	return ts, nil
}

func (a timestamp) time() time.Time { return time.Unix(int64(a.sec), int64(a.nsec)) }
