package drone

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	simdrone "github.com/argus-edge/argus/drivers/sim/drone"
)

// simChildEnv, when set ("N udpc://host:port"), makes the test binary a
// child that flies N simulated drones (system ids 1..N) on that link
// until its standard input closes: the benchmark keeps the vehicles'
// CPU out of the edge's.
const simChildEnv = "ARGUS_TEST_SIM_DRONES"

func TestMain(m *testing.M) {
	if spec := os.Getenv(simChildEnv); spec != "" {
		if err := simChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "sim child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// simChild runs the drones of spec until stdin closes (the parent died
// or is done).
func simChild(spec string) error {
	n, link, ok := strings.Cut(spec, " ")
	count, err := strconv.Atoi(n)
	if !ok || err != nil {
		return fmt.Errorf("%s=%q: want \"N link\"", simChildEnv, spec)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, count)
	for i := 1; i <= count; i++ {
		d, err := simdrone.New(simdrone.Options{SystemID: i, Link: link, Home: benchHome(i), Log: zerolog.Nop()})
		if err != nil {
			return err
		}
		go func() { errs <- d.Run(ctx) }()
	}
	go func() { io.Copy(io.Discard, os.Stdin); cancel() }()
	<-ctx.Done()
	for range count {
		<-errs
	}
	return nil
}
