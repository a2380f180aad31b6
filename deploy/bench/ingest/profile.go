package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/argus-edge/argus/deploy/bench"
	"github.com/argus-edge/argus/drivers/bearer"
)

// profileEdge saves a heap profile of the running edge (what holds its
// memory: top of in-use bytes printed) and a Go CPU profile and, when perf
// is installed, a perf record of it, one after the other (not during the
// measuring window), and prints the top of each.
func profileEdge(s settings, pid int) error {
	if err := os.MkdirAll(s.out, 0o755); err != nil {
		return err
	}
	heap := filepath.Join(s.out, fmt.Sprintf("ingest-%d-%s.heap", s.n, s.transport))
	fmt.Printf("the edge's heap: %s\n", heap)
	if err := savePprof("/debug/pprof/heap", heap); err != nil {
		return err
	}
	if err := pprofTop(s, heap, "-sample_index=inuse_space"); err != nil {
		return err
	}
	prof := filepath.Join(s.out, fmt.Sprintf("ingest-%d-%s.pprof", s.n, s.transport))
	fmt.Printf("profiling the edge for %s: %s\n", s.profile, prof)
	if err := savePprof(fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(s.profile.Seconds())), prof); err != nil {
		return err
	}
	if err := pprofTop(s, prof); err != nil {
		return err
	}
	return perfEdge(s, pid)
}

// savePprof saves one of the edge's pprof endpoints to a file.
func savePprof(path, file string) error {
	req, err := http.NewRequest(http.MethodGet, "http://"+edgePprof+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", bearer.Header(bench.EdgeToken)) // the profiles take the edge's token
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof %s: %s", path, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// pprofTop prints the top of a profile.
func pprofTop(s settings, prof string, args ...string) error {
	args = append([]string{"tool", "pprof", "-top", "-nodecount=30"}, args...)
	top := exec.Command("go", append(args, filepath.Join(s.bin, "edge"), prof)...)
	top.Stdout, top.Stderr = os.Stdout, os.Stderr
	if err := top.Run(); err != nil {
		return fmt.Errorf("go tool pprof: %w", err)
	}
	return nil
}

// perfEdge records the edge with perf (user and, where the kernel lets
// us, kernel stacks) and prints the symbols over 1% of the samples.
func perfEdge(s settings, pid int) error {
	if _, err := exec.LookPath("perf"); err != nil {
		fmt.Println("perf is not installed: no perf report")
		return nil
	}
	data := filepath.Join(s.out, fmt.Sprintf("ingest-%d-%s.perf.data", s.n, s.transport))
	rec := exec.Command("perf", "record", "-q", "-F", "999", "-g", "-o", data, "-p", strconv.Itoa(pid), "--", "sleep", strconv.Itoa(int(s.profile.Seconds())))
	rec.Stderr = os.Stderr
	if err := rec.Run(); err != nil {
		return fmt.Errorf("perf record: %w", err)
	}
	rep := exec.Command("perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "dso,symbol", "--percent-limit", "1", "-g", "none")
	out, err := rep.Output()
	if err != nil {
		return fmt.Errorf("perf report: %w", err)
	}
	report := filepath.Join(s.out, fmt.Sprintf("ingest-%d-%s.perf.txt", s.n, s.transport))
	if err := os.WriteFile(report, out, 0o644); err != nil {
		return err
	}
	fmt.Printf("perf report (%s, symbols over 1%% of the samples):\n", report)
	for _, line := range strings.Split(string(out), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			fmt.Println(line)
		}
	}
	return nil
}
