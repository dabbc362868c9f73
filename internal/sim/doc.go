// Package sim is a deterministic, single-process simulator of an x0tta6bl4
// mesh: many nodes, each running the real mesh.Core (link probing, routing,
// end-to-end hybrid post-quantum handshakes and sessions), connected by a
// virtual network on a virtual clock.
//
// Only the network and the clock are simulated. Links have latency, jitter,
// loss and bandwidth (serialisation delay by payload size); links can be cut
// and healed, the node set split in two, and nodes crashed, shut down and
// restarted. Hop-by-hop encryption is the node runtime's job and is not
// simulated: payloads from Core.Outbox are handed to the neighbour's
// Core.Receive as they are.
//
// Every behavioural choice (topology, jitter, loss, traffic, fault targets,
// the Cores' timer jitter and the node identities) comes from one seed,
// split per purpose, so a run is reproducible: the same Options give the
// same event log byte for byte. End-to-end key material (ephemeral keys,
// session keys) is truly random; the log never contains key or ciphertext
// bytes.
//
// Fault hooks go beyond crashes and cuts: a grayhole relay, a handshake
// flood from a virtual attacker and a flapping link. With Options.Healing
// every node also runs its self-healing agent (internal/heal) on virtual
// time; internal/chaos builds fault scenarios on top.
//
// Run executes the standard scenario (converge, then random traffic) and
// returns a Report; New and the Sim methods drive a simulation step by step.
package sim
