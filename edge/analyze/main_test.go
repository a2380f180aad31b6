package analyze

import (
	"io"
	"os"
	"testing"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/log"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/models"
)

// globalLog keeps what zerolog's global logger wrote in this test binary:
// the objects detector says there its fallback to the classic detectors,
// once per process, so a test can assert the line whichever test caused it.
var globalLog peers.LogBuffer

// TestMain lets this test binary vet models in a child process, as the
// edge binary does, and tees the global logger into globalLog.
func TestMain(m *testing.M) {
	models.VetChild()
	log.Logger = zerolog.New(io.MultiWriter(os.Stderr, &globalLog)).With().Timestamp().Logger()
	os.Exit(m.Run())
}
