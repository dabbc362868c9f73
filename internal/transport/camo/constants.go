package camo

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// Defaults of Config fields left zero.
const (
	// DefaultHandshakeTimeout bounds, for an accepted connection, the TLS handshake together with
	// the first HTTP request head; for a dialled one, the whole setup (TCP, proxy, TLS, upgrade).
	DefaultHandshakeTimeout = 10 * time.Second

	// DefaultMaxPending is the most accepted connections that are not yet authenticated (in the
	// TLS handshake, before their first request, or being served the decoy) at once. Connections
	// over it are closed on accept. Each costs a goroutine and a TLS connection's buffers (tens of
	// KiB), so the default bounds them at a few MiB.
	DefaultMaxPending = 256

	// DefaultMaxPeers is the most peers (addresses with a send queue or a connection) at once.
	// WriteTo to a new address beyond it drops the datagram; an accepted client beyond it is
	// refused with 503.
	DefaultMaxPeers = 1024

	// DefaultPath is the request path of the authentication request.
	DefaultPath = "/"
)

// Limits.
const (
	// MaxDatagramSize is the largest datagram carried: the transport's limit, which is also the
	// largest value of the 2-byte frame length.
	MaxDatagramSize = transport.MaxDatagramSize

	// MaxClockSkew is how far a token's timestamp may be from the server's clock, either way. A
	// token is accepted at most once within this window; outside it, never.
	MaxClockSkew = 2 * time.Minute

	// MaxReplayEntries bounds each of the two generations of the replay cache (auth.go); at about
	// 50 bytes an entry, the cache holds at most about 6 MiB. When a generation is full, further
	// tokens are refused (served the decoy) until it rotates: filling it needs the key.
	MaxReplayEntries = 1 << 16

	// MinKeySize is the shortest camouflage key accepted, in bytes.
	MinKeySize = 32

	// maxRequestHead bounds the bytes of an accepted connection read before it is classified as
	// mesh or decoy: an authentication request is a few hundred bytes, so a longer head is a
	// browser's and is passed, unread beyond this, to the decoy server.
	maxRequestHead = 4 << 10

	// maxDecoyHeaderBytes is the decoy server's http.Server.MaxHeaderBytes: large enough for
	// browsers' cookies, like nginx's default of 4 x 8 KiB, far below net/http's 1 MiB default.
	maxDecoyHeaderBytes = 32 << 10

	// sendQueueLen is the most datagrams waiting to be sent to one peer.
	sendQueueLen = 512

	// maxQueuedBytes bounds the bytes waiting in all send queues together; a datagram over it is
	// dropped, so peers times sendQueueLen maximal datagrams cannot pin gigabytes.
	maxQueuedBytes = 32 << 20

	// recvQueueLen is the most received datagrams waiting for ReadFrom.
	recvQueueLen = 1024

	// maxRecvBytes bounds the bytes of the datagrams waiting for ReadFrom.
	maxRecvBytes = 16 << 20

	// maxLinksPerPeer is the most open connections to one peer: one dialled and one accepted
	// when both ends dial at once, plus one being replaced. A new connection over it closes the
	// oldest.
	maxLinksPerPeer = 3

	// maxWriteBatch is the most queued datagrams written to a connection before it is flushed;
	// fewer are when the queue empties first. Batching lets several small datagrams share a TLS
	// record and a system call.
	maxWriteBatch = 64

	// decoyUpstreamIdleConns is the most idle connections the reverse-proxy decoy keeps to the
	// upstream site.
	decoyUpstreamIdleConns = 8

	// streamBufferSize is the size of the buffered reader and writer of a ModeTLS connection: one
	// TLS record's worth of plaintext, so that a flush of several small datagrams is one record.
	streamBufferSize = 16 << 10

	// maxResponseHeaderBytes bounds the response head a client reads from a server it dials: a
	// 101 response is a few hundred bytes, and a hostile server cannot make the client buffer
	// net/http's default of 10 MiB.
	maxResponseHeaderBytes = 16 << 10

	// proxyResponseMax bounds the HTTP CONNECT proxy's response head.
	proxyResponseMax = 8 << 10
)

// Timeouts and backoff.
const (
	// minBackoff is the wait after the first failed dial to a peer before the next; it doubles
	// with each failure up to maxBackoff. Datagrams to the peer meanwhile are dropped.
	minBackoff = 250 * time.Millisecond

	// maxBackoff caps the wait between dials to an unreachable peer.
	maxBackoff = 30 * time.Second

	// linkIdleTimeout closes a connection on which nothing was read or written for this long.
	// Mesh sessions send a keepalive every 10 seconds, so only abandoned connections idle out.
	linkIdleTimeout = 2 * time.Minute

	// peerIdleTimeout forgets a peer with no connection and nothing queued after this long
	// without a WriteTo, which frees its goroutine and its backoff state.
	peerIdleTimeout = 2 * time.Minute

	// linkWriteTimeout closes a connection on which a write has been blocked this long (a peer
	// that stopped reading); the peer's queue then drops instead of waiting.
	linkWriteTimeout = 15 * time.Second

	// reapInterval is how often idle and stuck connections and idle peers are looked for.
	reapInterval = 5 * time.Second

	// acceptRetryMin is the first wait after a failed Accept (for example when the process is
	// out of file descriptors); it doubles with each failure up to acceptRetryMax, as net/http's.
	acceptRetryMin = 5 * time.Millisecond

	// acceptRetryMax caps the wait after a failed Accept.
	acceptRetryMax = time.Second

	// decoyIdleTimeout is the decoy server's keep-alive idle timeout.
	decoyIdleTimeout = 60 * time.Second

	// decoyWriteTimeout bounds writing one decoy response, so that a client that stops reading
	// cannot hold a pending-connection slot for ever.
	decoyWriteTimeout = 2 * time.Minute

	// decoyUpstreamTimeout bounds the reverse-proxy decoy's dial, TLS handshake and wait for
	// the upstream site's response headers.
	decoyUpstreamTimeout = 15 * time.Second
)

// Wire constants of the authentication request and response.
const (
	// authCookie is the name of the cookie that carries the client's token and, in the 101
	// response, the server's proof.
	authCookie = "sid"

	// upgradeStream is the Upgrade token of a ModeTLS authentication request.
	upgradeStream = "binary"

	// upgradeWebSocket is the Upgrade token of a ModeWebSocket request (RFC 6455).
	upgradeWebSocket = "websocket"
)
