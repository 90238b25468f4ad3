package auditconf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func parseString(t *testing.T, s string) (*Config, error) {
	t.Helper()
	return Parse(strings.NewReader(s), "test.conf")
}

func TestDebianShippedConfig(t *testing.T) {
	paths := []string{filepath.Join("testdata", "debian-3.0.9-auditd.conf")}
	if _, err := os.Stat(DefaultPath); err == nil {
		paths = append(paths, DefaultPath)
	}
	for _, p := range paths {
		c, err := Load(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if p != DefaultPath {
			if c.LogFormat != FormatEnriched || c.Flush != FlushIncrementalAsync || c.Freq != 50 ||
				c.MaxLogFile != 8 || c.NumLogs != 5 || c.MaxLogAction != SizeRotate ||
				c.SpaceLeft != (Space{Value: 75}) || c.AdminSpaceLeft != (Space{Value: 50}) ||
				c.AdminSpaceLeftAction.Kind != ActSuspend || c.DiskFullAction.Kind != ActSuspend ||
				c.LogGroup != "adm" || c.PluginDir != "/etc/audit/plugins.d" || c.EndOfEventTimeout != 2 {
				t.Errorf("%s parsed as %+v", p, c)
			}
			if len(c.Notes) == 0 {
				t.Errorf("%s: expected notes for the tcp_*/krb5 keys", p)
			}
		}
	}
}

func TestManPageKeysAllKnown(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "manpage-keys.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range strings.Fields(string(b)) {
		if lookupKey(k) == nil {
			t.Errorf("auditd.conf(5) keyword %q unknown", k)
		}
	}
}

func TestEveryKeyDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "config.md"))
	if err != nil {
		t.Skipf("docs/config.md: %v", err)
	}
	for _, k := range Keys() {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/config.md does not mention `%s`", k)
		}
	}
}

