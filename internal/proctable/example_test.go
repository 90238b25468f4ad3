package proctable_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/contaudit/contaudit/internal/proctable"
)

// record stands for a decoded audit record: its stamp and pid=/ppid=.
type record struct {
	at        time.Time
	pid, ppid int32
}

// The daemon's shape: Run follows the kernel in the background; before
// attributing each batch of audit records (already received), Sync applies
// every process event the kernel queued before those records were made.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tb, err := proctable.Open(proctable.Config{Retention: 30 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer tb.Close()
	tb.OnFork(func(parent, child proctable.ProcID) { /* inherit parent's contid */ })
	tb.OnExit(func(id proctable.ProcID) { /* drop id's contid reference */ })
	go func() {
		if err := tb.Run(ctx); err != nil {
			log.Print(err)
		}
	}()

	batch := []record{{at: time.Now(), pid: 1, ppid: 0}}
	if err := tb.Sync(); err != nil {
		log.Fatal(err)
	}
	for _, r := range batch {
		id, ok := tb.Attribute(r.pid, r.ppid, r.at)
		if !ok {
			continue
		}
		p, _ := tb.Get(id)
		fmt.Println(p.ID, p.Comm, p.NS.PID, p.Cgroup)
	}
}
