package transport

import "net/netip"

// Message is one datagram of a batch. For ReadBatch the caller sets Buf (MaxDatagramSize bytes
// for datagrams of any size) and the call sets N and Addr; for WriteBatch the caller sets Buf,
// the whole datagram, and Addr, its destination. N is unused by WriteBatch.
type Message struct {
	// Buf is the datagram (WriteBatch) or the buffer it is read into (ReadBatch).
	Buf []byte
	// N is the length of the datagram read into Buf; a longer datagram was truncated to len(Buf).
	N int
	// Addr is the source (ReadBatch) or destination (WriteBatch) address.
	Addr netip.AddrPort
}

// BatchConn is a Conn that moves several datagrams per system call where the platform allows
// (recvmmsg and sendmmsg on Linux). It is optional: callers test for it with a type assertion and
// fall back to ReadFrom and WriteTo.
type BatchConn interface {
	Conn

	// ReadBatch blocks until at least one datagram arrives, then fills ms[:n] with the datagrams
	// already waiting, at most MaxBatchSize, and returns n. Sources are unmapped as in ReadFrom.
	// An error wraps ErrClosed after Close, as ReadFrom's does.
	ReadBatch(ms []Message) (n int, err error)

	// WriteBatch sends ms in order, each Buf as one datagram to its Addr, and returns how many
	// were sent. It stops at the first datagram that cannot be sent: then n < len(ms) and err is
	// the error for ms[n] (ErrTooLarge, ErrInvalidAddr, ErrClosed or the kernel's), so the caller
	// may skip that one and send ms[n+1:]. No Buf is retained after WriteBatch returns.
	WriteBatch(ms []Message) (n int, err error)
}

// checkWrite validates a datagram for WriteTo and WriteBatch and returns its destination with an
// IPv4-mapped address unmapped.
func checkWrite(b []byte, to netip.AddrPort) (netip.AddrPort, error) {
	if len(b) > MaxDatagramSize {
		return to, tooLarge(len(b))
	}
	if !to.IsValid() || to.Port() == 0 {
		return to, invalidDest(to)
	}
	return netip.AddrPortFrom(to.Addr().Unmap(), to.Port()), nil
}
