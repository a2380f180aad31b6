package kubernetes

import (
	"fmt"
	"math"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// The README's benchmark figures (make bench, 1080p 4 Mbps cameras) that
// size an edge; the worse end of each measured range.
const (
	// ingestCoresPerCamera: edge CPU per stream, 0.16–0.18% of a core.
	ingestCoresPerCamera = 0.0018
	// idleCamerasPerCore: idle cameras watched per core, 286–302.
	idleCamerasPerCore = 286
	// rssPerCamera: edge RSS per camera, 2.18–2.86 MiB, GOP cache included.
	rssPerCamera = 2.9 * 1024 * 1024
	// rssFixed: the edge's RSS without cameras.
	rssFixed = 12 * 1024 * 1024
)

// CheckEdgeSizing checks the edge container's requests against its
// fleet.capacity (edge.yaml) and the benchmark figures: CPU for ingest and
// idle detection of every camera, memory for every camera's RSS; and that
// GOMEMLIMIT sits below the memory limit. Raising the capacity without the
// resources would overcommit every edge host.
func CheckEdgeSizing(objs []Object) []error {
	var edge *appsv1.StatefulSet
	var conf string
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *appsv1.StatefulSet:
			if v.Name == "argus-edge" {
				edge = v
			}
		case *corev1.ConfigMap:
			if c, ok := v.Data["edge.yaml"]; ok {
				conf = c
			}
		}
	}
	if edge == nil || conf == "" {
		return []error{fmt.Errorf("no StatefulSet argus-edge or no edge.yaml")}
	}
	var cfg struct {
		Fleet struct {
			Capacity int `json:"capacity"`
		} `json:"fleet"`
	}
	if err := yaml.Unmarshal([]byte(conf), &cfg); err != nil || cfg.Fleet.Capacity <= 0 {
		return []error{fmt.Errorf("edge.yaml: fleet.capacity must be a positive number (%v)", err)}
	}
	n := float64(cfg.Fleet.Capacity)
	wantCPU := n * (ingestCoresPerCamera + 1.0/idleCamerasPerCore)
	wantMem := n*rssPerCamera + rssFixed
	var c *corev1.Container
	for i := range edge.Spec.Template.Spec.Containers {
		if edge.Spec.Template.Spec.Containers[i].Name == "edge" {
			c = &edge.Spec.Template.Spec.Containers[i]
		}
	}
	if c == nil {
		return []error{fmt.Errorf("StatefulSet argus-edge: no container named edge")}
	}
	var errs []error
	cpu, mem := c.Resources.Requests.Cpu(), c.Resources.Requests.Memory()
	if cpu.AsApproximateFloat64() < wantCPU {
		errs = append(errs, fmt.Errorf("StatefulSet argus-edge: requests.cpu %s < %.2f cores for fleet.capacity %d (ingest %.2f%% + detection 1/%d of a core per camera)",
			cpu, wantCPU, cfg.Fleet.Capacity, ingestCoresPerCamera*100, idleCamerasPerCore))
	}
	if float64(mem.Value()) < wantMem {
		errs = append(errs, fmt.Errorf("StatefulSet argus-edge: requests.memory %s < %.0f MiB for fleet.capacity %d (%.1f MiB per camera + %d MiB)",
			mem, math.Ceil(wantMem/(1<<20)), cfg.Fleet.Capacity, rssPerCamera/(1<<20), rssFixed>>20))
	}
	for _, e := range c.Env {
		if e.Name != "GOMEMLIMIT" {
			continue
		}
		// Go writes MiB as "MiB"; Kubernetes quantities as "Mi".
		q, err := resource.ParseQuantity(trimB(e.Value))
		limit := c.Resources.Limits.Memory()
		if err != nil || q.Cmp(*limit) >= 0 {
			errs = append(errs, fmt.Errorf("StatefulSet argus-edge: GOMEMLIMIT %s must be a size below limits.memory %s", e.Value, limit))
		}
	}
	return errs
}

// trimB turns Go's "1700MiB" into the quantity "1700Mi".
func trimB(s string) string {
	if len(s) > 3 && s[len(s)-1] == 'B' && s[len(s)-2] == 'i' {
		return s[:len(s)-1]
	}
	return s
}
