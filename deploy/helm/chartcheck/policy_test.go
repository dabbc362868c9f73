package chartcheck

import (
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func ptr[T any](v T) *T { return &v }

// goodStatefulSet decodes testdata/good-statefulset.yaml, which passes every check.
func goodStatefulSet(t *testing.T) Object {
	t.Helper()
	o, err := decodeOne(t, string(mustRead(t, "testdata/good-statefulset.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func podSpec(o Object) *corev1.PodSpec {
	switch obj := o.Obj.(type) {
	case *appsv1.StatefulSet:
		return &obj.Spec.Template.Spec
	case *appsv1.DaemonSet:
		return &obj.Spec.Template.Spec
	case *appsv1.Deployment:
		return &obj.Spec.Template.Spec
	case *batchv1.Job:
		return &obj.Spec.Template.Spec
	case *batchv1.CronJob:
		return &obj.Spec.JobTemplate.Spec.Template.Spec
	case *corev1.Pod:
		return &obj.Spec
	}
	panic("no pod spec")
}

// asKind moves the good StatefulSet's pod spec into another kind of object.
func asKind(t *testing.T, kind string, annotations map[string]string) Object {
	o := goodStatefulSet(t)
	spec := *podSpec(o)
	tmpl := corev1.PodTemplateSpec{Spec: spec}
	var obj Object
	switch kind {
	case "Pod":
		obj = Object{Obj: &corev1.Pod{Spec: spec}}
	case "DaemonSet":
		obj = Object{Obj: &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: tmpl}}}
	case "Deployment":
		obj = Object{Obj: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: tmpl}}}
	case "Job":
		obj = Object{Obj: &batchv1.Job{Spec: batchv1.JobSpec{Template: tmpl}}}
	case "CronJob":
		obj = Object{Obj: &batchv1.CronJob{Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}}}}
	}
	obj.GVK = schema.GroupVersionKind{Kind: kind}
	obj.Name, obj.Annotations = "x", annotations
	return obj
}

