package camo

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testKey is a 32-byte camouflage key; otherKey a different one.
var (
	testKey  = bytes.Repeat([]byte{0x5a}, 32)
	otherKey = bytes.Repeat([]byte{0xa5}, 32)
)

const testName = "www.example.com"

// waitFor bounds how long a test waits for something that happens within milliseconds when it
// works; it is a failure bound, not a speed goal.
const waitFor = 10 * time.Second

func loopback() netip.AddrPort { return netip.MustParseAddrPort("127.0.0.1:0") }

func testConfig(mode Mode) Config {
	return Config{Listen: loopback(), Key: testKey, ServerName: testName, Mode: mode}
}

// listen opens a Conn and closes it at the end of the test.
func listen(t testing.TB, cfg Config) *Conn {
	t.Helper()
	c, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type readResult struct {
	b    []byte
	from netip.AddrPort
	err  error
}

// readWithin reads one datagram from c or fails the test after waitFor.
func readWithin(t testing.TB, c *Conn) ([]byte, netip.AddrPort) {
	t.Helper()
	ch := make(chan readResult, 1)
	go func() {
		buf := make([]byte, MaxDatagramSize)
		n, from, err := c.ReadFrom(buf)
		ch <- readResult{buf[:n], from, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("ReadFrom: %v", r.err)
		}
		return r.b, r.from
	case <-time.After(waitFor):
		c.Close() // unblocks the reader
		<-ch
		t.Fatalf("no datagram within %v; stats %+v", waitFor, c.Stats())
		return nil, netip.AddrPort{}
	}
}

// sendUntil writes b to `to` every 20 ms until dst has read one datagram, and returns it: for
// paths where the first datagrams may be dropped (a server restarting, a peer backing off).
func sendUntil(t testing.TB, src, dst *Conn, b []byte, to netip.AddrPort) ([]byte, netip.AddrPort) {
	t.Helper()
	ch := make(chan readResult, 1)
	go func() {
		buf := make([]byte, MaxDatagramSize)
		n, from, err := dst.ReadFrom(buf)
		ch <- readResult{buf[:n], from, err}
	}()
	deadline := time.After(waitFor)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := src.WriteTo(b, to); err != nil {
			t.Fatalf("WriteTo: %v", err)
		}
		select {
		case r := <-ch:
			if r.err != nil {
				t.Fatalf("ReadFrom: %v", r.err)
			}
			return r.b, r.from
		case <-tick.C:
		case <-deadline:
			dst.Close()
			<-ch
			t.Fatalf("nothing arrived within %v; src %+v dst %+v", waitFor, src.Stats(), dst.Stats())
		}
	}
}

// eventually polls cond every 10 ms until it holds or waitFor passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitFor)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func isClosed(err error) bool { return errors.Is(err, transport.ErrClosed) }
