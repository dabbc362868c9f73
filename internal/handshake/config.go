package handshake

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// PeerCert is the handshake's view of a verified certificate.
type PeerCert struct {
	// NodeID is the certificate's subject.
	NodeID [32]byte
	// Hash is the SHA-256 of the raw certificate.
	Hash [32]byte
	// Static is the subject's static hybrid KEM public key.
	Static *pqc.KEMPublicKey
	// Name is the subject's human-readable name.
	Name string
	// Raw is the encoded certificate.
	Raw []byte
}

// Verifier checks a raw certificate: issued by the network CA, valid at now, not revoked. The
// handshake calls it for every certificate it receives, including certificates it named by hash,
// so a revocation takes effect at the next handshake.
type Verifier interface {
	// VerifyCert returns the certificate encoded in raw if it is valid at now, or an error that
	// the handshake wraps in ErrCert.
	VerifyCert(raw []byte, now time.Time) (*PeerCert, error)
}

// Limits overrides the default limits and timers of constants.go. A zero field selects the
// default; a negative field is an error.
type Limits struct {
	// MaxDatagramSize overrides the default MaxDatagramSize.
	MaxDatagramSize int
	// MaxMessageSize overrides the default MaxMessageSize.
	MaxMessageSize int
	// MaxFragments overrides the default MaxFragments.
	MaxFragments int
	// MaxReassemblies overrides the default MaxReassemblies.
	MaxReassemblies int
	// MaxReassembliesPerSource overrides the default MaxReassembliesPerSource.
	MaxReassembliesPerSource int
	// ReassemblyTimeout overrides the default ReassemblyTimeout.
	ReassemblyTimeout time.Duration
	// RekeyTimeout overrides the default RekeyTimeout.
	RekeyTimeout time.Duration
	// RekeyTimeoutJitter overrides the default RekeyTimeoutJitter.
	RekeyTimeoutJitter time.Duration
	// RekeyAttemptTime overrides the default RekeyAttemptTime.
	RekeyAttemptTime time.Duration
	// MaxPendingHandshakes overrides the default MaxPendingHandshakes.
	MaxPendingHandshakes int
	// CookieRefreshTime overrides the default CookieRefreshTime.
	CookieRefreshTime time.Duration
	// CookieValidity overrides the default CookieValidity.
	CookieValidity time.Duration
	// MaxInitiationsPerSecond overrides the default MaxInitiationsPerSecond.
	MaxInitiationsPerSecond int
	// RateLimitPerSecond overrides the default RateLimitPerSecond.
	RateLimitPerSecond int
	// RateLimitBurst overrides the default RateLimitBurst.
	RateLimitBurst int
	// MaxRateLimitEntries overrides the default MaxRateLimitEntries.
	MaxRateLimitEntries int
	// MaxReplayEntries overrides the default MaxReplayEntries.
	MaxReplayEntries int
	// MaxClockSkew overrides the default MaxClockSkew.
	MaxClockSkew time.Duration
	// MaxCachedCerts overrides the default MaxCachedCerts.
	MaxCachedCerts int
	// MaxRemotes overrides the default MaxRemotes.
	MaxRemotes int
}

// Config configures a Machine. Every field but Limits is required.
type Config struct {
	// Static is the node's static hybrid KEM key; its public half is in Cert.
	Static *pqc.KEMKey
	// Cert is the node's raw certificate.
	Cert []byte
	// CertHash is the SHA-256 of Cert, as the Verifier computes it.
	CertHash [32]byte
	// NetworkID is the SHA-256 of the network CA's certificate. It is the handshake's prologue:
	// nodes of different networks never complete a handshake.
	NetworkID [32]byte
	// Verifier checks the certificates of peers.
	Verifier Verifier
	// Rand is the source of randomness (crypto/rand.Reader in production). ML-KEM draws its own
	// randomness from the operating system, as crypto/mlkem always does.
	Rand io.Reader
	// Limits overrides the defaults of constants.go.
	Limits Limits
}

// Datagram is a datagram to send.
type Datagram struct {
	// To is the destination address.
	To netip.AddrPort
	// Data is the datagram; the Machine does not keep a reference to it.
	Data []byte
}

// Established is the outcome of a completed handshake: the keys of a new session.
//
// An initiator's session is confirmed: the responder has proved possession of its static key.
// A responder's session is unconfirmed until the first authenticated transport data frame from
// the initiator arrives; as in WireGuard, the runtime must not send data on it before that (the
// initiator sends a keepalive at once).
type Established struct {
	// Peer is the remote node's verified certificate.
	Peer *PeerCert
	// Addr is the remote address the handshake ran with.
	Addr netip.AddrPort
	// Initiator reports whether this node started the handshake.
	Initiator bool
	// LocalIndex is this node's index: the receiver index of frames sent to us.
	LocalIndex uint32
	// RemoteIndex is the peer's index: the receiver index of frames we send.
	RemoteIndex uint32
	// SendKey encrypts frames we send; RecvKey decrypts frames we receive.
	SendKey, RecvKey [32]byte
	// At is the time the handshake completed.
	At time.Time
}

// Result is what Receive asks the runtime to do.
type Result struct {
	// Send are the datagrams to send. It may be non-empty even when Receive returns an error
	// (a CookieReply or a Retry).
	Send []Datagram
	// Established is set when a handshake completed.
	Established *Established
}

