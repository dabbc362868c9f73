package obfs

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// Why a received datagram was dropped; Conn counts each in Stats and never answers.
var (
	errShort     = errors.New("obfs: datagram shorter than the overhead")
	errAuth      = errors.New("obfs: datagram does not authenticate")
	errMalformed = errors.New("obfs: authenticated datagram with an invalid header")
	errStale     = errors.New("obfs: timestamp outside the clock skew")
	errReplay    = errors.New("obfs: replayed datagram")
)

// header is the encrypted header of a datagram.
type header struct {
	kind    byte
	length  int    // payload bytes; the rest of the plaintext is padding
	sender  uint64 // random ID of the sending Conn
	counter uint64 // the sending Conn's datagram number
	millis  int64  // Unix time of sending in milliseconds
}

// codec seals and opens datagrams under the packet key. It is safe for concurrent use.
type codec struct {
	aead cipher.AEAD
}

// newCodec derives the packet key from the network key: HKDF-SHA256 with no salt and hkdfInfo.
func newCodec(k Key) (*codec, error) {
	pk, err := hkdf.Key(sha256.New, k[:], nil, hkdfInfo, chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("obfs: deriving the packet key: %w", err)
	}
	defer clear(pk)
	aead, err := chacha20poly1305.NewX(pk)
	if err != nil {
		return nil, fmt.Errorf("obfs: %w", err)
	}
	return &codec{aead: aead}, nil
}

// seal encrypts h, payload and zero padding into dst, whose length is the datagram's: Overhead +
// len(payload) + padding. dst[:NonceSize] must already hold the nonce; payload must not overlap
// dst. It returns dst.
func (c *codec) seal(dst []byte, h header, payload []byte) []byte {
	pt := dst[NonceSize : len(dst)-TagSize]
	pt[0] = h.kind
	binary.LittleEndian.PutUint16(pt[1:], uint16(len(payload)))
	binary.LittleEndian.PutUint64(pt[3:], h.sender)
	binary.LittleEndian.PutUint64(pt[11:], h.counter)
	binary.LittleEndian.PutUint64(pt[19:], uint64(h.millis))
	copy(pt[HeaderSize:], payload)
	clear(pt[HeaderSize+len(payload):])
	c.aead.Seal(pt[:0], dst[:NonceSize], pt, nil)
	return dst
}

// open authenticates and decrypts the datagram in place and returns its header and payload,
// which alias pkt. On error pkt may have been overwritten.
func (c *codec) open(pkt []byte) (header, []byte, error) {
	if len(pkt) < Overhead {
		return header{}, nil, errShort
	}
	pt, err := c.aead.Open(pkt[NonceSize:NonceSize], pkt[:NonceSize], pkt[NonceSize:], nil)
	if err != nil {
		return header{}, nil, errAuth
	}
	h := header{
		kind:    pt[0],
		length:  int(binary.LittleEndian.Uint16(pt[1:])),
		sender:  binary.LittleEndian.Uint64(pt[3:]),
		counter: binary.LittleEndian.Uint64(pt[11:]),
		millis:  int64(binary.LittleEndian.Uint64(pt[19:])),
	}
	if h.kind != kindData && h.kind != kindJunk {
		return header{}, nil, fmt.Errorf("%w: kind %d", errMalformed, h.kind)
	}
	if h.length > len(pt)-HeaderSize {
		return header{}, nil, fmt.Errorf("%w: payload length %d in %d bytes", errMalformed, h.length, len(pt)-HeaderSize)
	}
	return h, pt[HeaderSize : HeaderSize+h.length], nil
}

// randSource hands out the bytes of one read from a random source, reading again when they run
// out, so that a datagram usually costs one read.
type randSource struct {
	r   io.Reader
	buf [randBufferSize]byte
	off int
}

func (s *randSource) reset(r io.Reader) {
	s.r, s.off = r, randBufferSize
}

// take returns the next n (≤ randBufferSize) random bytes.
func (s *randSource) take(n int) ([]byte, error) {
	if s.off+n > len(s.buf) {
		if _, err := io.ReadFull(s.r, s.buf[:]); err != nil {
			return nil, fmt.Errorf("obfs: reading randomness: %w", err)
		}
		s.off = 0
	}
	b := s.buf[s.off : s.off+n]
	s.off += n
	return b, nil
}

// intn returns a uniform integer in [0, n], n ≥ 0. The modulo bias is below n / 2^64, at most
// 2^-33 for the largest n used (MaxJitter in nanoseconds).
func (s *randSource) intn(n int) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	b, err := s.take(8)
	if err != nil {
		return 0, err
	}
	return int(binary.LittleEndian.Uint64(b) % uint64(n+1)), nil
}

// printable replaces each byte of p with a printable ASCII byte (0x20 to 0x7e), uniformly, by
// rejection sampling: a random byte below 190 maps to 0x20 + b mod 95.
func (s *randSource) printable(p []byte) error {
	for i := range p {
		for {
			b, err := s.take(1)
			if err != nil {
				return err
			}
			if b[0] < 2*95 {
				p[i] = 0x20 + b[0]%95
				break
			}
		}
	}
	return nil
}
