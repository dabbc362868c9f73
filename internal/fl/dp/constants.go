package dp

// Limits of the accountant.
const (
	// MaxOrders is the largest number of Rényi orders accepted in one
	// call.
	MaxOrders = 1024
	// MaxOrder is the largest Rényi order accepted; an integer order
	// alpha costs alpha+1 terms.
	MaxOrder = 1 << 16
	// MinNoiseMultiplier is the smallest noise multiplier accepted. Below
	// it epsilon is astronomically large anyway and the terms of the
	// series overflow.
	MinNoiseMultiplier = 1e-6

	// seriesCutoff stops the fractional-order series once the logs of
	// both new terms fall below it, as in Opacus and TF Privacy.
	seriesCutoff = -30
	// maxSeriesTerms bounds the fractional-order series; past it the
	// bound from the next integer order is used instead.
	maxSeriesTerms = 1 << 22
	// maxCancellation is the largest log of the ratio between the sum of
	// the magnitudes of the fractional series' terms and its result that
	// is trusted: at exp(9.2) = 1e4, rounding costs at most about 1e-12 of
	// the result. Past it the bound from the next integer order is used.
	maxCancellation = 9.2
	// erfcAsymptoticThreshold is where logErfc switches from
	// log(math.Erfc(x)) to the asymptotic series; math.Erfc underflows
	// near x = 26.5.
	erfcAsymptoticThreshold = 20
	// erfcAsymptoticTerms is the number of terms of the asymptotic series
	// of erfc; at x >= 20 the first omitted term is below 1e-23.
	erfcAsymptoticTerms = 12
)

// Defaults of the orders list, as in Opacus' RDPAccountant:
// 1 + x/10 for x = 1..99, then the integers 12..63.
const (
	defaultFractionalOrders = 99
	defaultFirstInteger     = 12
	defaultLastInteger      = 63
)

// Clipping limits and defaults.
const (
	// MinClipNorm and MaxClipNorm bound the adaptive clip norm so that the
	// geometric update can neither reach 0, from which it could not come
	// back, nor overflow.
	MinClipNorm = 1e-12
	// MaxClipNorm is the largest adaptive clip norm.
	MaxClipNorm = 1e12

	// DefaultTargetQuantile is the fraction of updates adaptive clipping
	// aims to leave unclipped (Andrew et al. 2021 use the median).
	DefaultTargetQuantile = 0.5
	// DefaultClipLearningRate is the learning rate of the geometric
	// clip-norm update recommended by Andrew et al. 2021.
	DefaultClipLearningRate = 0.2
	// DefaultCountNoiseFraction times the expected number of clients is
	// the count noise Andrew et al. 2021 recommend (sigma_b = m/20).
	DefaultCountNoiseFraction = 0.05

	// maxClipPasses bounds the rescaling passes Clip makes to bring the
	// computed norm to at most the bound; one pass almost always
	// suffices.
	maxClipPasses = 8
)

// noiseBufferSize is the number of random bytes Gaussian reads from its
// source at a time; a multiple of 16, the bytes of one Box–Muller pair.
const noiseBufferSize = 4096
