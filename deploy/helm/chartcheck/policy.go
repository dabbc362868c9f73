package chartcheck

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// HookAnnotation marks a Helm hook, such as the test pod; hooks run to completion, so their
// containers need no probes.
const HookAnnotation = "helm.sh/hook"

// digestRef is an image reference pinned by digest: a repository, an optional tag, and
// @sha256: with 64 lowercase hexadecimal digits.
var digestRef = regexp.MustCompile(`^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$`)

// Policy is the project's policy on rendered manifests.
type Policy struct {
	// AllowedCapabilities are the Linux capabilities a container may add; every container must
	// drop ALL, and may add nothing else.
	AllowedCapabilities []string
}

// Finding is one policy violation.
type Finding struct {
	// Object is the offending object.
	Object string
	// Container is the offending container, empty for the object as a whole.
	Container string
	// Problem says what is wrong.
	Problem string
}

// Error implements error; every Finding matches ErrPolicy.
func (f *Finding) Error() string {
	if f.Container != "" {
		return fmt.Sprintf("%s: container %q: %s", f.Object, f.Container, f.Problem)
	}
	return f.Object + ": " + f.Problem
}

// Unwrap makes every Finding match ErrPolicy.
func (f *Finding) Unwrap() error { return ErrPolicy }

// Check applies the policy to the decoded objects of one stream and returns every finding
// joined, or nil:
//   - no two objects share kind, namespace and name;
//   - every pod (of a Pod, StatefulSet, DaemonSet, Deployment, Job or CronJob) sets
//     automountServiceAccountToken false and uses no host network, PID or IPC namespace;
//   - every container and init container: image by digest; runAsNonRoot, a non-zero user and a
//     RuntimeDefault seccomp profile (its own or the pod's); readOnlyRootFilesystem,
//     allowPrivilegeEscalation false, not privileged, drops ALL capabilities and adds only
//     AllowedCapabilities; requests CPU and memory and limits memory;
//   - every container of a long-running pod (not a Helm hook, Job or CronJob) has liveness and
//     readiness probes;
//   - a PodDisruptionBudget selects the pods of a workload in the stream;
//   - a ServiceMonitor has endpoints, each naming a port of a Service in the stream that it
//     selects, with an http(s) scheme, an absolute path, durations in the operator's format, a
//     scrape timeout no longer than the interval, and complete credentials.
func (p Policy) Check(objs []Object) error {
	var errs []error
	seen := map[string]string{}
	for _, o := range objs {
		key := o.GVK.GroupKind().String() + "/" + o.Namespace + "/" + o.Name
		if prev, dup := seen[key]; dup {
			errs = append(errs, &Finding{Object: o.String(), Problem: "duplicate of " + prev})
		}
		seen[key] = o.String()
		add := func(container, format string, args ...any) {
			errs = append(errs, &Finding{Object: o.String(), Container: container, Problem: fmt.Sprintf(format, args...)})
		}
		switch obj := o.Obj.(type) {
		case *corev1.Pod:
			p.checkPod(&obj.Spec, o.Annotations[HookAnnotation] == "", add)
		case *appsv1.StatefulSet:
			p.checkPod(&obj.Spec.Template.Spec, true, add)
		case *appsv1.DaemonSet:
			p.checkPod(&obj.Spec.Template.Spec, true, add)
		case *appsv1.Deployment:
			p.checkPod(&obj.Spec.Template.Spec, true, add)
		case *batchv1.Job:
			p.checkPod(&obj.Spec.Template.Spec, false, add)
		case *batchv1.CronJob:
			p.checkPod(&obj.Spec.JobTemplate.Spec.Template.Spec, false, add)
		case *policyv1.PodDisruptionBudget:
			checkPDB(obj, o.Namespace, objs, add)
		case *ServiceMonitor:
			checkServiceMonitor(obj, o.Namespace, objs, add)
		}
	}
	return errors.Join(errs...)
}

type addFunc func(container, format string, args ...any)

func (p Policy) checkPod(spec *corev1.PodSpec, longRunning bool, add addFunc) {
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		add("", "automountServiceAccountToken must be false")
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		add("", "must not use the host's network, PID or IPC namespace")
	}
	psc := spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	for _, c := range spec.InitContainers {
		p.checkContainer(c, psc, false, add)
	}
	for _, c := range spec.Containers {
		p.checkContainer(c, psc, longRunning, add)
	}
}

