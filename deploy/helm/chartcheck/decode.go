package chartcheck

import (
	"bytes"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"sigs.k8s.io/yaml"
)

// Object is a decoded document.
type Object struct {
	// Doc is the document it was decoded from.
	Doc Document
	// GVK is its apiVersion and kind.
	GVK schema.GroupVersionKind
	// Name and Namespace are its metadata.name and metadata.namespace.
	Name, Namespace string
	// Labels and Annotations are its metadata's.
	Labels, Annotations map[string]string
	// Obj is the typed object, such as *appsv1.StatefulSet or *ServiceMonitor.
	Obj runtime.Object
}

// String names the object for messages: kind, name and document.
func (o Object) String() string {
	return fmt.Sprintf("%s %q in %s", o.GVK.Kind, o.Name, o.Doc)
}

// Scheme returns the types Decode knows: core/v1, apps/v1, batch/v1, policy/v1,
// networking.k8s.io/v1 from k8s.io/api, and the minimal monitoring.coreos.com/v1 ServiceMonitor.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme,
		networkingv1.AddToScheme, addMonitoring,
	} {
		if err := add(s); err != nil {
			panic(fmt.Sprintf("chartcheck: building the scheme: %v", err)) // a programming error
		}
	}
	return s
}

// Decoder decodes documents strictly into typed objects.
type Decoder struct {
	ser *kjson.Serializer
}

// NewDecoder returns a Decoder over Scheme: apimachinery's YAML serializer in strict mode, the one
// the API server uses for strict field validation.
func NewDecoder() *Decoder {
	s := Scheme()
	return &Decoder{ser: kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, s, s,
		kjson.SerializerOptions{Yaml: true, Strict: true})}
}

// Decode decodes doc into the typed struct of its apiVersion and kind. Every error wraps one of
// ErrSyntax, ErrUnknownKind, ErrStrict or ErrSchema.
func (d *Decoder) Decode(doc Document) (Object, error) {
	j, err := yaml.YAMLToJSON(doc.Data)
	if err != nil {
		return Object{}, fmt.Errorf("%s: %w: %w", doc, ErrSyntax, err)
	}
	if t := bytes.TrimSpace(j); len(t) == 0 || t[0] != '{' {
		return Object{}, fmt.Errorf("%s: %w: the top level is %s", doc, ErrSyntax, topLevel(t))
	}
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc.Data, &tm); err != nil {
		return Object{}, fmt.Errorf("%s: %w: apiVersion and kind: %w", doc, ErrSchema, err)
	}
	if tm.APIVersion == "" || tm.Kind == "" {
		return Object{}, fmt.Errorf("%s: %w: apiVersion and kind are required", doc, ErrUnknownKind)
	}
	obj, gvk, err := d.ser.Decode(doc.Data, nil, nil)
	switch {
	case runtime.IsNotRegisteredError(err):
		return Object{}, fmt.Errorf("%s: %w: %s %s: %w", doc, ErrUnknownKind, tm.APIVersion, tm.Kind, err)
	case runtime.IsStrictDecodingError(err):
		return Object{}, fmt.Errorf("%s: %s: %w: %w", doc, tm.Kind, ErrStrict, err)
	case err != nil:
		return Object{}, fmt.Errorf("%s: %s: %w: %w", doc, tm.Kind, ErrSchema, err)
	}
	m, ok := obj.(metav1.Object)
	if !ok { // every registered kind has metadata; lists are not registered
		return Object{}, fmt.Errorf("%s: %w: %s has no metadata", doc, ErrUnknownKind, gvk.Kind)
	}
	return Object{Doc: doc, GVK: *gvk, Name: m.GetName(), Namespace: m.GetNamespace(),
		Labels: m.GetLabels(), Annotations: m.GetAnnotations(), Obj: obj}, nil
}

// topLevel describes a non-mapping JSON value for messages.
func topLevel(j []byte) string {
	switch {
	case len(j) == 0 || string(j) == "null":
		return "empty"
	case j[0] == '[':
		return "a sequence"
	}
	return "a scalar"
}

// DecodeAll decodes every document and returns the objects that decoded and every error.
func (d *Decoder) DecodeAll(docs []Document) ([]Object, []error) {
	var objs []Object
	var errs []error
	for _, doc := range docs {
		o, err := d.Decode(doc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, o)
	}
	return objs, errs
}
