package round

import "time"

// Wire format.
const (
	// Version is the first byte of every encoded message.
	Version = 1

	// headerSize is version, type, epoch (4 bytes) and round (8 bytes).
	headerSize = 1 + 1 + 4 + 8

	// idSize is the size of a node ID on the wire.
	idSize = 32
)

// Limits. They bound what a message, a configuration or a peer can make a
// node allocate.
const (
	// MaxDim is the longest parameter vector a message carries: 2^22
	// values, 32 MiB as float64.
	MaxDim = 1 << 22

	// MaxClients is the largest federation: the clients a coordinator
	// selects from, and the length of every list of node IDs on the wire.
	// It equals secagg.MaxClients, so any selection can run a secure round.
	MaxClients = 1024

	// MaxCoordinators is the longest succession list of coordinators.
	MaxCoordinators = 16

	// MaxRound is the largest round number. Rounds are numbered from 1 and
	// a secure round's ID is epoch<<32 | round, so rounds fit 32 bits.
	MaxRound = 1<<32 - 1

	// MaxLocalEpochs is the largest number of local epochs a round asks
	// for.
	MaxLocalEpochs = 1 << 12

	// MaxNumSamples is the largest sample count an update may claim.
	MaxNumSamples = 1 << 30

	// MaxDetailLength is the longest free-text detail of a Refusal, in
	// bytes.
	MaxDetailLength = 255

	// MaxStrategyName is the longest strategy name in a GlobalModel.
	MaxStrategyName = 64

	// MaxSecAggPayload is the largest secagg message a SecAgg envelope
	// carries: a masked input of MaxDim words plus room for the largest
	// roster or share list of MaxClients clients.
	MaxSecAggPayload = 4*MaxDim + 4<<20

	// MaxMessageSize is the largest encoded message of any type: a
	// checkpoint with a full vector and every list at its limit.
	MaxMessageSize = 8*MaxDim + 1<<20

	// MaxAbsValue is the largest magnitude of a parameter or delta
	// accepted on the wire, as in internal/fl/strategy.
	MaxAbsValue = 1e30

	// MaxRoundTimeout is the longest round deadline; it fits the
	// millisecond field of RoundStart.
	MaxRoundTimeout = 24 * time.Hour
)

// Timers and defaults of the coordinator.
const (
	// DefaultRoundTimeout is how long a round waits for updates after its
	// RoundStart messages are sent; later updates are refused as late.
	DefaultRoundTimeout = 30 * time.Second

	// DefaultSecAggPhaseTimeout is how long each key-exchange and
	// unmasking phase of a secure round waits for the selected clients
	// before it goes on with those that answered (the rest count as
	// dropped).
	DefaultSecAggPhaseTimeout = 5 * time.Second

	// DefaultMaxMisses is how many consecutive rounds a selected client
	// may fail to answer before the coordinator excludes it.
	DefaultMaxMisses = 3

	// DefaultMaxAborts is how many consecutive rounds may be aborted
	// (too few answers) before the coordinator gives up.
	DefaultMaxAborts = 5
)

// Secure aggregation quantisation.
const (
	// quantBits is the width of a secure sum's words: the quantiser's
	// scale is chosen so that the sum of every selected client's largest
	// value stays below 2^quantBits.
	quantBits = 32

	// maxQuantScale bounds the automatic quantisation scale: 2^40 steps
	// per unit is far below float64 resolution of any useful delta.
	maxQuantScale = 1 << 40
)

// Accounting.
const (
	// maxParticipationSearch bounds the search for the number of rounds a
	// client's privacy budget allows.
	maxParticipationSearch = 1 << 16

	// selectionLabel domain-separates the seed of each round's client
	// sample.
	selectionLabel = "x0tta6bl4 fl selection v1"
)
