package kubernetes_test

import (
	"fmt"

	"github.com/argus-edge/argus/deploy/kubernetes"
)

// Render an overlay, decode it strictly and run the cross-checks, as
// `make test` does for the district.
func Example() {
	out, err := kubernetes.Render("overlays/district")
	if err != nil {
		fmt.Println(err)
		return
	}
	objs, errs := kubernetes.DecodeStream(out, "district")
	ext, err := kubernetes.LoadExternal("base/external-secrets.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	errs = append(errs, kubernetes.Check(objs, ext)...)
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.Kind]++
	}
	fmt.Println(len(errs), "problems;", kinds["StatefulSet"], "StatefulSets,", kinds["Deployment"], "Deployment,",
		kinds["Service"], "Services,", kinds["PodDisruptionBudget"], "PDBs,", kinds["NetworkPolicy"], "NetworkPolicies,",
		kinds["ConfigMap"], "ConfigMaps")
	// Output: 0 problems; 2 StatefulSets, 1 Deployment, 6 Services, 3 PDBs, 3 NetworkPolicies, 5 ConfigMaps
}
