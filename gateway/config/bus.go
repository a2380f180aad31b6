package config

import (
	"os"
	"slices"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access"
)

// BusFile is the config's bus section: the embedded NATS node's JetStream
// directory, its TLS files, and who may log in to it (MQTT and nats.go).
type BusFile struct {
	StoreDir string         `yaml:"store_dir"` // JetStream's directory (default var/nats)
	TLS      BusTLSFile     `yaml:"tls"`
	Users    []BusUserEntry `yaml:"users"`
}

// BusTLSFile names the PEM files that put TLS on the MQTT and NATS client ports.
type BusTLSFile struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// BusUserEntry is one bus login; its password is read from password_env.
type BusUserEntry struct {
	Name        string   `yaml:"name"`
	Role        string   `yaml:"role"`   // gateway or edge
	Edge        string   `yaml:"edge"`   // role edge: the edge id
	Sites       []string `yaml:"sites"`  // role edge: site ids, or "*"
	Drones      []string `yaml:"drones"` // role edge: drone ids, or "*"; optional
	PasswordEnv string   `yaml:"password_env"`
}

// Bus roles.
const (
	BusRoleGateway = "gateway"
	BusRoleEdge    = "edge"
)

// ReservedBusUser is the gateway's own internal login: no entry may take its name.
const ReservedBusUser = "argus-gateway"

// DefaultBusStoreDir is JetStream's directory when the config names none.
const DefaultBusStoreDir = "var/nats"

// BusConfig is the checked bus section. Passwords are secrets: never log them.
type BusConfig struct {
	StoreDir          string
	CertFile, KeyFile string
	Users             []BusUser
}

// BusUser is a checked bus login with its password read.
type BusUser struct {
	Name, Role, Edge string
	Sites, Drones    []string
	Password         string
}

// parseBus checks the bus section and reads its passwords.
func parseBus(ps *strict.Problems, f BusFile, lookup func(string) (string, bool)) BusConfig {
	c := BusConfig{StoreDir: f.StoreDir, CertFile: f.TLS.CertFile, KeyFile: f.TLS.KeyFile}
	if c.StoreDir == "" {
		c.StoreDir = DefaultBusStoreDir
	}
	checkTLSFiles(ps, f.TLS)
	names, edges := map[string]bool{ReservedBusUser: true}, map[string]string{}
	for i, e := range f.Users {
		at := strict.Index("bus.users", i)
		if e.Name == ReservedBusUser {
			ps.Addf(strict.Child(at, "name"), "%q is the gateway's own login: choose another name", e.Name)
		} else {
			checkName(ps, strict.Child(at, "name"), e.Name, names)
		}
		switch e.Role {
		case BusRoleEdge:
			checkBusEdge(ps, at, e, edges)
		case BusRoleGateway:
			for _, field := range []struct {
				name string
				set  bool
			}{{"edge", e.Edge != ""}, {"sites", len(e.Sites) > 0}, {"drones", len(e.Drones) > 0}} {
				if field.set {
					ps.Add(strict.Child(at, field.name), "only role edge is limited by edge, sites and drones; role gateway reaches all of argus/v1")
				}
			}
		default:
			ps.Addf(strict.Child(at, "role"), "%q is not one of gateway, edge", e.Role)
		}
		password, ok := resolve(ps, strict.Child(at, "password_env"), e.PasswordEnv, "password", 72, lookup)
		if ok {
			c.Users = append(c.Users, BusUser{Name: e.Name, Role: e.Role, Edge: e.Edge, Sites: e.Sites, Drones: e.Drones, Password: password})
		}
	}
	return c
}

// checkBusEdge checks an edge login's edge, sites and drones.
func checkBusEdge(ps *strict.Problems, at string, e BusUserEntry, edges map[string]string) {
	switch err := bus.ValidID(e.Edge); {
	case e.Edge == "":
		ps.Add(strict.Child(at, "edge"), "missing: an edge login names its edge")
	case err != nil:
		ps.Add(strict.Child(at, "edge"), err.Error())
	case edges[e.Edge] != "":
		ps.Addf(strict.Child(at, "edge"), "edge %q already has the login %q", e.Edge, edges[e.Edge])
	default:
		edges[e.Edge] = e.Name
	}
	checkSites(ps, strict.Child(at, "sites"), e.Sites)
	if slices.Contains(e.Sites, access.AllSites) && len(e.Sites) > 1 {
		ps.Add(strict.Child(at, "sites"), `"*" already covers every site; list it alone`)
	}
	for j, d := range e.Drones {
		if d != access.AllSites && bus.ValidID(d) != nil {
			ps.Addf(strict.Index(strict.Child(at, "drones"), j), "%q is not a drone id (a-z 0-9 _ -) or \"*\"", d)
		}
	}
	if slices.Contains(e.Drones, access.AllSites) && len(e.Drones) > 1 {
		ps.Add(strict.Child(at, "drones"), `"*" already covers every drone; list it alone`)
	}
}

// checkTLSFiles wants both files or neither, and both readable.
func checkTLSFiles(ps *strict.Problems, t BusTLSFile) {
	if (t.CertFile == "") != (t.KeyFile == "") {
		ps.Add("bus.tls", "name both cert_file and key_file, or neither")
		return
	}
	for _, f := range []struct{ field, path string }{{"bus.tls.cert_file", t.CertFile}, {"bus.tls.key_file", t.KeyFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			ps.Add(f.field, err.Error())
		}
	}
}
