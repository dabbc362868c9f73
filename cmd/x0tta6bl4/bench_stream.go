package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Limits and timers of bench stream and its helper processes.
const (
	streamBenchSetup    = 30 * time.Second // bound on nodes starting, routes and the first SOCKS5 connect
	streamBenchTimeout  = 10 * time.Minute // default bound on one transfer
	streamBenchStop     = 10 * time.Second // grace for a process to exit after SIGINT before it is killed
	streamBenchRetry    = 100 * time.Millisecond
	streamBenchChunk    = 64 << 10  // write size of the sender
	streamSinkBuffer    = 256 << 10 // read size of the sink
	streamBenchLogTail  = 16 << 10  // bytes of each process's output kept for error reports
	streamBenchMaxBytes = 1 << 40   // largest --bytes
	streamBenchMaxHops  = 8         // longest line of nodes, in hops
	streamBenchRatio    = 0.40      // goal: mesh goodput / raw TCP goodput between two namespaces
	streamSinkReplySize = 8 + 4 + 8 // the sink's reply: bytes, CRC-32C, longest gap between reads in ns
	streamNodeBasePort  = 7400      // UDP port of node 0 inside fresh namespaces; node i uses +i
	streamSOCKSPort     = 7500      // SOCKS5 port of node 0 inside a fresh namespace
	streamVethPrefix    = "10.233.0."
)

// Errors of bench stream.
var (
	errNeedRoot     = errors.New("network namespaces and veth pairs can only be created by root; run as root or drop --netns")
	errNoIP         = errors.New("ip(8) from iproute2 is not installed")
	errTransferLost = errors.New("the sink did not confirm every byte intact")
	errSOCKSReply   = errors.New("SOCKS5 proxy refused or sent a malformed reply")
)

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// streamTransfer is the outcome of one transfer, as the sender measured it and the sink confirmed.
type streamTransfer struct {
	Sent      int64   `json:"sent"`
	Delivered int64   `json:"delivered"`
	Intact    bool    `json:"intact"`
	Seconds   float64 `json:"seconds"`
	MaxGapMS  float64 `json:"max_gap_ms"`
}

// streamBenchRow is one line of `bench stream`: a transfer through the mesh and one over raw TCP.
type streamBenchRow struct {
	Mode          string  `json:"mode"`
	Hops          int     `json:"hops"`
	Bytes         int64   `json:"bytes"`
	MeshDelivered int64   `json:"mesh_delivered"`
	MeshSeconds   float64 `json:"mesh_seconds"`
	MeshMBps      float64 `json:"mesh_mb_per_s"`
	RawDelivered  int64   `json:"raw_delivered"`
	RawSeconds    float64 `json:"raw_seconds"`
	RawMBps       float64 `json:"raw_mb_per_s"`
	Ratio         float64 `json:"ratio"`
}

// streamBenchOptions configures benchStream.
type streamBenchOptions struct {
	bin   string // the x0tta6bl4 binary the nodes and helpers run as
	hops  []int
	bytes int64
	netns bool
	logw  io.Writer // receives the nodes' logs when a run fails; nil discards them
}

func newBenchStreamCmd() *cobra.Command {
	var opt streamBenchOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stream",
		Short: "Measure bulk stream goodput through real node processes against raw TCP in the same run",
		Long: "For each --hops h, starts h+1 node processes (this binary, `node --config`) in a line with a " +
			"throw-away CA, the SOCKS5 proxy on the first and the exit on the last, and a TCP sink beside the " +
			"exit. A sender process pushes --bytes through the proxy as one stream; goodput is the bytes the " +
			"sink confirms (count and CRC-32C) over the time from connect to confirmation. The same sender then " +
			"pushes the same bytes straight to the sink over TCP. With --netns (root) the nodes are split over " +
			"two network namespaces joined by a veth pair and the raw TCP crosses the veth. MB is 10^6 bytes.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			opt.bin = bin
			return runBenchStream(cmd.Context(), cmd.OutOrStdout(), opt, asJSON)
		},
	}
	cmd.Flags().IntSliceVar(&opt.hops, "hops", []int{1, 3}, "hop counts to measure")
	cmd.Flags().Int64Var(&opt.bytes, "bytes", 64<<20, "bytes per transfer")
	cmd.Flags().BoolVar(&opt.netns, "netns", false, "split the nodes over two network namespaces joined by veth (root)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// runBenchStream runs benchStream and prints its rows as a table or JSON.
func runBenchStream(ctx context.Context, w io.Writer, opt streamBenchOptions, asJSON bool) error {
	rows, err := benchStream(ctx, opt)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(w).Encode(rows)
	}
	printStreamRows(w, rows)
	return nil
}

