package mavlink

import (
	"net/url"
	"strings"
	"testing"

	"github.com/bluenviron/gomavlib/v3"
)

func TestParseLink(t *testing.T) {
	for _, c := range []struct {
		link string
		want gomavlib.EndpointConf
		err  string
	}{
		{link: "udps://0.0.0.0:14550", want: gomavlib.EndpointUDPServer{Address: "0.0.0.0:14550"}},
		{link: "udps://:14550", want: gomavlib.EndpointUDPServer{Address: ":14550"}},
		{link: "udpc://192.168.1.20:14550", want: gomavlib.EndpointUDPClient{Address: "192.168.1.20:14550"}},
		{link: "tcps://127.0.0.1:5760", want: gomavlib.EndpointTCPServer{Address: "127.0.0.1:5760"}},
		{link: "tcpc://[::1]:5760", want: gomavlib.EndpointTCPClient{Address: "[::1]:5760"}},
		{link: "serial:///dev/ttyUSB0?baud=115200", want: gomavlib.EndpointSerial{Device: "/dev/ttyUSB0", Baud: 115200}},
		{link: "serial:///dev/ttyACM0", want: gomavlib.EndpointSerial{Device: "/dev/ttyACM0", Baud: 57600}},
		{link: "udp://1.2.3.4:14550", err: `scheme "udp"`},
		{link: "udpc://:14550", err: "needs a host"},
		{link: "tcpc://:5760", err: "needs a host"},
		{link: "udps://host", err: "want udps://host:port"},
		{link: "udps://host:0", err: "want 1..65535"},
		{link: "udps://host:99999", err: "want 1..65535"},
		{link: "udps://host:14550/x", err: "nothing after it"},
		{link: "tcpc://pilot:secret@host:5760", err: "credentials"},
		{link: "serial://dev/ttyUSB0", err: "want serial:///dev"},
		{link: "serial:///dev/ttyUSB0?baud=fast", err: `baud "fast"`},
		{link: "serial:///dev/ttyUSB0?parity=even", err: `unknown option "parity"`},
		{link: "%%", err: "invalid URL escape"},
	} {
		got, err := ParseLink(c.link)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one containing %q", c.link, err, c.err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("%s: the error leaks the password: %v", c.link, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %#v, %v; want %#v", c.link, got, err, c.want)
		}
	}
}

// FuzzParseLink: any string gives an endpoint or an error naming the
// link, never a panic, and never an echo of a password.
func FuzzParseLink(f *testing.F) {
	for _, s := range []string{"udps://:14550", "udpc://10.0.0.2:14550", "tcpc://h:5760", "serial:///dev/ttyUSB0?baud=57600",
		"tcpc://u:pw@h:1", "udps://[::]:1", "serial:///?baud=", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, link string) {
		ep, err := ParseLink(link)
		if (ep == nil) == (err == nil) {
			t.Fatalf("%q: endpoint %v and error %v", link, ep, err)
		}
		if u, perr := url.Parse(link); err != nil && perr == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && len(pw) >= 4 && strings.Contains(err.Error(), pw) {
				t.Fatalf("%q: error leaks the password: %v", link, err)
			}
		}
	})
}
