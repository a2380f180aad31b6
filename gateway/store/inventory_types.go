package store

import (
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// Camera is one camera of the district inventory: where to pull it and how
// to place it. Credentials are references, never values: the names of the
// environment variables (or mounted secrets) that hold them on the edge.
type Camera struct {
	ID          string   `json:"id"`
	Site        string   `json:"site"`
	Name        string   `json:"name"`
	Main        string   `json:"main"`          // RTSP URL of the main stream, without credentials
	Sub         string   `json:"sub,omitempty"` // RTSP URL of the substream used for detection
	Transport   string   `json:"transport"`     // tcp, udp or auto
	Username    string   `json:"username,omitempty"`
	UsernameEnv string   `json:"username_env,omitempty"`
	PasswordEnv string   `json:"password_env,omitempty"`
	Location    *bus.Geo `json:"location,omitempty"`
	// View is what the camera sees, for grouping fire by view (optional).
	View *CameraView `json:"view,omitempty"`
	// PowerArea names the power supply area the camera hangs on (optional):
	// outages are counted by it.
	PowerArea string  `json:"power_area,omitempty"`
	Pin       string  `json:"pin,omitempty"` // the edge that must pull it (a drone's dock), or any
	Weight    float64 `json:"weight"`        // its share of an edge's capacity (default 1)
	Disabled  bool    `json:"disabled"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
	// Revision is the inventory revision of the camera's last change.
	Revision int64 `json:"revision"`
	// Deleted marks a tombstone in ListInventory's feed.
	Deleted bool `json:"deleted,omitempty"`
}

// CameraView is a fixed camera's view on the ground: along Heading
// (degrees clockwise from north, [0, 360)) spanning FOV degrees ((0, 360])
// out to Range metres.
type CameraView struct {
	Heading float64 `json:"heading"`
	FOV     float64 `json:"fov"`
	Range   float64 `json:"range_m"`
}

// Change says what a write did to a camera.
type Change string

// What a write did to a camera.
const (
	Created   Change = "created"
	Updated   Change = "updated"
	Unchanged Change = "unchanged"
)

// CameraQuery selects registered cameras; empty fields match everything.
type CameraQuery struct {
	Sites  []string // any of these sites; nil: every site; empty but not nil: none
	Site   string   // one site
	Q      string   // a case-insensitive substring of the id or the name
	Limit  int      // page size (default 50, at most 500)
	Cursor string   // from the previous page's Next: the last id it held
}

// ImportOptions say who imports and how.
type ImportOptions struct {
	By     string    // recorded as updated_by
	At     time.Time // recorded as updated_at (default now)
	DryRun bool      // count what would change, write nothing
	// Allowed, when set, tells the sites the importer may write: a camera
	// whose new site, or whose registered site, it refuses fails the whole
	// import with an *OutOfScope error.
	Allowed func(site string) bool
}

// ImportResult counts what an import did (or, dry, would do).
type ImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Changed are the ids created or updated, in import order.
	Changed []string `json:"-"`
}

// OutOfScope refuses an import that touches a site the importer may not
// write; nothing was written.
type OutOfScope struct {
	// Index are the positions, in the imported list, of the cameras refused.
	Index []int
	// Sites are the refused sites, in the same order.
	Sites []string
}

// Error names how many cameras were refused.
func (e *OutOfScope) Error() string {
	return "store: import: " + itoa(len(e.Index)) + " cameras are of sites outside the importer's"
}

// SiteCameras counts the registered cameras of one site.
type SiteCameras struct {
	Site     string `json:"site"`
	Cameras  int    `json:"cameras"`
	Disabled int    `json:"disabled"`
}

// Inventory is one batch of the change feed.
type Inventory struct {
	// Changes are the cameras changed after the revision asked for,
	// oldest first; a deleted camera comes as a tombstone (Deleted).
	Changes []Camera
	// Revision is the revision to ask after next: the last change's, or
	// the one asked for when there was none.
	Revision int64
	// More says a further batch is waiting (the limit cut this one).
	More bool
}
