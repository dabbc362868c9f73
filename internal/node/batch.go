package node

import (
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// ErrSendQueueFull reports a frame dropped because SendQueueLen frames were already waiting for
// the transport.
var ErrSendQueueFull = errors.New("node: send queue full")

// sendQueue carries sealed frames from the goroutines that seal them (the read loop, the ticker,
// Send's callers) to one writer goroutine, which sends what has accumulated with as few system
// calls as the transport allows (transport.BatchConn). Frames are sealed under Node.mu but written
// without it, so neither the read loop nor Send waits on a system call of another goroutine, and
// frame buffers are recycled rather than allocated per frame. Frames of one goroutine leave in
// the order they were pushed.
type sendQueue struct {
	conn  transport.Conn
	batch transport.BatchConn // conn's batch interface; nil when it has none
	log   *slog.Logger

	mu      sync.Mutex
	pending []transport.Message
	free    [][]byte // recycled buffers of capacity sendBufferSize
	closed  bool

	wake    chan struct{} // capacity 1: there may be pending frames
	done    chan struct{} // closed by close
	dropped atomic.Uint64
}

func newSendQueue(conn transport.Conn, log *slog.Logger) *sendQueue {
	q := &sendQueue{conn: conn, log: log, wake: make(chan struct{}, 1), done: make(chan struct{})}
	q.batch, _ = conn.(transport.BatchConn)
	return q
}

// buffer returns an empty buffer with room for n bytes, recycled when n fits sendBufferSize.
func (q *sendQueue) buffer(n int) []byte {
	if n > sendBufferSize {
		return make([]byte, 0, n)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if k := len(q.free); k > 0 {
		b := q.free[k-1]
		q.free[k-1] = nil
		q.free = q.free[:k-1]
		return b
	}
	return make([]byte, 0, sendBufferSize)
}

// push queues frame, which the queue now owns, for to. It fails with ErrClosed after close and
// with ErrSendQueueFull when SendQueueLen frames are waiting; either way the frame is dropped.
func (q *sendQueue) push(frame []byte, to netip.AddrPort) error {
	q.mu.Lock()
	switch {
	case q.closed:
		q.mu.Unlock()
		return ErrClosed
	case len(q.pending) >= SendQueueLen:
		q.recycleLocked(frame)
		q.mu.Unlock()
		q.dropped.Add(1)
		return ErrSendQueueFull
	}
	wasEmpty := len(q.pending) == 0
	q.pending = append(q.pending, transport.Message{Buf: frame, Addr: to})
	q.mu.Unlock()
	if wasEmpty {
		// The writer takes everything pending each time it wakes, so one signal per empty-to-busy
		// transition is enough.
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// seal seals payload on s into a queue buffer and queues the frame for to.
func (q *sendQueue) seal(s *session.Session, payload []byte, to netip.AddrPort) error {
	buf := q.buffer(session.Overhead + len(payload))
	frame, err := s.Seal(buf, payload)
	if err != nil {
		q.recycle(buf)
		return err
	}
	return q.push(frame, to)
}

func (q *sendQueue) recycle(b []byte) {
	q.mu.Lock()
	q.recycleLocked(b)
	q.mu.Unlock()
}

func (q *sendQueue) recycleLocked(b []byte) {
	if cap(b) == sendBufferSize && len(q.free) < SendQueueLen {
		q.free = append(q.free, b[:0])
	}
}

// run writes queued frames until close. Run it on its own goroutine.
func (q *sendQueue) run() {
	var batch []transport.Message
	for {
		select {
		case <-q.wake:
		case <-q.done:
			return
		}
		for {
			q.mu.Lock()
			batch, q.pending = q.pending, batch[:0]
			q.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			q.write(batch)
			q.mu.Lock()
			for i := range batch {
				q.recycleLocked(batch[i].Buf)
				batch[i] = transport.Message{}
			}
			q.mu.Unlock()
		}
	}
}

// write sends ms, skipping (and logging) the datagrams the transport refuses.
func (q *sendQueue) write(ms []transport.Message) {
	for len(ms) > 0 {
		var err error
		if q.batch != nil {
			var n int
			n, err = q.batch.WriteBatch(ms)
			ms = ms[n:]
			if err == nil {
				continue // all sent
			}
		} else {
			err = q.conn.WriteTo(ms[0].Buf, ms[0].Addr)
		}
		if errors.Is(err, transport.ErrClosed) {
			return
		}
		if err != nil {
			q.log.Debug("send failed", "to", ms[0].Addr.String(), "err", err)
		}
		ms = ms[1:]
	}
}

// close stops the writer and refuses later frames; frames still queued are dropped.
func (q *sendQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.done)
	}
}

// readBatches is the read loop for a transport that reads several datagrams per system call.
func (n *Node) readBatches(bc transport.BatchConn) error {
	ms := make([]transport.Message, ReadBatchSize)
	for i := range ms {
		ms[i].Buf = make([]byte, MaxPacketSize)
	}
	out := make([]byte, 0, MaxPacketSize)
	for {
		k, err := bc.ReadBatch(ms)
		if err != nil {
			if errors.Is(err, transport.ErrClosed) {
				return nil
			}
			return err
		}
		now := time.Now()
		for _, m := range ms[:k] {
			n.receive(now, m.Addr, m.Buf[:m.N], out[:0])
		}
	}
}
