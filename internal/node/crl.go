package node

import (
	"fmt"
	"os"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// fileStamp remembers what the revocation list file looked like when it was last loaded.
type fileStamp struct {
	checked time.Time
	modTime time.Time
	size    int64
}

// reloadRevocationList loads the revocation list file when it changed since the last load (or always
// when force is set), installs it in the verifier, and drops sessions of peers it revokes. A list that
// fails to load or is older than the current one is refused and the current one stays in force.
// Called with n.mu held, or before Run.
func (n *Node) reloadRevocationList(now time.Time, force bool) error {
	path := n.opt.RevocationListPath
	n.crl.checked = now
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("node: revocation list: %w", err)
	}
	if !force && fi.ModTime().Equal(n.crl.modTime) && fi.Size() == n.crl.size {
		return nil
	}
	crl, err := identity.LoadRevocationList(path)
	if err != nil {
		return fmt.Errorf("node: revocation list: %w", err)
	}
	if err := n.verifier.SetRevocationList(crl); err != nil {
		return fmt.Errorf("node: revocation list %s: %w", path, err)
	}
	n.crl.modTime, n.crl.size = fi.ModTime(), fi.Size()
	n.log.Info("revocation list loaded", "path", path, "number", crl.Number, "revoked", len(crl.Serials))
	for _, p := range n.allPeers() {
		if p.cert == nil {
			continue
		}
		if _, err := n.verifier.Verify(p.cert.Raw, now); err != nil {
			n.log.Warn("rejected peer", "peer", p.id.Short(), "addr", p.addr.String(), "reason", err.Error())
			n.markDown(now, p, "certificate no longer valid")
			n.dropAll(p)
			p.cert = nil
			p.nextAttempt = now.Add(HandshakeRetryInterval)
		}
	}
	return nil
}
