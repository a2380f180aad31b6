package peers

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// daemon starts cmd, copies its stderr to the test log (each line after
// name, until the test ends) and returns once a line contains readyLine,
// failing the test if the process exits first or is not ready within the
// time given (it is then killed). The channel it returns is closed when
// the process has exited.
func daemon(t testing.TB, cmd *exec.Cmd, name, readyLine string, within time.Duration) <-chan struct{} {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	ready, exited := make(chan bool, 1), make(chan struct{})
	log := &safeLog{t: t}
	t.Cleanup(log.stop)
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			log.printf("%s: %s", name, sc.Text())
			if !signalled && strings.Contains(sc.Text(), readyLine) {
				ready <- true
				signalled = true
			}
		}
		if !signalled {
			ready <- false
		}
		cmd.Wait()
		close(exited)
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("%s exited before it was ready", name)
		}
	case <-time.After(within):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("%s not ready after %s", name, within)
	}
	return exited
}
