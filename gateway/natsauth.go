package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/gateway/broker"
	"github.com/argus-edge/argus/gateway/config"
)

// natsAuth writes, for a district's NATS cluster, the authorization block
// of the config's bus users (`gateway nats-auth -config FILE`): each user
// with a bcrypt hash of its password (read from its variable) and the
// permissions the embedded node would grant its role, so a cluster and
// the embedded node let the same users do the same things. The output
// holds no password.
func natsAuth(args []string, out, stderr io.Writer) error {
	fs := flag.NewFlagSet("gateway nats-auth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "the gateway config whose bus.users to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		return errors.New("nats-auth: -config is required")
	}
	cfg, err := config.LoadConfig(*path)
	if err != nil {
		return err
	}
	if len(cfg.Bus.Users) == 0 {
		return fmt.Errorf("nats-auth: %s has no bus users", *path)
	}
	var b strings.Builder
	b.WriteString("# Written by `gateway nats-auth`: the bus users of the gateway config,\n# with the permissions of their roles. Passwords are bcrypt hashes.\nauthorization {\n  users: [\n")
	for _, u := range cfg.Bus.Users {
		hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), bcrypt.DefaultCost)
		if err != nil {
			return fmt.Errorf("nats-auth: user %s: %w", u.Name, err)
		}
		g := broker.GatewayGrant()
		if u.Role == config.BusRoleEdge {
			g = broker.EdgeGrant(u.Edge, u.Sites, u.Drones)
		}
		fmt.Fprintf(&b, "    {user: %s, password: %s, permissions: {publish: {allow: %s}, subscribe: {allow: %s}}}\n",
			strconv.Quote(u.Name), strconv.Quote(string(hash)), confList(g.Publish), confList(g.Subscribe))
	}
	b.WriteString("  ]\n}\n")
	_, err = io.WriteString(out, b.String())
	return err
}

// confList is a list of strings in NATS config syntax (its strings take
// only \\, \" and a few escapes; subjects are plain ASCII).
func confList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