func TestPolicyContainer(t *testing.T) {
	node := func(s *corev1.PodSpec) *corev1.Container { return &s.Containers[0] }
	tests := []struct {
		name   string
		policy Policy
		mutate func(s *corev1.PodSpec)
		want   []string // substrings of the findings, in order; none means it passes
	}{
		{"good", Policy{}, func(*corev1.PodSpec) {}, nil},
		{"tag instead of digest", Policy{}, func(s *corev1.PodSpec) { node(s).Image = "registry.example/x0tta6bl4:1.0" }, []string{"not pinned by digest"}},
		{"tag and digest", Policy{}, func(s *corev1.PodSpec) {
			node(s).Image = "registry.example/x0tta6bl4:1.0@sha256:" + strings.Repeat("ab", 32)
		}, nil},
		{"short digest", Policy{}, func(s *corev1.PodSpec) { node(s).Image = "r/x@sha256:abc" }, []string{"not pinned by digest"}},
		{"uppercase digest", Policy{}, func(s *corev1.PodSpec) { node(s).Image = "r/x@sha256:" + strings.Repeat("AB", 32) }, []string{"not pinned by digest"}},
		{"missing securityContext", Policy{}, func(s *corev1.PodSpec) { node(s).SecurityContext = nil },
			[]string{"securityContext is missing", "readOnlyRootFilesystem", "allowPrivilegeEscalation", "drop ALL"}},
		{"runAsNonRoot false in the container wins", Policy{}, func(s *corev1.PodSpec) { node(s).SecurityContext.RunAsNonRoot = ptr(false) }, []string{"runAsNonRoot"}},
		{"runAsNonRoot nowhere", Policy{}, func(s *corev1.PodSpec) { s.SecurityContext.RunAsNonRoot = nil }, []string{"runAsNonRoot"}},
		{"no pod securityContext", Policy{}, func(s *corev1.PodSpec) {
			s.SecurityContext = nil
			sc := node(s).SecurityContext
			sc.RunAsNonRoot, sc.SeccompProfile = ptr(true), &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
		}, nil},
		{"runAsUser 0", Policy{}, func(s *corev1.PodSpec) { node(s).SecurityContext.RunAsUser = ptr(int64(0)) }, []string{"runAsUser must not be 0"}},
		{"writable root", Policy{}, func(s *corev1.PodSpec) { node(s).SecurityContext.ReadOnlyRootFilesystem = ptr(false) }, []string{"readOnlyRootFilesystem"}},
		{"privilege escalation", Policy{}, func(s *corev1.PodSpec) { node(s).SecurityContext.AllowPrivilegeEscalation = ptr(true) }, []string{"allowPrivilegeEscalation"}},
		{"privileged", Policy{}, func(s *corev1.PodSpec) { node(s).SecurityContext.Privileged = ptr(true) }, []string{"privileged"}},
		{"no seccomp", Policy{}, func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil }, []string{"seccompProfile"}},
		{"container seccomp Unconfined overrides the pod", Policy{}, func(s *corev1.PodSpec) {
			node(s).SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
		}, []string{"seccompProfile"}},
		{"drops only NET_RAW", Policy{}, func(s *corev1.PodSpec) {
			node(s).SecurityContext.Capabilities.Drop = []corev1.Capability{"NET_RAW"}
		}, []string{"drop ALL"}},
		{"adds NET_ADMIN, not allowed", Policy{}, func(s *corev1.PodSpec) {
			node(s).SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
		}, []string{"adds capability NET_ADMIN"}},
		{"adds NET_ADMIN, allowed", Policy{AllowedCapabilities: []string{"NET_ADMIN"}}, func(s *corev1.PodSpec) {
			node(s).SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
		}, nil},
		{"adds SYS_ADMIN with NET_ADMIN allowed", Policy{AllowedCapabilities: []string{"NET_ADMIN"}}, func(s *corev1.PodSpec) {
			node(s).SecurityContext.Capabilities.Add = []corev1.Capability{"SYS_ADMIN"}
		}, []string{"adds capability SYS_ADMIN"}},
		{"no resources", Policy{}, func(s *corev1.PodSpec) { node(s).Resources = corev1.ResourceRequirements{} },
			[]string{"requests.cpu", "requests.memory", "limits.memory"}},
		{"zero cpu request", Policy{}, func(s *corev1.PodSpec) { node(s).Resources.Requests[corev1.ResourceCPU] = resource.MustParse("0") }, []string{"requests.cpu"}},
		{"no probes", Policy{}, func(s *corev1.PodSpec) { node(s).LivenessProbe, node(s).ReadinessProbe = nil, nil },
			[]string{"livenessProbe", "readinessProbe"}},
		{"token mounted", Policy{}, func(s *corev1.PodSpec) { s.AutomountServiceAccountToken = nil }, []string{"automountServiceAccountToken"}},
		{"token mounted explicitly", Policy{}, func(s *corev1.PodSpec) { s.AutomountServiceAccountToken = ptr(true) }, []string{"automountServiceAccountToken"}},
		{"host network", Policy{}, func(s *corev1.PodSpec) { s.HostNetwork = true }, []string{"host's network"}},
		{"host PID", Policy{}, func(s *corev1.PodSpec) { s.HostPID = true }, []string{"host's network, PID"}},
		{"init container checked, without probes", Policy{}, func(s *corev1.PodSpec) {
			ic := *node(s)
			ic.Name, ic.LivenessProbe, ic.ReadinessProbe, ic.Image = "init", nil, nil, "busybox:latest"
			s.InitContainers = []corev1.Container{ic}
		}, []string{`container "init": image "busybox:latest"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := goodStatefulSet(t)
			tt.mutate(podSpec(o))
			err := tt.policy.Check([]Object{o})
			checkFindings(t, err, tt.want)
		})
	}
}

// checkFindings requires err to hold exactly the findings described by want, in order.
func checkFindings(t *testing.T, err error, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("unexpected findings: %v", err)
		}
		return
	}
	if !errors.Is(err, ErrPolicy) {
		t.Fatalf("error %v does not match ErrPolicy", err)
	}
	got := err.(interface{ Unwrap() []error }).Unwrap()
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d:\n%v", len(got), len(want), err)
	}
	for i, w := range want {
		if !strings.Contains(got[i].Error(), w) {
			t.Errorf("finding %d = %q, want it to mention %q", i, got[i], w)
		}
	}
}

func TestPolicyKinds(t *testing.T) {
	noProbes := func(o Object) Object {
		c := &podSpec(o).Containers[0]
		c.LivenessProbe, c.ReadinessProbe = nil, nil
		return o
	}
	tests := []struct {
		name string
		obj  Object
		want []string
	}{
		{"Pod without probes", noProbes(asKind(t, "Pod", nil)), []string{"livenessProbe", "readinessProbe"}},
		{"Helm test Pod without probes", noProbes(asKind(t, "Pod", map[string]string{HookAnnotation: "test"})), nil},
		{"Job without probes", noProbes(asKind(t, "Job", nil)), nil},
		{"CronJob without probes", noProbes(asKind(t, "CronJob", nil)), nil},
		{"Deployment without probes", noProbes(asKind(t, "Deployment", nil)), []string{"livenessProbe", "readinessProbe"}},
		{"DaemonSet without probes", noProbes(asKind(t, "DaemonSet", nil)), []string{"livenessProbe", "readinessProbe"}},
		{"Job with a tag", func() Object {
			o := asKind(t, "Job", nil)
			podSpec(o).Containers[0].Image = "x:1"
			return o
		}(), []string{"not pinned by digest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFindings(t, Policy{}.Check([]Object{tt.obj}), tt.want)
		})
	}
}

func TestPolicyDuplicates(t *testing.T) {
	a, b := goodStatefulSet(t), goodStatefulSet(t)
	b.Doc.Index = 1
	checkFindings(t, Policy{}.Check([]Object{a, b}), []string{"duplicate of StatefulSet \"mesh\" in document 0"})
	b.Namespace = "other"
	checkFindings(t, Policy{}.Check([]Object{a, b}), nil)
}

func pdb(sel *metav1.LabelSelector) Object {
	return Object{GVK: schema.GroupVersionKind{Kind: "PodDisruptionBudget"}, Name: "p", Namespace: "mesh",
		Obj: &policyv1.PodDisruptionBudget{Spec: policyv1.PodDisruptionBudgetSpec{Selector: sel}}}
}

func TestPolicyPDB(t *testing.T) {
	tests := []struct {
		name string
		pdb  Object
		want []string
	}{
		{"selects the StatefulSet", pdb(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "mesh"}}), nil},
		{"selects nothing", pdb(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}}), []string{"matches the pods of no workload"}},
		{"other namespace", func() Object {
			o := pdb(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "mesh"}})
			o.Namespace = "elsewhere"
			return o
		}(), []string{"matches the pods of no workload"}},
		{"empty selector", pdb(&metav1.LabelSelector{}), []string{"would select everything"}},
		{"no selector", pdb(nil), []string{"would select everything"}},
		{"bad operator", pdb(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}}), []string{"selector"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFindings(t, Policy{}.Check([]Object{goodStatefulSet(t), tt.pdb}), tt.want)
		})
	}
}

func TestPolicyServiceMonitor(t *testing.T) {
	svc := Object{GVK: schema.GroupVersionKind{Kind: "Service"}, Name: "api", Namespace: "mesh",
		Labels: map[string]string{"svc": "api"},
		Obj:    &corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "api", Port: 7100}}}}}
	good := func() *ServiceMonitor {
		return &ServiceMonitor{Spec: ServiceMonitorSpec{
			Selector:          metav1.LabelSelector{MatchLabels: map[string]string{"svc": "api"}},
			NamespaceSelector: NamespaceSelector{MatchNames: []string{"mesh"}},
			Endpoints: []Endpoint{{Port: "api", Path: "/metrics", Scheme: "http", Interval: "30s", ScrapeTimeout: "10s",
				Authorization: &SafeAuthorization{Type: "Bearer", Credentials: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "tok"}, Key: "token"}}}},
		}}
	}
	tests := []struct {
		name   string
		mutate func(*ServiceMonitor)
		want   []string
	}{
		{"good", func(*ServiceMonitor) {}, nil},
		{"any namespace", func(m *ServiceMonitor) { m.Spec.NamespaceSelector = NamespaceSelector{Any: true} }, nil},
		{"own namespace by default", func(m *ServiceMonitor) { m.Spec.NamespaceSelector = NamespaceSelector{} }, nil},
		{"other namespace", func(m *ServiceMonitor) { m.Spec.NamespaceSelector.MatchNames = []string{"x"} }, []string{"selects no Service"}},
		{"selects no Service", func(m *ServiceMonitor) { m.Spec.Selector.MatchLabels["svc"] = "nope" }, []string{"selects no Service"}},
		{"empty selector", func(m *ServiceMonitor) { m.Spec.Selector = metav1.LabelSelector{} }, []string{"would select everything"}},
		{"no endpoints", func(m *ServiceMonitor) { m.Spec.Endpoints = nil }, []string{"endpoints is empty"}},
		{"no port", func(m *ServiceMonitor) { m.Spec.Endpoints[0].Port = "" }, []string{"port is required"}},
		{"unknown port", func(m *ServiceMonitor) { m.Spec.Endpoints[0].Port = "metrics" }, []string{`port "metrics" is not a port`}},
		{"bad scheme", func(m *ServiceMonitor) { m.Spec.Endpoints[0].Scheme = "ftp" }, []string{"scheme"}},
		{"relative path", func(m *ServiceMonitor) { m.Spec.Endpoints[0].Path = "metrics" }, []string{"not absolute"}},
		{"Go duration", func(m *ServiceMonitor) { m.Spec.Endpoints[0].Interval = "1.5s" }, []string{"interval"}},
		{"bad timeout", func(m *ServiceMonitor) { m.Spec.Endpoints[0].ScrapeTimeout = "10 s" }, []string{"scrapeTimeout"}},
		{"timeout longer than interval", func(m *ServiceMonitor) { m.Spec.Endpoints[0].ScrapeTimeout = "1m" }, []string{"longer than the interval"}},
		{"no durations", func(m *ServiceMonitor) { m.Spec.Endpoints[0].Interval, m.Spec.Endpoints[0].ScrapeTimeout = "", "" }, nil},
		{"basic auth type", func(m *ServiceMonitor) { m.Spec.Endpoints[0].Authorization.Type = "Basic" }, []string{"only Bearer"}},
		{"no credentials", func(m *ServiceMonitor) { m.Spec.Endpoints[0].Authorization.Credentials = nil }, []string{"credentials"}},
		{"credentials without key", func(m *ServiceMonitor) { m.Spec.Endpoints[0].Authorization.Credentials.Key = "" }, []string{"credentials"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sm := good()
			tt.mutate(sm)
			o := Object{GVK: schema.GroupVersionKind{Kind: "ServiceMonitor"}, Name: "m", Namespace: "mesh", Obj: sm}
			checkFindings(t, Policy{}.Check([]Object{svc, o}), tt.want)
		})
	}
}

// TestPolicyFiles runs the required rejections end to end, from YAML through Split and Decode.
func TestPolicyFiles(t *testing.T) {
	tests := []struct {
		file    string
		wantErr error
		want    string
	}{
		{"testdata/good-statefulset.yaml", nil, ""},
		{"testdata/good-stream.yaml", nil, ""},
		{"testdata/reject-unknown-field.yaml", ErrStrict, `unknown field "spec.template.spec.containers[0].imagePullPolicyy"`},
		{"testdata/reject-no-securitycontext.yaml", ErrPolicy, `container "node": securityContext is missing`},
		{"testdata/reject-tag.yaml", ErrPolicy, `image "registry.example/x0tta6bl4:1.0" is not pinned by digest`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			docs, err := Split(mustRead(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			objs, errs := NewDecoder().DecodeAll(docs)
			if err := (Policy{}).Check(objs); err != nil {
				errs = append(errs, err)
			}
			err = errors.Join(errs...)
			if !errors.Is(err, tt.wantErr) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("got %v, want %v mentioning %q", err, tt.wantErr, tt.want)
			}
		})
	}
}

func TestFindingError(t *testing.T) {
	f := &Finding{Object: "Pod \"p\"", Problem: "bad"}
	if f.Error() != `Pod "p": bad` || !errors.Is(f, ErrPolicy) {
		t.Errorf("Finding = %q", f.Error())
	}
}
