package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/dashboard"
	"github.com/x0tta6bl4/x0tta6bl4/internal/demo"
	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// demoListen is the default address of the live demo's dashboard.
const demoListen = "127.0.0.1:8080"

// meshDemoOptions are the flags of the live mesh demo.
type meshDemoOptions struct {
	nodes      int
	topology   string
	seed       uint64
	listen     string
	chaosEvery time.Duration
	duration   time.Duration
	view       int
}

// simTopologyNames lists the simulator's topologies for help texts.
func simTopologyNames() string {
	var names []string
	for _, t := range sim.Topologies() {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

// lockedWriter serialises writes from the pacing goroutine and the command.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runMeshDemo runs the live demo: a simulated mesh advanced at wall-clock pace with periodic chaos,
// its dashboard and API served on opt.listen, until ctx ends or opt.duration has passed.
func runMeshDemo(ctx context.Context, stdout, logw io.Writer, opt meshDemoOptions) error {
	topo, err := sim.ParseTopology(opt.topology)
	if err != nil {
		return fmt.Errorf("--topology: %w", err)
	}
	if opt.duration < 0 {
		return fmt.Errorf("--duration: %v is negative", opt.duration)
	}
	out := &lockedWriter{w: stdout}
	o := demo.DefaultOptions()
	o.Sim.Nodes, o.Sim.Topology, o.Sim.Seed = opt.nodes, topo, opt.seed
	o.View, o.ChaosEvery, o.Out, o.Version = opt.view, opt.chaosEvery, out, version
	fmt.Fprintf(out, "building a %d-node %s mesh (seed %d): real hybrid post-quantum identities and handshakes, routing "+
		"and self-healing agents on a virtual network\n", opt.nodes, topo, opt.seed)
	start := time.Now()
	m, err := demo.New(o, start)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "mesh up: %s; every route complete after %v of wall time\n", m, time.Since(start).Round(time.Millisecond))
	ln, err := net.Listen("tcp", opt.listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	log := newLogger(logw, "warn", "text")
	apiHandler := api.NewHandler(m, api.Options{Logger: log})
	mux := http.NewServeMux()
	mux.Handle("/api/", apiHandler)
	mux.Handle("/healthz", apiHandler)
	mux.Handle("/readyz", apiHandler)
	mux.Handle("GET "+demo.StatusPath, m.StatusHandler())
	mux.Handle("/", dashboard.New(m, dashboard.Options{Logger: log}))
	// Request contexts derive from base, which ends before Shutdown, so that live-update streams
	// end and Shutdown does not wait for them.
	base, endRequests := context.WithCancel(context.Background())
	defer endRequests()
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: apiShutdownTimeout,
		BaseContext: func(net.Listener) context.Context { return base }}
	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			serveErr <- err
		}
	})
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(out, "dashboard: %s  (API: %sapi/v1/topology, whole mesh: %s%s)\n", url, url, url, strings.TrimPrefix(demo.StatusPath, "/"))
	if opt.chaosEvery > 0 {
		fmt.Fprintf(out, "chaos every %v; federated learning rounds are not built yet. Ctrl-C stops.\n", opt.chaosEvery)
	} else {
		fmt.Fprintf(out, "no chaos; federated learning rounds are not built yet. Ctrl-C stops.\n")
	}
	if opt.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opt.duration)
		defer cancel()
	}
	runCtx, stopRun := context.WithCancel(ctx)
	ticker := time.NewTicker(demo.StepInterval)
	var runErr error
	wg.Go(func() {
		runErr = m.Run(runCtx, ticker.C)
		stopRun()
	})
	select {
	case <-runCtx.Done():
	case err = <-serveErr:
	}
	stopRun()
	ticker.Stop()
	endRequests()
	sctx, scancel := context.WithTimeout(context.Background(), apiShutdownTimeout)
	_ = srv.Shutdown(sctx)
	scancel()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("dashboard server: %w", err)
	}
	st := m.Status()
	fmt.Fprintf(out, "stopped after %.1f s: %d faults injected, %d incidents, %d of %d datagrams delivered\n",
		st.Elapsed, len(st.Faults), len(st.Incidents), st.Delivered, st.Sent)
	return runErr
}
