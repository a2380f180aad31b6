package configs

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// testKey is a signing key for tests only.
var testKey = bytes.Repeat([]byte{0x42, 0x17}, 16)

// The signing rules: drones without a key and without allow_unsigned,
// and a key together with allow_unsigned, are refused at file:line.
func TestMAVLinkSigningRefusals(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		field, msg string
	}{
		{"no key, no mavlink section", droneBase, 9, "mavlink.signing_key_env", "is required with drones"},
		{"no key, section without it", droneBase + "mavlink: {allow_unsigned: false}\n", 15, "mavlink.signing_key_env", "or set mavlink.allow_unsigned: true"},
		{"key and allow_unsigned", droneBase + "mavlink:\n  signing_key_env: K\n  allow_unsigned: true\n", 17, "mavlink.allow_unsigned", "drop one of the two"},
		{"bad variable name", droneBase + "mavlink:\n  signing_key_env: 'A-B'\n", 16, "mavlink.signing_key_env", "is not an environment variable name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml))
			wantProblem(t, err, tc.line, tc.field, tc.msg)
		})
	}
	// Without drones nothing is asked; allow_unsigned alone is enough.
	if _, err := Parse("t.yaml", []byte(base)); err != nil {
		t.Errorf("no drones: %v", err)
	}
	if _, err := Parse("t.yaml", []byte(droneBase+unsignedOK)); err != nil {
		t.Errorf("allow_unsigned: %v", err)
	}
}

// The key comes from the variable only; a missing or malformed one is an
// error at file:line naming the variable, never quoting the value.
func TestMAVLinkSigningKey(t *testing.T) {
	doc := droneBase + "mavlink:\n  signing_key_env: T_ARGUS_MAVLINK_KEY\n"
	e, err := Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{hex.EncodeToString(testKey), strings.ToUpper(hex.EncodeToString(testKey)) + "\n",
		base64.StdEncoding.EncodeToString(testKey), base64.RawURLEncoding.EncodeToString(testKey)} {
		t.Setenv("T_ARGUS_MAVLINK_KEY", v)
		key, err := e.MAVLink.SigningKey()
		if err != nil || !bytes.Equal(key, testKey) {
			t.Errorf("key written %q: got %x, %v", v, key, err)
		}
	}
	for _, v := range []string{"", "secret-but-short", hex.EncodeToString(testKey)[:62], hex.EncodeToString(testKey) + "00",
		base64.StdEncoding.EncodeToString(testKey[:31]), "zz" + hex.EncodeToString(testKey)[2:]} {
		t.Setenv("T_ARGUS_MAVLINK_KEY", v)
		_, err := e.MAVLink.SigningKey()
		if err == nil {
			t.Errorf("key written %q: accepted", v)
			continue
		}
		want := "t.yaml:16: mavlink.signing_key_env: environment variable T_ARGUS_MAVLINK_KEY: not a MAVLink signing key"
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("key written %q: error %q, want prefix %q", v, err, want)
		}
		if v != "" && strings.Contains(err.Error(), v) {
			t.Errorf("error quotes the value: %v", err)
		}
	}
	t.Setenv("T_ARGUS_MAVLINK_KEY", "")
	e.MAVLink.SigningKeyEnv = "T_ARGUS_MAVLINK_KEY_UNSET"
	if _, err := e.MAVLink.SigningKey(); err == nil || err.Error() != "t.yaml:16: mavlink.signing_key_env: environment variable T_ARGUS_MAVLINK_KEY_UNSET is not set" {
		t.Errorf("unset variable: %v", err)
	}
}

// FuzzParseMAVLinkKey: any input gives a 32-byte key or the one error,
// which never holds the input.
func FuzzParseMAVLinkKey(f *testing.F) {
	for _, s := range []string{hex.EncodeToString(testKey), base64.StdEncoding.EncodeToString(testKey),
		base64.RawURLEncoding.EncodeToString(testKey), "", " \n", "zz", strings.Repeat("0", 64), strings.Repeat("=", 44)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, err := ParseMAVLinkKey(s)
		switch {
		case err == nil && len(key) != MAVLinkKeySize:
			t.Fatalf("%q: key of %d bytes", s, len(key))
		case err != nil && key != nil:
			t.Fatalf("%q: key with an error", s)
		case err != nil && len(s) > 3 && strings.Contains(err.Error(), s):
			t.Fatalf("%q: error quotes the input: %v", s, err)
		}
	})
}

// The demo signs its drones' links: demo.yaml names the variable, the
// simulator's fleet file names the same one, and deploy/demo.sh exports
// a default that is a valid key.
func TestDemoSigning(t *testing.T) {
	e, err := Parse(DemoFile, Demo)
	if err != nil {
		t.Fatal(err)
	}
	const name = "ARGUS_DEMO_MAVLINK_KEY"
	if e.MAVLink.SigningKeyEnv != name || e.MAVLink.AllowUnsigned {
		t.Errorf("demo mavlink %+v, want signing_key_env %s", e.MAVLink, name)
	}
	fleet, err := os.ReadFile("sim-demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(fleet), "signing_key_env: "+name); n != 2 {
		t.Errorf("sim-demo.yaml names %s for %d drones, want 2", name, n)
	}
	script, err := os.ReadFile("../deploy/demo.sh")
	if err != nil {
		t.Fatal(err)
	}
	prefix := "export " + name + "=${" + name + ":-"
	_, rest, ok := strings.Cut(string(script), prefix)
	def, _, closed := strings.Cut(rest, "}")
	if !ok || !closed {
		t.Fatalf("demo.sh does not export %s with a default", name)
	}
	if _, err := ParseMAVLinkKey(def); err != nil {
		t.Errorf("demo.sh's default %s: %v", name, err)
	}
}
