package kubernetes

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
)

// The manifests are checked as kustomize builds them, with the library
// kubectl uses; nothing runs against a cluster. What a cluster would add
// (admission, scheduling) is out of reach here and not simulated.

// overlays are the kustomizations operators apply.
var overlays = []string{"base", "overlays/district"}

// render builds dir and decodes it strictly, failing on any error.
func render(t *testing.T, dir string) []Object {
	t.Helper()
	out, err := Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	objs, errs := DecodeStream(out, dir+" (rendered)")
	if len(errs) > 0 {
		t.Fatal(errors.Join(errs...))
	}
	return objs
}

// external loads the base's list of Secrets made by the operators.
func external(t *testing.T) External {
	t.Helper()
	ext, err := LoadExternal("base/external-secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return ext
}

func TestSourcesDecodeStrictly(t *testing.T) {
	for _, dir := range overlays {
		t.Run(dir, func(t *testing.T) {
			if errs := CheckSources(dir); len(errs) > 0 {
				t.Fatal(errors.Join(errs...))
			}
		})
	}
}

func TestRenderedManifestsPassEveryCheck(t *testing.T) {
	ext := external(t)
	for _, dir := range overlays {
		t.Run(dir, func(t *testing.T) {
			objs := render(t, dir)
			errs := append(Check(objs, ext), UnusedExternal(objs, ext)...)
			errs = append(errs, CheckFleet(objs)...)
			errs = append(errs, CheckScrapeConfig(objs)...)
			errs = append(errs, CheckEdgeSizing(objs)...)
			errs = append(errs, CheckRelays(objs)...)
			if len(errs) > 0 {
				t.Fatal(errors.Join(errs...))
			}
		})
	}
}

// find returns the object of that kind and name, failing when absent.
func find[T any](t *testing.T, objs []Object, kind, name string) T {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind && o.Name == name {
			return o.Value.(T)
		}
	}
	var zero T
	t.Fatalf("no %s %s", kind, name)
	return zero
}

func TestTheDistrictHasWhatTheIssueAsks(t *testing.T) {
	objs := render(t, "overlays/district")
	nats := find[*appsv1.StatefulSet](t, objs, "StatefulSet", "argus-nats")
	if *nats.Spec.Replicas != 3 {
		t.Errorf("NATS replicas = %d, want 3", *nats.Spec.Replicas)
	}
	if got := nats.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage().String(); got != "50Gi" {
		t.Errorf("NATS JetStream claim = %s, want the overlay's 50Gi", got)
	}
	edges := find[*appsv1.StatefulSet](t, objs, "StatefulSet", "argus-edge")
	if *edges.Spec.Replicas != 150 {
		t.Errorf("edges = %d, want 150 (41,000 cameras at ≤ 300 per edge with 5 edges lost)", *edges.Spec.Replicas)
	}
	if 41000 > (*edges.Spec.Replicas-5)*300 {
		t.Errorf("%d edges minus 5 cannot hold 41,000 cameras at 300 each", *edges.Spec.Replicas)
	}
	args := strings.Join(edges.Spec.Template.Spec.Containers[0].Args, " ")
	if !strings.Contains(args, "-id $(POD_NAME)") {
		t.Errorf("edge args %q do not take the pod's name as the edge id", args)
	}
	gw := find[*appsv1.Deployment](t, objs, "Deployment", "argus-gateway")
	if *gw.Spec.Replicas != 2 {
		t.Errorf("gateway replicas = %d, want 2", *gw.Spec.Replicas)
	}
	for _, name := range []string{"argus-nats", "argus-edge", "argus-gateway"} {
		pdb := find[*policyv1.PodDisruptionBudget](t, objs, "PodDisruptionBudget", name)
		if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 {
			t.Errorf("PodDisruptionBudget %s: maxUnavailable %v, want 1", name, pdb.Spec.MaxUnavailable)
		}
	}
}

// testExternal is the broken cases' list of Secrets.
var testExternal = External{Secrets: []ExternalSecret{{Name: "app-secret", Keys: []string{"password"}, Holds: "x"}}}

