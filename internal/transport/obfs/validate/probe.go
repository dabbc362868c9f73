package validate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/obfs"
)

// ProbeOptions configures Probe.
type ProbeOptions struct {
	// Probes is the number of probes of each kind, and of control requests; 0 selects
	// DefaultProbes.
	Probes int
	// Rand is the source of keys, probes and the obfuscation's randomness (crypto/rand.Reader).
	Rand io.Reader
	// Config configures the listener's and the control client's obfs; Probe sets Key and Rand.
	Config obfs.Config
	// Quiet is how long the prober listens for answers after each kind of probe; 0 selects
	// ProbeQuiet.
	Quiet time.Duration
}

// ProbeKind is what one kind of probe drew from the listener.
type ProbeKind struct {
	// Name describes the probes.
	Name string
	// Sent is the number of probes sent.
	Sent int
	// Answers is the number of datagrams the prober received in return: 0 for a listener that
	// does not react.
	Answers int
}

// ProbeReport is the outcome of Probe.
type ProbeReport struct {
	// Control is the number of valid certificate requests a key holder sent the obfuscated
	// responder, and ControlAnswered how many of them it answered: it does answer what
	// authenticates, so that silence to the probes is not a broken responder.
	Control, ControlAnswered int
	// Kinds are the probes sent to the obfuscated responder.
	Kinds []ProbeKind
	// Stats are the listener's counters after the probes.
	Stats obfs.Stats
	// PlainReplays is the number of captured certificate requests replayed to a responder
	// without obfs, and PlainReplaysAnswered how many it answered: what the layer prevents.
	PlainReplays, PlainReplaysAnswered int
}

// Answers returns the number of datagrams all probes of the obfuscated responder drew.
func (r *ProbeReport) Answers() int {
	n := 0
	for _, k := range r.Kinds {
		n += k.Answers
	}
	return n
}

// String formats the report as the table of docs/censorship.md.
func (r *ProbeReport) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "control: %d of %d valid certificate requests answered by the obfuscated responder\n", r.ControlAnswered, r.Control)
	fmt.Fprintf(&b, "%-40s %8s %8s\n", "probe", "sent", "answers")
	for _, k := range r.Kinds {
		fmt.Fprintf(&b, "%-40s %8d %8d\n", k.Name, k.Sent, k.Answers)
	}
	s := r.Stats
	fmt.Fprintf(&b, "listener: received %d, dropped %d (short %d, unauthenticated %d, malformed %d, stale %d, replayed %d)\n",
		s.Received, s.Dropped(), s.DroppedShort, s.DroppedAuth, s.DroppedMalformed, s.DroppedStale, s.DroppedReplay)
	fmt.Fprintf(&b, "plain responder (no obfs): %d of %d replayed certificate requests answered\n", r.PlainReplaysAnswered, r.PlainReplays)
	return b.String()
}

// responder answers the datagrams delivered to an endpoint with a handshake Machine.
type responder struct {
	wg     sync.WaitGroup
	once   sync.Once
	failed chan struct{} // closed when err is set
	err    error
}

// respond answers every datagram delivered by e with the handshake Machine m, advancing m's
// clock by virtualStep per datagram, until e is closed. The first datagram m drops without an
// answer, or whose answer cannot be sent, is recorded as the responder's failure: in this
// experiment only the responder's own faults (its random source) cause that.
func respond(e *endpoint, m *handshake.Machine, start time.Time) *responder {
	r := &responder{failed: make(chan struct{})}
	r.wg.Go(func() {
		now := start
		for {
			select {
			case dg := <-e.rd.ch:
				now = now.Add(virtualStep)
				res, err := m.Receive(now, dg.from, dg.data)
				if err != nil && len(res.Send) == 0 {
					r.fail(err)
				}
				for _, d := range res.Send {
					if err := e.conn.WriteTo(d.Data, d.To); err != nil {
						r.fail(err)
					}
				}
			case <-e.rd.done:
				return
			}
		}
	})
	return r
}

// fail records the responder's first failure.
func (r *responder) fail(err error) {
	r.once.Do(func() { r.err = err; close(r.failed) })
}

// answer waits for the responder's answer on rd: an error if the responder failed or nothing
// came within ReadTimeout.
func (r *responder) answer(rd *reader) error {
	t := time.NewTimer(ReadTimeout)
	defer t.Stop()
	select {
	case <-rd.ch:
		return nil
	case <-r.failed:
		return fmt.Errorf("validate: responder: %w", r.err)
	case <-t.C:
		return errTimeout
	}
}

