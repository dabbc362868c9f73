package stream

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// QUIC application error codes.
const (
	codeNoError    quic.ApplicationErrorCode = 0
	codeRefused    quic.StreamErrorCode      = 1 // no listener on the stream port, or queue full
	codeClosed     quic.StreamErrorCode      = 2 // the local side closed the stream
	codeBadHeader  quic.StreamErrorCode      = 3 // no stream header within HeaderTimeout
	codeEndpointUp quic.ApplicationErrorCode = 4 // the endpoint is shutting down or full
)

// Config configures an Endpoint. Mux and Rand are required.
type Config struct {
	// Mux carries the QUIC packets.
	Mux *Mux
	// Port is the Mux port QUIC runs on; zero means QUICPort. All nodes must use the same port.
	Port uint16
	// Rand is the randomness for the ephemeral certificate and TLS; use crypto/rand.Reader.
	Rand io.Reader
	// Now is the current time, the start of the certificate's validity; zero means time.Now().
	Now time.Time
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
}

// Endpoint is a node's QUIC endpoint: it dials streams to other nodes and accepts theirs. It is
// safe for concurrent use.
type Endpoint struct {
	self identity.NodeID
	pc   *PacketConn
	tr   *quic.Transport
	ql   *quic.Listener
	qcfg *quic.Config
	tlsC *tls.Config
	log  *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	listeners map[uint16]*Listener
	dialed    map[identity.NodeID]*dialSlot
	accepted  map[*quic.Conn]struct{}
}

// dialSlot serialises dials to one node and caches the connection.
type dialSlot struct {
	mu   sync.Mutex
	conn *quic.Conn
}

// NewEndpoint binds cfg.Port on the Mux and starts QUIC on it.
func NewEndpoint(cfg Config) (*Endpoint, error) {
	if cfg.Mux == nil || cfg.Rand == nil {
		return nil, fmt.Errorf("%w: Mux and Rand are required", ErrBadConfig)
	}
	port := cfg.Port
	if port == 0 {
		port = QUICPort
	}
	now := cfg.Now
	if now.IsZero() {
		now = time.Now()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cert, err := selfSigned(cfg.Rand, now)
	if err != nil {
		return nil, err
	}
	pc, err := cfg.Mux.ListenPacket(port)
	if err != nil {
		return nil, err
	}
	e := &Endpoint{
		self: cfg.Mux.self,
		pc:   pc,
		tr:   &quic.Transport{Conn: pc},
		qcfg: &quic.Config{
			HandshakeIdleTimeout:    HandshakeTimeout,
			MaxIdleTimeout:          MaxIdleTimeout,
			KeepAlivePeriod:         KeepAlivePeriod,
			MaxIncomingStreams:      MaxStreamsPerConn,
			MaxIncomingUniStreams:   -1,
			InitialPacketSize:       QUICPacketSize,
			DisablePathMTUDiscovery: true,
		},
		tlsC: &tls.Config{
			MinVersion:   tls.VersionTLS13,
			Rand:         cfg.Rand,
			Certificates: []tls.Certificate{cert},
			NextProtos:   []string{ALPN},
			// The server does not ask for a client certificate; the client checks only the
			// ALPN. The mesh session under QUIC authenticates both node IDs (docs/streams.md).
			InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if cs.NegotiatedProtocol != ALPN {
					return fmt.Errorf("stream: peer negotiated ALPN %q", cs.NegotiatedProtocol)
				}
				return nil
			},
		},
		log:       log,
		listeners: make(map[uint16]*Listener),
		dialed:    make(map[identity.NodeID]*dialSlot),
		accepted:  make(map[*quic.Conn]struct{}),
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.ql, err = e.tr.Listen(e.tlsC, e.qcfg)
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("stream: quic listen: %w", err)
	}
	e.wg.Go(e.acceptConns)
	return e, nil
}