// decodeFile decodes a file, failing on any error.
func decodeFile(t *testing.T, path string) []Object {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs, errs := DecodeStream(raw, path)
	if len(errs) > 0 {
		t.Fatal(errors.Join(errs...))
	}
	return objs
}

// Each case in testdata/broken is testdata/good.yaml with one object
// replaced; its first line says which error it must cause.
func TestBrokenManifestsAreRefused(t *testing.T) {
	good := decodeFile(t, "testdata/good.yaml")
	if errs := Check(good, testExternal); len(errs) > 0 {
		t.Fatalf("the good fixture fails: %v", errors.Join(errs...))
	}
	cases, _ := filepath.Glob("testdata/broken/*.yaml")
	if len(cases) < 15 {
		t.Fatalf("found %d broken cases", len(cases))
	}
	for _, path := range cases {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(raw), "\n")
			want, ok := strings.CutPrefix(first, "# want: ")
			if !ok {
				t.Fatalf("first line %q is not \"# want: <error>\"", first)
			}
			objs, errs := DecodeStream(raw, path)
			if len(errs) == 0 {
				errs = Check(replace(good, objs), testExternal)
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), want) {
					return
				}
			}
			t.Fatalf("no error says %q; got %v", want, errs)
		})
	}
}

// replace returns base with the objects of the same kind and name as
// those of with replaced by them.
func replace(base, with []Object) []Object {
	out := append([]Object{}, base...)
	for _, w := range with {
		for i, o := range out {
			if o.Kind == w.Kind && o.Name == w.Name {
				out[i] = w
			}
		}
	}
	return out
}

func TestBrokenKustomizationsAreRefused(t *testing.T) {
	cases := []struct{ dir, want string }{
		{"typo", `unknown field "resource"`},
		{"patch-unknown", `patch.yaml:1: Deployment app: unknown field "spec.replica"`},
		{"duplicate", `service.yaml:1: yaml: unmarshal errors:
  line 12: key "ports" already set in map`},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			errs := CheckSources(filepath.Join("testdata/kustomize", c.dir))
			if err := errors.Join(errs...); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error with %q, got %v", c.want, err)
			}
		})
	}
}

func TestDashboardQueriesExportedMetrics(t *testing.T) {
	known, err := ExportedMetrics("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"argus_bus_queue_depth", "argus_camera_online", "argus_gateway_edges"} {
		if !known[m] {
			t.Fatalf("%s not found in the main module's source (found %d names)", m, len(known))
		}
	}
	raw, err := os.ReadFile("base/grafana/argus.json")
	if err != nil {
		t.Fatal(err)
	}
	if errs := CheckDashboard(raw, "base/grafana/argus.json", known); len(errs) > 0 {
		t.Fatal(errors.Join(errs...))
	}
	cases := []struct{ file, want string }{
		{"good.json", ""},
		{"unknown-metric.json", "metric argus_bus_queue_dropped_total is not exported by the code"},
		{"duplicate-id.json", "id 1 is used twice"},
		{"no-metric.json", "names no known metric"},
		{"no-query.json", "has no query"},
		{"syntax.json", "invalid character"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata/grafana", c.file))
			if err != nil {
				t.Fatal(err)
			}
			err = errors.Join(CheckDashboard(raw, c.file, known)...)
			switch {
			case c.want == "" && err != nil:
				t.Fatal(err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("want an error with %q, got %v", c.want, err)
			}
		})
	}
}

func TestFleetAddressesFollowTheNATSReplicas(t *testing.T) {
	objs := render(t, "overlays/district")
	nats := find[*appsv1.StatefulSet](t, objs, "StatefulSet", "argus-nats")
	five := int32(5)
	nats.Spec.Replicas = &five // as an overlay scaling NATS alone would
	err := errors.Join(CheckFleet(objs)...)
	for _, want := range []string{"edge.yaml: fleet.nats", "nats.conf: cluster routes"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("5 NATS pods with 3 addresses: want an error with %q, got %v", want, err)
		}
	}
}

