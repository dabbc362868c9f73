package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
	"github.com/x0tta6bl4/x0tta6bl4/internal/dashboard"
	"github.com/x0tta6bl4/x0tta6bl4/internal/discovery"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/node"
)

// apiShutdownTimeout bounds how long the API server may take to finish requests on shutdown.
const apiShutdownTimeout = 5 * time.Second

func newNodeCmd() *cobra.Command {
	var cfgPath string
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run a mesh node from a YAML configuration file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(cfgPath)
			if err != nil {
				return err
			}
			return runNode(cmd.Context(), cfg, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&cfgPath, "config", "node.yaml", "configuration file")
	return cmd
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// runNode loads the node's identity files, binds its transport and API, and runs it until ctx ends.
func runNode(ctx context.Context, cfg *config.Config, logw io.Writer) error {
	log := newLogger(logw, cfg.Log.Level, cfg.Log.Format)
	id, err := identity.LoadPrivateKey(cfg.Identity.Key)
	if err != nil {
		return err
	}
	cert, err := identity.LoadCertificate(cfg.Identity.Cert)
	if err != nil {
		return err
	}
	ca, err := identity.LoadCertificate(cfg.Identity.CA)
	if err != nil {
		return err
	}
	var peers []node.StaticPeer
	for _, p := range cfg.Peers {
		sp := node.StaticPeer{Addr: netip.MustParseAddrPort(p.Address)}
		if p.NodeID != "" {
			if sp.Pin, err = identity.ParseNodeID(p.NodeID); err != nil {
				return err
			}
		}
		peers = append(peers, sp)
	}
	healing, closeStore, err := healingOptions(cfg, log)
	if err != nil {
		return err
	}
	defer closeStore()
	models, closeModels, err := modelOptions(cfg, log)
	if err != nil {
		return err
	}
	defer closeModels()
	hidden, err := nodeTransport(cfg, log)
	if err != nil {
		return err
	}
	conn, chaos, err := chaosTransport(hidden, cfg.Chaos, log)
	if err != nil {
		hidden.Close()
		return err
	}
	lan, stopLAN, err := startLAN(ctx, cfg, id.ID(), ca, conn.LocalAddr().Port(), log)
	if err != nil {
		conn.Close()
		return err
	}
	defer stopLAN()
	streams := newStreamServices(id.ID())
	n, err := node.New(node.Options{
		Identity: id, Cert: cert, CA: ca, OnDatagram: streams.mux.Deliver,
		RevocationListPath: cfg.Identity.RevocationList,
		Conn:               conn, Peers: peers, MinPeers: cfg.MinPeers,
		Keepalive:      time.Duration(cfg.Timers.Keepalive),
		ReloadInterval: time.Duration(cfg.Timers.Reload),
		Rand:           rand.Reader, Logger: log, Version: version,
		Discovery: lan,
		Healing:   healing, Chaos: chaos, Models: models,
	})
	if err != nil {
		conn.Close()
		return err
	}
	var token string
	if cfg.API.TokenFile != "" {
		b, err := os.ReadFile(cfg.API.TokenFile)
		if err != nil {
			conn.Close()
			return fmt.Errorf("api.token_file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := streams.start(ctx, n, cfg, log); err != nil {
		conn.Close()
		return errors.Join(err, streams.stop())
	}
	stopModels, err := startModelSync(ctx, streams.ep, n, cfg, models.Store, log)
	if err != nil {
		cancel()
		conn.Close()
		return errors.Join(err, streams.stop())
	}
	err = serveAPI(ctx, n, cfg.API.Listen, api.Options{Token: token, Logger: log, Config: cfg})
	cancel()
	return errors.Join(err, stopModels(), streams.stop())
}

// serve runs n and, unless apiListen is "off", its API server, until ctx ends.
func serve(ctx context.Context, n *node.Node, apiListen, token string, log *slog.Logger) error {
	return serveAPI(ctx, n, apiListen, api.Options{Token: token, Logger: log})
}

// serveAPI runs n and, unless apiListen is "off", its API server with opt, until ctx ends. It sets
// opt.Metrics; opt.Config, when set, is served at /api/v1/config.
func serveAPI(ctx context.Context, n *node.Node, apiListen string, opt api.Options) error {
	log := opt.Logger
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var srv *http.Server
	var wg sync.WaitGroup
	if apiListen != "off" {
		ln, err := net.Listen("tcp", apiListen)
		if err != nil {
			return fmt.Errorf("api: %w", err)
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(n.Collector(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)})
		// The dashboard serves / and /ui/...; the API everything else.
		mux := http.NewServeMux()
		dash := dashboard.New(n, dashboard.Options{Token: opt.Token, Logger: log})
		mux.Handle("/{$}", dash)
		mux.Handle("/ui/", dash)
		opt.Metrics = metrics
		mux.Handle("/", api.NewHandler(n, opt))
		srv = &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 5 * time.Second,
			// Requests end with the node, so open dashboard event streams do not hold up Shutdown.
			BaseContext: func(net.Listener) context.Context { return ctx },
		}
		log.Info("api listening", "url", "http://"+ln.Addr().String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("api server", "err", err)
				cancel()
			}
		}()
	}
	err := n.Run(ctx)
	cancel()
	if srv != nil {
		sctx, scancel := context.WithTimeout(context.Background(), apiShutdownTimeout)
		_ = srv.Shutdown(sctx)
		scancel()
	}
	wg.Wait()
	return err
}

// startLAN starts LAN discovery when cfg.Discovery.LAN is set: it joins the beacon group on every
// multicast interface and beacons this node's ID and transport port until stop is called. With
// discovery off it returns a nil source and a stop that does nothing.
func startLAN(ctx context.Context, cfg *config.Config, id identity.NodeID, ca *identity.Certificate, port uint16, log *slog.Logger) (src node.CandidateSource, stop func(), err error) {
	if !cfg.Discovery.LAN {
		return nil, func() {}, nil
	}
	group, err := netip.ParseAddrPort(cfg.Discovery.Group)
	if err != nil {
		return nil, nil, fmt.Errorf("discovery.group: %w", err)
	}
	mc, err := discovery.ListenMulticast(group, nil)
	if err != nil {
		return nil, nil, err
	}
	d, err := discovery.New(discovery.Config{
		Conn: mc, Group: group, Network: identity.NetworkID(ca), NodeID: id, Port: port,
		Interval: time.Duration(cfg.Discovery.Interval), Logger: log,
	})
	if err != nil {
		mc.Close()
		return nil, nil, err
	}
	log.Info("lan discovery on", "group", group.String(), "interfaces", strings.Join(mc.Interfaces(), ","))
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			log.Error("lan discovery stopped", "err", err)
		}
	}()
	return d, func() { cancel(); <-done }, nil
}
