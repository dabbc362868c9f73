package transport

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
)

// batchState is the reusable golang.org/x/net message array of one direction, so that a batch
// costs no allocation for headers, iovecs, control messages or (when writing) addresses.
type batchState struct {
	msgs   []ipv4.Message
	iov    [][]byte            // the datagram buffers; each message takes a run of them
	counts []int               // datagrams in each message
	oob    [][]byte            // each message's control message buffer, gsoSpace bytes
	addrs  []net.UDPAddr       // destinations
	ips    [][net.IPv6len]byte // backing arrays of the destinations' IPs
}

// prepare returns MaxBatchSize messages.
func (s *batchState) prepare() []ipv4.Message {
	if s.msgs == nil {
		s.msgs = make([]ipv4.Message, MaxBatchSize)
		s.iov = make([][]byte, MaxBatchSize)
		s.counts = make([]int, MaxBatchSize)
		s.oob = make([][]byte, MaxBatchSize)
		s.addrs = make([]net.UDPAddr, MaxBatchSize)
		s.ips = make([][net.IPv6len]byte, MaxBatchSize)
		for i := range s.oob {
			s.oob[i] = make([]byte, gsoSpace)
		}
	}
	return s.msgs
}

// release drops the references to the caller's buffers and the kernel's addresses.
func (s *batchState) release() {
	clear(s.iov)
	for i := range s.msgs {
		s.msgs[i] = ipv4.Message{}
	}
}

// setAddr returns the address of message i, to, without allocating.
func (s *batchState) setAddr(i int, to netip.AddrPort) *net.UDPAddr {
	ip := to.Addr()
	s.ips[i] = ip.As16()
	a := &s.addrs[i]
	if ip.Is4() {
		a.IP = s.ips[i][12:16]
	} else {
		a.IP = s.ips[i][:]
	}
	a.Port, a.Zone = int(to.Port()), ip.Zone()
	return a
}

// ReadBatch implements BatchConn.
func (u *UDPConn) ReadBatch(ms []Message) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	if len(ms) > MaxBatchSize {
		ms = ms[:MaxBatchSize]
	}
	u.rmu.Lock()
	defer u.rmu.Unlock()
	xm := u.rb.prepare()[:len(ms)]
	defer u.rb.release()
	for i := range xm {
		u.rb.iov[i] = ms[i].Buf
		xm[i].Buffers = u.rb.iov[i : i+1 : i+1]
	}
	n, err := u.xc.ReadBatch(xm, 0)
	if err != nil {
		return 0, wrap("read", err)
	}
	for i := range n {
		ms[i].N = xm[i].N
		ms[i].Addr = netip.AddrPort{}
		if a, ok := xm[i].Addr.(*net.UDPAddr); ok {
			ap := a.AddrPort()
			ms[i].Addr = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
	}
	return n, nil
}

// WriteBatch implements BatchConn.
func (u *UDPConn) WriteBatch(ms []Message) (int, error) {
	u.wmu.Lock()
	defer u.wmu.Unlock()
	sent := 0
	for sent < len(ms) {
		n, err := u.writeRun(ms[sent:], u.gso.Load())
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// writeRun sends up to MaxBatchSize datagrams from the front of ms with one system call and
// returns how many went out. With gso, each run of datagrams of one size (the last may be
// shorter) to one destination goes to the kernel as a single offloaded buffer. The run of
// datagrams ends before an invalid datagram and, on an IPv6 socket, before an IPv4 destination,
// which the standard library sends singly as an IPv4-mapped address (golang.org/x/net would encode
// it as an IPv4 socket address the kernel refuses). An error is the error of ms[n].
func (u *UDPConn) writeRun(ms []Message, gso bool) (int, error) {
	s := &u.wb
	xm := s.prepare()
	defer s.release()
	used, j := 0, 0 // datagrams placed, messages built
	for used < len(ms) && used < MaxBatchSize {
		to, err := checkWrite(ms[used].Buf, ms[used].Addr)
		if err != nil {
			if used == 0 {
				return 0, err
			}
			break
		}
		if u.v6 && to.Addr().Is4() {
			if used > 0 {
				break
			}
			if _, err := u.c.WriteToUDPAddrPort(ms[0].Buf, to); err != nil {
				return 0, wrap("write", err)
			}
			return 1, nil
		}
		seg := len(ms[used].Buf)
		g := 1
		if gso && seg > 0 && seg <= gsoMaxSegment {
			g = gsoRun(ms[used:min(len(ms), MaxBatchSize)], to, seg)
		}
		for k := range g {
			s.iov[used+k] = ms[used+k].Buf
		}
		xm[j].Buffers = s.iov[used : used+g : used+g]
		xm[j].OOB = nil
		if g > 1 {
			xm[j].OOB = gsoControl(s.oob[j], seg)
		}
		xm[j].Addr = s.setAddr(j, to)
		s.counts[j] = g
		used += g
		j++
	}
	n, err := u.xc.WriteBatch(xm[:j], 0)
	n = max(n, 0)
	sent := 0
	for _, c := range s.counts[:n] {
		sent += c
	}
	if err == nil {
		return sent, nil
	}
	if g := s.counts[n]; g > 1 {
		// The kernel or the device refused the offload (EIO without checksum offload, EINVAL for
		// segments above the path MTU): send without it from now on, starting with this run.
		u.gso.Store(false)
		k, err := u.writeRun(ms[sent:sent+g], false)
		return sent + k, err
	}
	return sent, wrap("write", err)
}

// gsoRun returns how many datagrams from the front of ms (ms[0] is valid, of seg bytes, for to)
// one offloaded buffer can carry: same destination, none longer than seg, only the last shorter.
func gsoRun(ms []Message, to netip.AddrPort, seg int) int {
	g, total := 1, seg
	for g < len(ms) && g < gsoMaxSegments {
		m := ms[g]
		l := len(m.Buf)
		if l == 0 || l > seg || total+l > gsoMaxBytes || netip.AddrPortFrom(m.Addr.Addr().Unmap(), m.Addr.Port()) != to {
			break
		}
		g++
		total += l
		if l < seg {
			break
		}
	}
	return g
}
