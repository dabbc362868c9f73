package chaos

import "time"

// Timeline of a scenario, in virtual time.
const (
	// ConvergeLimit is how long a scenario waits for every node to have a
	// route to every other before it gives up (ErrNoConvergence).
	ConvergeLimit = 30 * time.Second
	// Settle is how long the network runs after convergence before probes
	// start, so that the agents' windows and link baselines fill with
	// healthy samples.
	Settle = 2 * time.Second
	// Warmup is how long probes run before the "before" phase once every
	// probed pair has delivered one (its end-to-end session is up).
	Warmup = time.Second
	// WarmupLimit bounds the wait for every probed pair's first delivery.
	WarmupLimit = 10 * time.Second
	// BeforeWindow is the length of the "before" phase.
	BeforeWindow = 2 * time.Second
	// FaultWindow is how long a fault lasts before it is reverted (a link
	// healed, a flood or a grayhole ended, a crashed node restarted in
	// monkey), and the longest window in which its MTTD and MTTR are
	// measured. Cascade steps are this far apart.
	FaultWindow = 5 * time.Second
	// AfterWindow is the length of the "after" phase, which follows the
	// reverting of the faults.
	AfterWindow = 3 * time.Second
	// InFlight is the longest a probe is taken to be in flight: probes
	// sent less than InFlight before a fault's onset count in its "during"
	// phase and its window (the fault may lose them), and a fault's window
	// for MTTR ends InFlight before the next fault or its revert.
	InFlight = 500 * time.Millisecond
	// Drain is how long the run goes on after the last probe, so that
	// datagrams in flight arrive.
	Drain = time.Second
)

// Probe traffic.
const (
	// ProbeInterval is how often each probed pair sends a datagram.
	ProbeInterval = 10 * time.Millisecond
	// ProbePairs is the number of random pairs probed.
	ProbePairs = 24
	// FaultPairs is the most pairs around the fault target added to the
	// random ones (pairs of the target's neighbours, whose paths cross it).
	FaultPairs = 12
	// ProbeSize is the size of a probe datagram.
	ProbeSize = 64
)

// Faults.
const (
	// GrayholeFraction is the fraction of transit packets the grayhole
	// scenario's node drops.
	GrayholeFraction = 0.5
	// FloodRate is the junk handshake messages per second of the
	// handshake-flood scenario.
	FloodRate = 500
	// FlapPeriod is the period of the flapping-link scenario: the link is
	// down for half of it, up for the other half.
	FlapPeriod = 500 * time.Millisecond
)

// Params defaults and limits.
const (
	// DefaultFaultRate is the monkey's faults per minute.
	DefaultFaultRate = 6.0
	// MaxFaultRate bounds FaultRate.
	MaxFaultRate = 600.0
	// DefaultCascadeSteps is the number of nodes cascade kills.
	DefaultCascadeSteps = 3
	// MaxCascadeSteps bounds CascadeSteps.
	MaxCascadeSteps = 100
	// DefaultSpan is how long the monkey injects faults and how long none
	// runs its "during" phase.
	DefaultSpan = time.Minute
	// MaxSpan bounds Span.
	MaxSpan = 24 * time.Hour
)

// MaxProbePairs bounds Params.ProbePairs.
const MaxProbePairs = 10000

// MaxListed is the number of false positives the text report lists one by
// one (the JSON report lists them all).
const MaxListed = 20
