package meshdetect

import "time"

// Feature extraction.
const (
	// FeatureWindow is how much telemetry history the features summarise: gauges are averaged and
	// counter rates taken over the last FeatureWindow of snapshots.
	FeatureWindow = 10 * time.Second
	// MinSampleGap is the least time between two snapshots a History keeps; snapshots arriving
	// faster (a heal.Agent steps early on link events) replace the newest one.
	MinSampleGap = 50 * time.Millisecond
	// MaxSamples bounds the points kept per series: FeatureWindow at MinSampleGap, plus one.
	MaxSamples = int(FeatureWindow/MinSampleGap) + 1
	// MaxTrackedNeighbours bounds the neighbour entries a History follows; entries beyond it in a
	// snapshot (in snapshot order) are ignored, which bounds memory to MaxTrackedNeighbours ×
	// MaxSamples points.
	MaxTrackedNeighbours = 512
	// MinHistory is the least history a Scorer needs before it gives an opinion.
	MinHistory = 3 * time.Second
	// MinRelayedForRatio is the least number of relayed messages in the window for the relay
	// deficit feature to be set (below it the ratio says little).
	MinRelayedForRatio = 10
	// FeatureClip bounds every standardised feature to [-FeatureClip, FeatureClip], so that an
	// extreme reading cannot dominate a layer.
	FeatureClip = 8
	// minStd is the smallest standard deviation a feature is divided by; constant features
	// standardise to zero.
	minStd = 1e-6
)

// Feature layout (see features.go).
const (
	// NumSelfFeatures is the length of a node's own telemetry summary (SelfView).
	NumSelfFeatures = 13
	// NumLinkFeatures is the length of one link measurement summary (LinkView).
	NumLinkFeatures = 14
	// NumFeatures is the length of a node's input vector (NodeFeatures): a known-self flag and
	// the self view, then for inbound and for outbound link views a known flag, the log of their
	// number, their mean and their maximum.
	NumFeatures = 1 + NumSelfFeatures + 2*(2+2*NumLinkFeatures)
	// SchemaVersion numbers the feature layout; a detector file records it and Load refuses any
	// other. Version 2 added the per-destination relay counts (LinkView 12 and 13).
	SchemaVersion = 2
)

// Simulated scenarios (dataset.go).
const (
	// DefaultNodes is the network size of each generated scenario.
	DefaultNodes = 24
	// StepPeriod is how often the simulated nodes' telemetry is sampled (heal.DefaultPeriod).
	StepPeriod = 100 * time.Millisecond
	// ConvergeLimit is the longest a scenario waits for routes to be complete before the faults.
	ConvergeLimit = 15 * time.Second
	// Warmup is how long a scenario runs with traffic and no fault after convergence.
	Warmup = 5 * time.Second
	// FaultSpan is how long the faults run; features are sampled at SampleOffsets into it.
	FaultSpan = 20 * time.Second
	// TrafficInterval is the gap between the datagrams each node sends to each of its
	// TrafficPeers destinations.
	TrafficInterval = 500 * time.Millisecond
	// TrafficPeers is the number of random destinations each node sends to.
	TrafficPeers = 3
	// DatagramSize is the size of the application datagrams.
	DatagramSize = 64
	// MaxScenarioNodes bounds Spec.Nodes.
	MaxScenarioNodes = 200
	// MinScenarioNodes is the smallest scenario: room for one node of every fault class and
	// normal nodes around them.
	MinScenarioNodes = 12
	// MaxScenarios bounds the scenarios of one dataset.
	MaxScenarios = 256
)

// SampleOffsets are the times after fault onset at which every node is labelled and its features
// taken.
var SampleOffsets = [...]time.Duration{8 * time.Second, 10 * time.Second, 12 * time.Second, 14 * time.Second,
	16 * time.Second, 18 * time.Second, 20 * time.Second}

// Fault parameters, each drawn uniformly per faulty node from the scenario's seed.
const (
	// GrayholeMin and GrayholeMax bound the transit drop fraction of a grayhole.
	GrayholeMin, GrayholeMax = 0.2, 0.6
	// OverloadDropMin and OverloadDropMax bound the transit drop fraction of an overloaded node
	// (its queues overflow).
	OverloadDropMin, OverloadDropMax = 0.02, 0.1
	// OverloadCPUMin is the lowest CPU fraction an overloaded node reports (up to 1).
	OverloadCPUMin = 0.8
	// OverloadMemMin and OverloadMemMax bound an overloaded node's memory fraction.
	OverloadMemMin, OverloadMemMax = 0.6, 0.97
	// OverloadQueueMin and OverloadQueueMax bound an overloaded node's queue drops per second.
	OverloadQueueMin, OverloadQueueMax = 10, 150
	// NormalCPUMax and NormalMemMax bound the base CPU and memory of other nodes.
	NormalCPUMax, NormalMemMax = 0.6, 0.7
	// UsageNoise is the amplitude of the uniform noise added to every CPU and memory sample.
	UsageNoise = 0.1
	// FlapMin and FlapMax bound the flap period of a flapping node's links.
	FlapMin, FlapMax = 2 * time.Second, 5 * time.Second
	// ChurnMin and ChurnMax bound the time between two identity changes of a churning node.
	ChurnMin, ChurnMax = 3 * time.Second, 6 * time.Second
	// ChurnDown is how long a churning node stays down between two identities.
	ChurnDown = 300 * time.Millisecond
	// FloodMin and FloodMax bound the junk handshake messages per second a flood source sends.
	FloodMin, FloodMax = 100, 400
)

// Model file.
const (
	// detectorMagic starts every detector file.
	detectorMagic = "X0MDET\x00\x00"
	// DetectorVersion is the detector file format version Save writes and Load accepts.
	DetectorVersion = 1
	// MaxDetectorFileSize is the largest detector file Load reads.
	MaxDetectorFileSize = 64 << 20
	// detectorHeaderSize is magic, version u16, schema u16, features u32, classes u32, model
	// length u64.
	detectorHeaderSize = len(detectorMagic) + 2 + 2 + 4 + 4 + 8
	// detectorHashSize is the length of the SHA-256 trailer.
	detectorHashSize = 32
)
