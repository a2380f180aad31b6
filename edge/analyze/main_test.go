package analyze

import (
	"os"
	"testing"

	"github.com/argus-edge/argus/models"
)

// TestMain lets this test binary vet models in a child process, as the
// edge binary does.
func TestMain(m *testing.M) {
	models.VetChild()
	os.Exit(m.Run())
}
