package stream

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// Mux framing and queues.
const (
	// TagPort is the protocol tag of port datagrams, the first byte of every datagram a Mux sends.
	// Datagrams with another tag are dropped and counted; other tags are reserved.
	TagPort = 0x01
	// HeaderSize is the Mux header: the tag and a big-endian port.
	HeaderSize = 3
	// MaxPacketSize is the largest datagram a PacketConn sends: the mesh's largest datagram
	// (mesh.MaxDatagramSize) less the Mux header.
	MaxPacketSize = mesh.MaxDatagramSize - HeaderSize
	// QueueLen is the receive queue of each PacketConn, in datagrams; a datagram that arrives when
	// it is full is dropped and counted (Stats.QueueFull), as a UDP socket buffer would.
	QueueLen = 1024
)

// QUIC.
const (
	// QUICPort is the Mux port Endpoint runs QUIC on when Config.Port is zero.
	QUICPort = 443
	// ALPN is the TLS application protocol the client insists on; it is the only thing it checks.
	ALPN = "x0tta6bl4-stream/1"
	// QUICPacketSize is the QUIC packet size, fixed (path MTU discovery is off): 1280 bytes plus the
	// Mux header (3) and the mesh's overhead (133) plus IPv6 and UDP headers (48) is 1464 bytes, so a
	// hop-by-hop frame still fits a 1500-byte Ethernet MTU unfragmented.
	QUICPacketSize = 1280
	// MaxIdleTimeout closes a QUIC connection that has heard nothing for this long.
	MaxIdleTimeout = 60 * time.Second
	// KeepAlivePeriod is how often an idle QUIC connection sends a PING, so that idle streams
	// (an SSH session through the proxy, say) survive MaxIdleTimeout.
	KeepAlivePeriod = 20 * time.Second
	// HandshakeTimeout bounds the QUIC handshake.
	HandshakeTimeout = 15 * time.Second
	// MaxStreamsPerConn is the number of concurrent streams a peer may open on one QUIC connection.
	MaxStreamsPerConn = 256
	// MaxAcceptedConns bounds the QUIC connections other nodes hold open to this endpoint; more are
	// closed at once.
	MaxAcceptedConns = 1024
	// StreamHeaderSize is the stream port in front of every QUIC stream (big-endian uint16).
	StreamHeaderSize = 2
	// HeaderTimeout bounds reading a stream header, the exit request and the SOCKS5 negotiation.
	HeaderTimeout = 10 * time.Second
	// AcceptQueueLen is the number of accepted streams waiting in a Listener; a stream arriving when
	// it is full is refused.
	AcceptQueueLen = 64
	// CertValidity is the validity of the ephemeral self-signed QUIC certificate; nothing checks it.
	CertValidity = 365 * 24 * time.Hour
)

// SOCKS5, exit and forwarding.
const (
	// ExitPort is the stream port ExitServer listens on.
	ExitPort = 1080
	// MaxHostLen is the longest destination host name or address text (the SOCKS5 limit).
	MaxHostLen = 255
	// ExitVersion is the version byte of the exit request and reply.
	ExitVersion = 1
	// DialTimeout bounds the exit node's TCP dial, including name resolution.
	DialTimeout = 10 * time.Second
	// DefaultMaxConns bounds the concurrent connections of SOCKSServer, ExitServer and Forward when
	// their MaxConns field is zero.
	DefaultMaxConns = 256
	// MaxConnsLimit bounds any MaxConns field.
	MaxConnsLimit = 65536
	// relayBufferSize is the copy buffer of each relay direction.
	relayBufferSize = 32 << 10
)
