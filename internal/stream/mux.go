package stream

import (
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// SendFunc sends one datagram to a node, as node.Node.Send does.
type SendFunc func(to identity.NodeID, p []byte) error

// Addr is the address of a Mux port on a node. It implements net.Addr.
type Addr struct {
	// Node is the node's ID.
	Node identity.NodeID
	// Port is the Mux or stream port.
	Port uint16
}

// Network returns "mesh".
func (a Addr) Network() string { return "mesh" }

// String returns the hex node ID, a colon and the port.
func (a Addr) String() string { return a.Node.String() + ":" + strconv.Itoa(int(a.Port)) }

// Stats counts the datagrams a Mux dropped.
type Stats struct {
	// Malformed counts datagrams shorter than the header or with an unknown tag.
	Malformed uint64
	// NoListener counts datagrams for a port nobody listens on.
	NoListener uint64
	// QueueFull counts datagrams dropped because the port's receive queue was full.
	QueueFull uint64
	// SendErrors counts datagrams the send function refused (no route, queue full); they are lost,
	// as a UDP datagram to an unreachable host is.
	SendErrors uint64
}

// Mux shares one datagram API between several ports. Create it with NewMux, pass its Deliver to
// the node's Options.OnDatagram. It is safe for concurrent use.
type Mux struct {
	self identity.NodeID
	send SendFunc

	mu     sync.RWMutex
	ports  map[uint16]*PacketConn
	closed bool

	malformed, noListener, queueFull, sendErrors atomic.Uint64
}

// NewMux returns a Mux for the node self that sends with send.
func NewMux(self identity.NodeID, send SendFunc) *Mux {
	return &Mux{self: self, send: send, ports: make(map[uint16]*PacketConn)}
}

// Deliver hands a datagram received from the mesh to the PacketConn of its port. It copies p, never
// blocks, and drops (and counts) what it cannot queue.
func (m *Mux) Deliver(from identity.NodeID, p []byte) {
	if len(p) < HeaderSize || p[0] != TagPort {
		m.malformed.Add(1)
		return
	}
	port := binary.BigEndian.Uint16(p[1:3])
	m.mu.RLock()
	c := m.ports[port]
	m.mu.RUnlock()
	if c == nil {
		m.noListener.Add(1)
		return
	}
	if !c.enqueue(packet{from: from, data: append([]byte(nil), p[HeaderSize:]...)}) {
		m.queueFull.Add(1)
	}
}

// Stats returns the drop counters.
func (m *Mux) Stats() Stats {
	return Stats{
		Malformed:  m.malformed.Load(),
		NoListener: m.noListener.Load(),
		QueueFull:  m.queueFull.Load(),
		SendErrors: m.sendErrors.Load(),
	}
}

// ListenPacket binds a port. Ports are symmetric: the PacketConn sends to the same port on other
// nodes and receives what they send to this port.
func (m *Mux) ListenPacket(port uint16) (*PacketConn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	if m.ports[port] != nil {
		return nil, fmt.Errorf("%w: %d", ErrPortInUse, port)
	}
	c := &PacketConn{
		mux:   m,
		local: Addr{Node: m.self, Port: port},
		queue: make(chan packet, QueueLen),
		done:  make(chan struct{}),
		rd:    newDeadline(),
		wd:    newDeadline(),
	}
	m.ports[port] = c
	return c, nil
}

// Close closes every PacketConn and refuses new ones.
func (m *Mux) Close() error {
	m.mu.Lock()
	m.closed = true
	conns := make([]*PacketConn, 0, len(m.ports))
	for _, c := range m.ports {
		conns = append(conns, c)
	}
	m.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	return nil
}

func (m *Mux) unbind(c *PacketConn) {
	m.mu.Lock()
	if m.ports[c.local.Port] == c {
		delete(m.ports, c.local.Port)
	}
	m.mu.Unlock()
}

type packet struct {
	from identity.NodeID
	data []byte
}

// PacketConn is one Mux port. It implements net.PacketConn with Addr addresses; it is safe for
// concurrent use.
type PacketConn struct {
	mux   *Mux
	local Addr
	queue chan packet

	closeOnce sync.Once
	done      chan struct{}
	rd, wd    *deadline
}

var _ net.PacketConn = (*PacketConn)(nil)

func (c *PacketConn) enqueue(p packet) bool {
	select {
	case <-c.done:
		return true // closed: silently gone, like a datagram to a closing socket
	default:
	}
	select {
	case c.queue <- p:
		return true
	default:
		return false
	}
}

// ReadFrom reads the next datagram into p (truncating it if p is short) and returns its length and
// sender. It blocks until a datagram arrives, the read deadline passes (os.ErrDeadlineExceeded) or
// the PacketConn is closed (net.ErrClosed).
func (c *PacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case <-c.done:
		return 0, nil, c.opErr("read", net.ErrClosed)
	default:
	}
	select {
	case pk := <-c.queue:
		return copy(p, pk.data), Addr{Node: pk.from, Port: c.local.Port}, nil
	case <-c.done:
		return 0, nil, c.opErr("read", net.ErrClosed)
	case <-c.rd.wait():
		return 0, nil, c.opErr("read", errTimeout)
	}
}