// counter counts the datagrams delivered by e until e is closed.
type counter struct {
	n  atomic.Int64
	wg sync.WaitGroup
}

func count(e *endpoint) *counter {
	c := &counter{}
	c.wg.Go(func() {
		for {
			select {
			case <-e.rd.ch:
				c.n.Add(1)
			case <-e.rd.done:
				return
			}
		}
	})
	return c
}

// sink is a transport.Conn that keeps what is written to it and sends nothing: it seals
// datagrams that were never delivered.
type sink struct {
	mu      sync.Mutex
	written [][]byte
	done    chan struct{}
	once    sync.Once
}

func (s *sink) WriteTo(b []byte, _ netip.AddrPort) error {
	s.mu.Lock()
	s.written = append(s.written, bytes.Clone(b))
	s.mu.Unlock()
	return nil
}

func (s *sink) ReadFrom([]byte) (int, netip.AddrPort, error) {
	<-s.done
	return 0, netip.AddrPort{}, transport.ErrClosed
}

func (s *sink) LocalAddr() netip.AddrPort { return netip.MustParseAddrPort("127.0.0.1:9") }

func (s *sink) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}

// sealOffline returns n certificate requests of m sealed by obfs under key without sending them.
func sealOffline(n int, key obfs.Key, cfg obfs.Config, rand io.Reader, m *handshake.Machine, now time.Time, to netip.AddrPort) ([][]byte, error) {
	s := &sink{done: make(chan struct{})}
	cfg.Key, cfg.Rand, cfg.JunkCount = key, rand, 0
	c, err := obfs.New(s, cfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	for range n {
		dgs, err := m.Initiate(now, to, nil)
		if err != nil {
			return nil, err
		}
		if err := c.WriteTo(dgs[0].Data, to); err != nil {
			return nil, err
		}
	}
	return s.written, nil
}

// Probe runs the active probing experiment described in the package documentation.
func Probe(opts ProbeOptions) (*ProbeReport, error) {
	if opts.Probes == 0 {
		opts.Probes = DefaultProbes
	}
	if opts.Probes < 1 || opts.Probes > MaxProbes {
		return nil, fmt.Errorf("%w: %d probes, want 1..%d", ErrOptions, opts.Probes, MaxProbes)
	}
	if opts.Rand == nil {
		return nil, fmt.Errorf("%w: no random source", ErrOptions)
	}
	if opts.Quiet < 0 {
		return nil, fmt.Errorf("%w: negative quiet time", ErrOptions)
	}
	if opts.Quiet == 0 {
		opts.Quiet = ProbeQuiet
	}
	key, err := obfs.GenerateKey(opts.Rand)
	if err != nil {
		return nil, err
	}
	other, err := obfs.GenerateKey(opts.Rand)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	a, b, err := newNodes(opts.Rand, now)
	if err != nil {
		return nil, err
	}
	r := &ProbeReport{Control: opts.Probes, PlainReplays: opts.Probes}
	loopback := netip.MustParseAddrPort("127.0.0.1:0")
	wrap := wrapper(Mode{Obfuscate: true, Config: opts.Config}, key, opts.Rand)

	lst, err := listen(loopback, wrap)
	if err != nil {
		return nil, err
	}
	resp := respond(lst, b.m, now)
	defer func() { lst.close(); resp.wg.Wait() }()
	listener := lst.conn.(*obfs.Conn)

	// Control: valid requests from a key holder are answered; the prober captures them.
	ctl, err := listen(loopback, wrap)
	if err != nil {
		return nil, err
	}
	defer ctl.close()
	for range opts.Probes {
		dgs, err := a.m.Initiate(now, lst.conn.LocalAddr(), nil)
		if err != nil {
			return nil, err
		}
		if err := ctl.conn.WriteTo(dgs[0].Data, lst.conn.LocalAddr()); err != nil {
			return nil, err
		}
		switch err := resp.answer(ctl.rd); {
		case err == nil:
			r.ControlAnswered++
		case !errors.Is(err, errTimeout):
			return nil, err
		}
	}
	captured := ctl.wire.take()

	fresh, err := sealOffline(2*opts.Probes, key, opts.Config, opts.Rand, a.m, now, lst.conn.LocalAddr())
	if err != nil {
		return nil, err
	}
	wrongKey, err := sealOffline(opts.Probes, other, opts.Config, opts.Rand, a.m, now, lst.conn.LocalAddr())
	if err != nil {
		return nil, err
	}
	random := make([][]byte, opts.Probes)
	truncated := fresh[:opts.Probes]
	flipped := fresh[opts.Probes:]
	// The probes' bytes come from a ChaCha8 stream seeded from opts.Rand: random to the listener,
	// and one read of the source however long the probes.
	var seed [32]byte
	if _, err := io.ReadFull(opts.Rand, seed[:]); err != nil {
		return nil, err
	}
	rng := mrand.NewChaCha8(seed)
	for i := range opts.Probes {
		v := rng.Uint64()
		random[i] = make([]byte, 1+v%obfs.PaddedSizeLimit)
		_, _ = rng.Read(random[i]) // never fails
		truncated[i] = truncated[i][:(v>>16)%uint64(len(truncated[i]))]
		bit := (v >> 32) % uint64(8*len(flipped[i]))
		flipped[i][bit/8] ^= 1 << (bit % 8)
	}

	prb, err := listen(loopback, nil)
	if err != nil {
		return nil, err
	}
	answers := count(prb)
	defer func() { prb.close(); answers.wg.Wait() }()
	kinds := []struct {
		name   string
		probes [][]byte
	}{
		{"random bytes, 1..1452 bytes", random},
		{"replayed captured datagrams", captured},
		{"truncated datagrams", truncated},
		{"datagrams with one bit flipped", flipped},
		{"datagrams under another key", wrongKey},
	}
	for _, k := range kinds {
		before := answers.n.Load()
		if err := sendProbes(prb, listener, lst.conn.LocalAddr(), k.probes); err != nil {
			return nil, fmt.Errorf("validate: %s: %w", k.name, err)
		}
		time.Sleep(opts.Quiet)
		r.Kinds = append(r.Kinds, ProbeKind{Name: k.name, Sent: len(k.probes), Answers: int(answers.n.Load() - before)})
	}
	r.Stats = listener.Stats()

	// The same replay against a responder without obfs.
	if r.PlainReplaysAnswered, err = plainReplays(opts, now); err != nil {
		return nil, err
	}
	return r, nil
}

// sendProbes sends probes from prb to addr in batches, waiting after each until the listener has
// counted every datagram of it as received or dropped.
func sendProbes(prb *endpoint, listener *obfs.Conn, addr netip.AddrPort, probes [][]byte) error {
	seen := func() uint64 { s := listener.Stats(); return s.Dropped() + s.Received + s.JunkReceived }
	for len(probes) > 0 {
		batch := probes[:min(probeBatch, len(probes))]
		probes = probes[len(batch):]
		want := seen() + uint64(len(batch))
		for _, p := range batch {
			if err := prb.conn.WriteTo(p, addr); err != nil {
				return err
			}
		}
		deadline := time.Now().Add(ReadTimeout)
		for seen() < want {
			if time.Now().After(deadline) {
				return fmt.Errorf("listener counted %d of %d datagrams", seen(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return nil
}

// plainReplays captures opts.Probes certificate requests sent to a responder without obfs, replays
// them from another socket and returns how many the responder answered.
func plainReplays(opts ProbeOptions, now time.Time) (int, error) {
	a, b, err := newNodes(opts.Rand, now)
	if err != nil {
		return 0, err
	}
	loopback := netip.MustParseAddrPort("127.0.0.1:0")
	lst, err := listen(loopback, nil)
	if err != nil {
		return 0, err
	}
	resp := respond(lst, b.m, now)
	defer func() { lst.close(); resp.wg.Wait() }()
	ctl, err := listen(loopback, nil)
	if err != nil {
		return 0, err
	}
	defer ctl.close()
	for range opts.Probes {
		dgs, err := a.m.Initiate(now, lst.conn.LocalAddr(), nil)
		if err != nil {
			return 0, err
		}
		if err := ctl.conn.WriteTo(dgs[0].Data, lst.conn.LocalAddr()); err != nil {
			return 0, err
		}
		if err := resp.answer(ctl.rd); err != nil {
			return 0, fmt.Errorf("validate: plain control request: %w", err)
		}
	}
	prb, err := listen(loopback, nil)
	if err != nil {
		return 0, err
	}
	defer prb.close()
	answered := 0
	for _, d := range ctl.wire.take() {
		if err := prb.conn.WriteTo(d, lst.conn.LocalAddr()); err != nil {
			return 0, err
		}
		if _, err := prb.rd.next(opts.Quiet); err != nil {
			continue
		}
		answered++
	}
	return answered, nil
}