func (p Policy) checkContainer(c corev1.Container, psc *corev1.PodSecurityContext, probes bool, add addFunc) {
	name := c.Name
	if !digestRef.MatchString(c.Image) {
		add(name, "image %q is not pinned by digest (REPOSITORY@sha256:<64 hex>)", c.Image)
	}
	sc := c.SecurityContext
	if sc == nil {
		add(name, "securityContext is missing")
		sc = &corev1.SecurityContext{}
	}
	if v := first(sc.RunAsNonRoot, psc.RunAsNonRoot); v == nil || !*v {
		add(name, "runAsNonRoot must be true")
	}
	if v := first(sc.RunAsUser, psc.RunAsUser); v != nil && *v == 0 {
		add(name, "runAsUser must not be 0")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		add(name, "readOnlyRootFilesystem must be true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		add(name, "allowPrivilegeEscalation must be false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		add(name, "must not be privileged")
	}
	prof := sc.SeccompProfile
	if prof == nil {
		prof = psc.SeccompProfile
	}
	if prof == nil || prof.Type != corev1.SeccompProfileTypeRuntimeDefault {
		add(name, "seccompProfile must be RuntimeDefault")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		add(name, "capabilities must drop ALL")
	}
	if sc.Capabilities != nil {
		for _, cap := range sc.Capabilities.Add {
			if !slices.Contains(p.AllowedCapabilities, string(cap)) {
				add(name, "adds capability %s, which the policy does not allow", cap)
			}
		}
	}
	for _, r := range []struct {
		list corev1.ResourceList
		what string
		name corev1.ResourceName
	}{
		{c.Resources.Requests, "requests", corev1.ResourceCPU},
		{c.Resources.Requests, "requests", corev1.ResourceMemory},
		{c.Resources.Limits, "limits", corev1.ResourceMemory},
	} {
		if q, ok := r.list[r.name]; !ok || q.IsZero() {
			add(name, "resources.%s.%s must be set", r.what, r.name)
		}
	}
	if probes {
		if c.LivenessProbe == nil {
			add(name, "livenessProbe is missing")
		}
		if c.ReadinessProbe == nil {
			add(name, "readinessProbe is missing")
		}
	}
}

// first returns a unless it is nil, else b.
func first[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

// podTemplates returns the pod labels of every workload in objs, with its namespace.
func podTemplates(objs []Object) []Object {
	var out []Object
	for _, o := range objs {
		var l map[string]string
		switch obj := o.Obj.(type) {
		case *appsv1.StatefulSet:
			l = obj.Spec.Template.Labels
		case *appsv1.DaemonSet:
			l = obj.Spec.Template.Labels
		case *appsv1.Deployment:
			l = obj.Spec.Template.Labels
		default:
			continue
		}
		out = append(out, Object{Name: o.Name, Namespace: o.Namespace, Labels: l})
	}
	return out
}

func checkPDB(pdb *policyv1.PodDisruptionBudget, ns string, objs []Object, add addFunc) {
	sel, err := selector(pdb.Spec.Selector)
	if err != nil {
		add("", "selector: %v", err)
		return
	}
	for _, w := range podTemplates(objs) {
		if w.Namespace == ns && sel.Matches(labels.Set(w.Labels)) {
			return
		}
	}
	add("", "selector %s matches the pods of no workload in the stream", sel)
}

// selector converts a label selector, refusing a missing or empty one (which would select every
// pod or Service of the namespace).
func selector(s *metav1.LabelSelector) (labels.Selector, error) {
	if s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0) {
		return nil, errors.New("missing or empty: it would select everything")
	}
	return metav1.LabelSelectorAsSelector(s)
}

func checkServiceMonitor(sm *ServiceMonitor, ns string, objs []Object, add addFunc) {
	sel, err := selector(&sm.Spec.Selector)
	if err != nil {
		add("", "spec.selector: %v", err)
		return
	}
	var services []*corev1.Service
	for _, o := range objs {
		svc, ok := o.Obj.(*corev1.Service)
		if !ok || !sel.Matches(labels.Set(o.Labels)) {
			continue
		}
		nsOK := sm.Spec.NamespaceSelector.Any || slices.Contains(sm.Spec.NamespaceSelector.MatchNames, o.Namespace) ||
			(len(sm.Spec.NamespaceSelector.MatchNames) == 0 && o.Namespace == ns)
		if nsOK {
			services = append(services, svc)
		}
	}
	if len(services) == 0 {
		add("", "spec.selector %s selects no Service in the stream", sel)
	}
	if len(sm.Spec.Endpoints) == 0 {
		add("", "spec.endpoints is empty")
	}
	for i, e := range sm.Spec.Endpoints {
		field := fmt.Sprintf("spec.endpoints[%d]", i)
		if e.Port == "" {
			add("", "%s.port is required", field)
		} else if len(services) > 0 && !servicesHavePort(services, e.Port) {
			add("", "%s.port %q is not a port of the selected Services", field, e.Port)
		}
		if e.Scheme != "" && e.Scheme != "http" && e.Scheme != "https" {
			add("", "%s.scheme %q is not http or https", field, e.Scheme)
		}
		if e.Path != "" && !strings.HasPrefix(e.Path, "/") {
			add("", "%s.path %q is not absolute", field, e.Path)
		}
		checkIntervals(e, field, add)
		if a := e.Authorization; a != nil {
			if a.Type != "" && !strings.EqualFold(a.Type, "Bearer") {
				add("", "%s.authorization.type %q: only Bearer is modelled", field, a.Type)
			}
			if a.Credentials == nil || a.Credentials.Name == "" || a.Credentials.Key == "" {
				add("", "%s.authorization.credentials needs a Secret name and key", field)
			}
		}
	}
}

// servicesHavePort reports whether every service has a port of that name.
func servicesHavePort(services []*corev1.Service, port string) bool {
	for _, s := range services {
		if !slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == port }) {
			return false
		}
	}
	return true
}

func checkIntervals(e Endpoint, field string, add addFunc) {
	var iv, to int64 = -1, -1
	if e.Interval != "" {
		d, err := ParsePromDuration(e.Interval)
		if err != nil {
			add("", "%s.interval: %v", field, err)
		}
		iv = int64(d)
	}
	if e.ScrapeTimeout != "" {
		d, err := ParsePromDuration(e.ScrapeTimeout)
		if err != nil {
			add("", "%s.scrapeTimeout: %v", field, err)
		}
		to = int64(d)
	}
	if iv > 0 && to > iv {
		add("", "%s.scrapeTimeout %s is longer than the interval %s", field, e.ScrapeTimeout, e.Interval)
	}
}
