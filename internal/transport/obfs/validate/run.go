package validate

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/censor"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/obfs"
)

// ErrOptions reports Options or ProbeOptions that Run or Probe refuses.
var ErrOptions = errors.New("validate: invalid options")

// Mode is one way of putting the mesh's datagrams on the wire.
type Mode struct {
	// Name identifies the mode in reports.
	Name string
	// Obfuscate wraps both sides in obfs with Config; otherwise the mesh's packets go out as they
	// are.
	Obfuscate bool
	// Config configures obfs; Run sets its Key and Rand.
	Config obfs.Config
}

// Modes returns the modes a report compares: the mesh's own packets, obfs as a naive
// random-bytes transport (no padding, no junk, no shaping), obfs with padding and two junk
// datagrams per flow, and the same with Shape.
func Modes() []Mode {
	return []Mode{
		{Name: "plain"},
		{Name: "obfs-unshaped", Obfuscate: true, Config: obfs.Config{MaxPadding: -1}},
		{Name: "obfs-padded", Obfuscate: true, Config: obfs.Config{JunkCount: 2}},
		{Name: "obfs-shaped", Obfuscate: true, Config: obfs.Config{JunkCount: 2, Shape: true}},
	}
}

// Options configures Run.
type Options struct {
	// Samples is the number of handshakes (flows) per mode; 0 selects DefaultSamples. Every other
	// one starts with a certificate fetch, so that first datagrams are CertRequests and
	// Initiations alike.
	Samples int
	// Rand is the source of keys and of the obfuscation's randomness (crypto/rand.Reader).
	Rand io.Reader
	// Modes are the modes to measure; nil selects Modes().
	Modes []Mode
	// Listen is the responder's address; the zero value picks a free port on 127.0.0.1.
	Listen netip.AddrPort
}

// Report is the outcome of Run.
type Report struct {
	// Samples is the number of handshakes per mode.
	Samples int
	// Modes holds one report per mode, in the order measured.
	Modes []ModeReport
}

// ModeReport is what a passive observer learns of one mode's traffic.
type ModeReport struct {
	// Mode is the mode's name.
	Mode string
	// Flows is the number of handshakes, each on a new initiator socket: a flow of its own.
	Flows int
	// Flagged counts the first datagrams of flows that the GFW rule flags as fully encrypted.
	Flagged int
	// Exempt counts the others by the exemption that let them pass, indexed by censor.Exemption.
	Exempt [censor.Empty + 1]int
	// First are the byte statistics of the first datagram of every flow.
	First ByteReport
	// FirstLengths and AllLengths summarise the lengths of the first datagrams of flows and of
	// every datagram either side sent.
	FirstLengths, AllLengths LengthReport
	// Datagrams and WireBytes count every datagram either side sent, and their bytes.
	Datagrams, WireBytes int
	// Elapsed is the wall time of the mode's handshakes.
	Elapsed time.Duration
}

// ByteReport summarises the bytes of a set of datagrams.
type ByteReport struct {
	// ChiSquare and ChiSquareP are Pearson's statistic of all their bytes against the uniform
	// distribution (255 degrees of freedom) and its p-value.
	ChiSquare, ChiSquareP float64
	// TailChiSquare and TailChiSquareP are the same for the bytes from offset
	// obfs.ShapePrefixSize on: what remains once Shape's printable prefix is set aside.
	TailChiSquare, TailChiSquareP float64
	// MinEntropy is the lowest Shannon entropy (bits) of the byte values at one offset, over the
	// offsets from obfs.ShapePrefixSize to OffsetWindow that at least half the datagrams reach;
	// MinEntropyOffset is that offset. PrefixEntropy covers the offsets before.
	MinEntropy       float64
	MinEntropyOffset int
	// PrefixEntropy is the mean entropy of offsets 0 to obfs.ShapePrefixSize-1.
	PrefixEntropy float64
	// UniformEntropy is the entropy that uniformly random bytes would show with as many samples
	// as reach MinEntropyOffset: the yardstick for MinEntropy, whose estimate is biased low by
	// the sample size.
	UniformEntropy float64
	// Fixed lists the offsets where one byte value makes up FixedByteFraction of the datagrams
	// or more, and at least FixedByteMinCount of them.
	Fixed []censor.FixedByte
}

// LengthReport summarises a length distribution.
type LengthReport struct {
	// Count is the number of datagrams; Distinct the number of distinct lengths.
	Count, Distinct int
	// Min and Max are the shortest and longest.
	Min, Max int
	// Entropy is the Shannon entropy of the lengths in bits.
	Entropy float64
	// Top are the most frequent lengths, most frequent first.
	Top []censor.LengthCount
}

