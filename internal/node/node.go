// Package node wires one x0tta6bl4 node together: it feeds datagrams from a transport and the wall
// clock into the handshake state machine, keeps one encrypted session per peer alive (keepalives,
// rekeying, re-handshakes after a peer restarts), reloads the revocation list, and serves the local
// API. It is the only package with goroutines, sockets and the wall clock.
package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// Errors returned by the node.
var (
	// ErrNoSession reports a peer without an established session.
	ErrNoSession = errors.New("node: no session with peer")
	// ErrClosed reports use of a node after Run returned.
	ErrClosed = errors.New("node: closed")
)

// StaticPeer is a peer the node connects to on its own.
type StaticPeer struct {
	// Addr is the peer's transport address.
	Addr netip.AddrPort
	// Pin, when not zero, is the only node ID accepted at Addr.
	Pin identity.NodeID
}

// Options configures a node. Identity, Cert, CA, Conn and Rand are required.
type Options struct {
	// Identity is the node's private keys.
	Identity *identity.PrivateIdentity
	// Cert is the node's certificate, issued by CA.
	Cert *identity.Certificate
	// CA is the network CA's certificate.
	CA *identity.Certificate
	// RevocationListPath, when set, is reloaded whenever the file changes.
	RevocationListPath string
	// Conn is the datagram transport the node listens on.
	Conn transport.Conn
	// Peers are the static peers.
	Peers []StaticPeer
	// MinPeers is the number of up peers below which the node dials spare peers learnt from peer
	// exchange; 0 means DefaultMinPeers, a negative value never dials spares.
	MinPeers int
	// Keepalive is the keepalive interval on idle sessions.
	Keepalive time.Duration
	// ReloadInterval is how often the revocation list file is checked.
	ReloadInterval time.Duration
	// Rand is the source of randomness; use crypto/rand.Reader.
	Rand io.Reader
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// OnDatagram, when set, receives application datagrams sent to this node through the mesh
	// (Send on another node). It runs on a node goroutine and must not block. Datagrams whose
	// first byte is 0x02 or 0x03 are the node's own end-to-end echoes (Ping) and are not passed on.
	OnDatagram func(from identity.NodeID, payload []byte)
	// Version is reported by the API.
	Version string
	// Discovery, when set, supplies peers found on the local network (LAN discovery); they are
	// dialled like spare peers from peer exchange, within the same bounds (see discovery.go).
	Discovery CandidateSource
	// Healing configures self-healing (healing.go); off unless Enabled.
	Healing HealingOptions
	// Chaos injects faults for testing self-healing (healing.go); off by default.
	Chaos ChaosOptions
	// Models gives the node a store of signed model versions (models.go); off without a Store.
	Models ModelOptions
}

// Node is a running mesh node.
type Node struct {
	opt      Options
	log      *slog.Logger
	conn     transport.Conn
	verifier *identity.Verifier
	id       identity.NodeID
	started  time.Time

	mu       sync.Mutex
	machine  *handshake.Machine
	core     *mesh.Core
	peers    map[identity.NodeID]*peer
	byAddr   map[netip.AddrPort]*peer
	sessions map[uint32]*sessionRef
	rejected map[netip.AddrPort]time.Time
	spares   map[identity.NodeID]netip.AddrPort // learnt from peer exchange
	pexSent  time.Time
	crl      fileStamp
	closed   bool

	pings pingTable
	lan   lanState
	tx    *sendQueue // sealed frames on their way to conn (batch.go)

	heal   *healing // nil when self-healing is off; guarded by mu
	chaos  *chaos   // nil without chaos blackholes; guarded by mu
	models *models  // nil without a model store (models.go)
}

type sessionRef struct {
	peer *peer
	s    *session.Session
}

