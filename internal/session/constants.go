package session

import (
	"math"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Frame layout.
const (
	// TypeData is the first byte of every transport data frame. The other message types of the
	// protocol (handshake messages) use other values, so a receiver can dispatch on byte 0.
	TypeData byte = 0x04

	// HeaderSize is the size of the cleartext frame header: type (1), three reserved zero bytes,
	// receiver index (4, little endian) and counter (8, little endian). The whole header is the
	// additional data of the AEAD.
	HeaderSize = 16

	// TagSize is the size of the ChaCha20-Poly1305 authentication tag that ends every frame.
	TagSize = chacha20poly1305.Overhead

	// Overhead is the number of bytes a frame adds to its payload.
	Overhead = HeaderSize + TagSize

	// MinFrameSize is the size of a keepalive frame (empty payload), the shortest valid frame.
	MinFrameSize = Overhead

	// MaxFrameSize is the largest frame Open accepts and Seal produces: the largest UDP payload
	// length field. Real paths carry much less (IPv4 limits a UDP payload to 65507 bytes and most
	// links to about 1400), but the session itself does not know the path.
	MaxFrameSize = 65535

	// MaxPayloadSize is the largest payload Seal accepts: MaxFrameSize minus Overhead (32), that is
	// 65503 bytes.
	MaxPayloadSize = MaxFrameSize - Overhead
)

// Timers and message limits, as in WireGuard (whitepaper section 6.1).
const (
	// RekeyAfterTime is the session age after which NeedsRekey reports true, so that the
	// initiator starts a new handshake while the session still works.
	RekeyAfterTime = 120 * time.Second

	// RejectAfterTime is the session age after which Expired reports true and Open refuses
	// every frame.
	RejectAfterTime = 180 * time.Second

	// RekeyAfterMessages is the number of sealed frames after which NeedsRekey reports true.
	RekeyAfterMessages uint64 = 1 << 60

	// RejectAfterMessages is the number of frames a session may seal in its life; counters at or
	// above it are refused by Seal (ErrExhausted) and by Open. It is 2^64 - 2^13 - 1 as in
	// WireGuard, which keeps the counter far from wrapping around.
	RejectAfterMessages uint64 = math.MaxUint64 - (1 << 13)

	// KeepaliveTimeout is how long a side that has received data but sent nothing waits before it
	// sends a keepalive (an empty frame). The session does not run timers; the runtime does.
	KeepaliveTimeout = 10 * time.Second
)

// Replay protection.
const (
	// ReplayWindowSize is how many counters the replay filter tracks: a frame whose counter is at
	// least ReplayWindowSize below the highest counter opened so far is refused as too old; any
	// counter inside the window is accepted exactly once.
	ReplayWindowSize = 2048

	// replayBlockBits is the width of one block of the replay bitmap (RFC 6479).
	replayBlockBits = 64

	// replayBlockLog is log2(replayBlockBits).
	replayBlockLog = 6

	// replayRingBlocks is the number of blocks in the replay ring: a power of two with at least
	// one spare block beyond the window, so moving the window forward never clears a bit that
	// is still inside it (RFC 6479 section 2).
	replayRingBlocks = 2 * ReplayWindowSize / replayBlockBits
)
