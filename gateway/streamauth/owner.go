package streamauth

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/argus-edge/argus/gateway/sfu"
)

// Owned wraps an Authorizer so that an edge token may publish only the
// cameras its edge owns, as owner (the directory) says. A camera no edge has
// reported yet is left to inner; admin tokens are not restricted.
func Owned(inner sfu.Authorizer, owner func(camera string) (edge string, ok bool)) sfu.Authorizer {
	return owned{Authorizer: inner, owner: owner}
}

type owned struct {
	sfu.Authorizer
	owner func(camera string) (string, bool)
}

// Edge refuses an edge publishing a camera that another edge owns.
func (o owned) Edge(r *http.Request, camera string) (string, error) {
	who, err := o.Authorizer.Edge(r, camera)
	if err != nil {
		return who, err
	}
	edge, isEdge := strings.CutPrefix(who, "edge:") // sfu.Tokens names an edge token "edge:<id>"
	if !isEdge {
		return who, nil
	}
	if want, ok := o.owner(camera); ok && want != edge {
		return who, &sfu.AuthError{Status: http.StatusForbidden,
			Reason: fmt.Sprintf("camera %s belongs to edge %s, not %s", camera, want, edge)}
	}
	return who, nil
}
