package obfs

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
	"golang.org/x/crypto/chacha20poly1305"
)

// Sizes of the wire format (docs/censorship.md).
const (
	// KeySize is the size of a network obfuscation key.
	KeySize = 32
	// NonceSize is the size of the random XChaCha20-Poly1305 nonce that starts every datagram.
	NonceSize = chacha20poly1305.NonceSizeX
	// HeaderSize is the size of the encrypted header: kind (1), payload length (2), sender ID (8),
	// counter (8) and timestamp (8).
	HeaderSize = 27
	// TagSize is the size of the Poly1305 authentication tag that ends every datagram.
	TagSize = chacha20poly1305.Overhead
	// Overhead is what every datagram adds to its payload before padding: 67 bytes.
	Overhead = NonceSize + HeaderSize + TagSize
	// MaxPayloadSize is the largest payload WriteTo accepts: the largest datagram less Overhead.
	MaxPayloadSize = transport.MaxDatagramSize - Overhead
	// ShapePrefixSize is how many leading nonce bytes Shape draws from printable ASCII: the six
	// bytes of the GFW's exemption Ex2.
	ShapePrefixSize = 6
)

// Defaults and bounds of Config.
const (
	// DefaultMaxPadding is the most random padding added to a datagram when Config.MaxPadding is
	// zero. Uniform padding of 0 to 128 bytes spreads every fixed-size message of the mesh (link
	// hellos, keepalives, handshake fragments) over 129 lengths for 64 bytes on average.
	DefaultMaxPadding = 128
	// MaxPaddingLimit bounds Config.MaxPadding.
	MaxPaddingLimit = 1024
	// PaddedSizeLimit is the length padding never takes a datagram past: an Ethernet MTU of 1500
	// less the IPv6 and UDP headers, so that padding never makes a datagram fragment. Datagrams
	// already longer are sent unpadded.
	PaddedSizeLimit = 1500 - 40 - 8
	// MaxJunkCount bounds Config.JunkCount.
	MaxJunkCount = 16
	// DefaultJunkMinSize and DefaultJunkMaxSize bound the size of a junk datagram when the
	// Config leaves them zero (AmneziaWG's usual Jmin and Jmax are of this order).
	DefaultJunkMinSize = 128
	// DefaultJunkMaxSize: see DefaultJunkMinSize.
	DefaultJunkMaxSize = 1024
	// DefaultFlowIdle is how long no datagram may have been sent to an address before the next one
	// starts a new flow (and junk precedes it): about the UDP flow timeout of common NATs and
	// middleboxes.
	DefaultFlowIdle = 2 * time.Minute
	// MaxJitter bounds Config.Jitter.
	MaxJitter = time.Second
	// DefaultMaxClockSkew is how far a datagram's timestamp may be from the receiver's clock when
	// Config.MaxClockSkew is zero: the handshake's own bound (handshake.MaxClockSkew), so that the
	// layer asks no more of the nodes' clocks than the mesh already does.
	DefaultMaxClockSkew = 10 * time.Minute
	// MaxClockSkewLimit bounds Config.MaxClockSkew.
	MaxClockSkewLimit = time.Hour
)

// Bounded state.
const (
	// MaxSenders bounds the sender IDs whose replay windows a Conn keeps; the least recently
	// heard is forgotten first. Each costs about 600 bytes, 2.4 MiB in all.
	MaxSenders = 4096
	// ReplayWindow is how far behind the highest counter seen from a sender a counter is still
	// accepted (once): 63 of the 64 64-bit blocks of a ring, as in RFC 6479 and wireguard-go.
	ReplayWindow = (replayBlocks - 1) * 64
	// replayBlocks is the size of each sender's ring of 64-bit blocks.
	replayBlocks = 64
	// MaxFlows bounds the destinations whose last send time a Conn keeps to decide when a flow
	// starts (junk); when full, entries idle past the flow timeout are dropped, and if none is,
	// all are (so some flows get their junk again).
	MaxFlows = 4096
	// randBufferSize is the randomness drawn at once for one datagram: its nonce, its padding
	// length and the rejection sampling of Shape.
	randBufferSize = 64
)

// Key derivation.
const (
	// hkdfInfo is the HKDF-SHA256 info string of the packet key.
	hkdfInfo = "x0tta6bl4 obfs v1 packet key"
)

// Datagram kinds, the first byte of the encrypted header.
const (
	kindData = 0
	kindJunk = 1
)
