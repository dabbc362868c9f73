package sim

import (
	"fmt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/heal"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// newHealer returns a heal.Agent over core with the default MAPE-K
// configuration and period, no store, no runtime counters and no spare
// peers (the simulated network has none to dial).
func newHealer(core *mesh.Core) (healer, error) {
	a, err := heal.New(core, heal.Options{})
	if err != nil {
		return nil, fmt.Errorf("%w: healing agent: %w", ErrSetup, err)
	}
	return a, nil
}