// selfSigned makes the ephemeral Ed25519 certificate QUIC's TLS needs.
func selfSigned(rand io.Reader, now time.Time) (tls.Certificate, error) {
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("stream: certificate key: %w", err)
	}
	serial := make([]byte, 16)
	if _, err := io.ReadFull(rand, serial); err != nil {
		return tls.Certificate{}, fmt.Errorf("stream: certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(serial),
		Subject:      pkix.Name{CommonName: "x0tta6bl4 stream"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(CertValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand, tmpl, tmpl, pub, priv)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("stream: certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}, nil
}

// Addr returns the endpoint's QUIC address (this node, the QUIC Mux port).
func (e *Endpoint) Addr() Addr { return e.pc.local }

// Listen returns a Listener for streams to port.
func (e *Endpoint) Listen(port uint16) (*Listener, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	if e.listeners[port] != nil {
		return nil, fmt.Errorf("%w: stream port %d", ErrPortInUse, port)
	}
	l := &Listener{e: e, addr: Addr{Node: e.self, Port: port}, queue: make(chan *Conn, AcceptQueueLen), done: make(chan struct{})}
	e.listeners[port] = l
	return l, nil
}

// Dial opens a stream to port on the node to. It reuses the QUIC connection to that node when
// there is one. A port nobody listens on shows up as a Read or Write error wrapping ErrRefused.
func (e *Endpoint) Dial(ctx context.Context, to identity.NodeID, port uint16) (*Conn, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrClosed
	}
	slot := e.dialed[to]
	if slot == nil {
		slot = &dialSlot{}
		e.dialed[to] = slot
	}
	e.mu.Unlock()

	for attempt := 0; ; attempt++ {
		qc, fresh, err := e.conn(ctx, slot, to)
		if err != nil {
			return nil, err
		}
		s, err := qc.OpenStreamSync(ctx)
		if err != nil {
			if ctx.Err() == nil && !fresh && attempt == 0 {
				slot.forget(qc) // a stale cached connection: dial afresh once
				continue
			}
			return nil, fmt.Errorf("stream: open stream to %s: %w", to.Short(), err)
		}
		var hdr [StreamHeaderSize]byte
		binary.BigEndian.PutUint16(hdr[:], port)
		if _, err := s.Write(hdr[:]); err != nil {
			s.CancelRead(codeClosed)
			s.CancelWrite(codeClosed)
			return nil, fmt.Errorf("stream: write stream header: %w", err)
		}
		return newConn(s, Addr{Node: e.self, Port: port}, Addr{Node: to, Port: port}), nil
	}
}

// conn returns the cached connection to a node or dials one; fresh reports a new dial.
func (e *Endpoint) conn(ctx context.Context, slot *dialSlot, to identity.NodeID) (*quic.Conn, bool, error) {
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if slot.conn != nil && slot.conn.Context().Err() == nil {
		return slot.conn, false, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(e.ctx, cancel)
	defer stop()
	qc, err := e.tr.Dial(ctx, Addr{Node: to, Port: e.pc.local.Port}, e.tlsC, e.qcfg)
	if err != nil {
		if e.ctx.Err() != nil {
			err = errors.Join(ErrClosed, err)
		}
		return nil, false, fmt.Errorf("stream: dial %s: %w", to.Short(), err)
	}
	slot.conn = qc
	return qc, true, nil
}

func (s *dialSlot) forget(qc *quic.Conn) {
	s.mu.Lock()
	if s.conn == qc {
		s.conn = nil
	}
	s.mu.Unlock()
	qc.CloseWithError(codeNoError, "")
}

// acceptConns accepts QUIC connections until the endpoint closes.
func (e *Endpoint) acceptConns() {
	for {
		qc, err := e.ql.Accept(e.ctx)
		if err != nil {
			return
		}
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			qc.CloseWithError(codeEndpointUp, "closing")
			return
		}
		if len(e.accepted) >= MaxAcceptedConns {
			e.mu.Unlock()
			e.log.Debug("quic connection refused: too many", "from", qc.RemoteAddr().String())
			qc.CloseWithError(codeEndpointUp, "too many connections")
			continue
		}
		e.accepted[qc] = struct{}{}
		e.mu.Unlock()
		e.wg.Go(func() { e.acceptStreams(qc) })
	}
}

// acceptStreams accepts the streams of one connection until it ends.
func (e *Endpoint) acceptStreams(qc *quic.Conn) {
	defer func() {
		e.mu.Lock()
		delete(e.accepted, qc)
		e.mu.Unlock()
	}()
	remote, ok := qc.RemoteAddr().(Addr)
	if !ok {
		qc.CloseWithError(codeEndpointUp, "bad address")
		return
	}
	for {
		s, err := qc.AcceptStream(e.ctx)
		if err != nil {
			return
		}
		e.wg.Go(func() { e.route(s, remote.Node) })
	}
}

// route reads the stream header and queues the stream on its Listener.
func (e *Endpoint) route(s *quic.Stream, from identity.NodeID) {
	var hdr [StreamHeaderSize]byte
	s.SetReadDeadline(time.Now().Add(HeaderTimeout))
	if _, err := io.ReadFull(s, hdr[:]); err != nil {
		s.CancelRead(codeBadHeader)
		s.CancelWrite(codeBadHeader)
		return
	}
	s.SetReadDeadline(time.Time{})
	port := binary.BigEndian.Uint16(hdr[:])
	e.mu.Lock()
	l := e.listeners[port]
	e.mu.Unlock()
	c := newConn(s, Addr{Node: e.self, Port: port}, Addr{Node: from, Port: port})
	if l == nil || !l.enqueue(c) {
		e.log.Debug("stream refused", "from", from.Short(), "port", port)
		s.CancelRead(codeRefused)
		s.CancelWrite(codeRefused)
	}
}

// Close closes every listener and QUIC connection and stops the endpoint. Streams still open fail.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	ls := make([]*Listener, 0, len(e.listeners))
	for _, l := range e.listeners {
		ls = append(ls, l)
	}
	slots := make([]*dialSlot, 0, len(e.dialed))
	for _, s := range e.dialed {
		slots = append(slots, s)
	}
	conns := make([]*quic.Conn, 0, len(e.accepted))
	for qc := range e.accepted {
		conns = append(conns, qc)
	}
	e.mu.Unlock()
	e.cancel() // aborts dials under way
	for _, l := range ls {
		l.Close()
	}
	for _, s := range slots {
		s.mu.Lock()
		if s.conn != nil {
			conns = append(conns, s.conn)
		}
		s.mu.Unlock()
	}
	for _, qc := range conns {
		qc.CloseWithError(codeEndpointUp, "closing")
	}
	e.ql.Close()
	err := e.tr.Close()
	e.pc.Close()
	e.wg.Wait()
	return err
}
