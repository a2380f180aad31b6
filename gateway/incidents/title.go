package incidents

import (
	"fmt"
	"strings"

	"github.com/argus-edge/argus/gateway/store"
)

// title says what an incident is in a line, e.g. "fire seen by 2 cameras
// near cam-a" or "Site outage at north: 120 cameras offline".
func title(g *group) string {
	first := "" // the camera that opened it: the one people know it by
	switch {
	case len(g.list) > 0:
		first = g.list[0].Camera
	case len(g.inc.Cameras) > 0:
		first = g.inc.Cameras[0]
	}
	switch g.inc.Rule {
	case store.RuleOutage:
		if g.inc.PowerArea != "" {
			return fmt.Sprintf("Power area %s outage at %s: %d cameras offline (%s)", g.inc.PowerArea, strings.Join(g.inc.Sites, ", "), len(g.cams), g.inc.Cause)
		}
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

// outageCause is the likely cause of an outage: the power area's supply
// when the outage is a power area's, the members' edges known offline
// (both when both), else many cameras at once.
func outageCause(power string, edges map[string]bool, offline func(string) bool) string {
	var lost []string
	if offline != nil {
		for _, e := range sortedKeys(edges, 0) {
			if offline(e) {
				lost = append(lost, e)
			}
		}
	}
	var cause []string
	if power != "" {
		cause = append(cause, "power lost in area "+power)
	}
	if len(lost) > 0 {
		cause = append(cause, "edge lost: "+strings.Join(lost, ", "))
	}
	if len(cause) == 0 {
		return "many cameras at once"
	}
	return strings.Join(cause, "; ")
}
