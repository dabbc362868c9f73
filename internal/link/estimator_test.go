package link

import (
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestRxHistory(t *testing.T) {
	const miss = -1 // a missed-hello timeout instead of a sequence number
	tests := []struct {
		name    string
		seqs    []int64
		results []rxResult // of the last seq
		count   uint8
		window  uint8
	}{
		{"none", nil, nil, 0, 0},
		{"in order", []int64{1, 2, 3}, []rxResult{rxNewest, rxNewest, rxNewest}, 3, 3},
		{"gap", []int64{1, 3}, []rxResult{rxNewest, rxNewest}, 2, 3},
		{"late fills gap", []int64{1, 3, 2}, []rxResult{rxNewest, rxNewest, rxLate}, 3, 3},
		{"duplicate", []int64{1, 2, 2, 1}, []rxResult{rxNewest, rxNewest, rxDuplicate, rxDuplicate}, 2, 2},
		{"older than first", []int64{5, 4}, []rxResult{rxNewest, rxTooOld}, 1, 1},
		{"behind window", append(seqRange(100, 140), 101), nil, 32, 32},
		{"big gap", []int64{1, 40}, []rxResult{rxNewest, rxNewest}, 1, 32},
		{"gap of 31", []int64{1, 32}, []rxResult{rxNewest, rxNewest}, 2, 32},
		{"restart forward", []int64{1, 2, 2 + SeqRestartGap + 1}, []rxResult{rxNewest, rxNewest, rxRestart}, 1, 1},
		{"restart backward", []int64{5000, 5001, 1}, []rxResult{rxNewest, rxNewest, rxRestart}, 1, 1},
		{"wraps", []int64{0xFFFFFFFE, 0xFFFFFFFF, 0, 1}, nil, 4, 4},
		{"missed", []int64{1, 2, miss, miss}, nil, 2, 4},
		{"missed then late", []int64{1, miss, 2}, []rxResult{rxNewest, rxNewest, rxLate}, 2, 2},
		{"missed then next", []int64{1, miss, 3}, []rxResult{rxNewest, rxNewest, rxNewest}, 2, 3},
		{"miss before any", []int64{miss, miss}, nil, 0, 0},
		{"all missed", append([]int64{1}, repeat(miss, 40)...), nil, 0, 32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h rxHistory
			var got []rxResult
			for _, s := range tc.seqs {
				if s == miss {
					h.miss()
					got = append(got, rxNewest)
					continue
				}
				got = append(got, h.add(uint32(s)))
			}
			for i, r := range tc.results {
				if got[i] != r {
					t.Errorf("result %d (seq %d) = %d, want %d", i, tc.seqs[i], got[i], r)
				}
			}
			if c, w := h.report(); c != tc.count || w != tc.window {
				t.Errorf("report = %d/%d, want %d/%d", c, w, tc.count, tc.window)
			}
		})
	}
}

func seqRange(from, to int64) []int64 {
	var s []int64
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func repeat(v int64, n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// TestRxHistoryProperties checks, for any arrival order with duplicates,
// that the report counts each distinct hello of the window exactly once.
func TestRxHistoryProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := rapid.Uint32().Draw(t, "base")
		offs := rapid.SliceOfN(rapid.IntRange(0, 3*HelloWindow), 1, 200).Draw(t, "offsets")
		var h rxHistory
		seen := map[uint32]bool{}
		first := base + uint32(offs[0])
		highest := first
		for _, o := range offs {
			s := base + uint32(o)
			res := h.add(s)
			if int32(s-first) < 0 {
				if res != rxTooOld {
					t.Fatalf("seq %d before the first %d: %d", s, first, res)
				}
				continue
			}
			if seen[s] != (res == rxDuplicate) && res != rxTooOld {
				t.Fatalf("seq %d seen %v, result %d", s, seen[s], res)
			}
			if int32(s-highest) > 0 {
				highest = s
			}
			if int32(highest-s) < HelloWindow {
				seen[s] = true
			}
		}
		want := 0
		for s := range seen {
			if int32(highest-s) < HelloWindow {
				want++
			}
		}
		c, w := h.report()
		if int(c) != want || c > w || w > HelloWindow || h.highest != highest {
			t.Fatalf("report %d/%d highest %d, want count %d highest %d", c, w, h.highest, want, highest)
		}
	})
}

