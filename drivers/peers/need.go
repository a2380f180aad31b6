package peers

import (
	"os"
	"os/exec"
	"testing"
)

// Need skips the test when a program is missing, saying which and how to
// install it; under CI (CI=true) a missing program fails the test instead,
// since `make deps` installs them all.
func Need(t testing.TB, program, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err == nil {
		return p
	}
	msg := program + " not found: apt-get install " + debianPackage + " (make deps does)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
