package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/demo"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/node"
	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// demoConnectTimeout bounds how long the demo waits for its nodes to connect.
const demoConnectTimeout = 20 * time.Second

func newDemoCmd() *cobra.Command {
	var udp, hold bool
	var apiListen string
	var count int
	var mo meshDemoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a live mesh of about 25 simulated nodes healing itself under chaos, with the dashboard on --listen",
		Long: "Builds an in-process mesh (default 25 nodes on a random geometric graph) on the virtual network " +
			"of the simulator: every node runs the real mesh core (hybrid post-quantum identities and end-to-end " +
			"handshakes, distance-vector routing) and its self-healing agent. The mesh runs at wall-clock pace with " +
			"a little traffic; every --chaos-every a fault is injected and later reverted (crash and restart a busy " +
			"relay, cut and heal a link, flap a link, turn a relay into a grayhole), each printed in one line, as are " +
			"the incidents the agents open and resolve. The dashboard and the API of one node (--view) are served " +
			"on --listen; GET /api/v1/demo/status shows the whole mesh. Federated learning rounds are not built. " +
			"Ctrl-C (or --duration) stops it.\n\n" +
			"With --udp it runs the earlier demo instead: three real nodes on 127.0.0.1 (UDP, random ports) in a " +
			"line alpha-beta-gamma with a throw-away CA, which exchange and check numbered datagrams over one and " +
			"two hops; with --hold they keep running (node alpha's API on --api) until Ctrl-C.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if udp {
				return runDemo(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), demoOptions{hold: hold, apiListen: apiListen, count: count})
			}
			return runMeshDemo(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), mo)
		},
	}
	f := cmd.Flags()
	f.IntVar(&mo.nodes, "nodes", demo.DefaultNodes, "number of simulated nodes")
	f.StringVar(&mo.topology, "topology", string(sim.RandomGeometric), "graph family: "+simTopologyNames())
	f.Uint64Var(&mo.seed, "seed", 1, "seed of the topology, the node identities, the traffic and the fault targets")
	f.StringVar(&mo.listen, "listen", demoListen, "address of the dashboard and the API")
	f.DurationVar(&mo.chaosEvery, "chaos-every", demo.DefaultChaosEvery, "interval between faults (0: no chaos)")
	f.DurationVar(&mo.duration, "duration", 0, "stop after this long (0: run until interrupted)")
	f.IntVar(&mo.view, "view", 0, "index of the node whose view the dashboard and the API show")
	f.BoolVar(&udp, "udp", false, "run the three-node UDP demo with checked datagrams instead")
	f.BoolVar(&hold, "hold", false, "with --udp: keep the nodes running until interrupted")
	f.StringVar(&apiListen, "api", "127.0.0.1:7100", "with --udp --hold: API address of node alpha")
	f.IntVar(&count, "count", 1000, "with --udp: echo datagrams to exchange")
	return cmd
}

type demoOptions struct {
	hold      bool
	apiListen string
	count     int
}

func runDemo(ctx context.Context, out, logw io.Writer, opt demoOptions) error {
	now := time.Now()
	ca, err := identity.NewCA(rand.Reader, "demo-ca", 24*time.Hour, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created a throw-away network CA (hybrid Ed25519 + ML-DSA-65)\n")
	// alpha - beta - gamma: alpha and gamma are not neighbours, beta relays between them.
	names := []string{"alpha", "beta", "gamma"}
	got := make(chan []byte, 1024)
	conns := make([]transport.Conn, len(names))
	nodes := make([]*node.Node, len(names))
	for i := range names {
		c, err := transport.ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"))
		if err != nil {
			return err
		}
		conns[i] = c
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	log := newLogger(logw, "warn", "text")
	for i, name := range names {
		id, err := identity.GenerateIdentity(rand.Reader)
		if err != nil {
			return err
		}
		cert, err := ca.Sign(rand.Reader, id.PublicIdentity(), name, []string{"demo"}, now.Add(-time.Minute), now.Add(time.Hour))
		if err != nil {
			return err
		}
		// MinPeers -1: no dialling of spare peers, so the line stays a line and beta relays.
		opts := node.Options{Identity: id, Cert: cert, CA: ca.Cert, Conn: conns[i], Rand: rand.Reader, Logger: log, Version: version, MinPeers: -1}
		if i != 1 {
			opts.Peers = []node.StaticPeer{{Addr: conns[1].LocalAddr()}}
		}
		if i == 2 {
			opts.OnDatagram = func(_ identity.NodeID, p []byte) {
				select {
				case got <- append([]byte(nil), p...):
				default:
				}
			}
		}
		nodes[i], err = node.New(opts)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "node %-5s  id %s  udp %s\n", name, id.ID().Short(), conns[i].LocalAddr())
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 0 && opt.hold {
				errs[i] = serve(ctx, n, opt.apiListen, "", log)
				return
			}
			errs[i] = n.Run(ctx)
		}()
	}
	err = demoExchange(ctx, out, nodes, opt)
	if err == nil && opt.count > 0 {
		err = demoMultiHop(ctx, out, nodes, got, min(opt.count, 200))
	}
	if err == nil && opt.hold {
		fmt.Fprintf(out, "nodes keep running; API of alpha: http://%s/api/v1/peers (try: x0tta6bl4 peers --api http://%s). Ctrl-C stops.\n", opt.apiListen, opt.apiListen)
		<-ctx.Done()
	}
	cancel()
	wg.Wait()
	return errors.Join(append([]error{err}, errs...)...)
}

