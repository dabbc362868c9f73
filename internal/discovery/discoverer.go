package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// PacketConn is the datagram socket of the runtime: ListenMulticast's *MulticastConn on a network,
// any in-memory implementation in tests. Close must unblock a pending ReadFrom with an error.
type PacketConn interface {
	// ReadFrom blocks until a datagram arrives, copies it into b and returns its length and source.
	ReadFrom(b []byte) (int, netip.AddrPort, error)
	// WriteTo sends b as one datagram to the address.
	WriteTo(b []byte, to netip.AddrPort) error
	// Close releases the socket.
	Close() error
}

// Config configures a Discoverer. Conn, Group, Network, NodeID and Port are required.
type Config struct {
	// Conn receives the beacons sent to Group and sends this node's; Run closes it.
	Conn PacketConn
	// Group is the multicast group and port beacons are sent to.
	Group netip.AddrPort
	// Network is identity.NetworkID of the mesh's CA certificate.
	Network [NetworkIDSize]byte
	// NodeID is this node's ID: its beacons carry it and looped-back copies are ignored.
	NodeID identity.NodeID
	// Port is the UDP port of this node's transport.
	Port uint16
	// Interval is the beacon period, MinInterval..MaxInterval; 0 means DefaultInterval.
	// Candidates expire after ExpiryIntervals intervals without a beacon.
	Interval time.Duration
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
}

// Stats counts the runtime's datagrams.
type Stats struct {
	// Sent counts beacons sent; SendErrors the failed sends.
	Sent, SendErrors uint64
	// Accepted counts beacons that refreshed or added a candidate.
	Accepted uint64
	// Ignored counts own beacons and beacons of other networks.
	Ignored uint64
	// Dropped counts malformed, rate-limited and table-full beacons.
	Dropped uint64
}

// Discoverer sends this node's beacon every interval and keeps the table of candidates heard.
// Candidates and Stats are safe for concurrent use with Run.
type Discoverer struct {
	cfg    Config
	log    *slog.Logger
	beacon []byte

	mu    sync.Mutex
	table *Table
	stats Stats
}

// New checks cfg and returns a Discoverer; Run starts it.
func New(cfg Config) (*Discoverer, error) {
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	switch {
	case cfg.Conn == nil:
		return nil, fmt.Errorf("%w: a packet conn is required", ErrConfig)
	case !cfg.Group.IsValid() || !cfg.Group.Addr().IsMulticast() || cfg.Group.Port() == 0:
		return nil, fmt.Errorf("%w: group %v is not a multicast address and port", ErrConfig, cfg.Group)
	case cfg.Network == [NetworkIDSize]byte{} || cfg.NodeID.IsZero():
		return nil, fmt.Errorf("%w: network and node ID are required", ErrConfig)
	case cfg.Port == 0:
		return nil, fmt.Errorf("%w: the transport port is required", ErrConfig)
	case cfg.Interval < MinInterval || cfg.Interval > MaxInterval:
		return nil, fmt.Errorf("%w: interval %v is outside %v..%v", ErrConfig, cfg.Interval, MinInterval, MaxInterval)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Discoverer{
		cfg:    cfg,
		log:    log,
		beacon: AppendBeacon(nil, Beacon{Network: cfg.Network, NodeID: cfg.NodeID, Port: cfg.Port}),
		table:  NewTable(cfg.Network, cfg.NodeID, ExpiryIntervals*cfg.Interval),
	}, nil
}

// Run sends a beacon at once and then every interval, and records the beacons received, until ctx
// is cancelled; then it closes the conn and returns nil. It returns an error if reading fails
// before that.
func (d *Discoverer) Run(ctx context.Context) error {
	d.log.Info("lan discovery started", "group", d.cfg.Group.String(), "interval", d.cfg.Interval)
	var wg sync.WaitGroup
	readErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr <- d.readLoop()
	}()
	ticker := time.NewTicker(d.cfg.Interval)
	defer ticker.Stop()
	d.send(time.Now())
	var err error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err = <-readErr:
			break loop
		case now := <-ticker.C:
			d.send(now)
		}
	}
	cerr := d.cfg.Conn.Close()
	wg.Wait()
	d.log.Info("lan discovery stopped")
	if err != nil {
		return fmt.Errorf("discovery: reading beacons: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("discovery: closing: %w", cerr)
	}
	return nil
}

// readLoop reads beacons until the conn fails, which it does when Run closes it.
func (d *Discoverer) readLoop() error {
	buf := make([]byte, ReadBufferSize)
	for {
		n, from, err := d.cfg.Conn.ReadFrom(buf)
		if err != nil {
			return err
		}
		d.Receive(time.Now(), from, buf[:n])
	}
}

// send writes this node's beacon to the group and expires old candidates.
func (d *Discoverer) send(now time.Time) {
	err := d.cfg.Conn.WriteTo(d.beacon, d.cfg.Group)
	d.mu.Lock()
	d.table.Expire(now)
	if err != nil {
		d.stats.SendErrors++
	} else {
		d.stats.Sent++
	}
	d.mu.Unlock()
	if err != nil {
		d.log.Debug("sending beacon", "group", d.cfg.Group.String(), "err", err)
	}
}

// Receive handles one datagram from the group received at now; Run calls it for every datagram.
// It reports the candidate's acceptance as an error: nil, or one of the package's sentinel errors.
func (d *Discoverer) Receive(now time.Time, from netip.AddrPort, p []byte) error {
	b, err := DecodeBeacon(p)
	var c Candidate
	changed := false
	d.mu.Lock()
	if err == nil {
		c, changed, err = d.table.Observe(now, from, b)
	}
	switch {
	case err == nil:
		d.stats.Accepted++
	case errors.Is(err, ErrOwnBeacon) || errors.Is(err, ErrForeignNetwork):
		d.stats.Ignored++
	default:
		d.stats.Dropped++
	}
	d.mu.Unlock()
	switch {
	case changed:
		d.log.Info("lan candidate", "peer", c.ID.Short(), "addr", c.Addr.String())
	case err != nil && !errors.Is(err, ErrOwnBeacon):
		d.log.Debug("beacon dropped", "from", from.String(), "err", err)
	}
	return err
}

// Candidates returns the live candidates at now, ordered by node ID.
func (d *Discoverer) Candidates(now time.Time) []Candidate {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.table.Candidates(now)
}

// Stats returns the runtime's counters.
func (d *Discoverer) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}
