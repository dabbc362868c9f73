// Package chartcheck validates rendered Kubernetes manifests offline, without a cluster: it splits
// a multi-document YAML stream such as the output of `helm template` (Split), decodes every
// document strictly into the typed struct of its kind from k8s.io/api (Decode: unknown fields,
// duplicate keys, case-mismatched keys and type errors are refused, as a strict API server
// would), and checks the project's policy on what it decoded (Policy.Check): every container
// runs as non-root on a read-only root filesystem with all capabilities dropped, without
// privilege escalation, with resources set, probes on long-running containers and its image
// pinned by digest.
//
// ServiceMonitor (monitoring.coreos.com/v1) is a custom resource whose Go types live in the
// Prometheus operator, not in k8s.io/api. chartcheck registers a minimal ServiceMonitor type that
// models only the fields this project's chart renders, so that a typo or an unexpected field in
// it is refused like in any other kind, and checks its structure: at least one endpoint, each
// naming a port of a Service in the same stream that its selector matches, with durations in the
// operator's format.
//
// The command in cmd/chartcheck runs all three steps over files or standard input.
package chartcheck
