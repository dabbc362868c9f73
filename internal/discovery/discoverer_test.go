package discovery

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errFakeClosed = errors.New("fake conn closed")

type datagram struct {
	from netip.AddrPort
	p    []byte
}

// hub is an in-memory multicast segment: every datagram written to the group reaches every conn,
// the sender included (as IP_MULTICAST_LOOP does), from the sender's address.
type hub struct {
	mu    sync.Mutex
	conns []*fakeConn
}

type fakeConn struct {
	h       *hub
	addr    netip.AddrPort
	in      chan datagram
	done    chan struct{}
	once    sync.Once
	failTx  bool
	readErr error
}

func (h *hub) conn(addr string) *fakeConn {
	c := &fakeConn{h: h, addr: netip.MustParseAddrPort(addr), in: make(chan datagram, 64), done: make(chan struct{})}
	h.mu.Lock()
	h.conns = append(h.conns, c)
	h.mu.Unlock()
	return c
}

func (c *fakeConn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	if c.readErr != nil {
		return 0, netip.AddrPort{}, c.readErr
	}
	select {
	case d := <-c.in:
		return copy(b, d.p), d.from, nil
	case <-c.done:
		return 0, netip.AddrPort{}, errFakeClosed
	}
}

func (c *fakeConn) WriteTo(b []byte, to netip.AddrPort) error {
	if c.failTx {
		return errors.New("network unreachable")
	}
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	for _, o := range c.h.conns {
		select {
		case o.in <- datagram{from: c.addr, p: append([]byte(nil), b...)}:
		default: // a full socket buffer drops, like UDP
		}
	}
	return nil
}

func (c *fakeConn) Close() error {
	err := errFakeClosed
	c.once.Do(func() { close(c.done); err = nil })
	return err
}

func testConfig(conn PacketConn, id int) Config {
	return Config{
		Conn:     conn,
		Group:    netip.MustParseAddrPort(DefaultGroup),
		Network:  sample(1).Network,
		NodeID:   nodeID(id),
		Port:     uint16(7000 + id),
		Interval: MinInterval,
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	h := &hub{}
	valid := testConfig(h.conn("192.0.2.1:7199"), 1)
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"no conn", func(c *Config) { c.Conn = nil }},
		{"no group", func(c *Config) { c.Group = netip.AddrPort{} }},
		{"unicast group", func(c *Config) { c.Group = netip.MustParseAddrPort("192.0.2.1:7199") }},
		{"group port 0", func(c *Config) { c.Group = netip.MustParseAddrPort("239.255.1.1:0") }},
		{"no network", func(c *Config) { c.Network = [NetworkIDSize]byte{} }},
		{"no node ID", func(c *Config) { c.NodeID = nodeID(0); c.NodeID[31] = 0 }},
		{"no port", func(c *Config) { c.Port = 0 }},
		{"interval too short", func(c *Config) { c.Interval = MinInterval - 1 }},
		{"interval too long", func(c *Config) { c.Interval = MaxInterval + 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.mod(&cfg)
			if _, err := New(cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
	valid.Interval = 0
	d, err := New(valid)
	if err != nil || d.cfg.Interval != DefaultInterval {
		t.Fatalf("default interval: %v, %v", err, d)
	}
}

// TestDiscoverersFindEachOther runs three discoverers on one in-memory segment, one of another
// network, and checks that the two of the same network find exactly each other.
func TestDiscoverersFindEachOther(t *testing.T) {
	h := &hub{}
	cfgA, cfgB := testConfig(h.conn("192.0.2.1:7199"), 1), testConfig(h.conn("192.0.2.2:7199"), 2)
	cfgX := testConfig(h.conn("192.0.2.3:7199"), 3)
	cfgX.Network[0] ^= 0xff
	var ds []*Discoverer
	for _, cfg := range []Config{cfgA, cfgB, cfgX} {
		d, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make([]error, len(ds))
	for i, d := range ds {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = d.Run(ctx) }()
	}
	// Every discoverer sends a beacon at once, so each sees the others' within moments.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if len(ds[0].Candidates(time.Now())) == 1 && len(ds[1].Candidates(time.Now())) == 1 &&
			ds[2].Stats().Ignored >= 3 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("discoverer %d: %v", i, err)
		}
	}
	ca, cb := ds[0].Candidates(time.Now()), ds[1].Candidates(time.Now())
	wantA := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.2"), cfgB.Port)
	wantB := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), cfgA.Port)
	if len(ca) != 1 || ca[0].ID != cfgB.NodeID || ca[0].Addr != wantA {
		t.Errorf("a's candidates %+v, want b at %v", ca, wantA)
	}
	if len(cb) != 1 || cb[0].ID != cfgA.NodeID || cb[0].Addr != wantB {
		t.Errorf("b's candidates %+v, want a at %v", cb, wantB)
	}
	if got := ds[2].Candidates(time.Now()); len(got) != 0 {
		t.Errorf("the foreign network's discoverer found %+v", got)
	}
	st := ds[0].Stats()
	if st.Sent == 0 || st.Accepted == 0 || st.Ignored < 2 { // own beacon and the foreign one
		t.Errorf("stats %+v", st)
	}
}

func TestDiscovererReceiveCounts(t *testing.T) {
	h := &hub{}
	d, err := New(testConfig(h.conn("192.0.2.1:7199"), 1))
	if err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddrPort("192.0.2.9:7199")
	other := sample(1)
	other.NodeID = nodeID(9)
	own := other
	own.NodeID = nodeID(1)
	tests := []struct {
		name string
		p    []byte
		want error
	}{
		{"valid", AppendBeacon(nil, other), nil},
		{"own", AppendBeacon(nil, own), ErrOwnBeacon},
		{"garbage", []byte("hello"), ErrMalformed},
		{"oversized", make([]byte, ReadBufferSize), ErrMalformed},
	}
	for _, tt := range tests {
		if err := d.Receive(t0, src, tt.p); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if st := d.Stats(); st.Accepted != 1 || st.Ignored != 1 || st.Dropped != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRunReportsErrors(t *testing.T) {
	h := &hub{}
	c := h.conn("192.0.2.1:7199")
	c.readErr = errors.New("socket exploded")
	d, err := New(testConfig(c, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(context.Background()); err == nil || !errors.Is(err, c.readErr) {
		t.Fatalf("Run = %v, want the read error", err)
	}

	// Send failures are counted, not fatal; a failing Close is reported.
	c = h.conn("192.0.2.2:7199")
	c.failTx = true
	d, err = New(testConfig(c, 2))
	if err != nil {
		t.Fatal(err)
	}
	c.Close() // Run's own Close now fails, and reads end at once
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Run(ctx); err == nil {
		t.Fatal("Run hid the read error of a closed conn")
	}
	if st := d.Stats(); st.SendErrors != 1 || st.Sent != 0 {
		t.Fatalf("stats %+v", st)
	}

	c = h.conn("192.0.2.3:7199")
	d, err = New(testConfig(c, 3))
	if err != nil {
		t.Fatal(err)
	}
	closeFails := &closeErrConn{c}
	d.cfg.Conn = closeFails
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := d.Run(ctx); !errors.Is(err, errCloseFailed) {
		t.Fatalf("Run = %v, want the close error", err)
	}
}

var errCloseFailed = errors.New("close failed")

type closeErrConn struct{ *fakeConn }

func (c *closeErrConn) Close() error { c.fakeConn.Close(); return errCloseFailed }
