package config

import (
	"net/netip"
	"os"
	"strings"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/gateway/login"
)

// The config's sections about the gateway's HTTP server: its certificate,
// the proxies whose forwarding headers it believes, the /metrics token and
// the limits that bound what one user, or nobody in particular, may cost.

// TLSFile names the PEM certificate chain and key the gateway serves
// HTTPS with (the console, the API, WHIP and WHEP).
type TLSFile struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// MetricsFile names the variable holding the token a Prometheus scraper
// sends as a bearer token to /metrics.
type MetricsFile struct {
	TokenEnv string `yaml:"token_env"`
}

// LimitsFile bounds what callers may hold or send; an unset key keeps its default.
type LimitsFile struct {
	WHEPPerUser    *int `yaml:"whep_per_user"`     // WHEP sessions one viewer may hold
	WHEPTotal      *int `yaml:"whep_total"`        // WHEP sessions of all viewers together
	SSEPerUser     *int `yaml:"sse_per_user"`      // /api/events connections one user may hold
	BodyBytes      *int `yaml:"body_bytes"`        // a JSON or YAML request body
	ImportBytes    *int `yaml:"import_bytes"`      // a camera import (CSV or JSON)
	LoginChecks    *int `yaml:"login_checks"`      // password checks (bcrypt) running at once
	LoginsPerMin   *int `yaml:"logins_per_minute"` // login attempts one client address may make per minute
	AuditAddresses *int `yaml:"audit_addresses"`   // client addresses audited apart per minute for refused anonymous calls
}

// Limits are the checked limits.
type Limits struct {
	WHEPPerUser, WHEPTotal, SSEPerUser int
	BodyBytes, ImportBytes             int64
	LoginChecks, LoginsPerMinute       int
	AuditAddresses                     int
}

// DefaultLimits: a wall of 16 streams per operator, 2,000 streams in all
// (an SFU core carries about a thousand), 4 console tabs per user, 1 MiB
// JSON bodies, 16 MiB imports (41,000 cameras are about 6 MiB of CSV
// and 10 MiB of YAML), 4
// bcrypt checks at once (each is ~50 ms of one core), 30 login attempts a
// minute per address, 1,000 addresses a minute audited apart.
var DefaultLimits = Limits{WHEPPerUser: 64, WHEPTotal: 2000, SSEPerUser: 16, BodyBytes: 1 << 20, ImportBytes: 16 << 20,
	LoginChecks: login.DefaultLoginChecks, LoginsPerMinute: login.DefaultLoginsPerMinute, AuditAddresses: 1000}

// parseTLS checks that both files are named, or neither, and exist.
func parseTLS(ps *strict.Problems, t TLSFile) (cert, key string) {
	if (t.CertFile == "") != (t.KeyFile == "") {
		ps.Add("tls", "name both cert_file and key_file, or neither")
		return "", ""
	}
	for _, f := range []struct{ field, path string }{{"tls.cert_file", t.CertFile}, {"tls.key_file", t.KeyFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			ps.Add(f.field, err.Error())
		}
	}
	return t.CertFile, t.KeyFile
}

// parseProxies reads CIDRs (or single addresses) of trusted proxies.
func parseProxies(ps *strict.Problems, list []string) []netip.Prefix {
	var out []netip.Prefix
	for i, s := range list {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				ps.Addf(strict.Index("trusted_proxies", i), "%q is not a CIDR like 10.0.0.0/8 or an address", s)
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out
}

// parseMetrics reads the /metrics scrape token, when a variable is named.
func parseMetrics(ps *strict.Problems, f MetricsFile, lookup func(string) (string, bool)) string {
	if f.TokenEnv == "" {
		return ""
	}
	tok, _ := resolve(ps, "metrics.token_env", f.TokenEnv, "token", 0, lookup)
	return tok
}

// parseLimits fills the defaults and refuses values below 1.
func parseLimits(ps *strict.Problems, f LimitsFile) Limits {
	l := DefaultLimits
	for _, it := range []struct {
		field string
		v     *int
		dst   *int
	}{{"limits.whep_per_user", f.WHEPPerUser, &l.WHEPPerUser}, {"limits.whep_total", f.WHEPTotal, &l.WHEPTotal},
		{"limits.sse_per_user", f.SSEPerUser, &l.SSEPerUser}, {"limits.login_checks", f.LoginChecks, &l.LoginChecks},
		{"limits.logins_per_minute", f.LoginsPerMin, &l.LoginsPerMinute}, {"limits.audit_addresses", f.AuditAddresses, &l.AuditAddresses}} {
		if it.v == nil {
			continue
		}
		if *it.v < 1 {
			ps.Addf(it.field, "%d: want at least 1", *it.v)
		}
		*it.dst = *it.v
	}
	for _, it := range []struct {
		field string
		v     *int
		dst   *int64
	}{{"limits.body_bytes", f.BodyBytes, &l.BodyBytes}, {"limits.import_bytes", f.ImportBytes, &l.ImportBytes}} {
		if it.v == nil {
			continue
		}
		if *it.v < 1024 {
			ps.Addf(it.field, "%d: want at least 1024 bytes", *it.v)
		}
		*it.dst = int64(*it.v)
	}
	return l
}
