package camo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// framer moves datagrams over one authenticated connection. read is called by one goroutine,
// write and flush by another (the peer's writer); close may be called by any.
type framer interface {
	// read returns the next datagram in a new slice.
	read() ([]byte, error)
	// write sends b, possibly buffered until flush; b is not retained.
	write(b []byte) error
	// flush sends what write buffered.
	flush() error
	// close releases the framer's resources; the link has already closed the socket.
	close()
}

// streamFramer is ModeTLS: length-prefixed frames on the TLS stream (frame.go).
type streamFramer struct {
	r *bufio.Reader
	w *bufio.Writer
	c io.Closer
}

func newStreamFramer(r io.Reader, w io.Writer, c io.Closer) *streamFramer {
	return &streamFramer{
		r: bufio.NewReaderSize(r, streamBufferSize),
		w: bufio.NewWriterSize(w, streamBufferSize),
		c: c,
	}
}

func (f *streamFramer) read() ([]byte, error) { return readFrame(f.r) }
func (f *streamFramer) write(b []byte) error  { return writeFrame(f.w, b) }
func (f *streamFramer) flush() error          { return f.w.Flush() }
func (f *streamFramer) close()                { f.c.Close() }

// wsFramer is ModeWebSocket: one binary message per datagram.
type wsFramer struct {
	ws      *websocket.Conn
	scratch *sync.Pool // of *[]byte of MaxDatagramSize+1 bytes, shared by the Conn's links
}

func (f *wsFramer) read() ([]byte, error) {
	// context.Background has no Done channel, so the library arms no timer per read; the link
	// interrupts a read by closing the socket.
	typ, r, err := f.ws.Reader(context.Background())
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageBinary {
		return nil, fmt.Errorf("%w: WebSocket message of type %v", ErrFrame, typ)
	}
	bp := f.scratch.Get().(*[]byte)
	defer f.scratch.Put(bp)
	n, err := io.ReadFull(r, *bp)
	switch err {
	case io.ErrUnexpectedEOF, io.EOF:
	case nil:
		return nil, fmt.Errorf("%w: WebSocket message over %d bytes", ErrFrame, MaxDatagramSize)
	default:
		return nil, err
	}
	return append([]byte(nil), (*bp)[:n]...), nil
}

func (f *wsFramer) write(b []byte) error {
	return f.ws.Write(context.Background(), websocket.MessageBinary, b)
}

func (f *wsFramer) flush() error { return nil }
func (f *wsFramer) close()       { f.ws.CloseNow() }

// link is one authenticated connection to a peer.
type link struct {
	raw     net.Conn // the TCP connection under TLS, closed first so that close never blocks
	f       framer
	inbound bool // accepted rather than dialled

	lastUse atomic.Int64 // Unix nanoseconds of the last datagram read or written
	writing atomic.Int64 // Unix nanoseconds when the write in progress began; 0 when none
	once    sync.Once
}

func newLink(raw net.Conn, f framer, inbound bool, now time.Time) *link {
	l := &link{raw: raw, f: f, inbound: inbound}
	l.lastUse.Store(now.UnixNano())
	return l
}

// close closes the connection; it is idempotent and does not block.
func (l *link) close() {
	l.once.Do(func() {
		l.raw.Close()
		l.f.close()
	})
}

// stale reports whether l has been idle for tm.linkIdle (linkIdleTimeout) or blocked in a write
// for tm.linkWrite (linkWriteTimeout) at the time now.
func (l *link) stale(now int64, tm timing) bool {
	if w := l.writing.Load(); w != 0 && now-w > int64(tm.linkWrite) {
		return true
	}
	return now-l.lastUse.Load() > int64(tm.linkIdle)
}

// remoteAddr returns the address of c's remote end with an IPv4-mapped address unmapped.
func remoteAddr(c net.Conn) netip.AddrPort {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}
