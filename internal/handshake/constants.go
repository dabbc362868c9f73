package handshake

import (
	"crypto/mlkem"
	"time"
)

// Message types: byte 0 of every datagram. Bytes 1 to 3 of every handshake message except a
// Fragment are reserved and must be zero.
const (
	// TypeInitiation is the first handshake message, from initiator to responder.
	TypeInitiation byte = 0x01
	// TypeResponse is the second handshake message, from responder to initiator.
	TypeResponse byte = 0x02
	// TypeCookieReply carries an encrypted cookie from a responder under load.
	TypeCookieReply byte = 0x03
	// TypeTransportData is a transport data frame of the session package. The Machine never
	// treats it as a handshake message.
	TypeTransportData byte = 0x04
	// TypeFragment carries one piece of a handshake message longer than MaxDatagramSize.
	TypeFragment byte = 0x05
	// TypeCertRequest asks a responder for its certificate.
	TypeCertRequest byte = 0x06
	// TypeCertReply carries a responder's certificate.
	TypeCertReply byte = 0x07
	// TypeRetry carries a plaintext address cookie in answer to a CertRequest without a valid one.
	TypeRetry byte = 0x08
)

// Sizes of the fields and messages, in bytes.
const (
	// HashSize is the size of a SHA-256 digest: certificate hashes, network IDs and the
	// handshake hash.
	HashSize = 32
	// KeySize is the size of every symmetric key and X25519 value.
	KeySize = 32
	// MACSize is the size of mac1 and mac2 (BLAKE2s-128).
	MACSize = 16
	// CookieSize is the size of a cookie (a BLAKE2s-128 MAC of the source address).
	CookieSize = 16

	// headerSize is the type byte and the three reserved bytes.
	headerSize = 4
	// indexSize is the size of a sender or receiver index.
	indexSize = 4
	// tagSize is the size of a Poly1305 tag.
	tagSize = 16
	// timestampSize is the size of a timestamp: Unix seconds (u64) and nanoseconds (u32).
	timestampSize = 12
	// cookieNonceSize is the size of an XChaCha20-Poly1305 nonce.
	cookieNonceSize = 24
	// ekSize is the size of an ML-KEM-768 encapsulation key.
	ekSize = mlkem.EncapsulationKeySize768
	// ctSize is the size of an ML-KEM-768 ciphertext.
	ctSize = mlkem.CiphertextSize768

	// InitiationOverhead is the size of an Initiation minus the certificate reference body: header,
	// sender index, ephemeral X25519 key, ephemeral ML-KEM encapsulation key, ML-KEM ciphertext,
	// the certificate reference's kind byte and tag, the encrypted timestamp, mac1 and mac2 (2389).
	InitiationOverhead = headerSize + indexSize + KeySize + ekSize + ctSize + 1 + tagSize +
		timestampSize + tagSize + 2*MACSize
	// InitiationCachedSize is the size of an Initiation that names the initiator's certificate by
	// its hash (2421).
	InitiationCachedSize = InitiationOverhead + HashSize
	// ResponseSize is the size of a Response (2268).
	ResponseSize = headerSize + 2*indexSize + KeySize + 2*ctSize + tagSize + 2*MACSize
	// CookieReplySize is the size of a CookieReply (64).
	CookieReplySize = headerSize + indexSize + cookieNonceSize + CookieSize + tagSize
	// CertRequestSize is the exact size of a CertRequest. It is padded, as QUIC pads its Initial
	// packets, so that the answer to a request from an unproven address (a 24-byte Retry) is far
	// smaller than the request, and the CertReply is at most 5.6 times larger.
	CertRequestSize = 1200
	// RetrySize is the size of a Retry.
	RetrySize = headerSize + indexSize + CookieSize
	// CertReplyOverhead is the size of a CertReply minus the certificate.
	CertReplyOverhead = headerSize + indexSize
	// FragmentHeaderSize is the size of a Fragment header: type, index, count, reserved and the
	// message ID (u32).
	FragmentHeaderSize = 8

	// certRequestFixedSize is the part of a CertRequest before its zero padding.
	certRequestFixedSize = headerSize + indexSize + CookieSize
	// maxFragmentCount is the largest count a Fragment header can carry.
	maxFragmentCount = 255
	// minDatagramSize is the smallest MaxDatagramSize accepted: a CertRequest must fit whole.
	minDatagramSize = CertRequestSize
	// maxDatagramSize is the largest MaxDatagramSize accepted: the largest UDP payload.
	maxDatagramSize = 65535
	// maxTimestampSec is the largest seconds value a timestamp may carry,
	// 9999-12-31T23:59:59Z, so that it converts to a time.Time without overflow.
	maxTimestampSec = 253402300799
)

