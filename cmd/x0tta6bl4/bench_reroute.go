package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/node"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/fault"
)

// Durations of one reroute trial.
const (
	rerouteWarmup  = 500 * time.Millisecond // time between the session coming up and the cut (load flowing on busy trials)
	rerouteObserve = 2 * time.Second        // how long after the cut probes are watched
	rerouteSetup   = 20 * time.Second       // bound on waiting for routes and sessions
	rerouteTick    = time.Millisecond       // pacing step of the bulk load
	rerouteBulk    = 1000                   // bytes of one bulk-load datagram (probes are 4 bytes)
	rerouteMaxLoad = 1000.0                 // largest --load, MB/s
)

// rerouteTrial is the outcome of one cut.
type rerouteTrial struct {
	Busy        bool    `json:"busy"`
	DetectionMS float64 `json:"detection_ms"`
	CarriedMBps float64 `json:"carried_mb_per_s,omitempty"` // bulk load arriving at c before the cut
	OutageMS    float64 `json:"outage_ms,omitempty"`
	ProbesSent  int     `json:"probes_sent,omitempty"`
	ProbesLost  int     `json:"probes_lost,omitempty"`
}

// rerouteReport summarises the trials.
type rerouteReport struct {
	ProbeMS       float64        `json:"probe_interval_ms"`
	LoadMBps      float64        `json:"load_mb_per_s"`
	Trials        []rerouteTrial `json:"trials"`
	DetectIdleP50 float64        `json:"detection_idle_p50_ms"`
	DetectIdleMax float64        `json:"detection_idle_max_ms"`
	DetectBusyP50 float64        `json:"detection_busy_p50_ms"`
	DetectBusyMax float64        `json:"detection_busy_max_ms"`
	OutageP50     float64        `json:"outage_p50_ms"`
	OutageMax     float64        `json:"outage_max_ms"`
}

func newBenchRerouteCmd() *cobra.Command {
	var trials int
	var probe time.Duration
	var load float64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "reroute",
		Short: "Measure dead-link detection and reroute outage on a triangle of real nodes on 127.0.0.1",
		Long: "Starts three nodes a, b, c on UDP sockets on 127.0.0.1 in a triangle, sends a datagram from a to c " +
			"every --probe through the mesh, then blackholes the a-c link in both directions with the nodes' " +
			"fault-injecting transport. Detection is the time from the cut until a's route to c moves to b; the " +
			"outage is the longest gap between probes arriving at c. Idle trials cut the link with no traffic; busy " +
			"trials cut it while it carries the probes and a bulk load of --load MB/s of 1,000-byte datagrams a to c.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := benchReroute(cmd.Context(), trials, probe, load)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(rep)
			}
			printRerouteReport(cmd.OutOrStdout(), rep)
			return nil
		},
	}
	cmd.Flags().IntVar(&trials, "trials", 5, "trials of each kind (idle and busy)")
	cmd.Flags().DurationVar(&probe, "probe", 10*time.Millisecond, "probe interval on busy trials")
	cmd.Flags().Float64Var(&load, "load", 10, "bulk load on busy trials in MB/s (10^6 bytes), 0 for probes only")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printRerouteReport prints rep as a table.
func printRerouteReport(w io.Writer, rep rerouteReport) {
	fmt.Fprintf(w, "%-6s %5s %12s %10s %6s %5s %9s\n", "trial", "link", "detection", "outage", "sent", "lost", "MB/s")
	for i, t := range rep.Trials {
		link := "idle"
		if t.Busy {
			link = "busy"
		}
		fmt.Fprintf(w, "%-6d %5s %10.0fms %8.0fms %6d %5d %9.1f\n", i+1, link, t.DetectionMS, t.OutageMS, t.ProbesSent, t.ProbesLost, t.CarriedMBps)
	}
	fmt.Fprintf(w, "detection idle p50 %.0f ms max %.0f ms; busy p50 %.0f ms max %.0f ms (goal <= 300 ms)\n",
		rep.DetectIdleP50, rep.DetectIdleMax, rep.DetectBusyP50, rep.DetectBusyMax)
	fmt.Fprintf(w, "outage with %.0f ms probes: p50 %.0f ms, max %.0f ms (goal <= 1000 ms)\n", rep.ProbeMS, rep.OutageP50, rep.OutageMax)
}

