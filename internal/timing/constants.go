package timing

// Thresholds of the verdict, as dudect uses them.
const (
	// ThresholdInconclusive is the |t| from which a difference between the classes is worth a
	// second look (the usual TVLA threshold).
	ThresholdInconclusive = 4.5

	// ThresholdLeak is the |t| above which dudect reports that the timings very likely depend on
	// the input class.
	ThresholdLeak = 10.0
)

// Measurement limits.
const (
	// NumCrops is the number of cropping thresholds (dudect's DUDECT_NUMBER_PERCENTILES): test i
	// keeps the measurements below the percentile 1 - 0.5^(10*i/NumCrops) of all measurements.
	NumCrops = 100

	// EnoughMeasurements is how many measurements a cropped or second-order test needs before its
	// t counts towards Result.MaxT (dudect's enough_measurements). The uncropped test always counts.
	EnoughMeasurements = 10000

	// SecondOrderAfter is how many class-0 measurements there must be before the second-order test
	// (on the squared distance to the class mean) runs, as in dudect.
	SecondOrderAfter = 10000

	// DiscardFirst is the number of first measurements left out of the statistics: they are
	// taken while caches and branch predictors warm up. dudect discards the same number.
	DiscardFirst = 10

	// MinMeasurements is the smallest n Measure accepts: enough for a variance in each class after
	// the discarded warm-up.
	MinMeasurements = 100

	// MaxMeasurements bounds n, and so the memory of one Measure call (about 9 bytes per
	// measurement, plus a sorted copy of the durations): at most about 72 MiB.
	MaxMeasurements = 1 << 22

	// FrameAuthPayloadSize is the payload length of the frames FrameAuthCheck forges.
	FrameAuthPayloadSize = 64
)