// New checks the options and prepares a node; Run starts it.
func New(opt Options) (*Node, error) {
	switch {
	case opt.Identity == nil || opt.Cert == nil || opt.CA == nil:
		return nil, errors.New("node: identity, certificate and CA are required")
	case opt.Conn == nil:
		return nil, errors.New("node: a transport is required")
	case opt.Rand == nil:
		return nil, errors.New("node: a randomness source is required")
	}
	if opt.MinPeers == 0 {
		opt.MinPeers = DefaultMinPeers
	}
	if opt.Keepalive <= 0 {
		opt.Keepalive = session.KeepaliveTimeout
	}
	if opt.ReloadInterval <= 0 {
		opt.ReloadInterval = 10 * time.Second
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.Cert.Subject != opt.Identity.ID() {
		return nil, fmt.Errorf("node: certificate subject %s does not match the key's node ID %s", opt.Cert.Subject.Short(), opt.Identity.ID().Short())
	}
	verifier, err := identity.NewVerifier(opt.CA)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	if _, err := verifier.Verify(opt.Cert.Raw(), time.Now()); err != nil {
		return nil, fmt.Errorf("node: own certificate: %w", err)
	}
	n := &Node{
		opt:      opt,
		log:      log.With("node", opt.Cert.Name),
		conn:     opt.Conn,
		verifier: verifier,
		id:       opt.Identity.ID(),
		peers:    make(map[identity.NodeID]*peer),
		byAddr:   make(map[netip.AddrPort]*peer),
		sessions: make(map[uint32]*sessionRef),
		rejected: make(map[netip.AddrPort]time.Time),
		spares:   make(map[identity.NodeID]netip.AddrPort),
	}
	n.tx = newSendQueue(opt.Conn, n.log)
	if opt.RevocationListPath != "" {
		if err := n.reloadRevocationList(time.Now(), true); err != nil {
			return nil, err
		}
	}
	n.machine, err = handshake.New(handshake.Config{
		Static:    opt.Identity.KEM,
		Cert:      opt.Cert.Raw(),
		CertHash:  opt.Cert.Hash(),
		NetworkID: identity.NetworkID(opt.CA),
		Verifier:  handshake.IdentityVerifier{V: verifier},
		Rand:      opt.Rand,
	})
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	mcfg := mesh.DefaultConfig()
	mcfg.Identity, mcfg.Cert, mcfg.Verifier, mcfg.Rand = opt.Identity, opt.Cert, verifier, opt.Rand
	var seed [32]byte
	if _, err := io.ReadFull(opt.Rand, seed[:]); err != nil {
		return nil, fmt.Errorf("node: reading randomness: %w", err)
	}
	mcfg.Jitter = rand.New(rand.NewChaCha8(seed))
	if n.core, err = mesh.New(mcfg, time.Now()); err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	if n.chaos, err = newChaos(opt.Chaos); err != nil {
		return nil, err
	}
	if opt.Healing.Enabled {
		if err := n.newHealing(opt.Healing); err != nil {
			return nil, err
		}
	}
	if err := n.newModels(opt.Models); err != nil {
		return nil, err
	}
	for _, sp := range opt.Peers {
		p := &peer{addr: sp.Addr, static: true, pin: sp.Pin}
		n.byAddr[sp.Addr] = p
	}
	return n, nil
}

// ID returns the node's ID.
func (n *Node) ID() identity.NodeID { return n.id }

// Run serves the node until ctx is cancelled, then closes the transport and all sessions.
func (n *Node) Run(ctx context.Context) error {
	n.started = time.Now()
	n.log.Info("node started", "id", n.id.String(), "listen", n.conn.LocalAddr().String(), "peers", len(n.opt.Peers))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	readErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr <- n.readLoop()
	}()
	wg.Go(n.tx.run)
	ticker := time.NewTicker(TickInterval)
	defer ticker.Stop()
	n.tick(time.Now())
	var err error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err = <-readErr:
			break loop
		case now := <-ticker.C:
			n.tick(now)
			n.pollLAN(now)
		}
	}
	n.mu.Lock()
	n.closed = true
	for idx, ref := range n.sessions {
		ref.s.Close()
		delete(n.sessions, idx)
	}
	n.mu.Unlock()
	n.tx.close()
	cerr := n.conn.Close()
	wg.Wait()
	n.pings.closeAll()
	n.log.Info("node stopped")
	if err != nil && !errors.Is(err, transport.ErrClosed) {
		return fmt.Errorf("node: transport: %w", err)
	}
	if cerr != nil && !errors.Is(cerr, transport.ErrClosed) {
		return fmt.Errorf("node: closing transport: %w", cerr)
	}
	return nil
}

func (n *Node) readLoop() error {
	if bc, ok := n.conn.(transport.BatchConn); ok {
		return n.readBatches(bc)
	}
	buf := make([]byte, MaxPacketSize)
	out := make([]byte, 0, MaxPacketSize)
	for {
		sz, from, err := n.conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, transport.ErrClosed) {
				return nil
			}
			return err
		}
		n.receive(time.Now(), from, buf[:sz], out[:0])
	}
}
