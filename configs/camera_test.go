package configs

import "testing"

func TestCameraSame(t *testing.T) {
	base := Camera{ID: "c", Site: "s", Main: "rtsp://h/x", Transport: "tcp", Location: &Location{Lat: 1, Lon: 2}}
	cases := []struct {
		name   string
		change func(c *Camera)
		same   bool
		// samePull: only the description changed, the pull stays.
		samePull bool
	}{
		{"identical copy", func(c *Camera) {}, true, true},
		{"equal location, other pointer", func(c *Camera) { c.Location = &Location{Lat: 1, Lon: 2} }, true, true},
		{"location moved", func(c *Camera) { c.Location = &Location{Lat: 1, Lon: 2, Alt: 3} }, false, true},
		{"location removed", func(c *Camera) { c.Location = nil }, false, true},
		{"name", func(c *Camera) { c.Name = "Gate" }, false, true},
		{"site", func(c *Camera) { c.Site = "t" }, false, true},
		{"main", func(c *Camera) { c.Main = "rtsp://h/y" }, false, false},
		{"sub", func(c *Camera) { c.Sub = "rtsp://h/sub" }, false, false},
		{"transport", func(c *Camera) { c.Transport = "udp" }, false, false},
		{"username", func(c *Camera) { c.Username = "u" }, false, false},
		{"username_env", func(c *Camera) { c.UsernameEnv = "U" }, false, false},
		{"password_env", func(c *Camera) { c.PasswordEnv = "P" }, false, false},
		{"disabled", func(c *Camera) { c.Disabled = true }, false, false},
		// Moving changes how the analysis judges the camera: it starts anew.
		{"moving", func(c *Camera) { c.Moving = true }, false, false},
		{"kind", func(c *Camera) { c.Kind = KindPTZ }, false, false},
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
			if got := base.SamePull(o); got != tc.samePull {
				t.Errorf("SamePull = %v, want %v", got, tc.samePull)
			}
			if got := o.SamePull(base); got != tc.samePull {
				t.Errorf("SamePull is not symmetric")
			}
		})
	}
	if !(Camera{}).Same(Camera{}) {
		t.Error("zero cameras differ")
	}
}

func TestCameraIsMoving(t *testing.T) {
	for _, c := range []struct {
		cam  Camera
		want bool
	}{
		{Camera{}, false},
		{Camera{Kind: KindFixed}, false},
		{Camera{Kind: KindFixed, Moving: true}, true},
		{Camera{Kind: KindPTZ}, true},
		{Camera{Kind: KindDrone}, true},
		{Camera{Kind: KindHandheld}, true},
	} {
		if got := c.cam.IsMoving(); got != c.want {
			t.Errorf("%+v: IsMoving %v, want %v", c.cam, got, c.want)
		}
	}
}
