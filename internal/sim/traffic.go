package sim

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// Send sends an application datagram of size bytes (at least
// MinDatagramSize) from node src to node dst with Core.Send: it travels on
// an end-to-end session, which the Cores set up on first use. Its first 8
// bytes number it, so that its delivery can be counted.
func (s *Sim) Send(src, dst, size int) error {
	_, err := s.send(src, dst, size, nil)
	return err
}

func (s *Sim) send(src, dst, size int, f *Flow) (uint64, error) {
	if err := s.checkNode(src); err != nil {
		return 0, err
	}
	if err := s.checkNode(dst); err != nil {
		return 0, err
	}
	switch {
	case src == dst:
		return 0, fmt.Errorf("%w: node %d sends to itself", ErrNodeState, src)
	case s.nodes[src].core == nil:
		return 0, fmt.Errorf("%w: sender %d is down", ErrNodeState, src)
	case size < MinDatagramSize || size > maxDatagram:
		return 0, fmt.Errorf("%w: DatagramSize: %d is outside [%d, %d]", ErrInvalidOptions, size, MinDatagramSize, maxDatagram)
	}
	num := s.next
	s.next++
	data := make([]byte, size)
	binary.BigEndian.PutUint64(data, num)
	s.stats.sent++
	if f != nil {
		f.Sent++
	}
	s.logf(src, "send #%d to=%d", num, dst)
	err := s.nodes[src].core.Send(s.now, s.nodes[dst].id, data)
	if err != nil {
		s.stats.sendErrors++
		s.logf(src, "send-error #%d", num)
	} else {
		s.dgram[num] = &sent{src: src, dst: dst, at: s.now, flow: f}
		s.forgetLost()
	}
	s.flush(src)
	return num, err
}

// forgetLost drops the datagrams in flight for longer than LostAfter, once
// there are more than a threshold that doubles with what survives, so the
// cost is amortised and memory stays proportional to the traffic of the last
// LostAfter. A datagram forgotten and delivered later counts as unexpected.
func (s *Sim) forgetLost() {
	if len(s.dgram) < max(s.purgeAt, purgeFloor) {
		return
	}
	for num, m := range s.dgram {
		if s.now.Sub(m.at) > LostAfter {
			delete(s.dgram, num)
		}
	}
	s.purgeAt = 2 * len(s.dgram)
}

// delivered counts a datagram that node i's Core delivered.
func (s *Sim) delivered(i int, d mesh.Datagram) {
	if len(d.Data) < MinDatagramSize {
		s.stats.unexpected++
		return
	}
	num := binary.BigEndian.Uint64(d.Data)
	m, ok := s.dgram[num]
	if !ok || m.dst != i || s.nodes[m.src].id != d.From {
		s.stats.unexpected++
		s.logf(i, "deliver-unexpected #%d", num)
		return
	}
	delete(s.dgram, num)
	lat := s.now.Sub(m.at)
	s.stats.delivered++
	s.stats.latencySum += lat
	s.stats.latencyMax = max(s.stats.latencyMax, lat)
	s.logf(i, "deliver #%d from=%d", num, m.src)
	if s.onDeliver != nil {
		s.onDeliver(Delivery{Num: num, Src: m.src, Dst: i, Sent: m.at.Sub(s.start), At: s.now.Sub(s.start)})
	}
	if f := m.flow; f != nil {
		f.Delivered++
		if !f.LastDelivery.IsZero() {
			if gap := s.now.Sub(f.LastDelivery); gap > f.MaxGap {
				f.MaxGap, f.MaxGapEnd = gap, s.now.Sub(s.start)
			}
		}
		f.LastDelivery = s.now
	}
}

// Flow is a stream of datagrams sent from Src to Dst every Interval; it
// measures outages as the longest gap between two deliveries.
type Flow struct {
	// Src, Dst and Interval describe the flow.
	Src, Dst int
	Interval time.Duration
	// Sent and Delivered count datagrams.
	Sent, Delivered uint64
	// LastDelivery is the virtual time of the last delivery (zero: none).
	LastDelivery time.Time
	// MaxGap is the longest time between two consecutive deliveries, and
	// MaxGapEnd when (since the start) that gap ended.
	MaxGap, MaxGapEnd time.Duration

	stopped bool
}

// Stop stops sending on the flow.
func (f *Flow) Stop() { f.stopped = true }

// StartFlow sends a size-byte datagram from src to dst now and every
// interval after it, while src is running, until Stop.
func (s *Sim) StartFlow(src, dst int, interval time.Duration, size int) (*Flow, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("%w: flow interval %v is not positive", ErrInvalidOptions, interval)
	}
	f := &Flow{Src: src, Dst: dst, Interval: interval}
	if _, err := s.send(src, dst, size, f); err != nil {
		return nil, err
	}
	s.flows = append(s.flows, f)
	var tick func()
	tick = func() {
		if f.stopped {
			return
		}
		if s.nodes[src].core != nil {
			_, _ = s.send(src, dst, size, f) // counted in Sent; a failure is a loss
		}
		s.at(s.now.Add(interval), tick)
	}
	s.at(s.now.Add(interval), tick)
	return f, nil
}
