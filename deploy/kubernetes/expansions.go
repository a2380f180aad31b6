package kubernetes

import (
	"fmt"
	"regexp"
	"slices"
)

// reference is a Kubernetes variable reference, $(NAME); $$(NAME) escapes it.
var reference = regexp.MustCompile(`\$?\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)`)

// checkExpansions: every $(NAME) in a container's command, args, env values
// and subPathExpr names a variable defined before it in that container.
// Kubernetes leaves an unknown reference as it is, so a typo would start
// the edge with the id "$(POD_NMAE)" and no error anywhere.
func checkExpansions(ws []workload) []error {
	var errs []error
	for _, w := range ws {
		for _, c := range containers(w.pod) {
			var defined []string // in order: a reference sees only those before it
			check := func(field, value string) {
				for _, m := range reference.FindAllStringSubmatch(value, -1) {
					if m[0][0:2] == "$$" {
						continue
					}
					// envFrom defines names only its Secret or ConfigMap knows.
					if len(c.EnvFrom) == 0 && !slices.Contains(defined, m[1]) {
						errs = append(errs, fmt.Errorf("%s: %s: container %s: %s: $(%s) is not an env variable defined before it (Kubernetes would pass it on unexpanded)",
							w.obj.Where, w.obj, c.Name, field, m[1]))
					}
				}
			}
			for _, e := range c.Env {
				check("env "+e.Name, e.Value)
				defined = append(defined, e.Name)
			}
			for i, a := range c.Command {
				check(fmt.Sprintf("command[%d]", i), a)
			}
			for i, a := range c.Args {
				check(fmt.Sprintf("args[%d]", i), a)
			}
			for _, m := range c.VolumeMounts {
				check("volumeMount "+m.Name+" subPathExpr", m.SubPathExpr)
			}
		}
	}
	return errs
}
