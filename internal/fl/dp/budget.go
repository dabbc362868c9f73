package dp

import (
	"fmt"
	"math"
	"slices"
	"sync"
)

// Budget tracks the privacy spent by a sequence of rounds against an
// (epsilon, delta) limit. Rounds compose by adding their RDP curves, and
// the total is converted to epsilon at the budget's delta. Budget is safe
// for concurrent use.
type Budget struct {
	mu      sync.Mutex
	epsilon float64   // limit
	delta   float64   // delta every epsilon is computed at
	orders  []float64 // Rényi orders
	rdp     []float64 // RDP spent so far, per order
	rounds  int
}

// Charge reports the privacy of one round and of all rounds so far.
type Charge struct {
	// Round is the number of rounds charged, this one included.
	Round int
	// PerRound is the guarantee of this round alone.
	PerRound Guarantee
	// Total is the guarantee of all rounds charged, this one included.
	Total Guarantee
}

// NewBudget returns a budget of epsilon (finite, > 0) at delta (in
// (0, 1)), accounted over orders (nil means DefaultOrders).
func NewBudget(epsilon, delta float64, orders []float64) (*Budget, error) {
	if !(epsilon > 0) || math.IsInf(epsilon, 0) {
		return nil, fmt.Errorf("%w: epsilon limit %v, want finite and > 0", ErrInvalidParameter, epsilon)
	}
	if !(delta > 0 && delta < 1) {
		return nil, fmt.Errorf("%w: delta %v not in (0, 1)", ErrInvalidParameter, delta)
	}
	if orders == nil {
		orders = DefaultOrders()
	}
	if err := checkOrders(orders); err != nil {
		return nil, err
	}
	return &Budget{
		epsilon: epsilon,
		delta:   delta,
		orders:  slices.Clone(orders),
		rdp:     make([]float64, len(orders)),
	}, nil
}

// Check returns what Spend(m) would charge without charging it. The error
// wraps ErrBudgetExhausted if the round would exceed the budget.
func (b *Budget) Check(m Mechanism) (Charge, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, _, err := b.charge(m)
	return c, err
}

// Spend charges the round m to the budget and returns its cost. If the
// round would take the total epsilon past the limit, nothing is charged
// and the error wraps ErrBudgetExhausted: the round must not run.
func (b *Budget) Spend(m Mechanism) (Charge, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, total, err := b.charge(m)
	if err != nil {
		return c, err
	}
	b.rdp, b.rounds = total, c.Round
	return c, nil
}

// charge computes the cost of m on top of the budget's state.
func (b *Budget) charge(m Mechanism) (Charge, []float64, error) {
	round, err := RDP(m, b.orders)
	if err != nil {
		return Charge{}, nil, err
	}
	total := make([]float64, len(round))
	for i := range total {
		total[i] = b.rdp[i] + round[i]
	}
	c := Charge{Round: b.rounds + 1}
	if c.PerRound, err = Epsilon(b.orders, round, b.delta); err != nil {
		return Charge{}, nil, err
	}
	if c.Total, err = Epsilon(b.orders, total, b.delta); err != nil {
		return Charge{}, nil, err
	}
	if c.Total.Epsilon > b.epsilon {
		return c, nil, fmt.Errorf("%w: round %d would bring epsilon to %.6g, over the limit %.6g at delta %g",
			ErrBudgetExhausted, c.Round, c.Total.Epsilon, b.epsilon, b.delta)
	}
	return c, total, nil
}

// Spent returns the guarantee of all rounds charged so far: epsilon 0
// before the first round.
func (b *Budget) Spent() Guarantee {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rounds == 0 {
		return Guarantee{Delta: b.delta}
	}
	// The state was produced by a successful charge, so it converts.
	g, _ := Epsilon(b.orders, b.rdp, b.delta)
	return g
}

// Remaining returns the epsilon left: the limit minus Spent().Epsilon.
func (b *Budget) Remaining() float64 {
	return max(b.Limit().Epsilon-b.Spent().Epsilon, 0)
}

// Rounds returns the number of rounds charged.
func (b *Budget) Rounds() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rounds
}

// Limit returns the budget's limit: Epsilon and Delta (Order is 0).
func (b *Budget) Limit() Guarantee {
	return Guarantee{Epsilon: b.epsilon, Delta: b.delta}
}
