package validate

import (
	"crypto/rand"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
)

// budgetReader reads crypto/rand until its budget of bytes is spent, then fails; with a negative
// budget it only counts.
type budgetReader struct {
	mu     sync.Mutex
	budget int
	used   int
}

var errBudget = errors.New("test: randomness budget spent")

func (r *budgetReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.budget >= 0 && r.used+len(p) > r.budget {
		return 0, errBudget
	}
	r.used += len(p)
	return rand.Read(p)
}

// TestRandomnessFailures runs Run and Probe with a random source that fails after every share of
// what a complete run reads: each fails cleanly with the reader's error, wherever it strikes.
func TestRandomnessFailures(t *testing.T) {
	runs := []struct {
		name string
		run  func(r *budgetReader) error
	}{
		{"Run", func(r *budgetReader) error {
			_, err := Run(Options{Samples: 2, Rand: r, Modes: Modes()[1:2]})
			return err
		}},
		{"Probe", func(r *budgetReader) error {
			_, err := Probe(ProbeOptions{Probes: 2, Rand: r, Quiet: 20 * time.Millisecond})
			return err
		}},
	}
	for _, tt := range runs {
		t.Run(tt.name, func(t *testing.T) {
			counting := &budgetReader{budget: -1}
			if err := tt.run(counting); err != nil {
				t.Fatal(err)
			}
			total := counting.used
			seen := map[string]bool{}
			for budget := 0; budget < total; budget += max(1, total/41) {
				err := tt.run(&budgetReader{budget: budget})
				if !errors.Is(err, errBudget) {
					t.Fatalf("budget %d of %d: %v", budget, total, err)
				}
				seen[err.Error()] = true
			}
			if len(seen) < 5 {
				t.Fatalf("failures struck only %d places", len(seen))
			}
		})
	}
}

func TestListenFails(t *testing.T) {
	// 192.0.2.1 (TEST-NET-1) is not an address of this machine: bind fails, nothing is sent.
	if _, err := Run(Options{Samples: 1, Rand: rand.Reader, Listen: netip.MustParseAddrPort("192.0.2.1:0")}); err == nil {
		t.Fatal("Run on an address of another host")
	}
}

func TestReaderTimeout(t *testing.T) {
	e, err := listen(netip.MustParseAddrPort("127.0.0.1:0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	if _, err := e.rd.next(10 * time.Millisecond); !errors.Is(err, errTimeout) {
		t.Fatalf("next on a silent socket: %v", err)
	}
}

func TestDeliverRefusesGarbage(t *testing.T) {
	now := time.Now()
	_, b, err := newNodes(rand.Reader, now)
	if err != nil {
		t.Fatal(err)
	}
	x, err := listen(netip.MustParseAddrPort("127.0.0.1:0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer x.close()
	y, err := listen(netip.MustParseAddrPort("127.0.0.1:0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer y.close()
	garbage := []handshake.Datagram{{To: y.conn.LocalAddr(), Data: []byte{0x7f, 1, 2, 3}}}
	if _, _, err := deliver(now, x, y, b.m, garbage); err == nil {
		t.Fatal("a garbage datagram was taken for a handshake message")
	}
}

func TestSink(t *testing.T) {
	s := &sink{done: make(chan struct{})}
	if !s.LocalAddr().IsValid() {
		t.Fatal("sink address")
	}
	done := make(chan error)
	go func() {
		_, _, err := s.ReadFrom(nil)
		done <- err
	}()
	s.Close()
	s.Close()
	if err := <-done; err == nil {
		t.Fatal("ReadFrom after Close")
	}
}
