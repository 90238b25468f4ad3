package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

// The test binary doubles as a tiny client: run with childEnv set, it
// makes one request as a separate process (so that the server sees a real
// peer), prints the outcome as JSON and exits.
const (
	childEnv       = "CONTROL_TEST_CHILD" // comma-separated: set, get, list
	childSocketEnv = "CONTROL_TEST_SOCKET"
	childPIDEnv    = "CONTROL_TEST_PID"
)

type childOutcome struct {
	PID    int             `json:"pid"`
	Result json.RawMessage `json:"result,omitempty"`
	Errno  string          `json:"errno,omitempty"`
	Status int             `json:"status,omitempty"`
	Msg    string          `json:"message,omitempty"`
}

// runChild makes the requests named in ops ("set,list") in turn, on one
// connection, and prints one outcome per line.
func runChild(ops string) int {
	c := NewClient(os.Getenv(childSocketEnv))
	ctx := context.Background()
	pid, _ := strconv.Atoi(os.Getenv(childPIDEnv))
	enc := json.NewEncoder(os.Stdout)
	for op := range strings.SplitSeq(ops, ",") {
		var res any
		var err error
		switch op {
		case "set":
			res, err = c.Set(ctx, int32(pid), 42)
		case "get":
			res, err = c.Get(ctx, int32(pid))
		case "list":
			res, err = c.List(ctx)
		default:
			fmt.Fprintln(os.Stderr, "unknown child op", op)
			return 2
		}
		out := childOutcome{PID: os.Getpid()}
		var ce *Error
		switch {
		case errors.As(err, &ce):
			out.Errno, out.Status, out.Msg = ce.Errno, ce.Status, ce.Message
		case err != nil:
			fmt.Fprintln(os.Stderr, err)
			return 1
		default:
			out.Result, _ = json.Marshal(res)
		}
		enc.Encode(out)
	}
	return 0
}

// TestMain also fails the run on leaked file descriptors: every connection
// holds a pidfd, and a leak would pin processes in the daemon forever.
func TestMain(m *testing.M) {
	if op := os.Getenv(childEnv); op != "" {
		os.Exit(runChild(op))
	}
	os.Exit(kerneltest.RunCheckingFDs(m, "control", func() {
		if otherExeDir != "" {
			os.RemoveAll(otherExeDir)
		}
	}))
}
