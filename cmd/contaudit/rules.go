package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditnl"
	"github.com/contaudit/contaudit/internal/rules"
)

func init() {
	var opts struct{ cont, dryRun bool }
	register(&command{
		name:    "rules",
		summary: "Load, list or delete kernel audit rules (auditctl-compatible syntax and listing).",
		usage:   "load [-c] [-n] FILE|DIR | list | delete-all",
		examples: `  contaudit rules load /etc/audit/rules.d        # every *.rules file, merged as augenrules does
  contaudit rules load -c my.rules                # continue past failing rules (like auditctl -c)
  contaudit rules load -n my.rules                # check syntax only; print what would be sent
  contaudit rules list                            # same text as auditctl -l
  contaudit rules delete-all                      # like auditctl -D`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&opts.cont, "c", false, "continue past rules the kernel refuses, then fail (auditctl -c)")
			fs.BoolVar(&opts.dryRun, "n", false, "parse and print the commands without touching the kernel")
		},
		run: func(ctx context.Context, fs *flag.FlagSet) error {
			args := fs.Args()
			if len(args) == 0 {
				return usageError("rules needs a subcommand: load, list or delete-all")
			}
			switch args[0] {
			case "load":
				// Flags may follow the subcommand: rules load -c FILE.
				if err := fs.Parse(args[1:]); err != nil {
					return usageError("%v", err)
				}
				args = append([]string{"load"}, fs.Args()...)
				if len(args) != 2 {
					return usageError("rules load takes one FILE or DIR")
				}
				return rulesLoad(ctx, args[1], opts.cont, opts.dryRun, os.Stdout)
			case "list":
				if len(args) != 1 {
					return usageError("rules list takes no arguments")
				}
				return withConn(func(c *auditnl.Conn) error { return rulesList(ctx, c, os.Stdout) })
			case "delete-all":
				if len(args) != 1 {
					return usageError("rules delete-all takes no arguments")
				}
				return withConn(func(c *auditnl.Conn) error {
					rep, err := rules.Apply(ctx, c, []rules.Command{{Kind: rules.KindDeleteAll}}, rules.ApplyOptions{})
					fmt.Printf("deleted %d rules\n", rep.Deleted)
					return err
				})
			}
			return usageError("unknown rules subcommand %q", args[0])
		},
	})
}

func withConn(f func(c *auditnl.Conn) error) error {
	c, err := auditnl.Dial(auditnl.Options{})
	if err != nil {
		return err
	}
	defer c.Close()
	return f(c)
}

// parseRules reads a rules file, or a rules.d directory the way augenrules
// merges it. Any line that does not parse fails the whole load, listing
// every bad line: a half-loaded rule set would audit less than the
// administrator believes.
func parseRules(path string) ([]rules.Command, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return rules.LoadDir(path)
	}
	return rules.ParseFile(path)
}

func rulesLoad(ctx context.Context, path string, cont, dryRun bool, w io.Writer) error {
	cmds, err := parseRules(path)
	if err != nil {
		return fmt.Errorf("nothing loaded: %w", err)
	}
	if dryRun {
		for _, c := range cmds {
			fmt.Fprintln(w, c.String())
		}
		return nil
	}
	// -F contid= is the daemon's to evaluate: loaded from here, the kernel
	// gets the rules without it, tagged, and nothing filters on it unless
	// the daemon's own rules carry the same conditions.
	if f, err := rules.NewContidFilter(cmds); err == nil && f != nil {
		fmt.Fprintf(os.Stderr, "contaudit rules load: warning: %s has -F contid= rules; the kernel gets them without the contid condition, which only a daemon whose --rules contain them evaluates (docs/rules.md)\n", path)
	}
	return withConn(func(c *auditnl.Conn) error {
		rep, err := rules.Apply(ctx, c, cmds, rules.ApplyOptions{ContinueOnError: cont})
		fmt.Fprintf(w, "added %d, deleted %d, failed %d\n", rep.Added, rep.Deleted, rep.Failed)
		if err != nil && rep.Added+rep.Deleted > 0 {
			return fmt.Errorf("rules partly loaded (%d commands before the failure took effect): %w", rep.Added+rep.Deleted, err)
		}
		return err
	})
}

// rulesList prints the kernel's rules exactly as auditctl -l does.
func rulesList(ctx context.Context, c *auditnl.Conn, w io.Writer) error {
	data, err := c.ListRules(ctx)
	if err != nil {
		return err
	}
	rs := make([]*rules.Rule, 0, len(data))
	for i, d := range data {
		r, err := rules.Decode(d)
		if err != nil {
			return fmt.Errorf("kernel rule %d (%s list): %w", i+1, listName(d.Flags), err)
		}
		rs = append(rs, r)
	}
	_, err = io.WriteString(w, rules.Listing(rs))
	return err
}

func listName(flags uint32) string {
	return map[uint32]string{abi.AUDIT_FILTER_USER: "user", abi.AUDIT_FILTER_TASK: "task", abi.AUDIT_FILTER_EXIT: "exit",
		abi.AUDIT_FILTER_EXCLUDE: "exclude", abi.AUDIT_FILTER_FS: "filesystem", abi.AUDIT_FILTER_URING_EXIT: "io_uring"}[flags&^abi.AUDIT_FILTER_PREPEND]
}
