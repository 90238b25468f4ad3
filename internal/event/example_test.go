package event_test

import (
	"fmt"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/event"
)

// The daemon's loop: records from netlink go to Add, a ticker calls Expire,
// shutdown calls Flush. Events are handled before the next call, since
// their slices are lent.
func Example() {
	a := event.NewAssembler[string](event.Config{})
	now := time.Unix(1700000000, 0)
	handle := func(evs []event.Event[string]) {
		for _, e := range evs {
			fmt.Printf("serial %d %s complete=%v %q\n", e.Key.Serial, e.Reason, e.Complete(), e.Records)
		}
	}

	k := event.Key{Sec: 1700000000, Msec: 123, Serial: 41}
	handle(a.Add(k, abi.AUDIT_SYSCALL, "SYSCALL", now))
	handle(a.Add(event.Key{Sec: 1700000000, Msec: 124, Serial: 42}, 1112, "USER_LOGIN", now))
	handle(a.Add(k, abi.AUDIT_PROCTITLE, "PROCTITLE", now))
	handle(a.Add(k, abi.AUDIT_EOE, "", now))

	handle(a.Add(event.Key{Sec: 1700000000, Msec: 200, Serial: 44}, abi.AUDIT_AVC, "AVC", now))
	handle(a.Expire(now.Add(2 * time.Second)))
	handle(a.Flush())

	s := a.Stats()
	fmt.Printf("events %d, lost %d\n", s.Events, s.Lost)
	// Output:
	// serial 42 standalone complete=true ["USER_LOGIN"]
	// serial 41 eoe complete=true ["SYSCALL" "PROCTITLE"]
	// serial 44 timeout complete=false ["AVC"]
	// events 3, lost 1
}