func printStreamRows(w io.Writer, rows []streamBenchRow) {
	fmt.Fprintf(w, "%-8s %4s %12s %10s %10s %6s\n", "mode", "hops", "bytes", "mesh MB/s", "raw MB/s", "ratio")
	for _, r := range rows {
		fmt.Fprintf(w, "%-8s %4d %12d %10.1f %10.1f %6.3f\n", r.Mode, r.Hops, r.Bytes, r.MeshMBps, r.RawMBps, r.Ratio)
	}
	fmt.Fprintf(w, "goal: mesh/raw >= %.2f between two namespaces (--netns)\n", streamBenchRatio)
}

// benchStream runs one row per hop count: the raw TCP transfer, then the mesh transfer.
func benchStream(ctx context.Context, opt streamBenchOptions) (rows []streamBenchRow, err error) {
	if opt.bytes < 1 || opt.bytes > streamBenchMaxBytes {
		return nil, fmt.Errorf("--bytes must be in 1..%d", int64(streamBenchMaxBytes))
	}
	if len(opt.hops) == 0 {
		return nil, errors.New("--hops is empty")
	}
	for _, h := range opt.hops {
		if h < 1 || h > streamBenchMaxHops {
			return nil, fmt.Errorf("--hops: %d not in 1..%d", h, streamBenchMaxHops)
		}
	}
	if opt.logw == nil {
		opt.logw = io.Discard
	}
	lay := streamLayout{mode: "loopback", bin: opt.bin}
	if opt.netns {
		if err := checkNetns(); err != nil {
			return nil, err
		}
		lab := &netnsLab{}
		defer func() { err = errors.Join(err, lab.close()) }()
		suffix := fmt.Sprint(os.Getpid() % 100000)
		a, err := lab.addNS("x0sa" + suffix)
		if err == nil {
			lay.nsB, err = lab.addNS("x0sb" + suffix)
		}
		if err == nil {
			err = lab.link(a, lay.nsB, "vsa"+suffix, "vsb"+suffix, streamVethPrefix+"1", streamVethPrefix+"2")
		}
		if err != nil {
			return nil, err
		}
		lay.mode, lay.nsA = "netns", a
	}
	dir, err := os.MkdirTemp("", "x0tta6bl4-bench-stream-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	sinkHost := "127.0.0.1"
	if opt.netns {
		sinkHost = "0.0.0.0"
	}
	sink, sinkAddr, err := startSink(ctx, lay.prefix(lay.nsB), opt.bin, sinkHost+":0")
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, sink.stop()) }()
	lay.sinkPort = sinkAddr.Port()
	for _, h := range opt.hops {
		row, err := lay.measure(ctx, dir, h, opt.bytes)
		if err != nil {
			return rows, fmt.Errorf("%s, %d hops: %w", lay.mode, h, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// streamLayout places the nodes, the sink and the sender: all on the host's loopback, or, when nsA
// is set, the first half of the nodes and the sender in nsA, the rest and the sink in nsB.
type streamLayout struct {
	mode, bin, nsA, nsB string
	sinkPort            uint16
}

// prefix is the command prefix that runs a program in namespace ns ("" is the current one).
func (l *streamLayout) prefix(ns string) []string {
	if ns == "" {
		return nil
	}
	return []string{"ip", "netns", "exec", ns}
}

// nodeNS is the namespace of node i of n.
func (l *streamLayout) nodeNS(i, n int) string {
	if i < n/2 {
		return l.nsA
	}
	return l.nsB
}

func (l *streamLayout) measure(ctx context.Context, dir string, hops int, size int64) (streamBenchRow, error) {
	row := streamBenchRow{Mode: l.mode, Hops: hops, Bytes: size}
	rawTo := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), l.sinkPort)
	if l.nsA != "" {
		rawTo = netip.AddrPortFrom(netip.MustParseAddr(streamVethPrefix+"2"), l.sinkPort)
	}
	raw, err := runSender(ctx, l.prefix(l.nsA), l.bin, rawTo.String(), "", size, 0)
	if err != nil {
		return row, fmt.Errorf("raw TCP: %w", err)
	}
	socks, stop, err := l.startLine(ctx, dir, hops)
	if err != nil {
		return row, err
	}
	sinkAtExit := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), l.sinkPort)
	mesh, err := runSender(ctx, l.prefix(l.nsA), l.bin, sinkAtExit.String(), socks, size, 0)
	if err = errors.Join(err, stop(err != nil)); err != nil {
		return row, fmt.Errorf("mesh: %w", err)
	}
	row.RawDelivered, row.RawSeconds = raw.Delivered, raw.Seconds
	row.MeshDelivered, row.MeshSeconds = mesh.Delivered, mesh.Seconds
	row.RawMBps = float64(raw.Delivered) / raw.Seconds / 1e6
	row.MeshMBps = float64(mesh.Delivered) / mesh.Seconds / 1e6
	row.Ratio = row.MeshMBps / row.RawMBps
	return row, nil
}

