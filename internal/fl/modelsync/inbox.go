package modelsync

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
)

// inboxKey identifies one state of an inbox file: a file rewritten in place is offered again.
type inboxKey struct {
	name    string
	size    int64
	modTime time.Time
}

// scanInbox offers the inbox's *.record files not offered before, in name order, at most
// MaxInboxFiles per round. Files are never changed or removed; a file that does not parse is
// counted as malformed.
func (s *Syncer) scanInbox() {
	entries, err := os.ReadDir(s.cfg.Inbox)
	if err != nil {
		s.log.Warn("model inbox unreadable", "dir", s.cfg.Inbox, "err", err)
		return
	}
	offered := 0
	for _, e := range entries {
		if offered >= MaxInboxFiles {
			return
		}
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, InboxSuffix) || strings.HasPrefix(name, ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		k := inboxKey{name: name, size: info.Size(), modTime: info.ModTime()}
		s.mu.Lock()
		seen := s.seen[k]
		if !seen {
			if len(s.seen) >= MaxInboxSeen {
				clear(s.seen)
			}
			s.seen[k] = true
		}
		s.mu.Unlock()
		if seen {
			continue
		}
		offered++
		path := filepath.Join(s.cfg.Inbox, name)
		r, err := registry.LoadRecordFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			s.mu.Lock()
			s.counts[OutcomeMalformed]++
			s.mu.Unlock()
			s.log.Warn("model inbox file refused", "path", path, "reason", OutcomeMalformed, "err", err)
			continue
		}
		_ = s.Offer(r, "inbox "+path)
	}
}
