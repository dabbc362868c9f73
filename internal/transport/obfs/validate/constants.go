package validate

import "time"

// Defaults and limits of Run and Probe.
const (
	// DefaultSamples is the number of handshakes per mode when Options.Samples is zero.
	DefaultSamples = 1000
	// MaxSamples bounds Options.Samples, so that a run's virtual time (MaxSamples × virtualStep,
	// under three hours) stays within the certificates' validity.
	MaxSamples = 100_000
	// DefaultProbes is the number of probes of each kind when ProbeOptions.Probes is zero.
	DefaultProbes = 200
	// MaxProbes bounds ProbeOptions.Probes.
	MaxProbes = 100_000
	// OffsetWindow is how many leading offsets of each first datagram the byte statistics cover:
	// every offset of a datagram up to an Ethernet MTU.
	OffsetWindow = 1500
	// FixedByteFraction is the share of samples one byte value must reach at an offset for the
	// offset to be reported as fixed. Uniformly random bytes put 1/256 (0.4%) on each value, and
	// Shape's printable prefix 1/95 (1.1%); a type field or a reserved zero puts 50% or more.
	FixedByteFraction = 0.05
	// FixedByteMinCount is the number of datagrams the value must also reach, so that offsets
	// reached by few datagrams are not reported by chance: at most 400 uniformly random bytes
	// put 20 on one value with a probability below 10^-15.
	FixedByteMinCount = 20
	// DataFrames is the number of transport data frames the initiator sends after each
	// handshake (a keepalive and one of random size); the responder answers the last.
	DataFrames = 2
	// ReadTimeout bounds the wait for each datagram of a handshake on loopback.
	ReadTimeout = 5 * time.Second
	// ProbeQuiet is how long Probe listens for answers after each kind of probe when
	// ProbeOptions.Quiet is zero. A responder on loopback answers within microseconds.
	ProbeQuiet = 300 * time.Millisecond
	// probeBatch is the number of probes Probe sends before waiting for the listener to count
	// them, so that no socket buffer overflows and every probe is accounted for.
	probeBatch = 64
	// virtualStep advances the handshake machines' clock between handshakes, so that the
	// responder never sees more than 10 handshakes a second from 127.0.0.1: below its load
	// threshold (handshake.MaxInitiationsPerSecond) and its per-source rate limit on certificate
	// requests (handshake.RateLimitPerSecond), so that every handshake takes the normal path.
	virtualStep = 100 * time.Millisecond
	// certValidity is the validity of the throw-away CA and certificates.
	certValidity = 24 * time.Hour
)
