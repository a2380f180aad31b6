package fleet

import (
	"crypto/rand"
	"encoding/hex"
	"slices"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/bus"
)

// Heartbeat is an edge's value in BucketEdges, rewritten every beat with a
// per-key TTL: while it is there the edge is live.
type Heartbeat struct {
	Edge        string   `json:"edge"`
	Capacity    float64  `json:"capacity"`
	Sites       []string `json:"sites,omitempty"`
	Incarnation string   `json:"incarnation"`
	Draining    bool     `json:"draining"`
	Load        float64  `json:"load"`
	Version     string   `json:"version"`
	Time        bus.Time `json:"time"`
	// Epoch is the revision of its assignment the edge has applied: every
	// camera that assignment took away is stopped. The assigner waits for
	// it before giving a moved camera to its next edge.
	Epoch uint64 `json:"epoch"`
}

// Lease is the value of LeaseKey in BucketLease.
type Lease struct {
	Holder      string   `json:"holder"`
	Incarnation string   `json:"incarnation"`
	Time        bus.Time `json:"time"`
}

// Assignment is an edge's value in BucketAssign: what it must pull. The
// key's revision is the epoch carried in bus.Owner.
type Assignment struct {
	Edge    string   `json:"edge"`
	Cameras []string `json:"cameras"`
	Drones  []string `json:"drones"`
}

// has tells whether the assignment lists the camera or drone id.
func (a Assignment) has(id string) bool {
	return slices.Contains(a.Cameras, id) || slices.Contains(a.Drones, id)
}

// CameraSpec is a camera's value in BucketCameras: configs.Camera's fields
// under their YAML names, plus placement's pin and weight. Credentials are
// references (environment variable names), never values.
type CameraSpec struct {
	ID          string            `json:"id"`
	Site        string            `json:"site"`
	Name        string            `json:"name,omitempty"`
	Main        string            `json:"main"`
	Sub         string            `json:"sub,omitempty"`
	Transport   string            `json:"transport,omitempty"`
	Username    string            `json:"username,omitempty"`
	UsernameEnv string            `json:"username_env,omitempty"`
	PasswordEnv string            `json:"password_env,omitempty"`
	Location    *configs.Location `json:"location,omitempty"`
	Disabled    bool              `json:"disabled,omitempty"`
	Pin         string            `json:"pin,omitempty"`    // edge id the camera must run on while it lives
	Weight      float64           `json:"weight,omitempty"` // relative pull cost; 0 means 1
}

// SpecOf is the inventory record of camera c.
func SpecOf(c configs.Camera, pin string, weight float64) CameraSpec {
	return CameraSpec{ID: c.ID, Site: c.Site, Name: c.Name, Main: c.Main, Sub: c.Sub,
		Transport: c.Transport, Username: c.Username, UsernameEnv: c.UsernameEnv,
		PasswordEnv: c.PasswordEnv, Location: c.Location, Disabled: c.Disabled,
		Pin: pin, Weight: weight}
}

// Camera is the spec as the edge's camera config.
func (s CameraSpec) Camera() configs.Camera {
	return configs.Camera{ID: s.ID, Site: s.Site, Name: s.Name, Main: s.Main, Sub: s.Sub,
		Transport: s.Transport, Username: s.Username, UsernameEnv: s.UsernameEnv,
		PasswordEnv: s.PasswordEnv, Location: s.Location, Disabled: s.Disabled}
}

// NewIncarnation is a random id for one process start.
func NewIncarnation() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
