//go:build linux

package sfu

import (
	"net"
	"testing"
)

// A link-local peer's zone is its interface's name, as Go's read gives
// it; an index with no interface stays a number.
func TestReadZoneNames(t *testing.T) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	m := &mmsg{}
	for _, c := range []struct {
		index uint32
		want  string
	}{{uint32(lo.Index), "lo"}, {1 << 30, "1073741824"}, {uint32(lo.Index), "lo"}} {
		if got := m.zone(c.index); got != c.want {
			t.Errorf("zone of index %d: %q, want %q", c.index, got, c.want)
		}
	}
}
