// Package airspace is a site's airspace document and the pre-flight checks
// drawn from it: where drones of the site may fly (the geofence, an
// inclusion polygon, less the no-fly zones), how high (the ceiling), how
// much battery they keep at landing (the reserve), the patrol routes
// pilots launch, and the safe point from which a drone sent to look at a
// camera's target faces it.
//
// One YAML file per site, <site>.yaml in a directory (configs/sites in the
// demo), is read by both ends, like the rule sets of configs/ruleset: the
// gateway checks a launch before it sends it, and the edge checks it again
// before it uploads anything to the autopilot. Files are decoded strictly
// (configs/strict): every problem at once, each with its file, line and
// field.
//
// Geometry is done on a local equirectangular (east-north) projection
// around the site, in metres. At site scale (a few kilometres) its error
// is far below a GPS fix's; it is not meant for areas tens of kilometres
// wide, nor near the poles.
//
// It imports configs/strict and drivers/bus (the patrol points of the
// drone contract) and nothing of edge/ or gateway/.
package airspace