// startLine writes a CA, identities and configs for hops+1 nodes in a line (node i dials node i-1),
// node 0 with the SOCKS5 proxy and the last with the exit to the sink, and starts them. It returns
// the proxy's address and a function that stops the nodes (printing their logs when failed).
func (l *streamLayout) startLine(ctx context.Context, dir string, hops int) (string, func(failed bool) error, error) {
	n := hops + 1
	sub := filepath.Join(dir, fmt.Sprint(hops))
	ids, err := writeStreamIdentities(sub, n)
	if err != nil {
		return "", nil, err
	}
	addrs := make([]netip.AddrPort, n)
	for i := range addrs {
		p := uint16(streamNodeBasePort + i)
		if l.nsA == "" {
			if p, err = freeUDPPort(); err != nil {
				return "", nil, err
			}
		}
		addrs[i] = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), p)
	}
	socks := fmt.Sprintf("127.0.0.1:%d", streamSOCKSPort)
	if l.nsA == "" {
		if socks, err = freeTCPAddr(); err != nil {
			return "", nil, err
		}
	}
	var procs []*benchProc
	stop := func(failed bool) error {
		var errs []error
		for _, p := range procs {
			errs = append(errs, p.stop())
			if failed {
				fmt.Fprintf(os.Stderr, "log of %s:\n%s\n", p.name, p.out)
			}
		}
		return errors.Join(errs...)
	}
	for i := range n {
		listen := addrs[i].String()
		if l.nsA != "" {
			listen = fmt.Sprintf("0.0.0.0:%d", addrs[i].Port())
		}
		cfg := fmt.Sprintf("listen: '%s'\nidentity: {key: n%d.key, cert: n%d.crt, ca: ca.crt}\nmin_peers: -1\napi: {listen: 'off'}\nlog: {level: warn}\n", listen, i, i)
		if i > 0 {
			peer := addrs[i-1]
			if l.nodeNS(i, n) != l.nodeNS(i-1, n) {
				peer = netip.AddrPortFrom(netip.MustParseAddr(streamVethPrefix+"1"), peer.Port())
			}
			cfg += fmt.Sprintf("peers: [{address: '%s'}]\n", peer)
		}
		if i == 0 {
			cfg += fmt.Sprintf("socks: {listen: '%s', exit: %s}\n", socks, ids[n-1])
		}
		if i == n-1 {
			cfg += fmt.Sprintf("exit: {allow: ['127.0.0.1/32:%d']}\n", l.sinkPort)
		}
		path := filepath.Join(sub, fmt.Sprintf("n%d.yaml", i))
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			return "", nil, errors.Join(err, stop(false))
		}
		p, err := startBenchProc(fmt.Sprintf("node %d", i), append(l.prefix(l.nodeNS(i, n)), l.bin, "node", "--config", path), nil)
		if err != nil {
			return "", nil, errors.Join(err, stop(false))
		}
		procs = append(procs, p)
	}
	return socks, stop, nil
}