// WriteTo sends p to addr, which must be an Addr (or *Addr) with this PacketConn's port. Delivery is
// not guaranteed: a datagram the mesh cannot send is counted in Stats.SendErrors and reported as
// written, as UDP would.
func (c *PacketConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	select {
	case <-c.done:
		return 0, c.opErr("write", net.ErrClosed)
	case <-c.wd.wait():
		return 0, c.opErr("write", errTimeout)
	default:
	}
	var to Addr
	switch a := addr.(type) {
	case Addr:
		to = a
	case *Addr:
		if a == nil {
			return 0, c.opErr("write", ErrBadAddr)
		}
		to = *a
	default:
		return 0, c.opErr("write", fmt.Errorf("%w: %T", ErrBadAddr, addr))
	}
	if to.Port != c.local.Port {
		return 0, c.opErr("write", fmt.Errorf("%w: port %d on a PacketConn bound to %d", ErrBadAddr, to.Port, c.local.Port))
	}
	if len(p) > MaxPacketSize {
		return 0, c.opErr("write", fmt.Errorf("%w: %d > %d bytes", ErrTooLarge, len(p), MaxPacketSize))
	}
	b := make([]byte, HeaderSize+len(p))
	b[0] = TagPort
	binary.BigEndian.PutUint16(b[1:3], to.Port)
	copy(b[HeaderSize:], p)
	if err := c.mux.send(to.Node, b); err != nil {
		c.mux.sendErrors.Add(1)
	}
	return len(p), nil
}

// Close unbinds the port and unblocks readers.
func (c *PacketConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		c.mux.unbind(c)
	})
	return nil
}

// LocalAddr returns the Addr of this node and port.
func (c *PacketConn) LocalAddr() net.Addr { return c.local }

// SetDeadline sets the read and write deadlines; the zero time means none.
func (c *PacketConn) SetDeadline(t time.Time) error {
	c.rd.set(t)
	c.wd.set(t)
	return nil
}

// SetReadDeadline sets the read deadline; the zero time means none.
func (c *PacketConn) SetReadDeadline(t time.Time) error {
	c.rd.set(t)
	return nil
}

// SetWriteDeadline sets the write deadline; the zero time means none. Writes never block, so it
// only makes writes after t fail.
func (c *PacketConn) SetWriteDeadline(t time.Time) error {
	c.wd.set(t)
	return nil
}

// SetReadBuffer accepts and ignores a socket buffer size: the receive queue is fixed at QueueLen
// datagrams. It exists so that quic-go, which asks for larger buffers, does not warn.
func (c *PacketConn) SetReadBuffer(int) error { return nil }

// SetWriteBuffer accepts and ignores a socket buffer size: writes go straight to the mesh.
func (c *PacketConn) SetWriteBuffer(int) error { return nil }

func (c *PacketConn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "mesh", Addr: c.local, Err: err}
}
