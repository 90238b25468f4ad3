package control_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/contaudit/contaudit/internal/control"
	"golang.org/x/sys/unix"
)

// The CLI sets a contid on a child of the shell that runs it, and tells a
// refusal by its errno.
func ExampleClient_Set() {
	c := control.NewClient("/run/contaudit/control.sock")
	defer c.Close()
	res, err := c.Set(context.Background(), 4242, 4515122123205246976)
	var ce *control.Error
	switch {
	case errors.Is(err, unix.EXDEV):
		fmt.Println("not a descendant:", err) // EXDEV: target 4242 is not a descendant of the writer 999
	case errors.As(err, &ce):
		fmt.Println(ce.Errno, ce.Message)
	case err != nil:
		fmt.Println("daemon unreachable:", err)
	default:
		fmt.Println("set", res.Target.PID, res.Contid, "as", res.Writer.PID)
	}
}
