package patrol_test

import (
	"errors"
	"fmt"

	"github.com/argus-edge/argus/gateway/patrol"
)

// A refused launch lists every check; the API answers with the status of
// the worst failure: the drone's state (409) over the route (422).
func ExampleStatusOf() {
	err := error(&patrol.Refusal{Kind: patrol.RefusedConflict, Checks: []patrol.Check{
		{Name: "permission", OK: true},
		{Name: "no_fly", Reason: "leg 2 crosses the no-fly zone radio mast"},
		{Name: "idle", Reason: "drone-hillside is flying patrol p-1f2e"},
	}})
	fmt.Println(patrol.StatusOf(err))
	fmt.Println(err)
	fmt.Println(patrol.StatusOf(fmt.Errorf("drone x: %w", patrol.ErrUnknownDrone)))
	fmt.Println(patrol.StatusOf(nil), errors.Is(err, patrol.ErrEdge))
	// Output:
	// 409
	// refused: leg 2 crosses the no-fly zone radio mast; drone-hillside is flying patrol p-1f2e
	// 404
	// 202 false
}
