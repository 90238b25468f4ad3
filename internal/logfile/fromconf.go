package logfile

import (
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/contaudit/contaudit/internal/auditconf"
)

// ConfigFrom maps a parsed auditd.conf to a writer Config. The caller sets
// Enrich (for log_format ENRICHED), Logger and Now. name_format hostname,
// fqd and numeric are resolved here, once, as auditd does at startup.
func ConfigFrom(c *auditconf.Config) (Config, error) {
	cfg := Config{
		Path:                 c.LogFile,
		Group:                c.LogGID,
		Freq:                 int(c.Freq),
		MaxLogFile:           int64(c.MaxLogFile) * auditconf.MiB,
		NumLogs:              c.NumLogs,
		SpaceLeft:            threshold(c.SpaceLeft),
		AdminSpaceLeft:       threshold(c.AdminSpaceLeft),
		SpaceLeftAction:      action(c.SpaceLeftAction.Kind),
		AdminSpaceLeftAction: action(c.AdminSpaceLeftAction.Kind),
		DiskFullAction:       action(c.DiskFullAction.Kind),
		DiskErrorAction:      action(c.DiskErrorAction.Kind),
	}
	cfg.Flush = [...]Flush{FlushNone, FlushIncremental, FlushIncrementalAsync, FlushData, FlushSync}[c.Flush]
	cfg.MaxLogFileAction = [...]Action{Ignore, Syslog, Suspend, Rotate, KeepLogs}[c.MaxLogAction]
	node, err := NodeName(c.NameFormat, c.Name)
	if err != nil {
		return cfg, err
	}
	cfg.Node = node
	return cfg, nil
}

func threshold(s auditconf.Space) Threshold {
	if s.Percent {
		return Threshold{Percent: s.Value}
	}
	return Threshold{Bytes: s.Value * auditconf.MiB}
}

func action(k auditconf.ActionKind) Action {
	return [...]Action{Ignore, Syslog, Rotate, Email, Exec, Suspend, Single, Halt}[k]
}

// NodeName computes the node= name for a name_format.
func NodeName(f auditconf.NameFormat, name string) (string, error) {
	switch f {
	case auditconf.NameNone:
		return "", nil
	case auditconf.NameUser:
		return name, nil
	}
	host, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("name_format %s: %w", f, err)
	}
	switch f {
	case auditconf.NameFQD:
		cname, err := net.LookupCNAME(host)
		if err != nil || cname == "" {
			return "", fmt.Errorf("name_format fqd: resolve %s: %v", host, err)
		}
		return strings.TrimSuffix(cname, "."), nil
	case auditconf.NameNumeric:
		addrs, err := net.LookupHost(host)
		if err != nil || len(addrs) == 0 {
			return "", fmt.Errorf("name_format numeric: resolve %s: %v", host, err)
		}
		return addrs[0], nil
	}
	return host, nil
}
