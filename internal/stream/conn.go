package stream

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
)

// Conn is one stream between two nodes. It implements net.Conn; CloseWrite and CloseRead close one
// direction, as on a *net.TCPConn.
type Conn struct {
	s             *quic.Stream
	local, remote Addr
	closeOnce     sync.Once
}

var _ net.Conn = (*Conn)(nil)

func newConn(s *quic.Stream, local, remote Addr) *Conn {
	return &Conn{s: s, local: local, remote: remote}
}

// Read reads from the stream; io.EOF after the peer's CloseWrite. A stream the peer refused (no
// listener on the port) fails with an error wrapping ErrRefused.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.s.Read(p)
	return n, c.wrap("read", err)
}

// Write writes to the stream.
func (c *Conn) Write(p []byte) (int, error) {
	n, err := c.s.Write(p)
	return n, c.wrap("write", err)
}

// CloseWrite ends the sending direction: the peer reads io.EOF after the data written so far.
func (c *Conn) CloseWrite() error { return c.wrap("close", c.s.Close()) }

// CloseRead tells the peer to stop sending.
func (c *Conn) CloseRead() error {
	c.s.CancelRead(codeClosed)
	return nil
}

// Close ends both directions: data written so far is still delivered, data still arriving is
// refused.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.s.CancelRead(codeClosed)
		err = c.s.Close()
	})
	return c.wrap("close", err)
}

// LocalAddr returns this node and the stream port.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer node and the stream port.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error { return c.s.SetDeadline(t) }

// SetReadDeadline sets the read deadline.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.s.SetReadDeadline(t) }

// SetWriteDeadline sets the write deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.s.SetWriteDeadline(t) }

// wrap adds ErrRefused to a stream reset by a peer with no listener and keeps other errors
// (io.EOF, deadline errors) as they are, so that io.Copy and net.Error checks still work.
func (c *Conn) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *quic.StreamError
	if errors.As(err, &se) && se.Remote && se.ErrorCode == codeRefused {
		return &net.OpError{Op: op, Net: "mesh", Source: c.local, Addr: c.remote, Err: fmt.Errorf("%w: %w", ErrRefused, err)}
	}
	return err
}

// Listener accepts the streams to one stream port. It implements net.Listener.
type Listener struct {
	e     *Endpoint
	addr  Addr
	queue chan *Conn

	closeOnce sync.Once
	mu        sync.Mutex // guards done against enqueue
	done      chan struct{}
}

var _ net.Listener = (*Listener)(nil)

func (l *Listener) enqueue(c *Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.done:
		return false
	default:
	}
	select {
	case l.queue <- c:
		return true
	default:
		return false
	}
}

// Accept waits for the next stream; after Close it returns an error wrapping net.ErrClosed and
// ErrClosed.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.queue:
		return c, nil
	case <-l.done:
		return nil, &net.OpError{Op: "accept", Net: "mesh", Addr: l.addr, Err: errors.Join(net.ErrClosed, ErrClosed)}
	}
}

// Close stops accepting, refuses the streams still queued and frees the port.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		close(l.done)
		l.mu.Unlock()
		l.e.mu.Lock()
		if l.e.listeners[l.addr.Port] == l {
			delete(l.e.listeners, l.addr.Port)
		}
		l.e.mu.Unlock()
		for {
			select {
			case c := <-l.queue:
				c.s.CancelRead(codeRefused)
				c.s.CancelWrite(codeRefused)
			default:
				return
			}
		}
	})
	return nil
}

// Addr returns this node and the stream port.
func (l *Listener) Addr() net.Addr { return l.addr }
