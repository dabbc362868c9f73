// Package camo is a transport.Conn that carries the mesh's datagrams inside TLS 1.3 connections
// which look, to a network observer and to an active prober, like ordinary HTTPS.
//
// A Conn listens on a TCP address and dials peers on the first WriteTo to their address. A client
// offers ALPN "h2" and "http/1.1", sends a configured server name (SNI) and negotiates TLS 1.3 with
// the hybrid X25519MLKEM768 key exchange first. Inside TLS it sends an ordinary-looking HTTP/1.1
// GET request whose session cookie is an authentication token: an HMAC, under a key derived from
// the network's camouflage key, over a timestamp, a random nonce and the client's listening port.
// The server accepts a token once (replay cache) and only within MaxClockSkew of its clock; it
// then answers with 101 Switching Protocols and a cookie that proves it holds the key too, and the
// connection carries datagrams:
//
//   - ModeTLS: each datagram is a 2-byte big-endian length and the datagram (frame.go);
//   - ModeWebSocket: each datagram is one binary WebSocket message (RFC 6455, through
//     github.com/coder/websocket), which passes HTTP proxies and CDNs that understand WebSocket.
//
// A client that does not authenticate — a browser, an active prober, a wrong key, a replayed or
// stale token, plain HTTP, bytes that are not TLS — gets what a web server would give it: the
// configured decoy (a static page or a reverse proxy to a real site, served by net/http over
// HTTP/1.1 or HTTP/2), the Go HTTPS server's "400 Bad Request" for plain HTTP, or the TLS stack's
// own alert for garbage. Nothing on the wire names the mesh.
//
// Camouflage is not authentication of peers: the mesh's own post-quantum handshake (package
// handshake) still runs inside and authenticates nodes. The camouflage key only decides who is
// served the mesh instead of the decoy. The TLS certificate is X.509 (operator-provided or
// self-signed at start), unrelated to the mesh's identity certificates, and clients do not verify
// it unless Config.VerifyServer is set.
//
// Datagram semantics are kept: WriteTo never blocks on the network. Each peer has a bounded send
// queue drained by one goroutine that dials (through an optional HTTP CONNECT proxy) with
// exponential backoff; a datagram that finds the queue full, or a peer in backoff, is dropped and
// counted (Stats). Received datagrams wait in one bounded queue for ReadFrom; overflow is dropped
// and counted. Unauthenticated connections are limited in number (Config.MaxPending) and in time
// (Config.HandshakeTimeout), so a flood of connections costs bounded memory.
//
// Addresses: a datagram read from a connection this Conn dialled comes from the address it
// dialled. One read from an accepted connection comes from the client's IP address and the port
// its token announces: its listening port for a direct ModeTLS client, so that replies reuse the
// connection and, after it breaks, can be sent by dialling the client back; the connection's
// source port for a WebSocket or proxied client, whose IP address as the server sees it may be a
// CDN's or a proxy's, shared with other clients. Replies to such a client reuse its connection;
// once that breaks, the client dials again on its next datagram and appears at a new address,
// which the mesh treats as a peer that moved.
package camo
