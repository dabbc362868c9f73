package stream

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
)

// serve accepts connections from l until ctx ends or l fails, running at most max handlers at
// once; at the end it closes l and the connections still open and waits for the handlers.
func serve(ctx context.Context, l net.Listener, max int, handle func(context.Context, net.Conn)) error {
	if max <= 0 {
		max = DefaultMaxConns
	}
	max = min(max, MaxConnsLimit)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	sem := make(chan struct{}, max)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		c, err := l.Accept()
		if err != nil {
			<-sem
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Go(func() {
			defer func() { <-sem }()
			defer c.Close()
			stop := context.AfterFunc(ctx, func() { c.Close() })
			defer stop()
			handle(ctx, c)
		})
	}
}

// closeWriter is a connection whose sending direction closes alone (*net.TCPConn, *Conn).
type closeWriter interface{ CloseWrite() error }

// relay copies both ways between a and b, passing on half-closes, until both directions end or
// ctx does; it closes both.
func relay(ctx context.Context, a, b net.Conn) {
	stop := context.AfterFunc(ctx, func() { a.Close(); b.Close() })
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { pipe(b, a) })
	pipe(a, b)
	wg.Wait()
	a.Close()
	b.Close()
}

// pipe copies src to dst; at src's end it half-closes dst, on an error it closes both.
func pipe(dst, src net.Conn) {
	buf := make([]byte, relayBufferSize)
	_, err := io.CopyBuffer(dst, onlyReader{src}, buf)
	if cw, ok := dst.(closeWriter); ok && err == nil {
		if cw.CloseWrite() == nil {
			return
		}
	}
	dst.Close()
	src.Close()
}

// onlyReader hides WriterTo so that CopyBuffer uses the buffer.
type onlyReader struct{ io.Reader }

func discardLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
