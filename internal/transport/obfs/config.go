package obfs

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/clock"
)

// Errors returned by this package; test with errors.Is. Write and close errors wrap the errors of
// package transport (ErrTooLarge, ErrInvalidAddr, ErrClosed) instead.
var (
	// ErrConfig reports a Config that New refuses.
	ErrConfig = errors.New("obfs: invalid configuration")
	// ErrInvalidKey reports a key that is not 32 bytes of base64, or is all zero.
	ErrInvalidKey = errors.New("obfs: invalid key")
)

// Config configures a Conn. Key and Rand are required; every other field has a default or is off
// when zero.
type Config struct {
	// Key is the network's obfuscation key; every node of the network must use the same.
	Key Key
	// Rand is the source of nonces, padding, junk and jitter (crypto/rand.Reader in production).
	// It must be safe for concurrent use: WriteTo reads it from every calling goroutine.
	Rand io.Reader
	// Clock gives the timestamps of datagrams and the jitter's timers; nil means clock.Real().
	Clock clock.Clock
	// Shape draws the first ShapePrefixSize bytes of every nonce from printable ASCII, so that
	// every datagram is exempt from the GFW's fully-encrypted-traffic rule (Ex2). It costs no
	// bytes; the price is that those six bytes are visibly not uniform (docs/censorship.md).
	Shape bool
	// MaxPadding is the most random padding added to a datagram, uniformly from 0, as long as the
	// datagram stays within PaddedSizeLimit. 0 selects DefaultMaxPadding; a negative value turns
	// padding off. At most MaxPaddingLimit.
	MaxPadding int
	// JunkCount is the number of junk datagrams sent before the first datagram of a flow (the
	// first to an address after FlowIdle without sending to it). Junk looks like any other
	// datagram and the receiver drops it after authenticating it. 0 sends none; at most
	// MaxJunkCount.
	JunkCount int
	// JunkMinSize and JunkMaxSize bound the size of a junk datagram on the wire, drawn uniformly;
	// zero selects DefaultJunkMinSize and DefaultJunkMaxSize. They must satisfy
	// Overhead ≤ JunkMinSize ≤ JunkMaxSize ≤ PaddedSizeLimit.
	JunkMinSize, JunkMaxSize int
	// FlowIdle is how long an address must not have been sent to for the next datagram to start a
	// flow; 0 selects DefaultFlowIdle. Only used with junk.
	FlowIdle time.Duration
	// Jitter delays every datagram by a random time from 0 to Jitter before it is sent; WriteTo
	// waits that long. 0 turns it off; at most MaxJitter.
	Jitter time.Duration
	// MaxClockSkew is how far a received datagram's timestamp may be from this node's clock
	// before the datagram is dropped; 0 selects DefaultMaxClockSkew. At most MaxClockSkewLimit.
	MaxClockSkew time.Duration
}

// settings are a Config with defaults applied and bounds checked.
type settings struct {
	rand             io.Reader
	clock            clock.Clock
	shape            bool
	maxPadding       int
	junkCount        int
	junkMin, junkMax int
	flowIdle         time.Duration
	jitter           time.Duration
	maxSkewMillis    int64
}

func (c Config) settings() (settings, error) {
	s := settings{
		rand: c.Rand, clock: c.Clock, shape: c.Shape, maxPadding: c.MaxPadding, junkCount: c.JunkCount,
		junkMin: c.JunkMinSize, junkMax: c.JunkMaxSize, flowIdle: c.FlowIdle, jitter: c.Jitter,
	}
	skew := c.MaxClockSkew
	switch {
	case c.Key.IsZero():
		return s, fmt.Errorf("%w: no key", ErrConfig)
	case c.Rand == nil:
		return s, fmt.Errorf("%w: no random source", ErrConfig)
	case c.MaxPadding > MaxPaddingLimit:
		return s, fmt.Errorf("%w: MaxPadding %d over %d", ErrConfig, c.MaxPadding, MaxPaddingLimit)
	case c.JunkCount < 0 || c.JunkCount > MaxJunkCount:
		return s, fmt.Errorf("%w: JunkCount %d outside [0, %d]", ErrConfig, c.JunkCount, MaxJunkCount)
	case c.FlowIdle < 0:
		return s, fmt.Errorf("%w: negative FlowIdle", ErrConfig)
	case c.Jitter < 0 || c.Jitter > MaxJitter:
		return s, fmt.Errorf("%w: Jitter %v outside [0, %v]", ErrConfig, c.Jitter, MaxJitter)
	case skew < 0 || skew > MaxClockSkewLimit:
		return s, fmt.Errorf("%w: MaxClockSkew %v outside [0, %v]", ErrConfig, skew, MaxClockSkewLimit)
	}
	if s.clock == nil {
		s.clock = clock.Real()
	}
	switch {
	case s.maxPadding == 0:
		s.maxPadding = DefaultMaxPadding
	case s.maxPadding < 0:
		s.maxPadding = 0
	}
	if s.junkMin == 0 {
		s.junkMin = DefaultJunkMinSize
	}
	if s.junkMax == 0 {
		s.junkMax = DefaultJunkMaxSize
	}
	if s.junkMin < Overhead || s.junkMin > s.junkMax || s.junkMax > PaddedSizeLimit {
		return s, fmt.Errorf("%w: junk sizes %d..%d outside %d..%d", ErrConfig, s.junkMin, s.junkMax, Overhead, PaddedSizeLimit)
	}
	if s.flowIdle == 0 {
		s.flowIdle = DefaultFlowIdle
	}
	if skew == 0 {
		skew = DefaultMaxClockSkew
	}
	s.maxSkewMillis = skew.Milliseconds()
	return s, nil
}
