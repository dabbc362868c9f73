package handshake

import (
	"fmt"
	"net/netip"
	"time"
)

// packetize returns msg as one datagram to addr, or as Fragments when it is longer than
// MaxDatagramSize. The message ID is random.
func (m *Machine) packetize(to netip.AddrPort, msg []byte) ([]Datagram, error) {
	if len(msg) <= m.lim.MaxDatagramSize {
		return []Datagram{{To: to, Data: msg}}, nil
	}
	id, err := m.randUint32()
	if err != nil {
		return nil, err
	}
	return splitMessage(to, msg, id, m.lim.MaxDatagramSize-FragmentHeaderSize), nil
}

// splitMessage cuts msg into Fragments of at most chunk payload bytes each. The caller ensures
// that the count fits in a byte (New checks MaxMessageSize against MaxFragments).
func splitMessage(to netip.AddrPort, msg []byte, id uint32, chunk int) []Datagram {
	count := (len(msg) + chunk - 1) / chunk
	out := make([]Datagram, 0, count)
	for i := range count {
		end := min((i+1)*chunk, len(msg))
		f := fragment{index: uint8(i), count: uint8(count), id: id, payload: msg[i*chunk : end]}
		out = append(out, Datagram{To: to, Data: f.marshal()})
	}
	return out
}

type reassemblyKey struct {
	src netip.AddrPort
	id  uint32
}

// reassembly is one message being reassembled.
type reassembly struct {
	seq     uint64 // creation order, for eviction
	created time.Time
	parts   [][]byte // by index; nil until received
	have    int      // parts received
	size    int      // bytes received
}

// reassembler collects Fragments into messages within strict limits on the number of messages,
// per source and in total, and on their size and age.
type reassembler struct {
	maxMessage, maxFragments, maxEntries, maxPerSource int
	timeout                                            time.Duration

	entries   map[reassemblyKey]*reassembly
	perSource map[netip.AddrPort]int
	seq       uint64
	bytes     int
}

func newReassembler(l *Limits) *reassembler {
	return &reassembler{
		maxMessage:   l.MaxMessageSize,
		maxFragments: l.MaxFragments,
		maxEntries:   l.MaxReassemblies,
		maxPerSource: l.MaxReassembliesPerSource,
		timeout:      l.ReassemblyTimeout,
		entries:      make(map[reassemblyKey]*reassembly),
		perSource:    make(map[netip.AddrPort]int),
	}
}

// add adds one Fragment from src. It returns the whole message when f completes it, nil when
// more Fragments are needed or f is a duplicate, and an error wrapping ErrFragment when f is
// refused.
func (r *reassembler) add(now time.Time, src netip.AddrPort, f *fragment) ([]byte, error) {
	count := int(f.count)
	switch {
	case count < 2 || count > r.maxFragments:
		return nil, fmt.Errorf("%w: count %d is outside [2, %d]", ErrFragment, count, r.maxFragments)
	case int(f.index) >= count:
		return nil, fmt.Errorf("%w: index %d of %d", ErrFragment, f.index, count)
	case len(f.payload) > r.maxMessage:
		return nil, fmt.Errorf("%w: %d-byte payload exceeds the message size limit", ErrFragment, len(f.payload))
	}
	r.expire(now)
	key := reassemblyKey{src, f.id}
	e := r.entries[key]
	if e == nil {
		if r.perSource[src] >= r.maxPerSource {
			r.evictOldest(func(k reassemblyKey) bool { return k.src == src })
		}
		if len(r.entries) >= r.maxEntries {
			r.evictOldest(func(reassemblyKey) bool { return true })
		}
		r.seq++
		e = &reassembly{seq: r.seq, created: now, parts: make([][]byte, count)}
		r.entries[key] = e
		r.perSource[src]++
	}
	switch {
	case len(e.parts) != count:
		r.drop(key)
		return nil, fmt.Errorf("%w: count %d contradicts %d", ErrFragment, count, len(e.parts))
	case e.parts[f.index] != nil:
		return nil, nil // duplicate
	case e.size+len(f.payload) > r.maxMessage:
		r.drop(key)
		return nil, fmt.Errorf("%w: message exceeds %d bytes", ErrFragment, r.maxMessage)
	}
	e.parts[f.index] = append([]byte{}, f.payload...)
	e.have++
	e.size += len(f.payload)
	r.bytes += len(f.payload)
	if e.have < count {
		return nil, nil
	}
	msg := make([]byte, 0, e.size)
	for _, p := range e.parts {
		msg = append(msg, p...)
	}
	r.drop(key)
	return msg, nil
}

func (r *reassembler) drop(key reassemblyKey) {
	e := r.entries[key]
	if e == nil {
		return
	}
	r.bytes -= e.size
	delete(r.entries, key)
	if r.perSource[key.src]--; r.perSource[key.src] == 0 {
		delete(r.perSource, key.src)
	}
}

// evictOldest drops the oldest entry whose key matches.
func (r *reassembler) evictOldest(match func(reassemblyKey) bool) {
	var oldest reassemblyKey
	var seq uint64
	for k, e := range r.entries {
		if match(k) && (seq == 0 || e.seq < seq) {
			oldest, seq = k, e.seq
		}
	}
	if seq != 0 {
		r.drop(oldest)
	}
}

// expire drops the reassemblies older than the timeout.
func (r *reassembler) expire(now time.Time) {
	for k, e := range r.entries {
		if now.Sub(e.created) >= r.timeout {
			r.drop(k)
		}
	}
}

// deadline returns when the oldest reassembly expires, or the zero time.
func (r *reassembler) deadline() time.Time {
	var d time.Time
	for _, e := range r.entries {
		if t := e.created.Add(r.timeout); d.IsZero() || t.Before(d) {
			d = t
		}
	}
	return d
}
