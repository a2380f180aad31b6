package kubernetes

import (
	"fmt"
	"regexp"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// CheckFleet checks that the addresses written in config files agree with
// the NATS StatefulSet: the edges' fleet.nats URLs and the nodes' cluster
// routes name exactly its pods (argus-nats-0 … argus-nats-<replicas-1>)
// through its headless Service. Scaling NATS in an overlay without them
// would leave a node nobody dials.
func CheckFleet(objs []Object) []error {
	var nats *appsv1.StatefulSet
	cms := map[string]*corev1.ConfigMap{}
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *appsv1.StatefulSet:
			if v.Name == "argus-nats" {
				nats = v
			}
		case *corev1.ConfigMap:
			for key := range v.Data {
				cms[key] = v
			}
		}
	}
	if nats == nil {
		return []error{fmt.Errorf("no StatefulSet argus-nats")}
	}
	n := int32(1)
	if nats.Spec.Replicas != nil {
		n = *nats.Spec.Replicas
	}
	pods := func(port int) []string {
		var urls []string
		for i := range n {
			urls = append(urls, fmt.Sprintf("nats://%s-%d.%s:%d", nats.Name, i, nats.Spec.ServiceName, port))
		}
		return urls
	}
	var errs []error
	if cm, ok := cms["edge.yaml"]; ok {
		var edge struct {
			Fleet struct {
				NATS []string `json:"nats"`
			} `json:"fleet"`
		}
		if err := yaml.Unmarshal([]byte(cm.Data["edge.yaml"]), &edge); err != nil {
			errs = append(errs, fmt.Errorf("ConfigMap %s: edge.yaml: %w", cm.Name, err))
		} else if !slices.Equal(edge.Fleet.NATS, pods(4222)) {
			errs = append(errs, fmt.Errorf("ConfigMap %s: edge.yaml: fleet.nats %v, want the NATS pods %v",
				cm.Name, edge.Fleet.NATS, pods(4222)))
		}
	} else {
		errs = append(errs, fmt.Errorf("no ConfigMap holds edge.yaml"))
	}
	if cm, ok := cms["nats.conf"]; ok {
		routes := routeURL.FindAllString(cm.Data["nats.conf"], -1)
		if !slices.Equal(routes, pods(6222)) {
			errs = append(errs, fmt.Errorf("ConfigMap %s: nats.conf: cluster routes %v, want the NATS pods %v",
				cm.Name, routes, pods(6222)))
		}
	} else {
		errs = append(errs, fmt.Errorf("no ConfigMap holds nats.conf"))
	}
	return errs
}

// routeURL matches a cluster route in nats.conf.
var routeURL = regexp.MustCompile(`nats://[a-z0-9.-]+:6222`)
