package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/contaudit/contaudit/internal/attribute"
	"github.com/contaudit/contaudit/internal/auditconf"
	"github.com/contaudit/contaudit/internal/auditnl"
	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/control"
	"github.com/contaudit/contaudit/internal/daemon"
	"github.com/contaudit/contaudit/internal/logfile"
	"github.com/contaudit/contaudit/internal/proctable"
	"github.com/contaudit/contaudit/internal/rules"
)

func init() {
	var opts struct {
		config, rules, logLevel, cpuProfile string
	}
	register(&command{
		name:    "daemon",
		summary: "Run the audit daemon in the foreground: register with the kernel, load rules, write the host log.",
		usage:   "[--config FILE] [--rules FILE|DIR]",
		examples: `  contaudit daemon --config /etc/audit/auditd.conf --rules /etc/audit/rules.d
  contaudit daemon --config examples/contaudit.conf --rules examples/demo.rules --log-level debug

signals: SIGTERM/SIGINT stop (DAEMON_END, pid 0, restore if configured);
         SIGHUP reloads rules, log and kernel settings; SIGUSR1 rotates the log;
         SIGUSR2 resumes a suspended log.
environment: GOMAXPROCS, if set, overrides the one scheduler P the daemon
         runs on (docs/daemon.md, "Batching").`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&opts.config, "config", auditconf.DefaultPath, "configuration file, auditd.conf syntax (docs/config.md)")
			fs.StringVar(&opts.rules, "rules", "/etc/audit/rules.d", "rules file, or a directory of *.rules files merged as augenrules does")
			fs.StringVar(&opts.logLevel, "log-level", "info", "log level for the daemon's own messages: debug, info, warn, error")
			fs.StringVar(&opts.cpuProfile, "cpu-profile", "", "write a Go CPU profile of the whole run to this file (go tool pprof)")
		},
		run: func(ctx context.Context, fs *flag.FlagSet) error {
			if fs.NArg() != 0 {
				return usageError("daemon takes no arguments")
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(opts.logLevel)); err != nil {
				return usageError("--log-level: %v", err)
			}
			log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			if opts.cpuProfile != "" {
				f, err := os.Create(opts.cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			return runDaemon(ctx, opts.config, opts.rules, log)
		},
	})
}

// loadDaemonConfig reads the configuration and the rules; every error in
// either is reported before anything touches the kernel. Rules the kernel
// cannot evaluate (-F contid=) become a filter the loader hands to
// setFilter each time it loads the rules, so that a reload swaps both.
func loadDaemonConfig(configPath, rulesPath string, setFilter func(daemon.EventFilter)) (*auditconf.Config, daemon.RuleLoader, error) {
	cfg, err := auditconf.Load(configPath)
	if err != nil {
		return nil, nil, err
	}
	cmds, err := parseRules(rulesPath)
	if err != nil {
		return nil, nil, fmt.Errorf("rules not loaded: %w", err)
	}
	filter, err := rules.NewContidFilter(cmds)
	if err != nil {
		return nil, nil, fmt.Errorf("rules not loaded: %w", err)
	}
	if filter != nil && !cfg.Containers {
		return nil, nil, fmt.Errorf("rules not loaded: %s uses -F contid=, which needs contaudit_containers = yes", rulesPath)
	}
	loader := func(ctx context.Context, k *auditnl.Conn) error {
		rep, err := rules.Apply(ctx, k, cmds, rules.ApplyOptions{})
		if err != nil {
			return fmt.Errorf("load rules from %s (added %d before the failure): %w", rulesPath, rep.Added, err)
		}
		// A nil *ContidFilter in the interface would not be nil.
		if filter != nil {
			setFilter(filter)
		} else {
			setFilter(nil)
		}
		return nil
	}
	return cfg, loader, nil
}

func trackerConfig(cfg *auditconf.Config, d *daemon.Daemon, log *slog.Logger) attribute.Config {
	// auditconf accepts only the names ParseEventSource reads.
	events, _ := proctable.ParseEventSource(cfg.ProcessEvents)
	return attribute.Config{
		Table:      proctable.Config{Events: events},
		Socket:     cfg.ControlSocket,
		SocketMode: cfg.ControlMode,
		SocketGID:  cfg.ControlGID,
		StateFile:  cfg.StateFile,
		Policy: control.Policy{
			UIDs:        cfg.ContidGrantUIDs,
			GIDs:        cfg.ContidGrantGIDs,
			Executables: cfg.ContidGrantExes,
		},
		Limits: contid.Config{
			MaxDepth:    cfg.ContidMaxDepth,
			MaxPerOwner: cfg.ContidMaxPerOwner,
			MaxTotal:    cfg.ContidMaxTotal,
		},
		Ops:           d.WriteContainerOp,
		RecordBarrier: d.RecordBarrier,
		Log:           log,
	}
}

// logConfig is the log writer's part of the configuration, at start and
// on every reload.
func logConfig(cfg *auditconf.Config, log *slog.Logger) (logfile.Config, error) {
	lcfg, err := logfile.ConfigFrom(cfg)
	if err != nil {
		return lcfg, err
	}
	lcfg.Logger = log
	if cfg.LogFormat == auditconf.FormatEnriched {
		lcfg.Enrich = daemon.Enricher()
	}
	return lcfg, nil
}

func runDaemon(ctx context.Context, configPath, rulesPath string, log *slog.Logger) error {
	daemon.SingleP()
	// The daemon exists only once the configuration is read; the loaders
	// run inside it.
	var d *daemon.Daemon
	setFilter := func(f daemon.EventFilter) { d.SetFilter(f) }
	cfg, loader, err := loadDaemonConfig(configPath, rulesPath, setFilter)
	if err != nil {
		return err
	}
	for _, n := range cfg.Notes {
		log.Warn("configuration", "note", n.String())
	}
	lcfg, err := logConfig(cfg, log)
	if err != nil {
		return err
	}
	if !cfg.WriteLogs {
		return errors.New("write_logs = no is not supported yet: contaudit has no dispatcher to send events to")
	}
	w, err := logfile.Open(lcfg)
	if err != nil {
		return err
	}
	reload := func() (daemon.Settings, daemon.RuleLoader, error) {
		c, l, err := loadDaemonConfig(configPath, rulesPath, setFilter)
		if err != nil {
			return daemon.Settings{}, nil, err
		}
		lc, err := logConfig(c, log)
		if err != nil {
			return daemon.Settings{}, nil, err
		}
		for _, n := range w.Reconfigure(lc) {
			log.Warn("reload: not applied", "note", n)
		}
		return daemon.SettingsFrom(c), l, nil
	}
	daemon.Version = strings.TrimPrefix(version, "v")
	d = daemon.New(daemon.SettingsFrom(cfg), w, loader, reload, log)
	w.RegisterMetrics(d.Metrics())
	if cfg.Containers {
		tr, err := attribute.Open(trackerConfig(cfg, d, log))
		if err != nil {
			w.Close()
			return fmt.Errorf("container auditing (contaudit_containers = yes): %w", err)
		}
		defer tr.Close()
		tr.RegisterMetrics(d.Metrics())
		d.SetContainers(tr, nil)
	}
	return d.Run(ctx)
}