// Default limits and timers. Each can be overridden through Config.Limits; a zero field there
// selects the default below.
const (
	// MaxDatagramSize is the largest datagram the Machine sends: the IPv6 minimum MTU (1280)
	// minus the IPv6 and UDP headers. Longer handshake messages are sent as Fragments.
	MaxDatagramSize = 1232
	// MaxMessageSize is the longest handshake message accepted, whole or reassembled (16 KiB).
	// An Initiation with a full certificate of about 6.7 KB is about 9.1 KB.
	MaxMessageSize = 16 << 10
	// MaxFragments is the largest number of Fragments one message may be split into.
	MaxFragments = 16
	// MaxReassemblies bounds the messages being reassembled at once; the oldest is evicted first.
	MaxReassemblies = 64
	// MaxReassembliesPerSource bounds the reassemblies of one source address; its oldest is
	// evicted first.
	MaxReassembliesPerSource = 4
	// ReassemblyTimeout is how long an incomplete reassembly is kept.
	ReassemblyTimeout = 5 * time.Second

	// RekeyTimeout is how long the initiator waits for an answer before it retransmits an
	// Initiation or a CertRequest (as WireGuard's REKEY_TIMEOUT).
	RekeyTimeout = 5 * time.Second
	// RekeyTimeoutJitter is the largest random delay added to each RekeyTimeout so that peers do
	// not retransmit in lockstep.
	RekeyTimeoutJitter = 333 * time.Millisecond
	// RekeyAttemptTime is how long the initiator keeps retransmitting before it gives up (as
	// WireGuard's REKEY_ATTEMPT_TIME).
	RekeyAttemptTime = 90 * time.Second
	// MaxPendingHandshakes bounds the initiator's pending handshakes and certificate fetches.
	MaxPendingHandshakes = 1024

	// CookieRefreshTime is how often the responder replaces the secret its cookies are computed
	// with. A cookie made with the current or the previous secret is accepted.
	CookieRefreshTime = 2 * time.Minute
	// CookieValidity is how long an initiator uses a cookie it received: less than
	// CookieRefreshTime, so that a cookie is not used after the responder stops accepting it.
	CookieValidity = CookieRefreshTime - 10*time.Second
	// MaxInitiationsPerSecond is the rate of Initiations (with a valid mac1) above which the
	// responder considers itself under load and demands cookies.
	MaxInitiationsPerSecond = 200
	// RateLimitPerSecond is the rate of cookie-carrying Initiations and CertRequests accepted
	// from one source address while under load (as WireGuard's rate limiter).
	RateLimitPerSecond = 20
	// RateLimitBurst is the burst of cookie-carrying messages accepted from one source address.
	RateLimitBurst = 5
	// MaxRateLimitEntries bounds the per-source rate-limit table. When it is full and no entry is
	// idle, messages from new sources are refused (ErrRateLimited).
	MaxRateLimitEntries = 4096

	// MaxReplayEntries bounds the table of the last accepted timestamp per initiator node ID; the
	// least recently updated entry is evicted first (see docs/protocol.md, Replay).
	MaxReplayEntries = 16384
	// MaxClockSkew is how far ahead of the responder's clock an initiator's timestamp may be. It
	// bounds how long a forged or wrong future timestamp can lock an initiator out.
	MaxClockSkew = 10 * time.Minute
	// MaxCachedCerts bounds the responder's cache of initiator certificates that can be named by
	// hash; the least recently used is evicted first.
	MaxCachedCerts = 1024
	// MaxRemotes bounds the initiator's memory of responders: cookies received from an address and
	// which responders hold our certificate; the least recently used is evicted first.
	MaxRemotes = 4096
)

// Protocol labels.
const (
	// protocolName is hashed into the initial chaining key.
	protocolName = "x0tta6bl4-hs-v1 X25519+MLKEM768 ChaChaPoly SHA256 BLAKE2s"
	// kdfInfo is the HKDF info of MixKey.
	kdfInfo = "x0tta6bl4 hs v1"
	// transportInfo is the HKDF info of the transport key derivation.
	transportInfo = "x0tta6bl4 transport v1"
	// labelMAC1 prefixes the certificate hash to derive the mac1 key.
	labelMAC1 = "mac1----"
	// labelCookie prefixes the certificate hash to derive the cookie encryption key.
	labelCookie = "cookie--"
	// cookieDomainMAC2 domain-separates mac2 cookies from Retry cookies.
	cookieDomainMAC2 = 'm'
	// cookieDomainRetry domain-separates Retry cookies from mac2 cookies.
	cookieDomainRetry = 'r'
	// certRefHash marks a certificate reference that is a hash.
	certRefHash = 0x00
	// certRefFull marks a certificate reference that is the raw certificate.
	certRefFull = 0x01
)

// Sizes used by MeasureCost.
const (
	// typicalCertSize is the size of a real node certificate named "alpha" in the group "demo"
	// (identity.MaxCertificateSize allows up to 8 KiB).
	typicalCertSize = 6683
)