func TestRTTEstimator(t *testing.T) {
	var e rttEstimator
	const lo, hi = time.Millisecond, time.Second
	e.sample(100*time.Millisecond, lo, hi, 0.125, 0.25)
	if e.srtt != 100*time.Millisecond || e.rttvar != 50*time.Millisecond {
		t.Fatalf("first sample: srtt %v rttvar %v, want R and R/2 (RFC 6298 2.2)", e.srtt, e.rttvar)
	}
	e.sample(200*time.Millisecond, lo, hi, 0.125, 0.25)
	// RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5.
	if e.srtt != 112500*time.Microsecond || e.rttvar != 62500*time.Microsecond {
		t.Fatalf("second sample: srtt %v rttvar %v, want 112.5ms 62.5ms", e.srtt, e.rttvar)
	}
	var c rttEstimator
	c.sample(-time.Second, lo, hi, 1, 1)
	if c.srtt != lo {
		t.Errorf("sample below MinRTT gave %v", c.srtt)
	}
	c.sample(time.Hour, lo, hi, 1, 1)
	if c.srtt != hi || c.rttvar != hi-lo {
		t.Errorf("sample above MaxRTT gave srtt %v rttvar %v", c.srtt, c.rttvar)
	}
}

func TestCost(t *testing.T) {
	tests := []struct {
		df, dr float64
		srtt   time.Duration
		want   uint16
	}{
		{1, 1, 0, MinCost},
		{1, 1, 10 * time.Millisecond, 266},
		{1, 1, 10*time.Millisecond + 499*time.Microsecond, 266},
		{1, 1, 10*time.Millisecond + 500*time.Microsecond, 267},
		{0.5, 1, 0, 512},
		{1, 0.5, 0, 512},
		{0.5, 0.5, 0, 1024},
		{0.9, 0.8, 20 * time.Millisecond, 376}, // 256/0.72 = 355.6, + 20
		{0, 1, 0, CostInfinity},
		{1, 0, 0, CostInfinity},
		{math.NaN(), 1, 0, CostInfinity},
		{-1, 1, 0, CostInfinity},
		{1e-9, 1, 0, MaxCost},
		{1, 1, time.Hour, MaxCost},
		{2, 1, 0, MinCost},               // ratios above 1 count as 1
		{1, 1, -time.Second, MinCost},    // negative RTT counts as 0
		{1.0 / 32, 1.0 / 32, 0, MaxCost}, // 262144 clamps
	}
	for _, tc := range tests {
		if got := Cost(tc.df, tc.dr, tc.srtt); got != tc.want {
			t.Errorf("Cost(%v, %v, %v) = %d, want %d", tc.df, tc.dr, tc.srtt, got, tc.want)
		}
	}
}

func TestCostMonotone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ratio := rapid.Float64Range(0, 1)
		df1, df2 := ratio.Draw(t, "df1"), ratio.Draw(t, "df2")
		dr1, dr2 := ratio.Draw(t, "dr1"), ratio.Draw(t, "dr2")
		rtt := rapid.Int64Range(0, int64(2*time.Minute))
		r1, r2 := time.Duration(rtt.Draw(t, "rtt1")), time.Duration(rtt.Draw(t, "rtt2"))
		// Better (higher) delivery ratios and lower RTT never cost more.
		worse := Cost(min(df1, df2), min(dr1, dr2), max(r1, r2))
		better := Cost(max(df1, df2), max(dr1, dr2), min(r1, r2))
		if better > worse {
			t.Fatalf("better link costs %d, worse %d", better, worse)
		}
		if c := Cost(df1, dr1, r1); c < MinCost {
			t.Fatalf("cost %d below MinCost", c)
		}
	})
}

func TestSignificant(t *testing.T) {
	tests := []struct {
		old, c     uint16
		hysteresis int
		want       bool
	}{
		{300, 300, 0, false},
		{300, 301, 0, true},
		{300, 330, 10, false},
		{300, 331, 10, true},
		{300, 270, 10, false},
		{300, 269, 10, true},
		{300, 600, 100, false},
		{300, 601, 100, true},
		{CostInfinity, 300, 100, true},
		{300, CostInfinity, 100, true},
		{CostInfinity, CostInfinity, 0, false},
		{MaxCost, CostInfinity, 100, true},
	}
	for _, tc := range tests {
		if got := significant(tc.old, tc.c, tc.hysteresis); got != tc.want {
			t.Errorf("significant(%d, %d, %d%%) = %v, want %v", tc.old, tc.c, tc.hysteresis, got, tc.want)
		}
	}
}
