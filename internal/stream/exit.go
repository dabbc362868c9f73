package stream

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// ExitServer runs on an exit node: it accepts streams on ExitPort, reads the exit request, checks
// Allow, dials the destination and relays bytes.
type ExitServer struct {
	// Allow is the exit policy; the zero Policy refuses everything.
	Allow Policy
	// MaxConns bounds concurrent connections; zero means DefaultMaxConns.
	MaxConns int
	// Logger receives one line per refused or failed request; nil discards them.
	Logger *slog.Logger
}

// Serve handles the streams of l (usually Endpoint.Listen(ExitPort)) until ctx ends or l fails.
func (s *ExitServer) Serve(ctx context.Context, l net.Listener) error {
	if err := s.Allow.check(); err != nil {
		l.Close()
		return err
	}
	log := discardLogger(s.Logger)
	return serve(ctx, l, s.MaxConns, func(ctx context.Context, c net.Conn) {
		c.SetReadDeadline(time.Now().Add(HeaderTimeout))
		t, err := readExitRequest(c)
		if err != nil {
			log.Debug("exit: bad request", "from", c.RemoteAddr().String(), "err", err)
			c.Write([]byte{ExitVersion, ReplyAddressNotSupported})
			return
		}
		c.SetReadDeadline(time.Time{})
		dst, code, err := s.Allow.dial(ctx, t)
		if _, werr := c.Write([]byte{ExitVersion, code}); err != nil || werr != nil {
			log.Info("exit: refused", "from", c.RemoteAddr().String(), "target", t.String(), "code", code, "err", err)
			if dst != nil {
				dst.Close()
			}
			return
		}
		relay(ctx, c, dst)
	})
}

// dialExit opens a stream to the exit node, sends the exit request and waits for the reply. On
// failure it returns the reply code to pass on to a SOCKS5 client.
func dialExit(ctx context.Context, e *Endpoint, exit identity.NodeID, t Target) (*Conn, byte, error) {
	req, err := marshalExitRequest(t)
	if err != nil {
		return nil, ReplyAddressNotSupported, err
	}
	ctx, cancel := context.WithTimeout(ctx, HandshakeTimeout+DialTimeout)
	defer cancel()
	c, err := e.Dial(ctx, exit, ExitPort)
	if err != nil {
		return nil, ReplyNetworkUnreachable, err
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	if _, err := c.Write(req); err != nil {
		c.Close()
		return nil, ReplyGeneralFailure, fmt.Errorf("stream: exit request: %w", err)
	}
	code, err := readExitReply(c)
	if err == nil {
		err = replyError(code)
	}
	if !stop() && err == nil {
		err = ctx.Err() // the deadline fired: the stream is unusable
	}
	if err != nil {
		c.Close()
		return nil, code, err
	}
	c.SetDeadline(time.Time{})
	return c, ReplySucceeded, nil
}
