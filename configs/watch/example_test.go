package watch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/argus-edge/argus/configs/watch"
)

// An edge re-reads its config on change and on SIGHUP (here a Poke).
func Example() {
	dir, err := os.MkdirTemp("", "argus-watch-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(path, []byte("edge: {id: edge-1}\n"), 0o644); err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	seen := make(chan string, 1)
	w := watch.New(path, time.Second, func(data []byte) { seen <- string(data) })
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	fmt.Print(<-seen)

	if err := os.WriteFile(path, []byte("edge: {id: edge-2}\n"), 0o644); err != nil {
		panic(err)
	}
	w.Poke() // as the edge does on SIGHUP
	fmt.Print(<-seen)
	cancel()
	fmt.Println(<-done)
	// Output:
	// edge: {id: edge-1}
	// edge: {id: edge-2}
	// <nil>
}
