package mapek

import "time"

// Windows and bounds of the Monitor. Every rule is defined in time, not in
// samples, so that its meaning does not depend on the loop period.
const (
	// Window is the default of Config.Window: the span over which counts
	// (transitions, relayed packets, handshakes) and the route maximum are
	// taken.
	Window = time.Minute
	// MinWindow and MaxWindow bound Config.Window.
	MinWindow = time.Second
	MaxWindow = time.Hour
	// WindowSize is the number of slots a neighbour's window is divided
	// into: each slot (Window/WindowSize, one second by default) keeps the
	// newest sample that fell into it, so memory is bounded whatever the
	// period. Counters stay exact; up/down transitions are counted as each
	// sample arrives.
	WindowSize = 60
	// NodeWindowSize is the number of slots of the node's window (100 ms
	// each by default), finer than a neighbour's because counter rates are
	// taken over RateSpan.
	NodeWindowSize = 600
	// MaxNeighbours bounds the neighbours one Snapshot may carry and the
	// Monitor tracks (the node runtime's MaxPeers).
	MaxNeighbours = 4096
	// MaxRoutesVia bounds NeighbourSample.RoutesVia.
	MaxRoutesVia = 1 << 24
	// MaxRelayDests bounds NeighbourSample.Dests: a Core probes at most
	// its end-to-end peers (mesh.MaxPeersLimit, 65536).
	MaxRelayDests = 1 << 16
	// ForgetAfter is how long a neighbour may be missing from Snapshots
	// before the Monitor drops its window and its damping state.
	ForgetAfter = 10 * time.Minute
	// RateSpan is the least span over which counter rates (drops, cookie
	// replies, queue drops) are computed, so that a burst is seen within a
	// second and its end too; a longer period or coarser slot widens it to
	// one interval.
	RateSpan = 500 * time.Millisecond
	// RateSamples was the number of intervals rates were computed over;
	// rates are now over RateSpan whatever the period, and it is kept so
	// that existing code compiles.
	RateSamples = 5
	// SmoothingPeriod is the sample interval SmoothingAlpha and
	// BaselineAlpha are given for: a sample dt after the previous one gets
	// the weight 1-(1-α)^(dt/SmoothingPeriod), so smoothing takes the same
	// time at any period.
	SmoothingPeriod = 100 * time.Millisecond
	// SmoothingAlpha is the weight of a new sample, SmoothingPeriod after
	// the previous one, in the exponentially weighted moving averages of
	// loss, RTT and resource usage (a half-life of about 0.19 s).
	SmoothingAlpha = 0.3
	// BaselineAlpha is the weight of a healthy sample, SmoothingPeriod after
	// the previous one, in a neighbour's long-term baseline of loss and RTT
	// (a half-life of about 1.4 s).
	BaselineAlpha = 0.05
	// MinBaselineSamples is the number of healthy samples a baseline needs
	// before relative thresholds use it.
	MinBaselineSamples = 10
)

