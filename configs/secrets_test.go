package configs

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"rtsp://10.0.0.1:554/Streaming/Channels/101", "rtsp://10.0.0.1:554/Streaming/Channels/101"},
		{"rtsp://admin:pw@10.0.0.1:554/x", "rtsp://admin:xxxxx@10.0.0.1:554/x"},
		{"rtsps://admin:p%40ss@cam.example.net/x", "rtsps://admin:xxxxx@cam.example.net/x"},
		{"rtsp://admin@10.0.0.1/x", "rtsp://admin@10.0.0.1/x"}, // a user name is no secret
		{"rtsp://:pw@10.0.0.1/x", "rtsp://:xxxxx@10.0.0.1/x"},
		{"rtsp://admin:pw@x@10.0.0.1/x", "rtsp://admin:xxxxx@10.0.0.1/x"},
		{"rtsp://10.0.0.1/cam/realmonitor?channel=1&subtype=0", "rtsp://10.0.0.1/cam/realmonitor?channel=1&subtype=0"},
		{"rtsp://10.0.0.1/x?user=admin&password=pw&channel=1", "rtsp://10.0.0.1/x?user=admin&password=xxxxx&channel=1"},
		{"rtsp://10.0.0.1/x?PWD=pw", "rtsp://10.0.0.1/x?PWD=xxxxx"},
		// Unparseable: everything between "://" and the last "@" goes.
		{"rtsp://admin:p w@10.0.0.1/x", "rtsp://xxxxx@10.0.0.1/x"},
		{"rtsp://admin:pw@10.0.0.1:port/x", "rtsp://xxxxx@10.0.0.1:port/x"},
		{"rtsp://ad\x7fmin:pw@h/x", "rtsp://xxxxx@h/x"},
		{"rtsp://admin:pw@h/x?password=pw\x7f", "rtsp://admin:xxxxx@h/x?password=xxxxx"},
		// A password with '/', '?' or '#' typed into it cuts the authority
		// short: the "@" after it gives it away.
		{"rtsp://admin:#pw@10.0.0.1/x", "rtsp://xxxxx@10.0.0.1/x"},
		{"rtsp://admin:?pw@10.0.0.1/x", "rtsp://xxxxx@10.0.0.1/x"},
		{"rtsp://admin:123/pw@10.0.0.1", "rtsp://xxxxx@10.0.0.1"},
		{"rtsp://10.0.0.1/x?a=b@c&password=pw", "rtsp://xxxxx@c&password=xxxxx"},
		{"rtsp://10.0.0.1/x?password=p@w", "rtsp://10.0.0.1/x?password=xxxxx"},
		{"rtsp://10.0.0.1/x#password=pw", "rtsp://10.0.0.1/x#password=xxxxx"},
		{"rtsp://10.0.0.1/x;passwd=pw", "rtsp://10.0.0.1/x;passwd=xxxxx"},
		// Parsed without a host: the userinfo was taken for a path.
		{"rtsp:/admin:pw@10.0.0.1/x", "rtsp:/xxxxx@10.0.0.1/x"},
		{"rtsp:admin:pw@10.0.0.1/x", "rtsp:xxxxx@10.0.0.1/x"},
		{"admin:pw@10.0.0.1", "admin:xxxxx@10.0.0.1"},
		{"u:pw@h/a://b", "u:xxxxx@h/a://b"},
		{"", ""},
		{"not a url", "not a url"},
	}
	for _, tc := range cases {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(tc.in, "pw") && strings.Contains(Redact(tc.in), "pw") {
			t.Errorf("Redact(%q) leaks the password", tc.in)
		}
	}
}

func TestCredentials(t *testing.T) {
	t.Setenv("ARGUS_TEST_USER", "operator")
	t.Setenv("ARGUS_TEST_PASS", "s3cret")
	t.Setenv("ARGUS_TEST_EMPTY", "")
	cases := []struct {
		name           string
		cam            Camera
		user, pass     string
		errHas, errNot string
	}{
		{"none", Camera{ID: "c"}, "", "", "", ""},
		{"inline user", Camera{ID: "c", Username: "admin"}, "admin", "", "", ""},
		{"inline user, env password", Camera{ID: "c", Username: "admin", PasswordEnv: "ARGUS_TEST_PASS"}, "admin", "s3cret", "", ""},
		{"env user and password", Camera{ID: "c", UsernameEnv: "ARGUS_TEST_USER", PasswordEnv: "ARGUS_TEST_PASS"}, "operator", "s3cret", "", ""},
		{"empty password is set", Camera{ID: "c", Username: "admin", PasswordEnv: "ARGUS_TEST_EMPTY"}, "admin", "", "", ""},
		{"password unset", Camera{ID: "gate", Username: "admin", PasswordEnv: "ARGUS_TEST_UNSET_PASS"}, "", "",
			"camera gate: password_env: environment variable ARGUS_TEST_UNSET_PASS is not set", ""},
		{"user unset, password set", Camera{ID: "gate", UsernameEnv: "ARGUS_TEST_UNSET_USER", PasswordEnv: "ARGUS_TEST_PASS"}, "", "",
			"environment variable ARGUS_TEST_UNSET_USER is not set", "s3cret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			user, pass, err := tc.cam.Credentials()
			if tc.errHas == "" {
				if err != nil {
					t.Fatalf("Credentials: %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("Credentials error %v, want it to contain %q", err, tc.errHas)
			}
			if tc.errNot != "" && err != nil && strings.Contains(err.Error(), tc.errNot) {
				t.Fatalf("error %q leaks %q", err, tc.errNot)
			}
			if user != tc.user || pass != tc.pass {
				t.Fatalf("Credentials = %q, %q; want %q, %q", user, pass, tc.user, tc.pass)
			}
		})
	}
}
