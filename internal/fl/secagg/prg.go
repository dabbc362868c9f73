package secagg

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/chacha20poly1305"
)

// addMask adds (sub false) or subtracts (sub true) the mask PRG(key) to v
// word by word modulo 2^32. The PRG is ChaCha20 keyed with all 32 bytes of
// key and a zero nonce, its keystream read as little-endian uint32 words.
// Every key is used for one mask only (fresh per round and per pair), so
// the fixed nonce never repeats under a key.
func addMask(v []uint32, key *[SecretSize]byte, sub bool) {
	var nonce [chacha20.NonceSize]byte
	c, err := chacha20.NewUnauthenticatedCipher(key[:], nonce[:])
	if err != nil {
		// Unreachable: key and nonce have the sizes ChaCha20 requires.
		panic("secagg: chacha20: " + err.Error())
	}
	var buf [prgChunk]byte
	for len(v) > 0 {
		n := min(len(v), prgChunk/4)
		b := buf[:4*n]
		clear(b)
		c.XORKeyStream(b, b)
		if sub {
			for i := range n {
				v[i] -= binary.LittleEndian.Uint32(b[4*i:])
			}
		} else {
			for i := range n {
				v[i] += binary.LittleEndian.Uint32(b[4*i:])
			}
		}
		v = v[n:]
	}
	clear(buf[:])
}

// pairInfo is the HKDF info for the pair (u, v), u < v:
// label || round || u || v, the integers big-endian.
func pairInfo(label string, round uint64, u, v ClientID) string {
	b := make([]byte, 0, len(label)+16)
	b = append(b, label...)
	b = binary.BigEndian.AppendUint64(b, round)
	b = binary.BigEndian.AppendUint32(b, uint32(u))
	b = binary.BigEndian.AppendUint32(b, uint32(v))
	return string(b)
}

// pairKeys derives, from the KEM shared secret of the pair (u, v), u < v,
// the pairwise mask seed s_uv and the share encryption key c_uv:
//
//	s_uv = HKDF-SHA256(shared, info = "x0tta6bl4 secagg pair v1" || round || u || v)
//	c_uv = HKDF-SHA256(shared, info = "x0tta6bl4 secagg share-key v1" || round || u || v)
func pairKeys(shared []byte, round uint64, u, v ClientID) (s, c [SecretSize]byte, err error) {
	if u > v {
		u, v = v, u
	}
	for _, o := range []struct {
		dst   *[SecretSize]byte
		label string
	}{{&s, labelPair}, {&c, labelShareKey}} {
		k, err := hkdf.Key(sha256.New, shared, nil, pairInfo(o.label, round, u, v), SecretSize)
		if err != nil {
			return s, c, fmt.Errorf("secagg: hkdf: %w", err)
		}
		copy(o.dst[:], k)
		clear(k)
	}
	return s, c, nil
}

// aeadNonce is a ChaCha20-Poly1305 nonce. Nonces are derived from the
// sender's ID (shares) or the peer's ID (escrows): each key encrypts at most
// one message per such ID, so a nonce never repeats under a key.
type aeadNonce [chacha20poly1305.NonceSize]byte

// nonceFor returns the nonce of id: its 4 bytes big-endian, then zeros.
func nonceFor(id ClientID) aeadNonce {
	var n aeadNonce
	binary.BigEndian.PutUint32(n[:], uint32(id))
	return n
}

// adFor is label || round || from || to.
func adFor(label string, round uint64, from, to ClientID) []byte {
	return []byte(pairInfo(label, round, from, to))
}

// seal encrypts plaintext under key with the nonce of id and the given
// associated data.
func seal(key *[SecretSize]byte, id ClientID, ad, plaintext []byte) []byte {
	a, err := chacha20poly1305.New(key[:])
	if err != nil {
		// Unreachable: the key has the size ChaCha20-Poly1305 requires.
		panic("secagg: chacha20poly1305: " + err.Error())
	}
	n := nonceFor(id)
	return a.Seal(nil, n[:], plaintext, ad)
}

// open reverses seal; any change to ciphertext, key, id or ad gives
// ErrAuth.
func open(key *[SecretSize]byte, id ClientID, ad, ciphertext []byte) ([]byte, error) {
	a, err := chacha20poly1305.New(key[:])
	if err != nil {
		panic("secagg: chacha20poly1305: " + err.Error())
	}
	n := nonceFor(id)
	p, err := a.Open(nil, n[:], ciphertext, ad)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAuth, err)
	}
	return p, nil
}
