package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/node"
	"github.com/x0tta6bl4/x0tta6bl4/internal/stream"
)

// streamServices runs the node's reliable streams and, as configured, its SOCKS5 proxy and its exit.
type streamServices struct {
	mux  *stream.Mux
	n    *node.Node
	ep   *stream.Endpoint
	wg   sync.WaitGroup
	errs []error
	mu   sync.Mutex
	// cancel ends the services started so far; stop calls it, so that a start that fails half-way
	// does not leave stop waiting for listeners whose context is still live.
	cancel context.CancelFunc
}

// newStreamServices returns the datagram mux a node must deliver to (Options.OnDatagram); start
// runs the services once the node exists.
func newStreamServices(self identity.NodeID) *streamServices {
	s := &streamServices{}
	s.mux = stream.NewMux(self, func(to identity.NodeID, p []byte) error { return s.n.Send(to, p) })
	return s
}

// start opens the stream endpoint and the configured listeners; they stop when ctx ends.
func (s *streamServices) start(ctx context.Context, n *node.Node, cfg *config.Config, log *slog.Logger) error {
	s.n = n
	ctx, s.cancel = context.WithCancel(ctx)
	ep, err := stream.NewEndpoint(stream.Config{Mux: s.mux, Rand: rand.Reader, Logger: log})
	if err != nil {
		return err
	}
	s.ep = ep
	if len(cfg.Exit.Allow) > 0 {
		pol := stream.Policy{ResolveNames: cfg.Exit.ResolveNames}
		for _, a := range cfg.Exit.Allow {
			r, err := config.ParseExitRule(a)
			if err != nil {
				return err
			}
			pol.Rules = append(pol.Rules, stream.Rule{Prefix: r.Prefix, FirstPort: r.FirstPort, LastPort: r.LastPort})
		}
		l, err := ep.Listen(stream.ExitPort)
		if err != nil {
			return err
		}
		log.Info("exit open", "allow", cfg.Exit.Allow, "resolve_names", cfg.Exit.ResolveNames)
		s.run(func() error { return (&stream.ExitServer{Allow: pol, Logger: log}).Serve(ctx, l) })
	}
	if cfg.SOCKS.Listen != "" {
		exit, err := identity.ParseNodeID(cfg.SOCKS.Exit)
		if err != nil {
			return fmt.Errorf("socks.exit: %w", err)
		}
		var lc net.ListenConfig
		l, err := lc.Listen(ctx, "tcp", cfg.SOCKS.Listen)
		if err != nil {
			return fmt.Errorf("socks.listen: %w", err)
		}
		log.Info("socks5 proxy listening", "addr", l.Addr().String(), "exit", exit.Short())
		s.run(func() error { return (&stream.SOCKSServer{Streams: ep, Exit: exit, Logger: log}).Serve(ctx, l) })
	}
	for i, f := range cfg.Forward {
		if err := s.startForward(ctx, log, f); err != nil {
			return fmt.Errorf("forward[%d] (listen %s, exit %.16s, target %s): %w", i, f.Listen, f.Exit, f.Target, err)
		}
	}
	return nil
}

// startForward listens on f.Listen and forwards its connections to f.Target through the exit f.Exit.
func (s *streamServices) startForward(ctx context.Context, log *slog.Logger, f config.Forward) error {
	exit, err := identity.ParseNodeID(f.Exit)
	if err != nil {
		return err
	}
	if _, err := stream.ParseTarget(f.Target); err != nil {
		return err
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", f.Listen)
	if err != nil {
		return err
	}
	log.Info("forward listening", "listen", l.Addr().String(), "exit", exit.Short(), "target", f.Target)
	fw := &stream.Forward{Streams: s.ep, Listen: f.Listen, To: exit, Target: f.Target, Logger: log}
	s.run(func() error { return fw.Serve(ctx, l) })
	return nil
}

func (s *streamServices) run(f func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := f(); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, net.ErrClosed) {
			s.mu.Lock()
			s.errs = append(s.errs, err)
			s.mu.Unlock()
		}
	}()
}

// stop ends the listeners, waits for them and closes the endpoint and the mux.
func (s *streamServices) stop() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	var errs []error
	if s.ep != nil {
		errs = append(errs, s.ep.Close())
	}
	errs = append(errs, s.mux.Close())
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(append(errs, s.errs...)...)
}
