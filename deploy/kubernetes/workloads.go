package kubernetes

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// workload is what the checks need of a StatefulSet or a Deployment.
type workload struct {
	obj      Object
	selector *metav1.LabelSelector
	labels   map[string]string // the pod template's
	pod      corev1.PodSpec
	claims   []string // volumeClaimTemplates' names
}

// workloads picks the StatefulSets and Deployments out of objs.
func workloads(objs []Object) []workload {
	var ws []workload
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *appsv1.StatefulSet:
			w := workload{obj: o, selector: v.Spec.Selector, labels: v.Spec.Template.Labels, pod: v.Spec.Template.Spec}
			for _, c := range v.Spec.VolumeClaimTemplates {
				w.claims = append(w.claims, c.Name)
			}
			ws = append(ws, w)
		case *appsv1.Deployment:
			ws = append(ws, workload{obj: o, selector: v.Spec.Selector, labels: v.Spec.Template.Labels, pod: v.Spec.Template.Spec})
		}
	}
	return ws
}

// matching returns the workloads whose pods sel selects.
func matching(ws []workload, sel labels.Selector) []workload {
	var out []workload
	for _, w := range ws {
		if sel.Matches(labels.Set(w.labels)) {
			out = append(out, w)
		}
	}
	return out
}

// labelSelector converts a LabelSelector, naming owner in the error.
func labelSelector(owner Object, field string, s *metav1.LabelSelector) (labels.Selector, error) {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %s: %w", owner.Where, owner, field, err)
	}
	return sel, nil
}

// containers returns a pod's init and app containers.
func containers(p corev1.PodSpec) []corev1.Container {
	return append(append([]corev1.Container{}, p.InitContainers...), p.Containers...)
}

// hasPort says whether a container port matches a named or numbered port
// with the protocol (TCP when empty).
func hasPort(ports []corev1.ContainerPort, name string, number int32, proto corev1.Protocol) bool {
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	for _, p := range ports {
		pp := p.Protocol
		if pp == "" {
			pp = corev1.ProtocolTCP
		}
		if pp != proto {
			continue
		}
		if (name != "" && p.Name == name) || (name == "" && p.ContainerPort == number) {
			return true
		}
	}
	return false
}

// podPorts gathers the ports of every container of a pod.
func podPorts(p corev1.PodSpec) []corev1.ContainerPort {
	var out []corev1.ContainerPort
	for _, c := range containers(p) {
		out = append(out, c.Ports...)
	}
	return out
}
