package kubernetes

import (
	"fmt"
	"regexp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// scrapeConfig is the part of Prometheus's config schema the jobs use;
// it is decoded strictly, so a key outside it is reported (extend the
// struct when a job needs more of Prometheus's keys).
type scrapeConfig struct {
	ScrapeConfigs []struct {
		JobName       string `json:"job_name"`
		MetricsPath   string `json:"metrics_path"`
		Authorization *struct {
			Type            string `json:"type"`
			CredentialsFile string `json:"credentials_file"`
		} `json:"authorization"`
		Kubernetes []struct {
			Role       string `json:"role"`
			Namespaces struct {
				Names []string `json:"names"`
			} `json:"namespaces"`
		} `json:"kubernetes_sd_configs"`
		Relabel []struct {
			SourceLabels []string `json:"source_labels"`
			Regex        string   `json:"regex"`
			Action       string   `json:"action"`
			TargetLabel  string   `json:"target_label"`
		} `json:"relabel_configs"`
	} `json:"scrape_configs"`
}

// The pod meta labels the jobs keep pods and ports by.
const (
	metaName = "__meta_kubernetes_pod_label_app_kubernetes_io_name"
	metaPort = "__meta_kubernetes_pod_container_port_name"
)

// CheckScrapeConfig reads the prometheus.yml of the ConfigMap that holds
// one and checks each job against the workloads: the pods it keeps by
// their app.kubernetes.io/name exist, the port name it keeps is a port of
// theirs, and it looks in the namespace the objects are in. A job that
// keeps nothing scrapes nothing, and Prometheus says nothing about it.
func CheckScrapeConfig(objs []Object) []error {
	var cm *corev1.ConfigMap
	for _, o := range objs {
		if c, ok := o.Value.(*corev1.ConfigMap); ok && c.Data["prometheus.yml"] != "" {
			cm = c
		}
	}
	if cm == nil {
		return []error{fmt.Errorf("no ConfigMap holds prometheus.yml")}
	}
	var cfg scrapeConfig
	if err := yaml.UnmarshalStrict([]byte(cm.Data["prometheus.yml"]), &cfg); err != nil {
		return []error{fmt.Errorf("ConfigMap %s: prometheus.yml: %w", cm.Name, err)}
	}
	if len(cfg.ScrapeConfigs) == 0 {
		return []error{fmt.Errorf("ConfigMap %s: prometheus.yml has no scrape_configs", cm.Name)}
	}
	ws := workloads(objs)
	var errs []error
	for _, job := range cfg.ScrapeConfigs {
		fail := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("ConfigMap %s: prometheus.yml: job %s: "+format, append([]any{cm.Name, job.JobName}, args...)...))
		}
		for _, sd := range job.Kubernetes {
			if cm.Namespace != "" && !slices.Contains(sd.Namespaces.Names, cm.Namespace) {
				fail("looks in namespaces %v, not %q where the pods are", sd.Namespaces.Names, cm.Namespace)
			}
		}
		var kept []workload
		var portRe *regexp.Regexp
		for _, r := range job.Relabel {
			if r.Action != "keep" || len(r.SourceLabels) != 1 {
				continue
			}
			re, err := regexp.Compile("^(?:" + r.Regex + ")$")
			if err != nil {
				fail("regex %q: %v", r.Regex, err)
				continue
			}
			switch r.SourceLabels[0] {
			case metaName:
				for _, w := range ws {
					if re.MatchString(labels.Set(w.labels).Get("app.kubernetes.io/name")) {
						kept = append(kept, w)
					}
				}
			case metaPort:
				portRe = re
			}
		}
		if len(kept) == 0 {
			fail("keeps no workload's pods by %s", metaName)
		}
		if portRe == nil {
			fail("keeps no port by %s: every port of the pods would be scraped", metaPort)
			continue
		}
		for _, w := range kept {
			if !slices.ContainsFunc(podPorts(w.pod), func(p corev1.ContainerPort) bool { return portRe.MatchString(p.Name) }) {
				fail("keeps ports named %q, which %s has not", portRe, w.obj)
			}
		}
	}
	return errs
}
