package incidents

import (
	"fmt"
	"strings"

	"github.com/argus-edge/argus/gateway/store"
)

// title says what an incident is in a line, e.g. "fire seen by 2 cameras
// near cam-a" or "Site outage at north: 120 cameras offline".
func title(g *group) string {
	first := ""
	if len(g.inc.Cameras) > 0 {
		first = g.inc.Cameras[0]
	}
	switch g.inc.Rule {
	case store.RuleOutage:
		return fmt.Sprintf("Site outage at %s: %d cameras offline (%s)", g.inc.Site, len(g.cams), g.inc.Cause)
	case store.RuleFlapping:
		return fmt.Sprintf("%s flapping: %s %d times", first, g.inc.Kind, g.inc.Count)
	case store.RuleArea:
		if len(g.cams) > 1 {
			return fmt.Sprintf("%s seen by %d cameras near %s", g.inc.Kind, len(g.cams), first)
		}
		return fmt.Sprintf("%s at %s", g.inc.Kind, first)
	}
	if g.inc.Count > 1 {
		return fmt.Sprintf("%s on %s (%d times)", g.inc.Kind, first, g.inc.Count)
	}
	return fmt.Sprintf("%s on %s", g.inc.Kind, first)
}

// outageCause is the likely cause of a site outage: the members' edges
// known offline, else many cameras at once.
func outageCause(edges map[string]bool, offline func(string) bool) string {
	var lost []string
	if offline != nil {
		for _, e := range sortedKeys(edges, 0) {
			if offline(e) {
				lost = append(lost, e)
			}
		}
	}
	if len(lost) > 0 {
		return "edge lost: " + strings.Join(lost, ", ")
	}
	return "many cameras at once"
}