func demoExchange(ctx context.Context, out io.Writer, nodes []*node.Node, opt demoOptions) error {
	start := time.Now()
	deadline := time.NewTimer(demoConnectTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !bothUp(nodes) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("demo: nodes did not connect within %v", demoConnectTimeout)
		case <-tick.C:
		}
	}
	fmt.Fprintf(out, "connected: alpha <-> beta <-> gamma, hybrid X25519+ML-KEM-768 handshakes complete in %v\n", time.Since(start).Round(time.Millisecond))
	if opt.count <= 0 {
		return nil
	}
	res, err := nodes[0].Ping(ctx, api.PingRequest{Peer: nodes[1].ID().String(), Count: opt.count, Size: 256, Window: api.DefaultPingWindow, Timeout: 30})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "exchanged %d encrypted datagrams: %d echoed back, %d lost, %d duplicated, %d corrupted; rtt avg %.3f ms\n",
		res.Sent, res.Received, res.Lost, res.Duplicated, res.Corrupted, res.RTTAvg)
	for _, n := range nodes {
		for _, p := range n.Peers() {
			fmt.Fprintf(out, "  %s sees %s (%s) %s, rx %s tx %s\n", n.Node().Name, p.Name, p.ID[:16], p.State, bytesString(p.RxBytes), bytesString(p.TxBytes))
		}
	}
	if res.Lost+res.Duplicated+res.Corrupted > 0 {
		return fmt.Errorf("demo: %d lost, %d duplicated, %d corrupted", res.Lost, res.Duplicated, res.Corrupted)
	}
	return nil
}

func bothUp(nodes []*node.Node) bool {
	for _, n := range nodes {
		ok, _ := n.Ready()
		if !ok {
			return false
		}
	}
	return true
}

// demoMultiHop sends count numbered datagrams from alpha to gamma, which are not neighbours: they
// travel end-to-end encrypted through beta. It waits for a route, then keeps at most a window of
// datagrams unacknowledged by gamma's receipt.
func demoMultiHop(ctx context.Context, out io.Writer, nodes []*node.Node, got <-chan []byte, count int) error {
	alpha, gamma := nodes[0], nodes[2]
	start := time.Now()
	deadline := time.NewTimer(demoConnectTimeout)
	defer deadline.Stop()
	for !hasRoute(alpha, gamma.ID()) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("demo: alpha learnt no route to gamma within %v", demoConnectTimeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
	fmt.Fprintf(out, "route: alpha -> gamma via beta after %v\n", time.Since(start).Round(time.Millisecond))
	const window = 16
	seen := make(map[string]bool, count)
	sent := 0
	for len(seen) < count {
		for sent < count && sent-len(seen) < window {
			if err := alpha.Send(gamma.ID(), fmt.Appendf(nil, "datagram %d from alpha", sent)); err != nil {
				return err
			}
			sent++
		}
		select {
		case p := <-got:
			seen[string(p)] = true
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("demo: %d of %d datagrams reached gamma", len(seen), count)
		}
	}
	fmt.Fprintf(out, "multi-hop: %d/%d datagrams from alpha reached gamma through beta, end-to-end encrypted (beta holds no key for them) in %v\n",
		len(seen), count, time.Since(start).Round(time.Millisecond))
	return nil
}

func hasRoute(n *node.Node, dst identity.NodeID) bool {
	for _, r := range n.Routes() {
		if r.Selected && r.Destination == dst.String() {
			return true
		}
	}
	return false
}
