package transport

// MaxDatagramSize is the largest datagram WriteTo accepts and the buffer size ReadFrom callers
// should use: the largest value of the UDP length field. Real paths carry less (IPv4 limits a
// UDP payload to 65507 bytes), and the kernel refuses what does not fit with its own error.
const MaxDatagramSize = 65535
