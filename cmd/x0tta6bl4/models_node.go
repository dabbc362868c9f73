package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/modelsync"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/node"
	"github.com/x0tta6bl4/x0tta6bl4/internal/stream"
)

// modelOptions opens the model store of the models section, if any; closeStore closes it (a
// no-op without one). A store that is locked or corrupt is an error naming the file, which is
// never deleted.
func modelOptions(cfg *config.Config, log *slog.Logger) (_ node.ModelOptions, closeStore func(), err error) {
	closeStore = func() {}
	if !cfg.Models.On() {
		return node.ModelOptions{}, closeStore, nil
	}
	path := cfg.Models.Registry
	s, err := registry.Open(path, registry.Options{})
	switch {
	case errors.Is(err, registry.ErrLocked):
		return node.ModelOptions{}, closeStore, fmt.Errorf("models.registry %s: %w: another process (a node with the same file?) holds it", path, err)
	case errors.Is(err, registry.ErrCorrupt):
		return node.ModelOptions{}, closeStore, fmt.Errorf("models.registry %s: %w; the file is left as it is: move it away to start with no model", path, err)
	case err != nil:
		return node.ModelOptions{}, closeStore, fmt.Errorf("models.registry %s: %w", path, err)
	}
	log.Info("model store", "path", path, "coordinator_group", cfg.Models.CoordinatorGroup,
		"sync_interval", cfg.Models.Interval().String(), "inbox", cfg.Models.Inbox)
	return node.ModelOptions{Store: s, CoordinatorGroup: cfg.Models.CoordinatorGroup}, func() {
		if err := s.Close(); err != nil {
			log.Error("closing the model store", "path", path, "err", err)
		}
	}, nil
}

// startModelSync serves the node's model store on modelsync.Port of ep and runs a Syncer that
// pulls newer versions from the node's up neighbours and its inbox, until ctx ends; stop waits
// for both. Without a store it does nothing.
func startModelSync(ctx context.Context, ep *stream.Endpoint, n *node.Node, cfg *config.Config, s *registry.Store, log *slog.Logger) (stop func() error, err error) {
	if s == nil {
		return func() error { return nil }, nil
	}
	log = log.With("component", "modelsync")
	sy, err := modelsync.New(modelsync.Config{
		Store:  s,
		Accept: n.AcceptModel,
		Dial: func(ctx context.Context, to identity.NodeID) (net.Conn, error) {
			return ep.Dial(ctx, to, modelsync.Port)
		},
		Neighbours: func() []identity.NodeID { return upNeighbours(n) },
		Interval:   cfg.Models.Interval(),
		Inbox:      cfg.Models.Inbox,
		Logger:     log,
	})
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	l, err := ep.Listen(modelsync.Port)
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	var wg sync.WaitGroup
	var serveErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		serveErr = modelsync.Serve(ctx, l, s, log)
	}()
	go func() {
		defer wg.Done()
		_ = sy.Run(ctx)
	}()
	log.Info("model sync on", "port", modelsync.Port)
	return func() error {
		wg.Wait()
		return serveErr
	}, nil
}

// upNeighbours returns the IDs of n's peers that are up.
func upNeighbours(n *node.Node) []identity.NodeID {
	var out []identity.NodeID
	for _, p := range n.Peers() {
		if p.State != "up" || p.ID == "" {
			continue
		}
		if id, err := identity.ParseNodeID(p.ID); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func newModelPublishCmd() *cobra.Command {
	var inbox string
	cmd := &cobra.Command{
		Use:   "publish RECORD",
		Short: "Hand a signed model record to a running node through its inbox (models.inbox)",
		Long: `publish checks that RECORD is a well-formed model record and copies it, atomically, into the
inbox directory of a node (models.inbox) as ID.record. Within models.sync_interval the node
verifies it against the network CA, applies the store's forward-only rules and, once accepted,
runs it and serves it to its neighbours, which pull it hop by hop (docs/models.md).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if inbox == "" {
				return errors.New("--inbox is required")
			}
			r, err := registry.LoadRecordFile(args[0])
			if err != nil {
				return err
			}
			if st, err := os.Stat(inbox); err != nil || !st.IsDir() {
				return fmt.Errorf("--inbox %s: not a directory: %w", inbox, errors.Join(err, os.ErrNotExist))
			}
			out := filepath.Join(inbox, r.ID.String()+modelsync.InboxSuffix)
			if err := registry.WriteRecordFile(out, r); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "published model version %s (round %d) to %s\n", r.ID, r.Round, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&inbox, "inbox", "", "the node's models.inbox directory")
	return cmd
}
