package kubernetes

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Check runs every cross-check over a rendered set of objects and returns
// every problem found, each naming the object and the field.
func Check(objs []Object, ext External) []error {
	ws := workloads(objs)
	var errs []error
	errs = append(errs, checkWorkloads(objs, ws)...)
	errs = append(errs, checkImages(ws)...)
	errs = append(errs, checkExpansions(ws)...)
	errs = append(errs, checkResources(ws)...)
	errs = append(errs, checkProbes(ws)...)
	errs = append(errs, checkServices(objs, ws)...)
	errs = append(errs, checkDisruptionBudgets(objs, ws)...)
	errs = append(errs, checkNetworkPolicies(objs, ws)...)
	errs = append(errs, checkReferences(objs, ws, ext)...)
	return errs
}

// checkWorkloads: a workload's selector must select its own pods (the API
// server refuses it otherwise), and a StatefulSet's serviceName must name
// a headless Service, or its pods get no DNS names.
func checkWorkloads(objs []Object, ws []workload) []error {
	var errs []error
	for _, w := range ws {
		sel, err := labelSelector(w.obj, "spec.selector", w.selector)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if sel.Empty() || !sel.Matches(labels.Set(w.labels)) {
			errs = append(errs, fmt.Errorf("%s: %s: spec.selector %q does not select its pod template's labels %v",
				w.obj.Where, w.obj, sel, w.labels))
		}
		if s, ok := w.obj.Value.(*appsv1.StatefulSet); ok {
			svc := findService(objs, s.Spec.ServiceName)
			if svc == nil || svc.Spec.ClusterIP != corev1.ClusterIPNone {
				errs = append(errs, fmt.Errorf("%s: %s: spec.serviceName %q names no headless Service",
					w.obj.Where, w.obj, s.Spec.ServiceName))
			}
		}
	}
	return errs
}

// findService returns the Service named name, or nil.
func findService(objs []Object, name string) *corev1.Service {
	for _, o := range objs {
		if s, ok := o.Value.(*corev1.Service); ok && s.Name == name {
			return s
		}
	}
	return nil
}

// checkImages: every image is pinned to a tag other than latest, or to a
// digest, so that a restart never runs different code than was tested.
func checkImages(ws []workload) []error {
	var errs []error
	for _, w := range ws {
		for _, c := range containers(w.pod) {
			if why := unpinned(c.Image); why != "" {
				errs = append(errs, fmt.Errorf("%s: %s: container %s: image %q %s",
					w.obj.Where, w.obj, c.Name, c.Image, why))
			}
		}
	}
	return errs
}

// unpinned says why an image reference is not pinned, or "" when it is.
func unpinned(image string) string {
	if image == "" {
		return "is empty"
	}
	if strings.Contains(image, "@sha256:") {
		return ""
	}
	name := image[strings.LastIndex(image, "/")+1:]
	i := strings.LastIndex(name, ":")
	if i < 0 || i == len(name)-1 {
		return "has no tag (it means :latest)"
	}
	if name[i+1:] == "latest" {
		return "is :latest"
	}
	return ""
}

// checkResources: every container requests CPU and memory and has a memory
// limit, so the scheduler places the pods for the load they were sized for
// and one leaking pod cannot starve its host.
func checkResources(ws []workload) []error {
	var errs []error
	for _, w := range ws {
		for _, c := range containers(w.pod) {
			r := c.Resources
			_, cpu := r.Requests[corev1.ResourceCPU]
			_, mem := r.Requests[corev1.ResourceMemory]
			_, lim := r.Limits[corev1.ResourceMemory]
			if !cpu || !mem || !lim {
				errs = append(errs, fmt.Errorf("%s: %s: container %s: resources need requests.cpu, requests.memory and limits.memory",
					w.obj.Where, w.obj, c.Name))
			}
		}
	}
	return errs
}

// checkProbes: each probe's port is a port its container declares.
func checkProbes(ws []workload) []error {
	var errs []error
	for _, w := range ws {
		for _, c := range containers(w.pod) {
			for kind, p := range map[string]*corev1.Probe{"readinessProbe": c.ReadinessProbe,
				"livenessProbe": c.LivenessProbe, "startupProbe": c.StartupProbe} {
				if p == nil {
					continue
				}
				port, ok := probePort(p)
				if !ok {
					continue // exec probes name no port
				}
				if !hasPort(c.Ports, port.StrVal, port.IntVal, corev1.ProtocolTCP) {
					errs = append(errs, fmt.Errorf("%s: %s: container %s: %s port %s is not one of the container's TCP ports",
						w.obj.Where, w.obj, c.Name, kind, port.String()))
				}
			}
		}
	}
	return errs
}

