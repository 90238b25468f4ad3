// Command contaudit is the container-aware audit daemon and its tools. This
// package is wiring only: each subcommand lives in its own file and is
// registered in commands below; the work is done by the internal packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// command is one subcommand. run gets the arguments after its name.
type command struct {
	name     string
	summary  string
	usage    string // the argument synopsis after the name
	examples string
	// flags registers the command's flags; nil for none.
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, fs *flag.FlagSet) error
}

var commands []*command

func register(c *command) { commands = append(commands, c) }

// errUsage marks an error in how the command was invoked: exit status 2.
var errUsage = errors.New("usage")

func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// exitStatus is returned by a command whose exit status means more than
// failed or misused (ausearch's and aureport's statuses, the status of the
// command `contid run` ran) and that has already said what happened: run
// exits with it and prints nothing more.
type exitStatus int

func (e exitStatus) Error() string { return "exit status " + strconv.Itoa(int(e)) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				newFlagSet(c, stdout).Usage()
				return 0
			}
		}
		rootUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "contaudit: unknown command %q\n\n", args[0])
		rootUsage(stderr)
		return 2
	}
	fs := newFlagSet(c, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := c.run(ctx, fs)
	var st exitStatus
	if err != nil && !errors.As(err, &st) {
		fmt.Fprintf(stderr, "contaudit %s: %v\n", c.name, err)
	}
	return statusOf(err)
}

// statusOf is the exit status for a command's result.
func statusOf(err error) int {
	var st exitStatus
	switch {
	case err == nil:
		return 0
	case errors.As(err, &st):
		return int(st)
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func newFlagSet(c *command, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("contaudit "+c.name, flag.ContinueOnError)
	fs.SetOutput(out)
	if c.flags != nil {
		c.flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: contaudit %s %s\n\n%s\n", c.name, c.usage, c.summary)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(out, "\nflags:")
			fs.PrintDefaults()
		}
		if c.examples != "" {
			fmt.Fprintf(out, "\nexamples:\n%s\n", strings.TrimRight(c.examples, "\n"))
		}
	}
	return fs
}

func rootUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: contaudit COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncontaudit makes Linux audit container-aware: an audit daemon, rules and search tools.")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'contaudit COMMAND --help' for a command's flags and examples.")
}
