package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// KnowledgeBackend is what the knowledge backup endpoint needs from a node. A Backend that also
// implements it serves GET /api/v1/knowledge/backup; others answer 501.
type KnowledgeBackend interface {
	// BackupKnowledge writes a consistent copy of the node's knowledge file (a complete bbolt
	// store) to w and returns the bytes written. It returns an error wrapping ErrNotFound when
	// the node keeps its knowledge in memory only, and ErrUnavailable when self-healing is off.
	BackupKnowledge(w io.Writer) (int64, error)
}

// backupKnowledge streams the node's knowledge file. The copy is taken in one read transaction of
// the store, so the node keeps writing meanwhile.
func (s *server) backupKnowledge(w http.ResponseWriter, r *http.Request) {
	kb, ok := s.b.(KnowledgeBackend)
	if !ok {
		s.fail(w, r, http.StatusNotImplemented, fmt.Errorf("this node has no knowledge file to back up"))
		return
	}
	cw := &countingWriter{w: w, header: func() {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Disposition", `attachment; filename="knowledge.db"`)
		w.WriteHeader(http.StatusOK)
	}}
	if _, err := kb.BackupKnowledge(cw); err != nil {
		if cw.n == 0 {
			s.fail(w, r, statusOf(err), err)
			return
		}
		// The status line is gone: cut the body short, so the client sees a failed
		// transfer rather than a truncated file that looks complete.
		s.opt.Logger.Error("knowledge backup failed mid-stream", "bytes", cw.n, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// countingWriter sends the response header before the first byte and counts the bytes.
type countingWriter struct {
	w      io.Writer
	header func()
	n      int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.n == 0 && len(p) > 0 {
		c.header()
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// BackupKnowledge downloads a consistent copy of the node's knowledge file into w and returns the
// bytes written. Unlike the JSON calls it does not bound the size: the file is bounded by the
// store's retention limits.
func (c *Client) BackupKnowledge(ctx context.Context, w io.Writer) (int64, error) {
	const path = "/api/v1/knowledge/backup"
	resp, err := c.send(ctx, http.MethodGet, path, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, responseError(http.MethodGet, path, resp)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("api: reading %s: %w", path, err)
	}
	return n, nil
}
