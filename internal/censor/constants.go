package censor

// Thresholds of Algorithm 1 of Wu et al. (USENIX Security 2023), section 4.
const (
	// PopcountLow is Ex1's lower bound: a payload averaging at most this many set bits per byte
	// is exempt. Uniformly random bytes average 4.
	PopcountLow = 3.4
	// PopcountHigh is Ex1's upper bound: a payload averaging at least this many set bits per byte
	// is exempt.
	PopcountHigh = 4.6
	// PrintablePrefixLen is Ex2's length: a payload whose first this many bytes are all printable
	// ASCII is exempt.
	PrintablePrefixLen = 6
	// PrintableFraction is Ex3's share: a payload of which more than this fraction of bytes is
	// printable ASCII is exempt.
	PrintableFraction = 0.5
	// PrintableRunLen is Ex4's run: a payload with a run of more than this many contiguous
	// printable ASCII bytes is exempt.
	PrintableRunLen = 20
	// PrintableMin and PrintableMax bound the bytes the paper counts as printable ASCII
	// ([0x20, 0x7e]: space to tilde).
	PrintableMin = 0x20
	// PrintableMax is the last printable ASCII byte (see PrintableMin).
	PrintableMax = 0x7e
)

// Blocking probabilities for Censor.
const (
	// DefaultBlockProbability blocks every flagged connection: the strictest reading of the rule,
	// and the default of the tests that use it.
	DefaultBlockProbability = 1.0
	// PaperBlockProbability is the probability with which the GFW blocked a connection it had
	// flagged, as measured by Wu et al. (section 6.3): 26.3%.
	PaperBlockProbability = 0.263
)

// Limits of the statistics helpers.
const (
	// MaxLength is the largest UDP datagram. It bounds NewOffsets' window, so that an Offsets
	// holds at most MaxLength × 256 counters (128 MiB), and the lengths a Lengths tells apart, so
	// that it holds at most MaxLength + 1 counters.
	MaxLength = 65535
	// byteValues is the number of distinct byte values, the categories of every histogram here.
	byteValues = 256
)