// Run measures each mode over opts.Samples handshakes on loopback UDP. It fails if any handshake
// fails: every mode must carry the mesh's traffic.
func Run(opts Options) (*Report, error) {
	if opts.Samples == 0 {
		opts.Samples = DefaultSamples
	}
	if opts.Samples < 1 || opts.Samples > MaxSamples {
		return nil, fmt.Errorf("%w: %d samples, want 1..%d", ErrOptions, opts.Samples, MaxSamples)
	}
	if opts.Rand == nil {
		return nil, fmt.Errorf("%w: no random source", ErrOptions)
	}
	if opts.Modes == nil {
		opts.Modes = Modes()
	}
	if !opts.Listen.IsValid() {
		opts.Listen = netip.MustParseAddrPort("127.0.0.1:0")
	}
	key, err := obfs.GenerateKey(opts.Rand)
	if err != nil {
		return nil, err
	}
	r := &Report{Samples: opts.Samples}
	for _, m := range opts.Modes {
		mr, err := runMode(opts, m, key)
		if err != nil {
			return nil, fmt.Errorf("validate: mode %s: %w", m.Name, err)
		}
		r.Modes = append(r.Modes, mr)
	}
	return r, nil
}

// wrapper returns the function that wraps a socket for m (nil for plain).
func wrapper(m Mode, key obfs.Key, rand io.Reader) func(transport.Conn) (transport.Conn, error) {
	if !m.Obfuscate {
		return nil
	}
	cfg := m.Config
	cfg.Key, cfg.Rand = key, rand
	return func(c transport.Conn) (transport.Conn, error) { return obfs.New(c, cfg) }
}

// runMode runs one mode's handshakes and gathers its statistics.
func runMode(opts Options, m Mode, key obfs.Key) (ModeReport, error) {
	start := time.Now()
	now := start
	a, b, err := newNodes(opts.Rand, now)
	if err != nil {
		return ModeReport{}, err
	}
	wrap := wrapper(m, key, opts.Rand)
	resp, err := listen(opts.Listen, wrap)
	if err != nil {
		return ModeReport{}, err
	}
	defer resp.close()
	acc, err := newAccumulator(m.Name)
	if err != nil {
		return ModeReport{}, err
	}
	for i := range opts.Samples {
		now = now.Add(virtualStep)
		ini, err := listen(netip.AddrPortFrom(resp.conn.LocalAddr().Addr(), 0), wrap)
		if err != nil {
			return ModeReport{}, err
		}
		fromA, fromB, err := flow(now, opts.Rand, a, b, ini, resp, i%2 == 0)
		ini.close()
		if err != nil {
			return ModeReport{}, fmt.Errorf("handshake %d: %w", i, err)
		}
		acc.add(fromA, fromB)
	}
	mr := acc.report()
	mr.Elapsed = time.Since(start)
	return mr, nil
}

// accumulator gathers the statistics of one mode.
type accumulator struct {
	mr                    ModeReport
	all, tail             censor.ByteCounts
	offsets               *censor.Offsets
	firstLens, allLengths censor.Lengths
}

func newAccumulator(name string) (*accumulator, error) {
	o, err := censor.NewOffsets(OffsetWindow)
	if err != nil {
		return nil, err
	}
	return &accumulator{mr: ModeReport{Mode: name}, offsets: o}, nil
}

// add records one flow: the datagrams its initiator and its responder sent.
func (a *accumulator) add(fromA, fromB [][]byte) {
	a.mr.Flows++
	if len(fromA) > 0 {
		first := fromA[0]
		v := censor.FullyEncrypted(first)
		if v.Flagged {
			a.mr.Flagged++
		} else {
			a.mr.Exempt[v.Exemption]++
		}
		a.all.Add(first)
		a.tail.Add(first[min(len(first), obfs.ShapePrefixSize):])
		a.offsets.Add(first)
		a.firstLens.Add(len(first))
	}
	for _, side := range [][][]byte{fromA, fromB} {
		for _, d := range side {
			a.allLengths.Add(len(d))
			a.mr.Datagrams++
			a.mr.WireBytes += len(d)
		}
	}
}

func (a *accumulator) report() ModeReport {
	mr := a.mr
	half := uint64(max(1, mr.Flows/2))
	b := ByteReport{
		ChiSquare: a.all.ChiSquare(), ChiSquareP: a.all.ChiSquareP(),
		TailChiSquare: a.tail.ChiSquare(), TailChiSquareP: a.tail.ChiSquareP(),
	}
	for _, f := range a.offsets.FixedBytes(FixedByteFraction, half) {
		if f.Fraction*float64(f.Samples) >= FixedByteMinCount {
			b.Fixed = append(b.Fixed, f)
		}
	}
	b.MinEntropyOffset = -1
	for i := obfs.ShapePrefixSize; i < a.offsets.Window(); i++ {
		c := a.offsets.At(i)
		if n := c.Total(); n >= half {
			if h := c.Entropy(); b.MinEntropyOffset < 0 || h < b.MinEntropy {
				b.MinEntropy, b.MinEntropyOffset, b.UniformEntropy = h, i, censor.UniformEntropy(n)
			}
		}
	}
	for i := range obfs.ShapePrefixSize {
		c := a.offsets.At(i)
		b.PrefixEntropy += c.Entropy() / obfs.ShapePrefixSize
	}
	mr.First = b
	mr.FirstLengths = lengthReport(&a.firstLens)
	mr.AllLengths = lengthReport(&a.allLengths)
	return mr
}

func lengthReport(l *censor.Lengths) LengthReport {
	lo, hi := l.Range()
	return LengthReport{
		Count: int(l.Total()), Distinct: l.Distinct(), Min: lo, Max: hi, Entropy: l.Entropy(), Top: l.Top(3),
	}
}
