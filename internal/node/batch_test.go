package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// recordConn is a transport.Conn that records writes and fails the ones it is told to.
type recordConn struct {
	mu      sync.Mutex
	writes  []string
	fail    map[string]error // payload -> error of its write
	written chan struct{}    // receives after each write call
}

func newRecordConn() *recordConn {
	return &recordConn{fail: map[string]error{}, written: make(chan struct{}, 1024)}
}

func (c *recordConn) ReadFrom([]byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, transport.ErrClosed
}
func (c *recordConn) LocalAddr() netip.AddrPort { return netip.AddrPort{} }
func (c *recordConn) Close() error              { return nil }

func (c *recordConn) WriteTo(b []byte, _ netip.AddrPort) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() { c.written <- struct{}{} }()
	if err := c.fail[string(b)]; err != nil {
		return err
	}
	c.writes = append(c.writes, string(b))
	return nil
}

func (c *recordConn) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.writes...)
}

// batchRecordConn adds WriteBatch with transport.BatchConn's contract: stop at the first failure.
type batchRecordConn struct {
	*recordConn
	calls int
}

func (c *batchRecordConn) ReadBatch([]transport.Message) (int, error) { return 0, transport.ErrClosed }

func (c *batchRecordConn) WriteBatch(ms []transport.Message) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() { c.written <- struct{}{} }()
	c.calls++
	for i, m := range ms {
		if err := c.fail[string(m.Buf)]; err != nil {
			return i, err
		}
		c.writes = append(c.writes, string(m.Buf))
	}
	return len(ms), nil
}

func TestSendQueueOrderAndErrors(t *testing.T) {
	to := netip.MustParseAddrPort("127.0.0.1:9")
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			rc := newRecordConn()
			rc.fail["bad"] = errors.New("refused")
			rc.fail["closed"] = transport.ErrClosed
			var conn transport.Conn = rc
			if batch {
				conn = &batchRecordConn{recordConn: rc}
			}
			q := newSendQueue(conn, slog.New(slog.DiscardHandler))
			// Queue before the writer runs, so that one wake takes everything.
			for _, s := range []string{"a", "bad", "b", "c"} {
				if err := q.push(append(q.buffer(len(s)), s...), to); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan struct{})
			go func() { q.run(); close(done) }()
			waitWrites(t, rc, 3)
			if got := rc.got(); fmt.Sprint(got) != "[a b c]" {
				t.Fatalf("writes %v, want [a b c] (bad skipped)", got)
			}
			// A closed transport ends the batch: what follows it is dropped. Both frames are
			// queued under the lock, so that the writer takes them in one batch (pushed one by
			// one, the writer could wake between them and rightly send "lost" on its own).
			q.mu.Lock()
			for _, s := range []string{"closed", "lost"} {
				q.pending = append(q.pending, transport.Message{Buf: []byte(s), Addr: to})
			}
			q.mu.Unlock()
			select {
			case q.wake <- struct{}{}:
			default:
			}
			<-rc.written
			time.Sleep(10 * time.Millisecond) // a wrongly sent "lost" would show up by now
			if got := rc.got(); len(got) != 3 {
				t.Fatalf("writes after a closed transport: %v", got)
			}
			q.close()
			q.close()
			<-done
			if err := q.push([]byte("x"), to); !errors.Is(err, ErrClosed) {
				t.Fatalf("push after close: %v", err)
			}
		})
	}
}

func waitWrites(t *testing.T, rc *recordConn, n int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for len(rc.got()) < n {
		select {
		case <-rc.written:
		case <-deadline:
			t.Fatalf("%d writes, want %d", len(rc.got()), n)
		}
	}
}

func TestSendQueueFullAndBuffers(t *testing.T) {
	q := newSendQueue(newRecordConn(), slog.New(slog.DiscardHandler))
	to := netip.MustParseAddrPort("127.0.0.1:9")
	for i := range SendQueueLen {
		if err := q.push(q.buffer(10), to); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	// The writer is not running: the queue is full and the next frame is dropped and counted.
	if err := q.push(q.buffer(10), to); !errors.Is(err, ErrSendQueueFull) || q.dropped.Load() != 1 {
		t.Fatalf("push to a full queue: %v, %d dropped", err, q.dropped.Load())
	}
	// The dropped buffer was recycled; a large one is never.
	if len(q.free) != 1 {
		t.Fatalf("%d free buffers, want 1", len(q.free))
	}
	if b := q.buffer(sendBufferSize + 1); cap(b) != sendBufferSize+1 || len(b) != 0 {
		t.Fatalf("large buffer len %d cap %d", len(b), cap(b))
	}
	q.recycle(make([]byte, 0, sendBufferSize+1))
	if b := q.buffer(1); cap(b) != sendBufferSize || len(q.free) != 0 {
		t.Fatalf("recycled buffer cap %d, %d left", cap(b), len(q.free))
	}
}

// TestConnectOverUDP runs two nodes over real UDP sockets, so that the batched read loop and
// batched writes (recvmmsg, sendmmsg and, where the kernel has it, segmentation offload) carry the
// handshake, a burst of pings and a datagram.
func TestConnectOverUDP(t *testing.T) {
	h := newHarness(t)
	listen := func() *transport.UDPConn {
		c, err := transport.ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ca, cb := listen(), listen()
	a := h.member("alpha", ca.LocalAddr().String(), h.ca)
	b := h.member("beta", cb.LocalAddr().String(), h.ca)
	rb := h.start(b, func(o *Options) { o.Conn = cb })
	ra := h.start(a, func(o *Options) { o.Conn = ca }, b)
	eventually(t, "both up", 10*time.Second, func() bool {
		return peerState(ra.n, "beta") == "up" && peerState(rb.n, "alpha") == "up"
	})
	res, err := ra.n.Ping(context.Background(), api.PingRequest{Peer: "beta", Count: 300, Size: 1200, Window: 64, Timeout: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Received < res.Sent*9/10 || res.Corrupted != 0 {
		t.Fatalf("ping over UDP: %+v", res)
	}
	if err := ra.n.Send(b.id.ID(), []byte("over udp")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-b.got:
		if string(got) != "over udp" {
			t.Fatalf("got %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("datagram not delivered")
	}
	ra.stop(t)
	rb.stop(t)
}