// writeStreamIdentities writes a throw-away CA (ca.crt) and n signed node identities n0..n(n-1)
// into dir and returns the node IDs.
func writeStreamIdentities(dir string, n int) ([]identity.NodeID, error) {
	now := time.Now()
	ca, err := identity.NewCA(rand.Reader, "bench-stream-ca", 2*time.Hour, now)
	if err != nil {
		return nil, err
	}
	if err := ca.Save(dir); err != nil {
		return nil, err
	}
	ids := make([]identity.NodeID, n)
	for i := range n {
		id, err := identity.GenerateIdentity(rand.Reader)
		if err != nil {
			return nil, err
		}
		cert, err := ca.Sign(rand.Reader, id.PublicIdentity(), fmt.Sprintf("n%d", i), nil, now.Add(-time.Minute), now.Add(time.Hour))
		if err != nil {
			return nil, err
		}
		base := filepath.Join(dir, fmt.Sprintf("n%d", i))
		if err := identity.WritePrivateKey(base+".key", id, identity.KindNode, false); err != nil {
			return nil, err
		}
		if err := identity.WriteCertificate(base+".crt", cert); err != nil {
			return nil, err
		}
		ids[i] = id.ID()
	}
	return ids, nil
}

func freeUDPPort() (uint16, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
}

func freeTCPAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// benchProc is a helper or node process; its output is kept (the last streamBenchLogTail bytes).
type benchProc struct {
	name string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{}
}

// startBenchProc starts argv; stdout, when not nil, receives the standard output instead of the tail.
func startBenchProc(name string, argv []string, stdout io.Writer) (*benchProc, error) {
	p := &benchProc{name: name, out: &tailBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if stdout != nil {
		p.cmd.Stdout = stdout
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	return p, nil
}

// stop interrupts the process, kills it after streamBenchStop, and reports an abnormal exit.
func (p *benchProc) stop() error {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(streamBenchStop):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within %v", p.name, streamBenchStop)
	}
	if s := p.cmd.ProcessState; !s.Success() && s.ExitCode() != -1 {
		return fmt.Errorf("%s exited with %v: %s", p.name, s, p.out)
	}
	return nil
}

// tailBuffer keeps the last streamBenchLogTail bytes written to it.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - streamBenchLogTail; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// startSink starts `bench stream-peer sink` and returns it with the address it listens on.
func startSink(ctx context.Context, prefix []string, bin, listen string) (*benchProc, netip.AddrPort, error) {
	r, w := io.Pipe()
	p, err := startBenchProc("sink", append(prefix, bin, "bench", "stream-peer", "sink", "--listen", listen), w)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	go func() { <-p.done; w.Close() }()
	line := make(chan string, 1)
	go func() {
		br := bufio.NewReader(r)
		s, _ := br.ReadString('\n')
		line <- s
		_, _ = io.Copy(p.out, br)
	}()
	var s string
	select {
	case s = <-line:
	case <-time.After(streamBenchSetup):
	case <-ctx.Done():
	}
	addr, perr := netip.ParseAddrPort(strings.TrimSpace(strings.TrimPrefix(s, "listening ")))
	if perr != nil {
		return nil, addr, errors.Join(fmt.Errorf("sink did not start: %q: %w", s, perr), p.stop())
	}
	return p, addr, nil
}

// runSender runs `bench stream-peer send` to completion and returns its measurement.
func runSender(ctx context.Context, prefix []string, bin, to, socks string, size, rate int64) (streamTransfer, error) {
	var tr streamTransfer
	argv := append(prefix, bin, "bench", "stream-peer", "send", "--to", to, "--bytes", fmt.Sprint(size), "--rate", fmt.Sprint(rate))
	if socks != "" {
		argv = append(argv, "--socks", socks)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return tr, fmt.Errorf("sender: %w: %s", err, stderr.String())
	}
	if err := json.Unmarshal(out, &tr); err != nil {
		return tr, fmt.Errorf("sender output %q: %w", out, err)
	}
	if !tr.Intact || tr.Delivered != tr.Sent || tr.Sent != size || tr.Seconds <= 0 {
		return tr, fmt.Errorf("%w: %+v", errTransferLost, tr)
	}
	return tr, nil
}
