package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/control"
)

const (
	defaultControlSocket = "/run/contaudit/control.sock"
	controlSocketEnv     = "CONTAUDIT_CONTROL_SOCKET"
	// apiTimeout bounds each request, so that a wedged daemon does not
	// hang a script forever; the wait for `run`'s command is not bounded.
	apiTimeout = 30 * time.Second
	// runStub is the process `contid run` starts and gives the contid to.
	// The daemon refuses a target with children (EBUSY), and the command
	// must not run before its contid is set, so a stub waits: a shell
	// blocked in its builtin read, which starts nothing. It execs the
	// command only after reading "go", which the CLI writes once the set
	// succeeded: if the CLI fails or dies first, the pipe reaches EOF and
	// the command never runs outside its container. Closing fd 3 on exec
	// keeps the pipe out of the command.
	runStub = `read -r go <&3 && [ "$go" = go ] || exit 125; exec "$@" 3<&-`
)

func controlSocketDefault() string {
	if p := os.Getenv(controlSocketEnv); p != "" {
		return p
	}
	return defaultControlSocket
}

// contidSub is one subcommand of `contaudit contid`. main's command table
// has one level, so `contid` dispatches to these itself, each with its own
// flag set and help.
type contidSub struct {
	name, usage, summary, examples string
	flags                          func(fs *flag.FlagSet)
	// run returns the exit status for success (0, or the status of the
	// command `run` started) or an error.
	run func(ctx context.Context, c *control.Client, args []string) (int, error)
}

var contidSocket string

// contidJSON is the --json flag of ls and tree.
var contidJSON bool

// contidLabels are the --name and --container-id flags of set and run.
var contidLabels contid.Labels

func labelFlags(fs *flag.FlagSet) {
	fs.StringVar(&contidLabels.Name, "name", "", "the container's name, kept on a new contid, listed and logged in its op=set record")
	fs.StringVar(&contidLabels.ID, "container-id", "", "the runtime's container ID, kept and logged as --name is")
}

var contidSubs = []*contidSub{
	{
		name:    "set",
		usage:   "PID ID|auto",
		summary: "Give the process PID the audit container ID ID, or one the daemon chooses (auto), which it then prints. The writer is the process that runs this command (your shell): PID must be its descendant, a process (not a thread) and without children.",
		examples: `  sleep 600 & contaudit contid set $! 4515122123205246976
  sleep 600 & id=$(contaudit contid set --name web $! auto)
  contaudit contid set 4242 77          # 4242 must be a descendant of this shell
  contaudit contid set $$ 77            # fails: EXDEV, this shell is the writer (EBUSY while it has other children)`,
		run: func(ctx context.Context, c *control.Client, args []string) (int, error) {
			if len(args) != 2 {
				return 0, usageError("set takes PID ID")
			}
			pid, err := parsePID(args[0])
			if err != nil {
				return 0, err
			}
			req, err := setRequest(pid, args[1])
			if err != nil {
				return 0, err
			}
			res, err := c.SetWith(ctx, req)
			if err != nil {
				return 0, err
			}
			if res.Allocated {
				fmt.Println(res.Contid)
			}
			return 0, nil
		},
		flags: labelFlags,
	},
	{
		name:    "run",
		usage:   "ID|auto [--] CMD [ARG...]",
		summary: "Run CMD in a new audit container: start it stopped, give it the contid ID (or one the daemon chooses: auto), let it run, and exit with its exit status (128+N when signal N killed it). This shell is the writer, as with set.",
		examples: `  contaudit contid run 77 -- nginx -g 'daemon off;'
  contaudit contid run --name web auto -- nginx -g 'daemon off;'
  contaudit contid run 78 -- sh -c 'contaudit contid get $$'   # prints 78
  contaudit contid run 79 -- false; echo $?                      # 1`,
		run: func(ctx context.Context, c *control.Client, args []string) (int, error) {
			if len(args) < 1 {
				return 0, usageError("run takes ID -- CMD [ARG...]")
			}
			req, err := setRequest(0, args[0])
			if err != nil {
				return 0, err
			}
			argv := args[1:]
			if len(argv) > 0 && argv[0] == "--" {
				argv = argv[1:]
			}
			if len(argv) == 0 {
				return 0, usageError("run needs a command after the ID")
			}
			return contidRun(ctx, c, req, argv)
		},
		flags: labelFlags,
	},
	{
		name:    "get",
		usage:   "PID",
		summary: `Print the audit container ID of PID, "-1" when it has none.`,
		examples: `  contaudit contid get 4242
  contaudit contid get $$`,
		run: func(ctx context.Context, c *control.Client, args []string) (int, error) {
			if len(args) != 1 {
				return 0, usageError("get takes PID")
			}
			pid, err := parsePID(args[0])
			if err != nil {
				return 0, err
			}
			res, err := c.Get(ctx, pid)
			if err != nil {
				return 0, err
			}
			fmt.Println(res.Contid)
			return 0, nil
		},
	},
	{
		name:    "ls",
		usage:   "[--json]",
		summary: "List the live audit container IDs: value, parent contid, owner (the writer that created it), nesting depth, contids nested in it, container name, and the PIDs holding it. A contid with no holder (-) is pending release: only contids nested in it keep it. --json adds the runtime's container ID.",
		examples: `  contaudit contid ls
  contaudit contid ls --json | jq -r '.[].id'`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&contidJSON, "json", false, "print the control API's JSON (contids as strings)")
		},
		run: func(ctx context.Context, c *control.Client, args []string) (int, error) {
			if len(args) != 0 {
				return 0, usageError("ls takes no arguments")
			}
			list, err := c.List(ctx)
			if err != nil {
				return 0, err
			}
			if contidJSON {
				return 0, printJSON(os.Stdout, list)
			}
			return 0, printContidTable(os.Stdout, list)
		},
	},
	{
		name:    "tree",
		usage:   "[--json]",
		summary: "Print the live audit container IDs as a forest: each contid indented under the contid it is nested in.",
		examples: `  contaudit contid tree
  contaudit contid tree --json`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&contidJSON, "json", false, "print the control API's JSON (contids as strings)")
		},
		run: func(ctx context.Context, c *control.Client, args []string) (int, error) {
			if len(args) != 0 {
				return 0, usageError("tree takes no arguments")
			}
			nodes, err := c.Tree(ctx)
			if err != nil {
				return 0, err
			}
			if contidJSON {
				return 0, printJSON(os.Stdout, nodes)
			}
			printContidTree(os.Stdout, nodes, 0)
			return 0, nil
		},
	},
	{
		name:    "capcontid",
		usage:   "PID on|off",
		summary: "Grant (on) or withdraw (off) the capcontid delegation of PID, a descendant of this shell: PID may then set and read the contids of its own descendants without the permission (a nested orchestrator). Children do not inherit it.",
		examples: `  contaudit contid capcontid 4300 on
  contaudit contid capcontid 4300 off`,
		run: func(ctx context.Context, c *control.Client, args []string) (int, error) {
			if len(args) != 2 {
				return 0, usageError("capcontid takes PID on|off")
			}
			pid, err := parsePID(args[0])
			if err != nil {
				return 0, err
			}
			var on bool
			switch args[1] {
			case "on":
				on = true
			case "off":
			default:
				return 0, usageError("capcontid takes on or off, not %q", args[1])
			}
			_, err = c.SetCapcontid(ctx, pid, on)
			return 0, err
		},
	},
}

