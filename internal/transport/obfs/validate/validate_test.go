package validate

import (
	"crypto/rand"
	"errors"
	"flag"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/censor"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/obfs"
	"go.uber.org/goleak"
)

// samples sets the handshakes per mode of TestRun: small by default so that the package's tests
// stay fast; the validation report uses -validate.samples=10000.
var samples = flag.Int("validate.samples", 200, "handshakes per mode in TestRun")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	r, err := Run(Options{Samples: *samples, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", r)
	n := *samples
	modes := map[string]ModeReport{}
	for _, m := range r.Modes {
		modes[m.Mode] = m
		if m.Flows != n {
			t.Fatalf("%s: %d flows of %d", m.Mode, m.Flows, n)
		}
	}
	plain, naive, padded, shaped := modes["plain"], modes["obfs-unshaped"], modes["obfs-padded"], modes["obfs-shaped"]

	// The mesh's own packets carry fixed fields: a type byte, reserved zeros.
	if len(plain.First.Fixed) == 0 {
		t.Error("no fixed byte found in the plain protocol")
	}
	// A naive random-bytes transport is flagged by the GFW rule; only Ex2 lets about 0.26% of
	// random datagrams through. The shaped mode passes every time, through Ex2.
	if naive.Flagged < n*98/100 {
		t.Errorf("unshaped obfs: %d of %d flagged", naive.Flagged, n)
	}
	if shaped.Flagged != 0 || shaped.Exempt[censor.Ex2] != n {
		t.Errorf("shaped obfs: %d flagged, exemptions %v", shaped.Flagged, shaped.Exempt)
	}
	for _, m := range []ModeReport{naive, padded, shaped} {
		f := m.First
		if len(f.Fixed) != 0 {
			t.Errorf("%s: fixed bytes %+v", m.Mode, f.Fixed)
		}
		// Uniform bytes give a p-value uniform on [0, 1]; this fails once in 10^6 runs by chance.
		if f.TailChiSquareP < 1e-6 {
			t.Errorf("%s: chi-square %v, p %v", m.Mode, f.TailChiSquare, f.TailChiSquareP)
		}
		// The lowest of 1,500 per-offset estimates sits a few standard deviations (about 16/N
		// bits each) below the yardstick; allow ten.
		k := float64(n / 2)
		if f.MinEntropy < f.UniformEntropy-10*16/k {
			t.Errorf("%s: entropy %v at offset %d, uniform about %v", m.Mode, f.MinEntropy, f.MinEntropyOffset, f.UniformEntropy)
		}
	}
	if naive.First.ChiSquareP < 1e-6 {
		t.Errorf("unshaped obfs: chi-square p %v over every byte", naive.First.ChiSquareP)
	}
	// Shape's prefix is printable: about log2(95) = 6.57 bits, not 8.
	if h := shaped.First.PrefixEntropy; h > 6.6 || h < 6.0 {
		t.Errorf("shaped prefix entropy %v", h)
	}
	// Padding and junk spread the lengths that the plain and naive modes keep to a few values.
	if naive.FirstLengths.Distinct > 4 || padded.FirstLengths.Distinct < 100 || shaped.AllLengths.Distinct < 300 {
		t.Errorf("distinct lengths: unshaped %d, padded %d, shaped (all) %d", naive.FirstLengths.Distinct, padded.FirstLengths.Distinct, shaped.AllLengths.Distinct)
	}
	if naive.AllLengths.Min < obfs.Overhead {
		t.Errorf("an obfuscated datagram of %d bytes", naive.AllLengths.Min)
	}
}

func TestRunRefuses(t *testing.T) {
	for _, o := range []Options{
		{Samples: -1, Rand: rand.Reader},
		{Samples: MaxSamples + 1, Rand: rand.Reader},
		{Samples: 1},
	} {
		if _, err := Run(o); !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

// probes sets the probes of each kind in TestProbe; the validation report uses 10000.
var probes = flag.Int("validate.probes", 100, "probes of each kind in TestProbe")

func TestProbe(t *testing.T) {
	r, err := Probe(ProbeOptions{Probes: *probes, Rand: rand.Reader, Config: obfs.Config{Shape: true, JunkCount: 2}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", r)
	n := *probes
	if r.ControlAnswered != n {
		t.Fatalf("control: %d of %d valid requests answered", r.ControlAnswered, n)
	}
	if r.Answers() != 0 {
		t.Fatalf("probes answered: %+v", r.Kinds)
	}
	s := r.Stats
	// Every probe is accounted for: four kinds fail authentication (or are too short), the
	// replays (of the control requests and of the junk before them) are caught by the replay
	// filter.
	replayed := r.Kinds[1].Sent
	if replayed < n || s.DroppedShort+s.DroppedAuth != uint64(4*n) || s.DroppedReplay != uint64(replayed) || s.Received != uint64(n) {
		t.Fatalf("listener stats %+v", s)
	}
	// Without obfs, the same replays are answered: the responder is stateless by design.
	if r.PlainReplaysAnswered != n {
		t.Fatalf("plain responder answered %d of %d replays", r.PlainReplaysAnswered, r.PlainReplays)
	}
}

func TestProbeRefuses(t *testing.T) {
	for _, o := range []ProbeOptions{{Probes: -1, Rand: rand.Reader}, {Probes: MaxProbes + 1, Rand: rand.Reader}, {}, {Rand: rand.Reader, Quiet: -1}} {
		if _, err := Probe(o); !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
