package kubernetes

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Object is one decoded document.
type Object struct {
	// Kind and Name say what it is: "StatefulSet", "argus-edge".
	Kind, Name string
	// Where is the file and line the document starts at.
	Where string
	// Value is the typed object: *appsv1.StatefulSet, *corev1.Service, …
	Value any
}

// String names the object for messages.
func (o Object) String() string { return o.Kind + " " + o.Name }

// kinds are the objects the manifests may hold, by apiVersion and kind:
// anything else is refused, so a typo in either is found here.
var kinds = map[string]func() any{
	"apps/v1 StatefulSet":                func() any { return &appsv1.StatefulSet{} },
	"apps/v1 Deployment":                 func() any { return &appsv1.Deployment{} },
	"v1 Service":                         func() any { return &corev1.Service{} },
	"v1 ConfigMap":                       func() any { return &corev1.ConfigMap{} },
	"policy/v1 PodDisruptionBudget":      func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1 NetworkPolicy": func() any { return &networkingv1.NetworkPolicy{} },
}

// Document is one YAML document of a stream and the line it starts at.
type Document struct {
	// Line is the file's line the document starts at, from 1.
	Line int
	// Data is the document's text, without its "---" line.
	Data []byte
}

// SplitDocuments cuts a multi-document YAML stream at its "---" lines and
// drops documents holding only comments.
func SplitDocuments(stream []byte) []Document {
	var docs []Document
	var cur bytes.Buffer
	start := 1
	flush := func() {
		if hasContent(cur.Bytes()) {
			docs = append(docs, Document{Line: start, Data: bytes.Clone(cur.Bytes())})
		}
		cur.Reset()
	}
	for i, line := range strings.SplitAfter(string(stream), "\n") {
		if strings.TrimRight(line, " \t\r\n") == "---" {
			flush()
			start = i + 2
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return docs
}

// hasContent says whether a document has more than comments and blanks.
func hasContent(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			return true
		}
	}
	return false
}

// Decode decodes one document strictly into its typed object: YAML
// duplicate keys, unknown fields, fields in the wrong case and unknown
// kinds are errors. where names the file and line in messages.
func Decode(doc []byte, where string) (Object, error) {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return Object{}, fmt.Errorf("%s: %w", where, err)
	}
	var head struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata"`
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(js, &head); err != nil {
		return Object{}, fmt.Errorf("%s: %w", where, err)
	}
	newValue, ok := kinds[head.APIVersion+" "+head.Kind]
	if !ok {
		return Object{}, fmt.Errorf("%s: apiVersion %q kind %q: not a kind these manifests use (%s)",
			where, head.APIVersion, head.Kind, knownKinds())
	}
	obj := Object{Kind: head.Kind, Name: head.Name, Where: where, Value: newValue()}
	strictErrs, err := sigsjson.UnmarshalStrict(js, obj.Value)
	if err != nil {
		return Object{}, fmt.Errorf("%s: %s: %w", where, obj, err)
	}
	if len(strictErrs) > 0 {
		msgs := make([]string, len(strictErrs))
		for i, e := range strictErrs {
			msgs[i] = e.Error()
		}
		return Object{}, fmt.Errorf("%s: %s: %s", where, obj, strings.Join(msgs, "; "))
	}
	if head.Name == "" {
		return Object{}, fmt.Errorf("%s: %s without metadata.name", where, head.Kind)
	}
	return obj, nil
}

// knownKinds lists the accepted kinds for messages.
func knownKinds() string {
	var names []string
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// DecodeStream decodes every document of stream; file names it in
// messages. It returns every error, not only the first.
func DecodeStream(stream []byte, file string) ([]Object, []error) {
	var objs []Object
	var errs []error
	for _, d := range SplitDocuments(stream) {
		// Blank lines in front keep the YAML parser's line numbers those
		// of the file.
		data := append(bytes.Repeat([]byte("\n"), d.Line-1), d.Data...)
		o, err := Decode(data, fmt.Sprintf("%s:%d", file, d.Line))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, o)
	}
	return objs, errs
}