func benchReroute(ctx context.Context, trials int, probe time.Duration, load float64) (rerouteReport, error) {
	rep := rerouteReport{ProbeMS: float64(probe) / float64(time.Millisecond), LoadMBps: load}
	if trials < 1 || probe <= 0 {
		return rep, errors.New("--trials and --probe must be positive")
	}
	if !(load >= 0 && load <= rerouteMaxLoad) {
		return rep, fmt.Errorf("--load must be in 0..%g MB/s", rerouteMaxLoad)
	}
	var idle, busy, outage []float64
	for i := 0; i < 2*trials; i++ {
		t, err := rerouteOnce(ctx, i%2 == 1, probe, load)
		if err != nil {
			return rep, fmt.Errorf("trial %d: %w", i+1, err)
		}
		rep.Trials = append(rep.Trials, t)
		if t.Busy {
			busy = append(busy, t.DetectionMS)
			outage = append(outage, t.OutageMS)
		} else {
			idle = append(idle, t.DetectionMS)
		}
	}
	rep.DetectIdleP50, rep.DetectIdleMax = medianMax(idle)
	rep.DetectBusyP50, rep.DetectBusyMax = medianMax(busy)
	rep.OutageP50, rep.OutageMax = medianMax(outage)
	return rep, nil
}

func medianMax(v []float64) (float64, float64) {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)-1]
}

// triangle is three running nodes a, b, c with fault-injecting transports.
type triangle struct {
	nodes  [3]*node.Node
	faults [3]*fault.Conn
	stop   func() error
}

func startTriangle(ctx context.Context, onC func(identity.NodeID, []byte)) (*triangle, error) {
	now := time.Now()
	ca, err := identity.NewCA(rand.Reader, "bench-ca", 2*time.Hour, now)
	if err != nil {
		return nil, err
	}
	tr := &triangle{}
	var seed [16]byte
	rand.Read(seed[:])
	rng := mrand.New(mrand.NewPCG(binary.LittleEndian.Uint64(seed[:]), binary.LittleEndian.Uint64(seed[8:])))
	var conns [3]transport.Conn
	for i := range conns {
		c, err := transport.ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"))
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			return nil, err
		}
		conns[i] = c
		tr.faults[i] = fault.Wrap(c, rng)
	}
	peers := [3][]int{{1, 2}, {2}, nil} // a dials b and c, b dials c
	for i, name := range []string{"a", "b", "c"} {
		id, err := identity.GenerateIdentity(rand.Reader)
		if err == nil {
			var cert *identity.Certificate
			cert, err = ca.Sign(rand.Reader, id.PublicIdentity(), name, nil, now.Add(-time.Minute), now.Add(time.Hour))
			if err == nil {
				opt := node.Options{Identity: id, Cert: cert, CA: ca.Cert, Conn: tr.faults[i], Rand: rand.Reader, MinPeers: -1}
				for _, p := range peers[i] {
					opt.Peers = append(opt.Peers, node.StaticPeer{Addr: conns[p].LocalAddr()})
				}
				if i == 2 {
					opt.OnDatagram = onC
				}
				tr.nodes[i], err = node.New(opt)
			}
		}
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, n := range tr.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = n.Run(ctx)
		}()
	}
	tr.stop = func() error {
		cancel()
		wg.Wait()
		return errors.Join(errs...)
	}
	return tr, nil
}

// nextHop returns a's selected next hop towards dst, or "" when there is none.
func nextHop(n *node.Node, dst identity.NodeID) string {
	for _, r := range n.Routes() {
		if r.Selected && r.Destination == dst.String() {
			return r.NextHop
		}
	}
	return ""
}

