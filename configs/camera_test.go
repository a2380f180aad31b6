package configs

import "testing"

func TestCameraSame(t *testing.T) {
	base := Camera{ID: "c", Site: "s", Main: "rtsp://h/x", Transport: "tcp", Location: &Location{Lat: 1, Lon: 2}}
	cases := []struct {
		name   string
		change func(c *Camera)
		same   bool
	}{
		{"identical copy", func(c *Camera) {}, true},
		{"equal location, other pointer", func(c *Camera) { c.Location = &Location{Lat: 1, Lon: 2} }, true},
		{"location moved", func(c *Camera) { c.Location = &Location{Lat: 1, Lon: 2, Alt: 3} }, false},
		{"location removed", func(c *Camera) { c.Location = nil }, false},
		{"main", func(c *Camera) { c.Main = "rtsp://h/y" }, false},
		{"sub", func(c *Camera) { c.Sub = "rtsp://h/sub" }, false},
		{"transport", func(c *Camera) { c.Transport = "udp" }, false},
		{"password_env", func(c *Camera) { c.PasswordEnv = "P" }, false},
		{"name", func(c *Camera) { c.Name = "Gate" }, false},
		{"disabled", func(c *Camera) { c.Disabled = true }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			tc.change(&o)
			if got := base.Same(o); got != tc.same {
				t.Errorf("Same = %v, want %v", got, tc.same)
			}
			if got := o.Same(base); got != tc.same {
				t.Errorf("Same is not symmetric")
			}
		})
	}
	if !(Camera{}).Same(Camera{}) {
		t.Error("zero cameras differ")
	}
}
