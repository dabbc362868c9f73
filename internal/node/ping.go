package node

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// echoHeader is the size of an echo body's header: ping ID u32 and sequence number u32.
const echoHeader = 8

// pingTable tracks the pings in progress.
type pingTable struct {
	mu     sync.Mutex
	nextID uint32
	active map[uint32]*pingState
}

type pingState struct {
	peer    identity.NodeID
	size    int
	sentAt  []time.Time
	seen    []bool
	replies chan struct{}
	res     api.PingResult
	rtt     time.Duration
}

func (t *pingTable) start(peer identity.NodeID, count, size int) (uint32, *pingState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active == nil {
		t.active = make(map[uint32]*pingState)
	}
	t.nextID++
	st := &pingState{peer: peer, size: size, sentAt: make([]time.Time, count), seen: make([]bool, count), replies: make(chan struct{}, count)}
	t.active[t.nextID] = st
	return t.nextID, st
}

func (t *pingTable) finish(id uint32) {
	t.mu.Lock()
	delete(t.active, id)
	t.mu.Unlock()
}

func (t *pingTable) closeAll() {
	t.mu.Lock()
	clear(t.active)
	t.mu.Unlock()
}

// deliver checks one echo reply: its ping and sequence number, the sender and every content byte.
func (t *pingTable) deliver(from identity.NodeID, body []byte, now time.Time) {
	if len(body) < echoHeader {
		return
	}
	id := binary.LittleEndian.Uint32(body)
	seq := binary.LittleEndian.Uint32(body[4:])
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.active[id]
	if st == nil || st.peer != from || int(seq) >= len(st.seen) || st.sentAt[seq].IsZero() {
		return
	}
	if !echoContentOK(id, seq, st.size, body[echoHeader:]) {
		st.res.Corrupted++
		return
	}
	if st.seen[seq] {
		st.res.Duplicated++
		return
	}
	st.seen[seq] = true
	st.res.Received++
	rtt := now.Sub(st.sentAt[seq])
	st.rtt += rtt
	ms := float64(rtt) / float64(time.Millisecond)
	if st.res.RTTMin == 0 || ms < st.res.RTTMin {
		st.res.RTTMin = ms
	}
	st.res.RTTMax = max(st.res.RTTMax, ms)
	st.replies <- struct{}{}
}

// echoBody builds the body of echo request seq of ping id: the header and size content bytes that
// depend on both, so that a reply carrying another echo's bytes is detected as corrupted.
func echoBody(id, seq uint32, size int) []byte {
	b := make([]byte, 1+echoHeader+size)
	b[0] = kindEchoReq
	binary.LittleEndian.PutUint32(b[1:], id)
	binary.LittleEndian.PutUint32(b[5:], seq)
	for i := range size {
		b[1+echoHeader+i] = echoByte(id, seq, i)
	}
	return b
}

func echoByte(id, seq uint32, i int) byte {
	return byte(id*131 + seq*31 + uint32(i)*7 + uint32(i>>8))
}

func echoContentOK(id, seq uint32, size int, content []byte) bool {
	if len(content) != size {
		return false
	}
	for i, c := range content {
		if c != echoByte(id, seq, i) {
			return false
		}
	}
	return true
}

// Ping sends req.Count echo requests to a peer with at most req.Window in flight and reports what came
// back. It implements the API's ping.
func (n *Node) Ping(ctx context.Context, req api.PingRequest) (api.PingResult, error) {
	// A direct peer is pinged on its hop-by-hop session (the link); any other node end to end
	// through the mesh, as a datagram.
	p, peerID, err := n.findPeer(req.Peer)
	if errors.Is(err, api.ErrNotFound) {
		peerID, err = n.findMeshNode(req.Peer)
	}
	if err != nil {
		return api.PingResult{}, err
	}
	send := func(b []byte) error { return n.Send(peerID, b) }
	if p != nil {
		send = func(b []byte) error { return n.sendTo(p, b) }
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(req.Timeout*float64(time.Second)))
	defer cancel()
	id, st := n.pings.start(peerID, req.Count, req.Size)
	defer n.pings.finish(id)
	start := time.Now()
	inflight := 0
	done := false
	for seq := 0; seq < req.Count && !done; seq++ {
		for inflight >= req.Window && !done {
			select {
			case <-st.replies:
				inflight--
			case <-ctx.Done():
				done = true
			}
		}
		if done {
			break
		}
		n.pings.mu.Lock()
		st.sentAt[seq] = time.Now()
		st.res.Sent++
		n.pings.mu.Unlock()
		if err := send(echoBody(id, uint32(seq), req.Size)); err != nil {
			return api.PingResult{}, fmt.Errorf("%w: %v", api.ErrUnavailable, err)
		}
		inflight++
	}
	for inflight > 0 && !done {
		select {
		case <-st.replies:
			inflight--
		case <-ctx.Done():
			done = true
		}
	}
	n.pings.mu.Lock()
	defer n.pings.mu.Unlock()
	res := st.res
	res.Peer = peerID.String()
	res.Lost = res.Sent - res.Received
	res.Seconds = time.Since(start).Seconds()
	if res.Received > 0 {
		res.RTTAvg = float64(st.rtt) / float64(res.Received) / float64(time.Millisecond)
	}
	return res, nil
}

// findPeer resolves a certificate name, a node ID or a unique node ID prefix to a peer with a
// session, and returns it with its ID read under the lock. An exact name or ID wins over prefixes.
func (n *Node) findPeer(key string) (*peer, identity.NodeID, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var exact, prefixed []*peer
	lower := strings.ToLower(key)
	for id, p := range n.peers {
		switch {
		case (p.cert != nil && p.cert.Name == key) || id.String() == lower:
			exact = append(exact, p)
		case strings.HasPrefix(id.String(), lower):
			prefixed = append(prefixed, p)
		}
	}
	matches := exact
	if len(matches) == 0 {
		matches = prefixed
	}
	switch {
	case len(matches) == 0:
		return nil, identity.NodeID{}, fmt.Errorf("%w: no peer %q", api.ErrNotFound, key)
	case len(matches) > 1:
		return nil, identity.NodeID{}, fmt.Errorf("%w: %q matches more than one peer", api.ErrBadRequest, key)
	case matches[0].sessions.Current == nil:
		return nil, identity.NodeID{}, fmt.Errorf("%w: peer %q has no session", api.ErrUnavailable, key)
	}
	return matches[0], matches[0].id, nil
}

// findMeshNode resolves a node ID or a unique node ID prefix to a destination of the routing table.
func (n *Node) findMeshNode(key string) (identity.NodeID, error) {
	lower := strings.ToLower(key)
	n.mu.Lock()
	routes := n.core.Routes()
	n.mu.Unlock()
	var match []identity.NodeID
	for _, r := range routes {
		id := r.Dst.String()
		if !r.Selected || !strings.HasPrefix(id, lower) || lower == "" {
			continue
		}
		if id == lower {
			return r.Dst, nil
		}
		match = append(match, r.Dst)
	}
	switch len(match) {
	case 0:
		return identity.NodeID{}, fmt.Errorf("%w: no peer or reachable node %q", api.ErrNotFound, key)
	case 1:
		return match[0], nil
	}
	return identity.NodeID{}, fmt.Errorf("%w: %q matches more than one node", api.ErrBadRequest, key)
}