func init() {
	var names []string
	var examples strings.Builder
	for _, s := range contidSubs {
		names = append(names, s.name+" "+s.usage)
		examples.WriteString(s.examples + "\n")
	}
	examples.WriteString("\nRun 'contaudit contid SUBCOMMAND --help' for one subcommand.")
	register(&command{
		name:     "contid",
		summary:  "Set, read and list audit container IDs through the daemon's control API.",
		usage:    "[--socket PATH] " + strings.Join(names, " | "),
		examples: examples.String(),
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&contidSocket, "socket", controlSocketDefault(), "the daemon's control socket (env "+controlSocketEnv+")")
		},
		run: func(ctx context.Context, fs *flag.FlagSet) error {
			// The subcommand's name belongs in the message and `run`
			// exits with its command's status, so contid reports itself.
			if code := contidMain(ctx, fs.Args(), os.Stdout, os.Stderr); code != 0 {
				return exitStatus(code)
			}
			return nil
		},
	})
}

// contidMain runs one subcommand and returns the process's exit status.
func contidMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "contaudit contid: a subcommand is needed: set, run, get, ls, tree or capcontid")
		fmt.Fprintln(stderr, "Run 'contaudit contid --help' for the list and examples.")
		return 2
	}
	var sub *contidSub
	for _, s := range contidSubs {
		if s.name == args[0] {
			sub = s
		}
	}
	if sub == nil {
		fmt.Fprintf(stderr, "contaudit contid: unknown subcommand %q\nRun 'contaudit contid --help' for the list and examples.\n", args[0])
		return 2
	}
	name := "contaudit contid " + sub.name
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	fs.StringVar(&contidSocket, "socket", contidSocket, "the daemon's control socket (env "+controlSocketEnv+")")
	if sub.flags != nil {
		sub.flags(fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			contidSubUsage(stdout, sub, fs)
			return 0
		}
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", name)
		return 2
	}
	c := control.NewClient(contidSocket)
	defer c.Close()
	if sub.name != "run" {
		var cancel context.CancelFunc
		ctx, cancel = withTimeout(ctx)
		defer cancel()
	}
	code, err := sub.run(ctx, c, fs.Args())
	if err == nil {
		return code
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, explainControlError(err, contidSocket))
	if errors.Is(err, errUsage) {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", name)
		return 2
	}
	return 1
}