// probePort returns the port an HTTP, TCP or gRPC probe dials.
func probePort(p *corev1.Probe) (intstr.IntOrString, bool) {
	switch {
	case p.HTTPGet != nil:
		return p.HTTPGet.Port, true
	case p.TCPSocket != nil:
		return p.TCPSocket.Port, true
	case p.GRPC != nil:
		return intstr.FromInt32(p.GRPC.Port), true
	}
	return intstr.IntOrString{}, false
}

// checkServices: a Service selects the pods of at least one workload, and
// each of its ports reaches a port that every pod it selects declares,
// with the same protocol.
func checkServices(objs []Object, ws []workload) []error {
	var errs []error
	for _, o := range objs {
		s, ok := o.Value.(*corev1.Service)
		if !ok {
			continue
		}
		if len(s.Spec.Selector) == 0 {
			errs = append(errs, fmt.Errorf("%s: %s: spec.selector is empty: the Service would have no endpoints", o.Where, o))
			continue
		}
		sel := labels.SelectorFromSet(s.Spec.Selector)
		targets := matching(ws, sel)
		if len(targets) == 0 {
			errs = append(errs, fmt.Errorf("%s: %s: spec.selector %q matches no workload's pod labels", o.Where, o, sel))
			continue
		}
		for _, p := range s.Spec.Ports {
			tp := p.TargetPort
			if tp.Type == intstr.Int && tp.IntVal == 0 {
				tp = intstr.FromInt32(p.Port)
			}
			for _, w := range targets {
				if !hasPort(podPorts(w.pod), tp.StrVal, tp.IntVal, p.Protocol) {
					errs = append(errs, fmt.Errorf("%s: %s: port %s: targetPort %s (%s) is not a container port of %s",
						o.Where, o, p.Name, tp.String(), protocol(p.Protocol), w.obj))
				}
			}
		}
	}
	return errs
}

// protocol spells a protocol with its default.
func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// checkDisruptionBudgets: a PodDisruptionBudget selects a workload's pods,
// or it protects nothing.
func checkDisruptionBudgets(objs []Object, ws []workload) []error {
	var errs []error
	for _, o := range objs {
		b, ok := o.Value.(*policyv1.PodDisruptionBudget)
		if !ok {
			continue
		}
		sel, err := labelSelector(o, "spec.selector", b.Spec.Selector)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if sel.Empty() || len(matching(ws, sel)) == 0 {
			errs = append(errs, fmt.Errorf("%s: %s: spec.selector %q matches no workload's pod labels", o.Where, o, sel))
		}
	}
	return errs
}

// checkNetworkPolicies: a policy's podSelector and the pod selectors of its
// peers in the same namespace select workloads, and its named ports are
// ports of the pods it guards. A policy that selects nothing allows
// nothing, silently.
func checkNetworkPolicies(objs []Object, ws []workload) []error {
	var errs []error
	for _, o := range objs {
		np, ok := o.Value.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		sel, err := labelSelector(o, "spec.podSelector", &np.Spec.PodSelector)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		guarded := matching(ws, sel)
		if len(guarded) == 0 {
			errs = append(errs, fmt.Errorf("%s: %s: spec.podSelector %q matches no workload's pod labels", o.Where, o, sel))
		}
		for i, rule := range np.Spec.Ingress {
			errs = append(errs, checkPeers(o, fmt.Sprintf("spec.ingress[%d].from", i), rule.From, ws)...)
			for _, p := range rule.Ports {
				if p.Port == nil || p.Port.Type != intstr.String {
					continue
				}
				proto := corev1.ProtocolTCP
				if p.Protocol != nil {
					proto = *p.Protocol
				}
				for _, w := range guarded {
					if !hasPort(podPorts(w.pod), p.Port.StrVal, 0, proto) {
						errs = append(errs, fmt.Errorf("%s: %s: spec.ingress[%d]: port %q (%s) is not a container port of %s",
							o.Where, o, i, p.Port.StrVal, proto, w.obj))
					}
				}
			}
		}
		for i, rule := range np.Spec.Egress {
			errs = append(errs, checkPeers(o, fmt.Sprintf("spec.egress[%d].to", i), rule.To, ws)...)
		}
	}
	return errs
}

// checkPeers checks the pod selectors of peers in the policy's namespace;
// peers in other namespaces (namespaceSelector) are not ours to know.
func checkPeers(o Object, field string, peers []networkingv1.NetworkPolicyPeer, ws []workload) []error {
	var errs []error
	for j, peer := range peers {
		if peer.PodSelector == nil || peer.NamespaceSelector != nil {
			continue
		}
		sel, err := labelSelector(o, fmt.Sprintf("%s[%d].podSelector", field, j), peer.PodSelector)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(matching(ws, sel)) == 0 {
			errs = append(errs, fmt.Errorf("%s: %s: %s[%d].podSelector %q matches no workload's pod labels",
				o.Where, o, field, j, sel))
		}
	}
	return errs
}