// Stats are the Machine's counters and the sizes of its bounded tables.
type Stats struct {
	// PendingHandshakes is the number of initiations waiting for a Response.
	PendingHandshakes int
	// PendingCertFetches is the number of certificate fetches waiting for a CertReply.
	PendingCertFetches int
	// Reassemblies is the number of messages being reassembled; ReassemblyBytes their payload.
	Reassemblies, ReassemblyBytes int
	// RateLimitEntries, ReplayEntries, CachedCerts and Remotes are the sizes of the bounded tables.
	RateLimitEntries, ReplayEntries, CachedCerts, Remotes int
	// UnderLoad reports whether the last Initiation found the responder under load.
	UnderLoad bool

	// Established counts completed handshakes, as initiator and as responder.
	InitiatorEstablished, ResponderEstablished uint64
	// Retransmissions counts retransmitted Initiations and CertRequests.
	Retransmissions uint64
	// GaveUp counts handshakes and fetches abandoned after RekeyAttemptTime.
	GaveUp uint64
	// CookieRepliesSent counts CookieReplies and Retries sent.
	CookieRepliesSent uint64
	// InitiationsProcessed counts Initiations that passed mac1 and the load and cookie policy and
	// went on to the expensive part (X25519 and ML-KEM decapsulation), whatever their outcome.
	InitiationsProcessed uint64
	// Dropped counts datagrams Receive dropped with an error.
	Dropped uint64
}

func (l Limits) withDefaults() (Limits, error) {
	ints := []struct {
		name string
		v    *int
		def  int
	}{
		{"MaxDatagramSize", &l.MaxDatagramSize, MaxDatagramSize},
		{"MaxMessageSize", &l.MaxMessageSize, MaxMessageSize},
		{"MaxFragments", &l.MaxFragments, MaxFragments},
		{"MaxReassemblies", &l.MaxReassemblies, MaxReassemblies},
		{"MaxReassembliesPerSource", &l.MaxReassembliesPerSource, MaxReassembliesPerSource},
		{"MaxPendingHandshakes", &l.MaxPendingHandshakes, MaxPendingHandshakes},
		{"MaxInitiationsPerSecond", &l.MaxInitiationsPerSecond, MaxInitiationsPerSecond},
		{"RateLimitPerSecond", &l.RateLimitPerSecond, RateLimitPerSecond},
		{"RateLimitBurst", &l.RateLimitBurst, RateLimitBurst},
		{"MaxRateLimitEntries", &l.MaxRateLimitEntries, MaxRateLimitEntries},
		{"MaxReplayEntries", &l.MaxReplayEntries, MaxReplayEntries},
		{"MaxCachedCerts", &l.MaxCachedCerts, MaxCachedCerts},
		{"MaxRemotes", &l.MaxRemotes, MaxRemotes},
	}
	for _, f := range ints {
		switch {
		case *f.v < 0:
			return l, fmt.Errorf("%w: Limits.%s is negative", ErrConfig, f.name)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	durs := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"ReassemblyTimeout", &l.ReassemblyTimeout, ReassemblyTimeout},
		{"RekeyTimeout", &l.RekeyTimeout, RekeyTimeout},
		{"RekeyTimeoutJitter", &l.RekeyTimeoutJitter, RekeyTimeoutJitter},
		{"RekeyAttemptTime", &l.RekeyAttemptTime, RekeyAttemptTime},
		{"CookieRefreshTime", &l.CookieRefreshTime, CookieRefreshTime},
		{"CookieValidity", &l.CookieValidity, CookieValidity},
		{"MaxClockSkew", &l.MaxClockSkew, MaxClockSkew},
	}
	for _, f := range durs {
		switch {
		case *f.v < 0:
			return l, fmt.Errorf("%w: Limits.%s is negative", ErrConfig, f.name)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	switch {
	case l.MaxDatagramSize < minDatagramSize || l.MaxDatagramSize > maxDatagramSize:
		return l, fmt.Errorf("%w: Limits.MaxDatagramSize %d is outside [%d, %d]", ErrConfig, l.MaxDatagramSize, minDatagramSize, maxDatagramSize)
	case l.MaxFragments < 2 || l.MaxFragments > maxFragmentCount:
		return l, fmt.Errorf("%w: Limits.MaxFragments %d is outside [2, %d]", ErrConfig, l.MaxFragments, maxFragmentCount)
	case l.MaxMessageSize < InitiationCachedSize || l.MaxMessageSize > l.MaxFragments*(l.MaxDatagramSize-FragmentHeaderSize):
		return l, fmt.Errorf("%w: Limits.MaxMessageSize %d must be at least %d and fit in MaxFragments fragments", ErrConfig, l.MaxMessageSize, InitiationCachedSize)
	case l.MaxReassembliesPerSource > l.MaxReassemblies:
		return l, fmt.Errorf("%w: Limits.MaxReassembliesPerSource exceeds MaxReassemblies", ErrConfig)
	case l.CookieValidity > l.CookieRefreshTime:
		return l, fmt.Errorf("%w: Limits.CookieValidity exceeds CookieRefreshTime", ErrConfig)
	}
	return l, nil
}