// Thresholds of the Analyze rules. Each may be overridden in Config.
const (
	// DeadLinkFor is how long a neighbour must be reported down in every
	// sample before a dead link is declared (the link layer has already
	// waited its own dead interval).
	DeadLinkFor = 200 * time.Millisecond
	// DeadLinkSamples was the number of consecutive down samples of the
	// dead-link rule, which now uses DeadLinkFor; Config.DeadLinkSamples is
	// still range-checked but no longer used.
	DeadLinkSamples = 3
	// DegradedLoss is the smoothed loss fraction (either direction) above
	// which a link is degraded, whatever its baseline.
	DegradedLoss = 0.2
	// DegradedLossMargin is the increase of smoothed loss over the
	// neighbour's baseline that marks a link degraded.
	DegradedLossMargin = 0.1
	// DegradedRTTFactor is the ratio of smoothed RTT to baseline RTT above
	// which a link is degraded (together with DegradedRTTMin).
	DegradedRTTFactor = 3.0
	// DegradedRTTMin is the least absolute RTT increase over the baseline
	// that counts as degradation, so that sub-millisecond links are not
	// flagged for jitter.
	DegradedRTTMin = 20 * time.Millisecond
	// FlapTransitions is the number of up/down transitions within the
	// window that marks a link as flapping.
	FlapTransitions = 4
	// StableFor is how long the evidence of a windowed rule must have
	// stopped for its symptom to end before the window forgets it: a
	// flapping link that has been up with no transition for StableFor is no
	// longer flapping, and a relay whose messages of the last StableFor were
	// answered as well as its link explains is no longer misbehaving. No
	// action is then taken for evidence that ended.
	StableFor = 10 * time.Second
	// StableMinRelayed is the least number of messages relayed through a
	// neighbour within the last StableFor for their answers to clear the
	// misbehaving-relay rule (fewer say nothing either way).
	StableMinRelayed = 10
	// PartitionDrop is the fraction of the route count's maximum over the
	// window that must be lost, at once or slowly, for a partition to be
	// suspected.
	PartitionDrop = 0.5
	// PartitionMinRoutes is the least maximum route count for the
	// partition rule to apply.
	PartitionMinRoutes = 4
	// OverloadCPU is the smoothed CPU usage fraction that marks the node
	// overloaded.
	OverloadCPU = 0.9
	// OverloadMemory is the smoothed memory usage fraction that marks the
	// node overloaded.
	OverloadMemory = 0.9
	// OverloadQueueDropRate is the rate of queue drops, per second over the
	// window, that marks the node overloaded.
	OverloadQueueDropRate = 50.0
	// RelayMinSamples is the least number of packets relayed through a
	// neighbour within the window for the misbehaving-relay rule to apply.
	RelayMinSamples = 50
	// BlackholeRatio is the confirmed/relayed ratio below which a
	// neighbour is treated as a blackhole.
	BlackholeRatio = 0.05
	// GrayholeMargin is how far the confirmed/relayed ratio may fall below
	// the link's own delivery (1 - tx loss) before the neighbour is treated
	// as a grayhole.
	GrayholeMargin = 0.3
	// RelaySpreadFraction is the least fraction of the judged destinations
	// routed through a neighbour (NeighbourSample.Dests) that must be
	// failing (mesh: answering less than 90 %) for the misbehaving-relay
	// rule to blame the neighbour. A relay that drops what it forwards
	// fails every destination beyond it; a destination that answers through
	// it shows that it forwards, and the fault lies further on, on the
	// paths of those that fail. In a line A-B-G-D-E-F whose G drops transit,
	// A's probes through B fail for D, E and F but not for G (3 of 4): only
	// a fraction above (k-1)/k acquits B with k destinations behind it, so
	// 0.9 (every destination up to 9, all but one from 10 on, as noise on
	// long paths may fail one).
	RelaySpreadFraction = 0.9
	// RelaySpreadMinDests is the least number of judged destinations
	// through a neighbour for RelaySpreadFraction to apply and for the
	// loop to act on the misbehaving-relay symptom. With fewer, one failing
	// destination cannot tell the next hop from a relay further on (or on
	// the answers' way back): the evidence is ambiguous, the symptom is
	// raised with Symptom.Ambiguous (evidence "ambiguous": 1) and Plan
	// skips it (EventSkipAmbiguous). In the 100-node grayhole chaos run
	// every false quarantine had one judged destination and every true
	// one two (docs/chaos.md).
	RelaySpreadMinDests = 2
	// AmbiguousRelayHold is how long Plan leaves an ambiguous
	// misbehaving-relay incident without action (EventSkipAmbiguous) before
	// it acts on it anyway. Neighbours of a culprit further on, which judge
	// more destinations through it, quarantine it within a few seconds
	// (2.55 s in the 100-node grayhole run), its quarantine steers routes
	// around it, and the ambiguous accusers' symptoms end StableFor (10 s)
	// after their destinations answer again: 30 s (VerifyAfter, the time the
	// loop already gives an action to show its effect) leaves them time to.
	// A deficit that outlives it has no better explanation than the next
	// hop (a node whose only destination is behind it, TestGrayholeRelay in
	// internal/heal).
	AmbiguousRelayHold = 30 * time.Second
	// ForgedRate is the rate of decrypt, malformed and identity drops, per
	// second over the window, that marks forged or invalid traffic.
	ForgedRate = 20.0
	// HandshakeFloodRate is the rate of handshake drops plus cookie
	// replies, per second over the window, that marks a handshake flood.
	HandshakeFloodRate = 100.0
	// BlockedMinAttempts is the least number of handshakes to a peer
	// within the window for the transport-blocked rule to apply.
	BlockedMinAttempts = 3
	// BlockedFailRatio is the fraction of failed handshakes to a peer at or
	// above which its transport is suspected blocked, provided handshakes
	// to other peers succeed in the same window.
	BlockedFailRatio = 0.9
	// ScoreThreshold is the Scorer probability at or above which a link is
	// anomalous.
	ScoreThreshold = 0.8
)

// Plan and Execute timers and limits. Each may be overridden in Config.
const (
	// Cooldown is the least time between two actions on the same
	// neighbour, or for the same symptom kind on the node.
	Cooldown = 30 * time.Second
	// VerifyAfter is how long after an action its outcome is verified.
	VerifyAfter = 30 * time.Second
	// BudgetWindow is the sliding window of the global action budget.
	BudgetWindow = time.Minute
	// BudgetActions is the largest number of actions within BudgetWindow.
	BudgetActions = 4
	// WorseMargin is the relative increase of a symptom's metric over the
	// peak seen before an action (smoothed or raw) that counts as a worse
	// outcome and triggers a rollback.
	WorseMargin = 0.2
	// DivertFraction is the share of its level before an action that the
	// traffic an action is meant to cut (transit routes or relayed packets
	// through a link, handshakes processed in full) may keep for the action
	// to count as effective.
	DivertFraction = 0.5
	// ResolveAfter is how long a symptom must stay gone before its
	// incident is resolved.
	ResolveAfter = time.Minute
	// RaiseCostFactor is the multiplier the RaiseCost action applies to a
	// link's cost.
	RaiseCostFactor = 4.0
	// SparePeers is the number of spare peers ConnectSpares asks for.
	SparePeers = 2
	// HandshakeRateLimit is the handshake rate, per second, that
	// RateLimitHandshakes imposes.
	HandshakeRateLimit = 20
)

// Flap damping, after BGP route flap damping (RFC 2439): each onset of a
// symptom on a subject adds DampPenalty, the penalty decays with
// DampHalfLife, and the subject is suppressed from actions while its
// penalty is above DampSuppress until it falls below DampReuse.
const (
	// DampPenalty is the penalty added per onset of a symptom.
	DampPenalty = 1000.0
	// DampSuppress is the penalty above which actions are suppressed.
	DampSuppress = 2000.0
	// DampReuse is the penalty below which a suppressed subject is acted on
	// again.
	DampReuse = 750.0
	// DampMax caps the penalty, bounding how long a subject stays
	// suppressed.
	DampMax = 12000.0
	// DampHalfLife is the half-life of the penalty.
	DampHalfLife = 15 * time.Minute
)

// Knowledge persistence.
const (
	// BaselineEvery is the number of Steps between two copies of the
	// baselines in a StepResult, for the caller to persist.
	BaselineEvery = 60
)
