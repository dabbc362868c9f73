package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/meshdetect"
	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/node"
	"github.com/x0tta6bl4/x0tta6bl4/internal/store"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/fault"
)

// chaosSeedStream is the second word of the PCG seed of chaos drops (the first is chaos.seed).
const chaosSeedStream = 0x6368616f73 // "chaos"

// healingOptions returns the node's self-healing options from the healing section, opening the
// Knowledge store when one is configured; closeStore closes it (a no-op without one). A store
// that is locked or corrupt is an error naming the file, which is never deleted.
func healingOptions(cfg *config.Config, log *slog.Logger) (_ node.HealingOptions, closeStore func(), err error) {
	closeStore = func() {}
	if !cfg.Healing.On() {
		log.Info("self-healing is disabled (healing.enabled: false)")
		return node.HealingOptions{}, closeStore, nil
	}
	opt := node.HealingOptions{Enabled: true, Period: time.Duration(cfg.Healing.Period)}
	if cfg.Healing.Model != "" {
		s, err := loadScorer(cfg.Healing.Model, log)
		if err != nil {
			return node.HealingOptions{}, closeStore, err
		}
		opt.Scorer = s
	}
	path := cfg.Healing.Knowledge
	if path == "" {
		return opt, closeStore, nil
	}
	s, err := store.Open(path, store.Options{})
	switch {
	case errors.Is(err, store.ErrLocked):
		return opt, closeStore, fmt.Errorf("healing.knowledge %s: %w: another process (a node with the same file?) holds it", path, err)
	case errors.Is(err, store.ErrCorrupt):
		return opt, closeStore, fmt.Errorf("healing.knowledge %s: %w; the file is left as it is: move it away to start with empty knowledge", path, err)
	case err != nil:
		return opt, closeStore, fmt.Errorf("healing.knowledge %s: %w", path, err)
	}
	log.Info("self-healing knowledge", "path", path)
	opt.Store = s
	return opt, func() {
		if err := s.Close(); err != nil {
			log.Error("closing the self-healing knowledge", "path", path, "err", err)
		}
	}, nil
}

// loadScorer reads the GraphSAGE detector file of healing.model and returns the Scorer that
// Analyze consults before its rules. A missing, corrupt or mismatched file is an error naming it:
// a node told to use a model does not silently fall back to the rules.
func loadScorer(path string, log *slog.Logger) (*meshdetect.Scorer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("healing.model: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	d, err := meshdetect.Load(io.TeeReader(f, h))
	if err != nil {
		return nil, fmt.Errorf("healing.model %s: %w", path, err)
	}
	s, err := meshdetect.NewScorer(d)
	if err != nil {
		return nil, fmt.Errorf("healing.model %s: %w", path, err)
	}
	log.Info("self-healing anomaly model", "path", path, "sha256", hex.EncodeToString(h.Sum(nil)))
	return s, nil
}

// chaosTransport wraps conn with the faults of the chaos section, logging a loud warning; without
// any it returns conn unchanged.
func chaosTransport(conn transport.Conn, c config.Chaos, log *slog.Logger) (transport.Conn, node.ChaosOptions, error) {
	if !c.On() {
		return conn, node.ChaosOptions{}, nil
	}
	var ids []identity.NodeID
	for _, s := range c.Blackhole {
		id, err := identity.ParseNodeID(strings.ToLower(s))
		if err != nil {
			return nil, node.ChaosOptions{}, fmt.Errorf("chaos.blackhole: %w", err)
		}
		ids = append(ids, id)
	}
	fc := fault.Wrap(conn, rand.New(rand.NewPCG(c.Seed, chaosSeedStream)))
	fc.SetLossAll(c.Drop)
	fc.SetDelay(time.Duration(c.Delay))
	log.Warn("CHAOS: fault injection is ON for this node's transport: do not run this in production",
		"drop", c.Drop, "delay", time.Duration(c.Delay).String(), "blackhole", len(ids), "seed", c.Seed)
	return fc, node.ChaosOptions{Faults: fc, Blackhole: ids}, nil
}
