package mapek

import "time"

// Windows and bounds of the Monitor.
const (
	// WindowSize is the number of samples kept per neighbour and for the
	// node: with a one-second period the windows cover a minute.
	WindowSize = 60
	// MaxNeighbours bounds the neighbours one Snapshot may carry and the
	// Monitor tracks (the node runtime's MaxPeers).
	MaxNeighbours = 4096
	// ForgetAfter is how long a neighbour may be missing from Snapshots
	// before the Monitor drops its window and its damping state.
	ForgetAfter = 10 * time.Minute
	// RateSamples is the number of most recent intervals over which counter
	// rates (drops, cookie replies, queue drops) are computed, so that a
	// burst is seen within seconds and its end too.
	RateSamples = 5
	// SmoothingAlpha is the weight of a new sample in the exponentially
	// weighted moving averages of loss, RTT and resource usage.
	SmoothingAlpha = 0.3
	// BaselineAlpha is the weight of a healthy sample in a neighbour's
	// long-term baseline of loss and RTT.
	BaselineAlpha = 0.05
	// MinBaselineSamples is the number of healthy samples a baseline needs
	// before relative thresholds use it.
	MinBaselineSamples = 10
)

// Thresholds of the Analyze rules. Each may be overridden in Config.
const (
	// DeadLinkSamples is the number of consecutive samples a neighbour must
	// be reported down before a dead link is declared.
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
	// PartitionDrop is the fraction of routes lost from one sample to the
	// next above which a partition is suspected.
	PartitionDrop = 0.5
	// PartitionMinRoutes is the least route count before the drop for the
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
	// Cooldown is the least time between two actions on the same subject.
	Cooldown = 30 * time.Second
	// VerifyAfter is how long after an action its outcome is verified.
	VerifyAfter = 30 * time.Second
	// BudgetWindow is the sliding window of the global action budget.
	BudgetWindow = time.Minute
	// BudgetActions is the largest number of actions within BudgetWindow.
	BudgetActions = 4
	// WorseMargin is the relative increase of a symptom's metric after an
	// action that counts as a worse outcome and triggers a rollback.
	WorseMargin = 0.2
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
