// Package mapek is the self-healing control loop of a node: Monitor →
// Analyze → Plan → Execute over a Knowledge base (MAPE-K).
//
// The package is pure: it has no goroutines, no clock and no I/O. The
// runtime (internal/node, or the simulator) fills a Snapshot of its
// telemetry once per period and calls Loop.Step with the current time. Step
// runs the four stages once:
//
//   - Monitor appends the Snapshot to bounded per-neighbour and per-node
//     windows (Config.Window, 60 s by default, in WindowSize and
//     NodeWindowSize time slots) and derives smoothed values and counter
//     rates. Every rule is defined in time, so its meaning does not depend
//     on the loop period.
//   - Analyze runs the rules (dead, degraded and flapping links, suspected
//     partition, overload, misbehaving relays, forged traffic, handshake
//     floods, blocked transports) and produces Symptoms with their evidence.
//     An optional Scorer (the GraphSAGE model later) may decide link
//     anomalies; the rules remain the fallback and every Symptom records
//     which one decided.
//   - Plan maps Symptoms to Actions through a policy table (an escalation
//     ladder per symptom kind), subject to per-subject cooldowns, BGP-style
//     flap damping and a global action budget per window.
//   - Execute applies Actions through an Actuator, then verifies each one
//     VerifyAfter later: a symptom that persists escalates to the next rung
//     of the ladder, an outcome that is worse by the symptom's metric than
//     its peak before the action is rolled back through Actuator.Undo.
//     Actions that divert traffic (RaiseCost, Quarantine) or cut handshake
//     work (RateLimitHandshakes against a flood) are judged by that instead,
//     and never rolled back.
//
// Incidents track each (symptom kind, subject) from detection through
// mitigation to resolution; MTTDStats and MTTRStats summarise them. Every
// decision is returned as an AuditRecord so that the caller (internal/store)
// can persist a Step's records in one transaction.
//
// Step is deterministic: the same Config, sequence of times and Snapshots
// and the same Actuator and Scorer answers give the same StepResults. A Loop
// is not safe for concurrent use.
package mapek
