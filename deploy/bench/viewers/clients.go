package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/argus-edge/argus/deploy/bench"
)

// client is one viewer process.
type client struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	events chan event
}

type event struct {
	Event     string  `json:"event"`
	MS        float64 `json:"ms"`
	Packets   int64   `json:"packets"`
	Bytes     int64   `json:"bytes"`
	Keyframes int64   `json:"keyframes"`
	Gaps      int64   `json:"gaps"`
	Late      int64   `json:"late"`
	CPUTicks  int64   `json:"cpu_ticks"`
}

func (st *stack) startClient(url, token string) (*client, error) {
	cmd := exec.Command(st.client, "-url", url, "-token", token)
	if profileDir != "" && url != lastProfiled {
		// The first client of each server is profiled (-client-profiles).
		lastProfiled = url
		cmd.Args = append(cmd.Args, "-cpuprofile", filepath.Join(profileDir, fmt.Sprintf("client-%d.pprof", bench.FreePort("tcp"))))
	}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &client{cmd: cmd, in: in, events: make(chan event, 16)}
	go func() {
		defer close(c.events)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var e event
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				c.events <- e
			}
		}
	}()
	return c, nil
}

func (c *client) send(line string) { io.WriteString(c.in, line+"\n") }

// await returns the client's next event named name.
func (c *client) await(name string, limit time.Duration) (event, error) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case e, ok := <-c.events:
			if !ok {
				return e, fmt.Errorf("client exited before %s", name)
			}
			if e.Event == name {
				return e, nil
			}
		case <-timer.C:
			return event{}, fmt.Errorf("no %s from a client within %s", name, limit)
		}
	}
}

func (c *client) close() {
	c.in.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}
