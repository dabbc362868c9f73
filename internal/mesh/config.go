package mesh

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
	"github.com/x0tta6bl4/x0tta6bl4/internal/route"
	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
)

// Config configures a Core. Start from DefaultConfig, set the identity
// fields, and override limits; New refuses a Config that Validate refuses.
// Zero limits are taken literally, not as defaults, except in Route,
// Handshake and Session, whose packages fill zero fields with defaults.
type Config struct {
	// Identity is the node's private keys; its KEM key is the static key of
	// end-to-end handshakes and its ID is the node's ID.
	Identity *identity.PrivateIdentity
	// Cert is the node's certificate, issued by the CA Verifier trusts.
	Cert *identity.Certificate
	// Verifier checks the certificates of end-to-end peers; its CA names
	// the network.
	Verifier *identity.Verifier
	// Rand is the source of key material and handshake indices (use
	// crypto/rand.Reader).
	Rand io.Reader
	// Jitter drives the link hello and route update jitter.
	Jitter *rand.Rand

	// Link configures the link table (see link.DefaultConfig).
	Link link.Config
	// Route configures the router; zero fields take route's defaults.
	Route route.Config
	// Handshake overrides the limits of the end-to-end handshake Machine.
	Handshake handshake.Limits
	// Session tightens the timers of end-to-end sessions (tests use it).
	Session session.Limits

	// HopLimit is the hop limit of originated packets, in [2, MaxHopLimitConfig].
	HopLimit int
	// MaxQueuedPerDestination bounds the datagrams waiting for a session to
	// one destination, in [1, MaxQueuedLimit].
	MaxQueuedPerDestination int
	// MaxQueueDelay is how long a datagram may wait for a session; positive.
	MaxQueueDelay time.Duration
	// MaxPeers bounds the end-to-end peers, in [1, MaxPeersLimit].
	MaxPeers int
	// HandshakeRetryInterval is the least time between two end-to-end
	// handshakes started towards one peer; positive.
	HandshakeRetryInterval time.Duration
	// ResponderRekeyMargin delays the responder's rekey after the
	// initiator's; not negative.
	ResponderRekeyMargin time.Duration
	// PeerIdleTimeout is how long an idle peer without a session is kept;
	// positive.
	PeerIdleTimeout time.Duration
}

// DefaultConfig returns a Config with the Default* limits and the link
// package's default timers; the identity fields, Rand and Jitter are left
// for the caller.
func DefaultConfig() Config {
	return Config{
		Link:                    link.DefaultConfig(),
		HopLimit:                DefaultHopLimit,
		MaxQueuedPerDestination: DefaultMaxQueuedPerDestination,
		MaxQueueDelay:           DefaultMaxQueueDelay,
		MaxPeers:                DefaultMaxPeers,
		HandshakeRetryInterval:  DefaultHandshakeRetryInterval,
		ResponderRekeyMargin:    DefaultResponderRekeyMargin,
		PeerIdleTimeout:         DefaultPeerIdleTimeout,
	}
}

// Validate reports whether c is usable. The error wraps ErrInvalidConfig,
// names the first field at fault and wraps the lower package's error when
// that package refused its part.
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Identity == nil || c.Identity.Signing == nil || c.Identity.KEM == nil:
		return bad("Identity", "missing keys")
	case c.Cert == nil:
		return bad("Cert", "missing")
	case c.Cert.Subject != c.Identity.ID():
		return bad("Cert", "subject %s is not the identity's node ID %s", c.Cert.Subject.Short(), c.Identity.ID().Short())
	case c.Cert.KEM == nil || !c.Cert.KEM.Equal(c.Identity.KEM.Public()):
		return bad("Cert", "KEM key is not the identity's")
	case c.Verifier == nil:
		return bad("Verifier", "missing")
	case c.Rand == nil:
		return bad("Rand", "missing")
	case c.Jitter == nil:
		return bad("Jitter", "missing")
	case c.HopLimit < 2 || c.HopLimit > MaxHopLimitConfig:
		return bad("HopLimit", "%d is outside [2, %d]", c.HopLimit, MaxHopLimitConfig)
	case c.MaxQueuedPerDestination < 1 || c.MaxQueuedPerDestination > MaxQueuedLimit:
		return bad("MaxQueuedPerDestination", "%d is outside [1, %d]", c.MaxQueuedPerDestination, MaxQueuedLimit)
	case c.MaxQueueDelay <= 0:
		return bad("MaxQueueDelay", "%v is not positive", c.MaxQueueDelay)
	case c.MaxPeers < 1 || c.MaxPeers > MaxPeersLimit:
		return bad("MaxPeers", "%d is outside [1, %d]", c.MaxPeers, MaxPeersLimit)
	case c.HandshakeRetryInterval <= 0:
		return bad("HandshakeRetryInterval", "%v is not positive", c.HandshakeRetryInterval)
	case c.ResponderRekeyMargin < 0:
		return bad("ResponderRekeyMargin", "%v is negative", c.ResponderRekeyMargin)
	case c.PeerIdleTimeout <= 0:
		return bad("PeerIdleTimeout", "%v is not positive", c.PeerIdleTimeout)
	}
	if err := c.Link.Validate(); err != nil {
		return fmt.Errorf("%w: Link: %w", ErrInvalidConfig, err)
	}
	return nil
}

// rekeyAfter returns the session age at which the initiator rekeys.
func (c Config) rekeyAfter() time.Duration {
	if c.Session.RekeyAfterTime > 0 {
		return c.Session.RekeyAfterTime
	}
	return session.RekeyAfterTime
}

// rejectAfter returns the session age at which a session expires.
func (c Config) rejectAfter() time.Duration {
	if c.Session.RejectAfterTime > 0 {
		return c.Session.RejectAfterTime
	}
	return session.RejectAfterTime
}