func contidSubUsage(w io.Writer, s *contidSub, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: contaudit contid %s [flags] %s\n\n%s\n\nflags:\n", s.name, s.usage, s.summary)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, "\nexamples:\n%s\n", strings.TrimRight(s.examples, "\n"))
}

// explainControlError turns a failure to connect into a sentence that says
// what to check; a refusal by the daemon is already its errno and sentence.
func explainControlError(err error, socket string) error {
	var ce *control.Error
	switch {
	case errors.As(err, &ce), errors.Is(err, errUsage):
		return err
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach the contaudit daemon at %s: is it running with contaudit_containers = yes?", socket)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("cannot connect to the contaudit daemon at %s: permission denied (the socket's mode and group say who may connect)", socket)
	}
	return err
}

func parsePID(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n <= 0 {
		return 0, usageError("%q is not a PID", s)
	}
	return int32(n), nil
}

// setRequest reads a contid as records print it, "-1" and "unset"
// included: the daemon refuses the unset value with EINVAL, and that
// refusal is audited. "auto" leaves the value to the daemon.
func setRequest(pid int32, s string) (control.SetRequest, error) {
	req := control.SetRequest{PID: pid, Container: contidLabels}
	// The daemon counts an over-long label as a forged request: its own
	// CLI must never send one.
	if len(req.Container.Name) > contid.MaxLabelLen || len(req.Container.ID) > contid.MaxLabelLen {
		return req, usageError("--name and --container-id are limited to %d bytes each", contid.MaxLabelLen)
	}
	if s == "auto" {
		req.Allocate = true
		return req, nil
	}
	id, err := contid.ParseID(s)
	if err != nil {
		return req, usageError("%q is not a contid (a decimal u64, or auto)", s)
	}
	req.Contid = id
	return req, nil
}

// withTimeout bounds one request to the daemon.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, apiTimeout)
}

// contidRun starts argv stopped in runStub, gives it the contid and lets
// it exec. The target is the CLI's child, so a grandchild of the writer
// (the CLI's parent), as the descendant rule requires.
func contidRun(ctx context.Context, c *control.Client, req control.SetRequest, argv []string) (int, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer w.Close()
	cmd := exec.Command("/bin/sh", append([]string{"-c", runStub, "contaudit-run"}, argv...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{r}
	// Caught before the start so that none of them kills the CLI and
	// leaves the command without the process that reports its status.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sigs)
	err = cmd.Start()
	r.Close()
	if err != nil {
		return 0, err
	}
	sctx, cancel := withTimeout(ctx)
	req.PID = int32(cmd.Process.Pid)
	_, err = c.SetWith(sctx, req)
	cancel()
	if err == nil {
		_, err = io.WriteString(w, "go\n")
	}
	// On failure the stub reads EOF and exits without running argv.
	w.Close()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				// A terminal sends SIGINT and SIGQUIT to the whole
				// foreground process group, the command included:
				// forwarding them would deliver them twice.
				if s != syscall.SIGINT && s != syscall.SIGQUIT {
					cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	werr := cmd.Wait()
	close(done)
	if err != nil {
		return 0, err
	}
	if werr != nil {
		var ee *exec.ExitError
		if !errors.As(werr, &ee) {
			return 0, werr
		}
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// holderPIDs prints "-" for a contid pending release, one that only the
// contids nested in it keep.
func holderPIDs(hs []contid.ProcID) string {
	if len(hs) == 0 {
		return "-"
	}
	var b strings.Builder
	for i, h := range hs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(h.PID)))
	}
	return b.String()
}

func printContidTable(w io.Writer, list []contid.Container) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARENT\tOWNER\tDEPTH\tNESTED\tNAME\tHOLDERS")
	for _, c := range list {
		name := "-"
		if c.Labels.Name != "" {
			name = printable(c.Labels.Name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", c.ID, c.Parent, c.Owner.PID, c.Depth, c.Nested, name, holderPIDs(c.Holders))
	}
	return tw.Flush()
}

func printContidTree(w io.Writer, nodes []contid.Node, depth int) {
	for _, n := range nodes {
		fmt.Fprintf(w, "%s%s owner=%d holders=%s", strings.Repeat("  ", depth), n.ID, n.Owner.PID, holderPIDs(n.Holders))
		if n.Labels.Name != "" {
			fmt.Fprintf(w, " name=%s", printable(n.Labels.Name))
		}
		if n.Labels.ID != "" {
			fmt.Fprintf(w, " container-id=%s", printable(n.Labels.ID))
		}
		fmt.Fprintln(w)
		printContidTree(w, n.Children, depth+1)
	}
}

// printable quotes a label that would break a line or a column: labels come
// from whoever set the contid, and must not forge lines of the listing.
func printable(s string) string {
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '=' || r >= 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}
