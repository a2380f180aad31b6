package mavlink_test

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/peers"
)

// Every goroutine of a node ends with Close, links and all; Close twice
// is fine; its metrics register and read.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	n, err := mavlink.New(mavlink.Options{Links: []string{"udps://" + peers.FreeUDPAddr(t), "tcps://127.0.0.1:" + strconv.Itoa(peers.FreePort(t))}, Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	n.Vehicle(3)
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(n); err != nil {
		t.Fatal(err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP argus_mavlink_vehicles Vehicles known to the node, by link state (up, link_lost, none).
# TYPE argus_mavlink_vehicles gauge
argus_mavlink_vehicles{link="link_lost"} 0
argus_mavlink_vehicles{link="none"} 1
argus_mavlink_vehicles{link="up"} 0
`), "argus_mavlink_vehicles"); err != nil {
		t.Error(err)
	}
	n.Close()
	n.Close()
	if !peers.Eventually(5*time.Second, func() bool { return runtime.NumGoroutine() <= before }) {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
	}
}

func TestNewRefuses(t *testing.T) {
	for _, c := range []struct {
		o    mavlink.Options
		want string
	}{
		{mavlink.Options{}, "no links"},
		{mavlink.Options{Links: []string{"udp://x:1"}}, `scheme "udp"`},
		{mavlink.Options{Links: []string{"udps://:14550"}, SystemID: 300}, "system id 300"},
	} {
		if _, err := mavlink.New(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
}
