// Package stream carries reliable byte streams between mesh nodes and builds a SOCKS5 proxy and
// TCP port forwarding on them.
//
// The layers, bottom up:
//
//   - Mux shares a node's datagram API (node.Node.Send and Options.OnDatagram) between several
//     users: every datagram starts with a 1-byte protocol tag and a 2-byte port, and
//     Mux.ListenPacket returns a net.PacketConn per port whose addresses are Addr values (node ID
//     and port).
//   - Endpoint runs QUIC (github.com/quic-go/quic-go) over one such PacketConn. Dial and Listen give
//     streams that implement net.Conn; a 2-byte stream port in front of each QUIC stream selects
//     the Listener.
//   - SOCKSServer (RFC 1928, CONNECT only) and Forward accept local TCP connections and carry them
//     over a stream to an exit node, where ExitServer checks a default-deny Policy and dials the
//     destination.
//
// The mesh session already authenticates and encrypts every datagram between the two node IDs;
// QUIC's TLS 1.3 is only a transport requirement here (see docs/streams.md).
package stream