func TestScrapeJobsThatKeepNothingAreRefused(t *testing.T) {
	cases := []struct{ from, to, want string }{
		{"regex: argus-edge\n", "regex: argus-edges\n", "job argus-edge: keeps no workload's pods"},
		{"regex: metrics\n", "regex: metric\n", `job argus-nats: keeps ports named "^(?:metric)$", which StatefulSet argus-nats has not`},
		{"names: [argus]", "names: [argus-system]", `job argus-edge: looks in namespaces [argus-system], not "argus"`},
		{"scrape_configs:", "scrape_config:", `unknown field "scrape_config"`},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			objs := render(t, "overlays/district")
			for _, o := range objs {
				if cm, ok := o.Value.(*corev1.ConfigMap); ok && cm.Data["prometheus.yml"] != "" {
					if !strings.Contains(cm.Data["prometheus.yml"], c.from) {
						t.Fatalf("prometheus.yml has no %q to break", c.from)
					}
					cm.Data["prometheus.yml"] = strings.Replace(cm.Data["prometheus.yml"], c.from, c.to, 1)
				}
			}
			err := errors.Join(CheckScrapeConfig(objs)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error with %q, got %v", c.want, err)
			}
		})
	}
}

func TestEdgeResourcesFollowTheCapacity(t *testing.T) {
	// fleet.capacity doubled without the resources, GOMEMLIMIT above the limit.
	objs := render(t, "overlays/district")
	for _, o := range objs {
		if cm, ok := o.Value.(*corev1.ConfigMap); ok && cm.Data["edge.yaml"] != "" {
			cm.Data["edge.yaml"] = strings.Replace(cm.Data["edge.yaml"], "capacity: 300", "capacity: 600", 1)
		}
	}
	edges := find[*appsv1.StatefulSet](t, objs, "StatefulSet", "argus-edge")
	for i, e := range edges.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "GOMEMLIMIT" {
			edges.Spec.Template.Spec.Containers[0].Env[i].Value = "4GiB"
		}
	}
	err := errors.Join(CheckEdgeSizing(objs)...)
	for _, want := range []string{
		"requests.cpu 2 < 3.18 cores for fleet.capacity 600",
		"requests.memory 1536Mi < 1752 MiB for fleet.capacity 600",
		"GOMEMLIMIT 4GiB must be a size below limits.memory 2Gi",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error with %q, got %v", want, err)
		}
	}
}

// TestRelaysReachTheAskingReplica: each way of losing a replica's uplink
// is refused, naming what is wrong.
func TestRelaysReachTheAskingReplica(t *testing.T) {
	cases := []struct {
		name string
		edit func(objs []Object)
		want string
	}{
		{"no -relay-url", func(objs []Object) {
			c := &find[*appsv1.Deployment](t, objs, "Deployment", "argus-gateway").Spec.Template.Spec.Containers[0]
			i := slices.Index(c.Args, "-relay-url")
			c.Args = slices.Delete(c.Args, i, i+2)
		}, "2 replicas without -relay-url"},
		{"the Service's address", func(objs []Object) {
			c := &find[*appsv1.Deployment](t, objs, "Deployment", "argus-gateway").Spec.Template.Spec.Containers[0]
			c.Args[slices.Index(c.Args, "-relay-url")+1] = "http://argus-gateway:8080"
		}, "-relay-url http://argus-gateway:8080, want http://$(POD_IP):8080"},
		{"edges trust the load-balanced Service", func(objs []Object) {
			for _, o := range objs {
				if cm, ok := o.Value.(*corev1.ConfigMap); ok && cm.Data["edge.yaml"] != "" {
					cm.Data["edge.yaml"] = strings.Replace(cm.Data["edge.yaml"], "http://argus-gateway-replicas:8080", "http://argus-gateway:8080", 1)
				}
			}
		}, "names no headless Service over the gateway pods on port 8080"},
		{"headless Service not headless", func(objs []Object) {
			find[*corev1.Service](t, objs, "Service", "argus-gateway-replicas").Spec.ClusterIP = ""
		}, "names no headless Service"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			objs := render(t, "overlays/district")
			c.edit(objs)
			err := errors.Join(CheckRelays(objs)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error with %q, got %v", c.want, err)
			}
		})
	}
}
