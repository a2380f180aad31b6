package kubernetes

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// refs resolves the Secrets and ConfigMaps a pod names.
type refs struct {
	w          workload
	configMaps map[string]*corev1.ConfigMap
	ext        External
	errs       []error
}

// checkReferences: every Secret a pod reads is listed in external-secrets
// (with the key it reads, when the list names keys); every ConfigMap it
// reads is defined in the manifests and has the key it reads; every volume
// mount names a volume or a claim template. A pod with a dangling
// reference stays in ContainerCreating, which no rendering shows.
func checkReferences(objs []Object, ws []workload, ext External) []error {
	cms := map[string]*corev1.ConfigMap{}
	for _, o := range objs {
		if cm, ok := o.Value.(*corev1.ConfigMap); ok {
			cms[cm.Name] = cm
		}
	}
	var errs []error
	for _, w := range ws {
		r := &refs{w: w, configMaps: cms, ext: ext}
		r.volumes()
		for _, c := range containers(w.pod) {
			r.env(c)
			r.mounts(c)
		}
		errs = append(errs, r.errs...)
	}
	return errs
}

// fail records a problem of the workload.
func (r *refs) fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s: %s: "+format, append([]any{r.w.obj.Where, r.w.obj}, args...)...))
}

// secret checks a Secret name and, when key is not empty, one of its keys.
func (r *refs) secret(where, name, key string) {
	s, ok := r.ext.secret(name)
	if !ok {
		r.fail("%s: Secret %q is not listed in external-secrets.yaml", where, name)
		return
	}
	if key != "" && len(s.Keys) > 0 && !slices.Contains(s.Keys, key) {
		r.fail("%s: Secret %q: key %q is not one of its listed keys %v", where, name, key, s.Keys)
	}
}

// configMap checks a ConfigMap name and, when key is not empty, one of its keys.
func (r *refs) configMap(where, name, key string) {
	cm, ok := r.configMaps[name]
	if !ok {
		r.fail("%s: ConfigMap %q is not defined", where, name)
		return
	}
	if key == "" {
		return
	}
	if _, ok := cm.Data[key]; ok {
		return
	}
	if _, ok := cm.BinaryData[key]; !ok {
		r.fail("%s: ConfigMap %q has no key %q", where, name, key)
	}
}

// env checks a container's env and envFrom.
func (r *refs) env(c corev1.Container) {
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			continue
		}
		where := fmt.Sprintf("container %s: env %s", c.Name, e.Name)
		if s := e.ValueFrom.SecretKeyRef; s != nil {
			r.secret(where, s.Name, s.Key)
		}
		if cm := e.ValueFrom.ConfigMapKeyRef; cm != nil {
			r.configMap(where, cm.Name, cm.Key)
		}
	}
	for i, e := range c.EnvFrom {
		where := fmt.Sprintf("container %s: envFrom[%d]", c.Name, i)
		if e.SecretRef != nil {
			r.secret(where, e.SecretRef.Name, "")
		}
		if e.ConfigMapRef != nil {
			r.configMap(where, e.ConfigMapRef.Name, "")
		}
	}
}

// volumes checks the pod's Secret and ConfigMap volumes and their items.
func (r *refs) volumes() {
	for _, v := range r.w.pod.Volumes {
		where := "volume " + v.Name
		switch {
		case v.Secret != nil:
			r.secret(where, v.Secret.SecretName, "")
			for _, it := range v.Secret.Items {
				r.secret(where, v.Secret.SecretName, it.Key)
			}
		case v.ConfigMap != nil:
			r.configMap(where, v.ConfigMap.Name, "")
			for _, it := range v.ConfigMap.Items {
				r.configMap(where, v.ConfigMap.Name, it.Key)
			}
		}
	}
}

// mounts checks that each mount names a volume or claim, and that a subPath
// into a ConfigMap or Secret volume names one of its keys.
func (r *refs) mounts(c corev1.Container) {
	for _, m := range c.VolumeMounts {
		where := fmt.Sprintf("container %s: volumeMount %s", c.Name, m.Name)
		if slices.Contains(r.w.claims, m.Name) {
			continue
		}
		i := slices.IndexFunc(r.w.pod.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name })
		if i < 0 {
			r.fail("%s: no volume or volumeClaimTemplate of that name", where)
			continue
		}
		v := r.w.pod.Volumes[i]
		if m.SubPath == "" {
			continue
		}
		switch {
		case v.ConfigMap != nil:
			r.configMap(where+" subPath", v.ConfigMap.Name, m.SubPath)
		case v.Secret != nil:
			r.secret(where+" subPath", v.Secret.SecretName, m.SubPath)
		}
	}
}

// UnusedExternal returns the Secrets listed as external that no pod reads:
// a stale list sends operators to create Secrets for nothing.
func UnusedExternal(objs []Object, ext External) []error {
	used := map[string]bool{}
	for _, w := range workloads(objs) {
		for _, v := range w.pod.Volumes {
			if v.Secret != nil {
				used[v.Secret.SecretName] = true
			}
		}
		for _, c := range containers(w.pod) {
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					used[e.ValueFrom.SecretKeyRef.Name] = true
				}
			}
			for _, e := range c.EnvFrom {
				if e.SecretRef != nil {
					used[e.SecretRef.Name] = true
				}
			}
		}
	}
	var errs []error
	for _, s := range ext.Secrets {
		if !used[s.Name] {
			errs = append(errs, fmt.Errorf("external-secrets.yaml: Secret %q is read by no pod", s.Name))
		}
	}
	return errs
}
