package link

import (
	"math"
	"math/bits"
	"time"
)

// rxResult says what a hello's sequence number meant to the receive history.
type rxResult uint8

const (
	rxNewest    rxResult = iota // ahead of every hello so far
	rxLate                      // inside the window, filling a gap
	rxDuplicate                 // already counted
	rxTooOld                    // behind the window: ignored
	rxRestart                   // too far from the window: history started again
)

// rxHistory is the receive bitmap of one neighbour's hellos (RFC 8966
// appendix A.1): bit i is set when hello highest-i was received. Only the
// n most recent slots are meaningful.
type rxHistory struct {
	bits    uint32
	highest uint32
	n       int
}

// add records the receipt of hello seq.
func (h *rxHistory) add(seq uint32) rxResult {
	if h.n == 0 {
		*h = rxHistory{bits: 1, highest: seq, n: 1}
		return rxNewest
	}
	d := int64(int32(seq - h.highest))
	switch {
	case d > SeqRestartGap || d < -SeqRestartGap:
		*h = rxHistory{bits: 1, highest: seq, n: 1}
		return rxRestart
	case d > 0:
		if d >= HelloWindow {
			h.bits = 1
		} else {
			h.bits = h.bits<<d | 1
		}
		h.highest = seq
		h.n = int(min(int64(h.n)+d, HelloWindow))
		return rxNewest
	case -d >= int64(h.n):
		return rxTooOld
	}
	bit := uint32(1) << -d
	if h.bits&bit != 0 {
		return rxDuplicate
	}
	h.bits |= bit
	return rxLate
}

// miss records that the next hello is overdue: it shifts in a zero for it,
// which a late arrival may still fill.
func (h *rxHistory) miss() {
	if h.n == 0 {
		return
	}
	h.bits <<= 1
	h.highest++
	h.n = min(h.n+1, HelloWindow)
}

// report returns the number of hellos received of the last n.
func (h *rxHistory) report() (count, window uint8) {
	if h.n == 0 {
		return 0, 0
	}
	mask := uint32(math.MaxUint32)
	if h.n < HelloWindow {
		mask = 1<<h.n - 1
	}
	return uint8(bits.OnesCount32(h.bits & mask)), uint8(h.n)
}

// ratio returns count/window, or 1 when window is zero (no information: the
// link is taken at its best until measured).
func ratio(count, window uint8) float64 {
	if window == 0 {
		return 1
	}
	return float64(count) / float64(window)
}

// rttEstimator is the smoothed RTT and RTT variance of RFC 6298 section 2.
type rttEstimator struct {
	srtt, rttvar time.Duration
	valid        bool
}

// sample folds the RTT sample r, clamped to [minRTT, maxRTT], into the
// estimate, with gains alpha and beta.
func (e *rttEstimator) sample(r, minRTT, maxRTT time.Duration, alpha, beta float64) {
	r = max(minRTT, min(r, maxRTT))
	if !e.valid {
		e.srtt, e.rttvar, e.valid = r, r/2, true
		return
	}
	// RFC 6298 2.3: RTTVAR is updated with the old SRTT, then SRTT.
	diff := e.srtt - r
	if diff < 0 {
		diff = -diff
	}
	e.rttvar += time.Duration(math.Round(beta * float64(diff-e.rttvar)))
	e.srtt += time.Duration(math.Round(alpha * float64(r-e.srtt)))
}

// Cost returns the cost of a link whose delivery ratios towards and from
// the neighbour are df and dr (each in [0, 1]) and whose smoothed RTT is
// srtt:
//
//	ETX  = 1 / (df * dr)
//	cost = round(ETXScale * ETX + srtt / RTTCostUnit)
//
// clamped to [MinCost, MaxCost]. It returns CostInfinity when df or dr is
// zero (or not a number). Cost does not decrease when df or dr decreases or
// when srtt increases.
func Cost(df, dr float64, srtt time.Duration) uint16 {
	if !(df > 0 && dr > 0) {
		return CostInfinity
	}
	df, dr = min(df, 1), min(dr, 1)
	srtt = max(srtt, 0)
	c := math.Round(ETXScale/(df*dr) + float64(srtt)/float64(RTTCostUnit))
	if c >= float64(MaxCost) {
		return MaxCost
	}
	return max(MinCost, uint16(c))
}

// significant reports whether the move from the reported cost old to the
// measured cost c exceeds hysteresis percent of old. Moves to and from
// CostInfinity are always significant.
func significant(old, c uint16, hysteresis int) bool {
	if old == c {
		return false
	}
	if old == CostInfinity || c == CostInfinity {
		return true
	}
	d := int64(c) - int64(old)
	if d < 0 {
		d = -d
	}
	return d*100 > int64(hysteresis)*int64(old)
}
