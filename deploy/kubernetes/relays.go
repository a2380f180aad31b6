package kubernetes

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// CheckRelays checks that an edge's uplink can reach the gateway replica
// that asked for it: with more than one replica, the gateway names itself
// (-relay-url http://$(POD_IP):<its http port>, POD_IP from the pod's
// status.podIP) and the edges' relay.gateways trust it through a headless
// Service over the gateway pods on that port, same scheme. Without them a
// relay's uplink lands on either replica and a viewer on the other never
// gets media, or the edge refuses every replica's URL.
func CheckRelays(objs []Object) []error {
	var gw *appsv1.Deployment
	var svcs []*corev1.Service
	var edgeYAML string
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			if v.Name == "argus-gateway" {
				gw = v
			}
		case *corev1.Service:
			svcs = append(svcs, v)
		case *corev1.ConfigMap:
			if s, ok := v.Data["edge.yaml"]; ok {
				edgeYAML = s
			}
		}
	}
	if gw == nil || len(gw.Spec.Template.Spec.Containers) == 0 {
		return []error{fmt.Errorf("no Deployment argus-gateway")}
	}
	c := gw.Spec.Template.Spec.Containers[0]
	relayURL := ""
	if i := slices.Index(c.Args, "-relay-url"); i >= 0 && i+1 < len(c.Args) {
		relayURL = c.Args[i+1]
	}
	if relayURL == "" {
		if gw.Spec.Replicas == nil || *gw.Spec.Replicas <= 1 {
			return nil // one gateway: the edges' relay.gateway reaches it
		}
		return []error{fmt.Errorf("Deployment argus-gateway: %d replicas without -relay-url: an edge's uplink may land on another replica than its viewer's", *gw.Spec.Replicas)}
	}
	var errs []error
	port := containerPort(c, "http")
	if want := fmt.Sprintf("http://$(POD_IP):%d", port); relayURL != want {
		errs = append(errs, fmt.Errorf("Deployment argus-gateway: -relay-url %s, want %s (the pod's own address and http port)", relayURL, want))
	}
	if i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "POD_IP" }); i < 0 ||
		c.Env[i].ValueFrom == nil || c.Env[i].ValueFrom.FieldRef == nil || c.Env[i].ValueFrom.FieldRef.FieldPath != "status.podIP" {
		errs = append(errs, fmt.Errorf("Deployment argus-gateway: env POD_IP must come from fieldRef status.podIP"))
	}
	var edge struct {
		Relay struct {
			Gateways []string `json:"gateways"`
		} `json:"relay"`
	}
	if err := yaml.Unmarshal([]byte(edgeYAML), &edge); err != nil {
		return append(errs, fmt.Errorf("edge.yaml: %w", err))
	}
	pods := labels.Set(gw.Spec.Template.Labels)
	for _, g := range edge.Relay.Gateways {
		u, err := url.Parse(g)
		if err != nil || u.Scheme != "http" {
			continue
		}
		p, _ := strconv.Atoi(u.Port())
		for _, s := range svcs {
			if s.Name == u.Hostname() && s.Spec.ClusterIP == corev1.ClusterIPNone && len(s.Spec.Selector) > 0 &&
				labels.SelectorFromSet(s.Spec.Selector).Matches(pods) && p == port && servicePort(s, p) {
				return errs
			}
		}
	}
	return append(errs, fmt.Errorf("edge.yaml: relay.gateways %v names no headless Service over the gateway pods on port %d: the edges would refuse every replica's -relay-url", edge.Relay.Gateways, port))
}

// containerPort is the number of c's port called name, 0 when none.
func containerPort(c corev1.Container, name string) int {
	for _, p := range c.Ports {
		if p.Name == name {
			return int(p.ContainerPort)
		}
	}
	return 0
}

// servicePort tells whether s serves port p.
func servicePort(s *corev1.Service, p int) bool {
	return slices.ContainsFunc(s.Spec.Ports, func(sp corev1.ServicePort) bool { return int(sp.Port) == p })
}