func TestDefaults(t *testing.T) {
	c, err := parseString(t, "# empty\n\n")
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if c.LogFile != "/var/log/audit/audit.log" || c.Flush != FlushIncrementalAsync || c.LogFormat != FormatEnriched ||
		c.PriorityBoost != 4 || c.QDepth != 2000 || c.MaxRestarts != 10 || c.DiskErrorAction.Kind != ActSyslog ||
		c.BacklogLimit != 8192 || c.ReceiveBuffer != 8<<20 || c.Failure != 1 || !c.RestoreOnExit ||
		c.MetricsListen != "" || c.Mode != ModeDaemon || c.ActionMailAcct != "root" || d.TCPListenQueue != 5 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestParseValues(t *testing.T) {
	c, err := parseString(t, `
LOG_FORMAT = raw
Flush = Incremental
freq = 7
name_format = user
name = Node-1
space_left = 10%
admin_space_left = 5%
space_left_action = exec /usr/local/bin/low
admin_space_left_action = HALT
disk_full_action = rotate
max_log_file_action = keep_logs
log_group = 0
tcp_client_ports = 1-1023
contaudit_mode = READONLY
contaudit_metrics_listen = unix:/run/contaudit/metrics.sock
contaudit_backlog_wait_time = 0
contaudit_rate_limit=100
contaudit_failure = 0
contaudit_restore_on_exit = no
contaudit_receive_buffer = 16M
contaudit_queue_depth = 10
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{
		c.LogFormat == FormatRaw, c.Flush == FlushIncremental, c.Freq == 7,
		c.NameFormat == NameUser, c.Name == "Node-1",
		c.SpaceLeft == Space{10, true}, c.AdminSpaceLeft == Space{5, true},
		c.SpaceLeftAction == Action{ActExec, "/usr/local/bin/low"}, c.AdminSpaceLeftAction.Kind == ActHalt,
		c.DiskFullAction.Kind == ActRotate, c.MaxLogAction == SizeKeepLogs, c.LogGID == 0,
		c.TCPClientMinPort == 1 && c.TCPClientMaxPort == 1023, c.Mode == ModeReadonly,
		c.MetricsListen == "unix:/run/contaudit/metrics.sock", c.BacklogWaitTimeSet && c.BacklogWaitTime == 0,
		c.RateLimitSet && c.RateLimit == 100, c.Failure == 0, !c.RestoreOnExit, c.ReceiveBuffer == 16<<20,
		c.QueueDepth == 10,
	}
	for i, ok := range want {
		if !ok {
			t.Errorf("check %d failed: %+v", i, c)
		}
	}
	if got := (Space{10, true}).Bytes(1000 * MiB); got != 100*MiB {
		t.Errorf("10%% of 1000MiB = %d", got)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		line     int
	}{
		{"bogus = 1\n", "unknown keyword", 1},
		{"\n\nflush = sometimes\n", "not one of", 3},
		{"freq = -1\n", "only be numbers", 1},
		{"num_logs = 1000\n", "too large", 1},
		{"log_format\n", "missing", 1},
		{"log_format RAW\n", "missing equal sign", 1},
		{"flush = sync extra\n", "invalid option", 1},
		{"space_left_action = exec\n", "needs the path", 1},
		{"space_left_action = exec relative\n", "absolute path", 1},
		{"disk_error_action = rotate\n", "illegal value", 1},
		{"disk_full_action = email\n", "illegal value", 1},
		{"space_left = 100%\n", "between 1 and 99", 1},
		{"space_left = 5\nadmin_space_left = 5\n", "must be larger", 1},
		{"flush = incremental\nfreq = 0\n", "non-zero freq", 2},
		{"contaudit_failure = 2\n", "refused", 1},
		{"contaudit_metrics_listen = localhost:9100\n", "IP address", 1},
		{"contaudit_receive_buffer = 1K\n", "outside", 1},
		{"log_file = relative.log\n", "absolute", 1},
		{"log_group = no-such-group-xyz\n", "unknown", 1},
		{"tcp_client_ports = 9-3\n", "reversed", 1},
		{"name_format = user\n", "needs a name", 1},
		{"name = " + strings.Repeat("x", 200) + "\n", "refuses", 1},
	} {
		_, err := parseString(t, tc.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v is not a *ParseError", tc.in, err)
			continue
		}
		if pe.Line != tc.line || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "test.conf:") {
			t.Errorf("%q: got %v (line %d), want %q at line %d", tc.in, err, pe.Line, tc.want, tc.line)
		}
	}
	_, err := parseString(t, "contaudit_failure = 2\n")
	if !errors.Is(err, ErrPanicFailure) {
		t.Errorf("failure 2: %v", err)
	}
	_, err = parseString(t, "Nonsense = yes\n")
	if !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown: %v", err)
	}
}

func TestNotes(t *testing.T) {
	c, err := parseString(t, "tcp_listen_port = 60\nfreq = 1\nfreq = 2\n")
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, n := range c.Notes {
		s = append(s, n.String())
	}
	j := strings.Join(s, "\n")
	if !strings.Contains(j, "test.conf:1: tcp_listen_port: accepted but not supported") || !strings.Contains(j, "test.conf:3: freq: set again; overrides line 2") {
		t.Errorf("notes:\n%s", j)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "debian-3.0.9-auditd.conf"))
	f.Add(string(b))
	f.Add("space_left_action = exec /x\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(strings.NewReader(s), "fuzz")
		if (c == nil) == (err == nil) {
			t.Fatalf("config %v and error %v", c, err)
		}
	})
}

// ausearch and aureport read the log_file auditd writes to.
func TestLogFileOf(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "auditd.conf")
	if got, err := LogFileOf(conf); err != nil || got != DefaultLogFile {
		t.Errorf("missing file: %q, %v", got, err)
	}
	os.WriteFile(conf, []byte("flush = none\n"), 0o644)
	if got, err := LogFileOf(conf); err != nil || got != DefaultLogFile {
		t.Errorf("no log_file: %q, %v", got, err)
	}
	os.WriteFile(conf, []byte("log_file = /srv/audit/host.log\n"), 0o644)
	if got, err := LogFileOf(conf); err != nil || got != "/srv/audit/host.log" {
		t.Errorf("log_file set: %q, %v", got, err)
	}
	os.WriteFile(conf, []byte("flush = sometimes\n"), 0o644)
	if _, err := LogFileOf(conf); err == nil || !strings.Contains(err.Error(), conf) {
		t.Errorf("bad file: %v", err)
	}
}
