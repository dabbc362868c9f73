package dp

import (
	"errors"
	"math"
	"sync"
	"testing"
)

func TestBudgetExhaustion(t *testing.T) {
	const limit, delta = 2.0, 1e-5
	b, err := NewBudget(limit, delta, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := b.Spent(); s.Epsilon != 0 || s.Delta != delta || b.Rounds() != 0 || b.Remaining() != limit {
		t.Fatalf("fresh budget: spent %+v, %d rounds, %v remaining", s, b.Rounds(), b.Remaining())
	}
	// One round: 100 client-sampling steps of q = 0.01, sigma = 1.
	m := Mechanism{SamplingRate: 0.01, NoiseMultiplier: 1, Steps: 100}
	prev := 0.0
	rounds := 0
	for ; rounds < 1000; rounds++ {
		peek, checkErr := b.Check(m)
		c, err := b.Spend(m)
		if (checkErr == nil) != (err == nil) || peek != c {
			t.Fatalf("Check said %+v, %v; Spend said %+v, %v", peek, checkErr, c, err)
		}
		if err != nil {
			if !errors.Is(err, ErrBudgetExhausted) {
				t.Fatalf("got %v, want ErrBudgetExhausted", err)
			}
			if c.Total.Epsilon <= limit || c.Round != rounds+1 {
				t.Fatalf("refused round %+v is within the limit", c)
			}
			break
		}
		if c.Round != rounds+1 || c.Total.Epsilon > limit || c.Total.Epsilon <= prev {
			t.Fatalf("round %d: %+v after %v", rounds+1, c, prev)
		}
		// Composition adds RDP curves: k rounds of m are one mechanism
		// with k times the steps.
		want, err := ComputeEpsilon(Mechanism{m.SamplingRate, m.NoiseMultiplier, m.Steps * c.Round}, delta, nil)
		if err != nil || relErr(c.Total.Epsilon, want.Epsilon) > 1e-12 || c.Total.Order != want.Order {
			t.Fatalf("round %d: total %+v, composed mechanism %+v", c.Round, c.Total, want)
		}
		one, _ := ComputeEpsilon(m, delta, nil)
		if c.PerRound != one {
			t.Fatalf("per-round %+v, want %+v", c.PerRound, one)
		}
		prev = c.Total.Epsilon
	}
	if rounds == 0 || rounds == 1000 {
		t.Fatalf("%d rounds before exhaustion", rounds)
	}
	// A refused round changes nothing and stays refused.
	spent := b.Spent()
	if spent.Epsilon != prev || b.Rounds() != rounds || b.Remaining() != limit-prev {
		t.Fatalf("after refusal: spent %+v, %d rounds, want %v over %d", spent, b.Rounds(), prev, rounds)
	}
	if _, err := b.Spend(m); !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("second attempt: %v", err)
	}
	// A cheaper round may still fit.
	if _, err := b.Spend(Mechanism{SamplingRate: 1e-4, NoiseMultiplier: 50, Steps: 1}); err != nil {
		t.Fatalf("cheap round refused: %v", err)
	}
	if b.Limit() != (Guarantee{Epsilon: limit, Delta: delta}) {
		t.Fatalf("Limit() = %+v", b.Limit())
	}
}

// TestBudgetMixedRounds composes rounds with different mechanisms.
func TestBudgetMixedRounds(t *testing.T) {
	orders := []float64{1.5, 2, 4, 8, 16, 32}
	b, err := NewBudget(100, 1e-6, orders)
	if err != nil {
		t.Fatal(err)
	}
	ms := []Mechanism{{0.1, 1, 10}, {0.5, 3, 1}, {1, 10, 2}}
	sum := make([]float64, len(orders))
	for _, m := range ms {
		if _, err := b.Spend(m); err != nil {
			t.Fatal(err)
		}
		r, _ := RDP(m, orders)
		for i := range sum {
			sum[i] += r[i]
		}
	}
	want, _ := Epsilon(orders, sum, 1e-6)
	if got := b.Spent(); got != want {
		t.Fatalf("spent %+v, want %+v", got, want)
	}
	// The budget keeps its own copy of the orders.
	orders[0] = 60
	if got := b.Spent(); got != want {
		t.Fatalf("orders aliased: %+v", got)
	}
}

func TestBudgetInvalid(t *testing.T) {
	for _, tc := range []struct {
		eps, delta float64
		orders     []float64
	}{
		{0, 1e-5, nil}, {-1, 1e-5, nil}, {math.NaN(), 1e-5, nil}, {math.Inf(1), 1e-5, nil},
		{1, 0, nil}, {1, 1, nil}, {1, math.NaN(), nil}, {1, 1e-5, []float64{0.5}}, {1, 1e-5, []float64{}},
	} {
		if _, err := NewBudget(tc.eps, tc.delta, tc.orders); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("NewBudget(%v, %v, %v): got %v", tc.eps, tc.delta, tc.orders, err)
		}
	}
	b, err := NewBudget(1, 1e-5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Spend(Mechanism{SamplingRate: 2, NoiseMultiplier: 1, Steps: 1}); !errors.Is(err, ErrInvalidParameter) {
		t.Fatalf("bad mechanism: got %v", err)
	}
	if b.Rounds() != 0 {
		t.Fatal("bad mechanism was charged")
	}
}

// TestBudgetConcurrent spends from many goroutines: exactly as many rounds
// succeed as fit, whatever the interleaving.
func TestBudgetConcurrent(t *testing.T) {
	m := Mechanism{SamplingRate: 0.05, NoiseMultiplier: 1.2, Steps: 20}
	serial, err := NewBudget(3, 1e-5, nil)
	if err != nil {
		t.Fatal(err)
	}
	fit := 0
	for ; ; fit++ {
		if _, err := serial.Spend(m); err != nil {
			break
		}
	}
	b, err := NewBudget(3, 1e-5, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Go(func() {
			for range fit {
				if _, err := b.Spend(m); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
				_ = b.Spent()
			}
		})
	}
	wg.Wait()
	if ok != fit || b.Rounds() != fit {
		t.Fatalf("%d concurrent rounds succeeded (Rounds %d), %d fit", ok, b.Rounds(), fit)
	}
}