func rerouteOnce(ctx context.Context, busy bool, probe time.Duration, load float64) (res rerouteTrial, err error) {
	res.Busy = busy
	var mu sync.Mutex
	var arrivals []time.Time
	var bulkBytes int64 // bulk load received at c
	tr, err := startTriangle(ctx, func(_ identity.NodeID, p []byte) {
		mu.Lock()
		if len(p) == rerouteBulk {
			bulkBytes += int64(len(p))
		} else {
			arrivals = append(arrivals, time.Now())
		}
		mu.Unlock()
	})
	if err != nil {
		return res, err
	}
	defer func() { err = errors.Join(err, tr.stop()) }()
	a, c := tr.nodes[0], tr.nodes[2]
	deadline := time.Now().Add(rerouteSetup)
	for nextHop(a, c.ID()) != c.ID().String() || nextHop(tr.nodes[1], c.ID()) == "" {
		if time.Now().After(deadline) {
			return res, errors.New("no direct route from a to c")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Open the end-to-end session before measuring.
	for {
		_ = a.Send(c.ID(), []byte("hello"))
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		n := len(arrivals)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			return res, errors.New("no end-to-end session from a to c")
		}
	}
	mu.Lock()
	arrivals = arrivals[:0]
	mu.Unlock()

	stopProbes := make(chan struct{})
	probesDone := make(chan int, 2) // the probe and bulk senders' counts; buffered so neither leaks
	stopOnce := sync.OnceFunc(func() { close(stopProbes) })
	defer stopOnce() // on early returns
	if busy {
		go func() {
			t := time.NewTicker(probe)
			defer t.Stop()
			sent := 0
			for {
				select {
				case <-stopProbes:
					probesDone <- sent
					return
				case <-t.C:
					if a.Send(c.ID(), binary.LittleEndian.AppendUint32(nil, uint32(sent))) == nil {
						sent++
					}
				}
			}
		}()
		if load > 0 {
			go func() {
				bulkLoad(stopProbes, a, c.ID(), load)
				probesDone <- 0
			}()
		}
		warm := time.Now()
		mu.Lock()
		bulkBytes = 0
		mu.Unlock()
		time.Sleep(rerouteWarmup)
		mu.Lock()
		res.CarriedMBps = float64(bulkBytes) / time.Since(warm).Seconds() / 1e6
		mu.Unlock()
	} else {
		// The same time on the idle link, so that both kinds cut links with the same hello history.
		time.Sleep(rerouteWarmup)
	}
	cut := time.Now()
	tr.faults[0].Blackhole(tr.faults[2].LocalAddr())
	tr.faults[2].Blackhole(tr.faults[0].LocalAddr())
	for nextHop(a, c.ID()) != tr.nodes[1].ID().String() {
		if time.Since(cut) > rerouteSetup {
			return res, errors.New("a never rerouted through b")
		}
		time.Sleep(time.Millisecond)
	}
	res.DetectionMS = float64(time.Since(cut)) / float64(time.Millisecond)
	if !busy {
		return res, nil
	}
	time.Sleep(max(0, rerouteObserve-time.Since(cut)))
	stopOnce()
	res.ProbesSent = <-probesDone
	if load > 0 {
		res.ProbesSent += <-probesDone // the bulk sender reports 0
	}
	time.Sleep(50 * time.Millisecond) // let the last probes arrive
	mu.Lock()
	defer mu.Unlock()
	res.ProbesLost = res.ProbesSent - len(arrivals)
	prev := cut
	for _, t := range arrivals {
		if t.Before(cut) {
			prev = t
			continue
		}
		res.OutageMS = max(res.OutageMS, float64(t.Sub(prev))/float64(time.Millisecond))
		prev = t
	}
	return res, nil
}

// bulkLoad sends rerouteBulk-byte datagrams from a to c at load MB/s until stop is closed.
func bulkLoad(stop <-chan struct{}, a *node.Node, c identity.NodeID, load float64) {
	p := make([]byte, rerouteBulk)
	start := time.Now()
	var sent float64
	for {
		select {
		case <-stop:
			return
		default:
		}
		for due := load * 1e6 * time.Since(start).Seconds(); sent < due; sent += rerouteBulk {
			_ = a.Send(c, p) // datagrams lost to the cut are part of the load
		}
		time.Sleep(rerouteTick)
	}
}
