package chartcheck

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// MonitoringGroupVersion is the API group and version of the Prometheus operator's ServiceMonitor.
var MonitoringGroupVersion = schema.GroupVersion{Group: "monitoring.coreos.com", Version: "v1"}

// ServiceMonitor is the subset of the Prometheus operator's monitoring.coreos.com/v1 ServiceMonitor
// that this project's chart renders. Fields outside it are refused by strict decoding: the check
// is deliberately narrower than the operator's CRD, so that anything the chart renders has been
// looked at here.
type ServiceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec selects the Services to scrape and how.
	Spec ServiceMonitorSpec `json:"spec"`
}

// ServiceMonitorSpec is the modelled part of a ServiceMonitor's spec.
type ServiceMonitorSpec struct {
	// JobLabel names the Service label whose value becomes the job label.
	JobLabel string `json:"jobLabel,omitempty"`
	// Selector selects the Services.
	Selector metav1.LabelSelector `json:"selector"`
	// NamespaceSelector selects the namespaces of the Services.
	NamespaceSelector NamespaceSelector `json:"namespaceSelector,omitempty"`
	// Endpoints are the scraped ports.
	Endpoints []Endpoint `json:"endpoints"`
}

// NamespaceSelector selects namespaces by name, or all of them.
type NamespaceSelector struct {
	// Any selects every namespace.
	Any bool `json:"any,omitempty"`
	// MatchNames lists namespace names.
	MatchNames []string `json:"matchNames,omitempty"`
}

// Endpoint is one scraped port of the selected Services.
type Endpoint struct {
	// Port is the name of a Service port.
	Port string `json:"port,omitempty"`
	// Path is the HTTP path of the metrics.
	Path string `json:"path,omitempty"`
	// Scheme is http or https.
	Scheme string `json:"scheme,omitempty"`
	// Interval and ScrapeTimeout are Prometheus durations, such as 30s or 1m30s.
	Interval      string `json:"interval,omitempty"`
	ScrapeTimeout string `json:"scrapeTimeout,omitempty"`
	// Authorization sends a credential from a Secret in the Authorization header.
	Authorization *SafeAuthorization `json:"authorization,omitempty"`
}

// SafeAuthorization is the Authorization header of a scrape: a type (Bearer by default) and a
// Secret key holding the credentials.
type SafeAuthorization struct {
	// Type is the authentication type, Bearer when empty.
	Type string `json:"type,omitempty"`
	// Credentials selects the Secret key holding the credentials.
	Credentials *corev1.SecretKeySelector `json:"credentials,omitempty"`
}

// DeepCopyObject implements runtime.Object.
func (s *ServiceMonitor) DeepCopyObject() runtime.Object {
	if s == nil {
		return nil
	}
	out := &ServiceMonitor{TypeMeta: s.TypeMeta, Spec: ServiceMonitorSpec{JobLabel: s.Spec.JobLabel}}
	s.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	s.Spec.Selector.DeepCopyInto(&out.Spec.Selector)
	out.Spec.NamespaceSelector.Any = s.Spec.NamespaceSelector.Any
	if s.Spec.NamespaceSelector.MatchNames != nil {
		out.Spec.NamespaceSelector.MatchNames = append([]string{}, s.Spec.NamespaceSelector.MatchNames...)
	}
	if s.Spec.Endpoints != nil {
		out.Spec.Endpoints = make([]Endpoint, len(s.Spec.Endpoints))
		for i, e := range s.Spec.Endpoints {
			out.Spec.Endpoints[i] = e
			if e.Authorization != nil {
				a := &SafeAuthorization{Type: e.Authorization.Type}
				if e.Authorization.Credentials != nil {
					a.Credentials = e.Authorization.Credentials.DeepCopy()
				}
				out.Spec.Endpoints[i].Authorization = a
			}
		}
	}
	return out
}

func addMonitoring(s *runtime.Scheme) error {
	s.AddKnownTypes(MonitoringGroupVersion, &ServiceMonitor{})
	return nil
}

// promDuration is the operator's pattern for a Prometheus duration (monitoringv1.Duration).
var promDuration = regexp.MustCompile(`^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$`)

var promUnit = regexp.MustCompile(`([0-9]+)(ms|y|w|d|h|m|s)`)

// ParsePromDuration parses a Prometheus duration such as 30s or 1h30m (units y, w, d, h, m, s, ms,
// largest first, each at most once).
func ParsePromDuration(s string) (time.Duration, error) {
	if s == "" || !promDuration.MatchString(s) {
		return 0, fmt.Errorf("%q is not a Prometheus duration such as 30s or 1m30s", s)
	}
	units := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute,
		"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "y": 365 * 24 * time.Hour}
	var d time.Duration
	for _, m := range promUnit.FindAllStringSubmatch(s, -1) {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > int64(1<<62)/int64(units[m[2]]) {
			return 0, fmt.Errorf("%q is too long a duration", s)
		}
		d += time.Duration(n) * units[m[2]]
		if d < 0 {
			return 0, fmt.Errorf("%q is too long a duration", s)
		}
	}
	return d, nil
}
