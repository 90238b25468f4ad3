package auditconf

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Config is a parsed auditd.conf. Field comments name the key.
type Config struct {
	LocalEvents   bool      // local_events
	WriteLogs     bool      // write_logs
	LogFile       string    // log_file
	LogGroup      string    // log_group, as written (name or number)
	LogGID        int       // log_group resolved; 0 is root
	LogFormat     LogFormat // log_format
	Flush         FlushMode // flush
	Freq          uint32    // freq
	NumLogs       int       // num_logs
	PriorityBoost int       // priority_boost
	NameFormat    NameFormat
	Name          string     // name
	MaxLogFile    uint64     // max_log_file, in MiB; 0 disables the check
	MaxLogAction  SizeAction // max_log_file_action

	SpaceLeft            Space  // space_left
	SpaceLeftAction      Action // space_left_action
	AdminSpaceLeft       Space  // admin_space_left
	AdminSpaceLeftAction Action // admin_space_left_action
	DiskFullAction       Action // disk_full_action
	DiskErrorAction      Action // disk_error_action
	ActionMailAcct       string // action_mail_acct
	VerifyEmail          bool   // verify_email

	// Network aggregation and Kerberos: stored, not supported.
	TCPListenPort    int       // tcp_listen_port; 0 is unset
	TCPListenQueue   int       // tcp_listen_queue
	TCPMaxPerAddr    int       // tcp_max_per_addr
	UseLibwrap       bool      // use_libwrap
	TCPClientMinPort int       // tcp_client_ports (low)
	TCPClientMaxPort int       // tcp_client_ports (high)
	TCPClientMaxIdle int       // tcp_client_max_idle
	Transport        Transport // transport
	EnableKRB5       bool      // enable_krb5
	KRB5Principal    string    // krb5_principal
	KRB5KeyFile      string    // krb5_key_file

	DistributeNetwork bool   // distribute_network
	QDepth            int    // q_depth
	OverflowAction    Action // overflow_action
	MaxRestarts       int    // max_restarts
	PluginDir         string // plugin_dir
	EndOfEventTimeout int    // end_of_event_timeout, seconds
	Dispatcher        string // dispatcher (deprecated in auditd)
	DispQOS           string // disp_qos (deprecated in auditd)

	// contaudit's own keys.
	MetricsListen      string // contaudit_metrics_listen; "" is off
	Mode               Mode   // contaudit_mode
	BacklogLimit       uint32 // contaudit_backlog_limit
	BacklogWaitTime    uint32 // contaudit_backlog_wait_time (jiffies, as auditctl --backlog_wait_time)
	BacklogWaitTimeSet bool   // whether contaudit_backlog_wait_time was given; if not, the kernel's is kept
	RateLimit          uint32 // contaudit_rate_limit, records/s; 0 is unlimited
	RateLimitSet       bool   // whether contaudit_rate_limit was given; if not, the kernel's is kept
	Failure            uint32 // contaudit_failure: 0 silent, 1 printk
	RestoreOnExit      bool   // contaudit_restore_on_exit
	ReceiveBuffer      int    // contaudit_receive_buffer, bytes
	QueueDepth         int    // contaudit_queue_depth, events
	BatchDelayMs       int    // contaudit_batch_delay, milliseconds

	// Container auditing (docs/contid.md).
	Containers        bool        // contaudit_containers
	ProcessEvents     string      // contaudit_process_events: auto, bpf or connector
	ControlSocket     string      // contaudit_control_socket
	ControlMode       os.FileMode // contaudit_control_mode, octal
	ControlGroup      string      // contaudit_control_group, as written
	ControlGID        int         // contaudit_control_group resolved; -1 keeps the daemon's
	StateFile         string      // contaudit_state_file; "" keeps no state across restarts
	ContidGrantUIDs   []uint32    // contaudit_contid_grant_uids
	ContidGrantGIDs   []uint32    // contaudit_contid_grant_gids
	ContidGrantExes   []string    // contaudit_contid_grant_exes
	ContidMaxDepth    int         // contaudit_contid_max_depth
	ContidMaxPerOwner int         // contaudit_contid_max_per_owner
	ContidMaxTotal    int         // contaudit_contid_max_total

	// Lines records the line each key was set on, for messages.
	Lines map[string]int
	// Notes lists keys that were accepted but have no effect in contaudit,
	// and deprecated spellings. The daemon logs them at startup.
	Notes []Note
}

// Note is a non-fatal remark about one line of the file.
type Note struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (n Note) String() string { return n.File + ":" + itoa(n.Line) + ": " + n.Key + ": " + n.Msg }

// DefaultPath is where auditd, and so contaudit, looks for its configuration.
const DefaultPath = "/etc/audit/auditd.conf"

// DefaultLogFile is where auditd writes when its configuration says nothing.
const DefaultLogFile = "/var/log/audit/audit.log"

// LogFileOf returns the log_file of the configuration at path, where
// ausearch and aureport read by default: DefaultLogFile when the file
// does not exist or does not say.
func LogFileOf(path string) (string, error) {
	cfg, err := Load(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return DefaultLogFile, nil
		}
		return "", fmt.Errorf("read log_file from %s: %w", path, err)
	}
	if cfg.LogFile == "" {
		return DefaultLogFile, nil
	}
	return cfg.LogFile, nil
}

// Default returns auditd 3.0.9's defaults (what it uses for a key the file
// does not mention) and contaudit's for its own keys.
func Default() *Config {
	return &Config{
		LocalEvents:          true,
		WriteLogs:            true,
		LogFile:              DefaultLogFile,
		LogGroup:             "root",
		LogFormat:            FormatEnriched,
		Flush:                FlushIncrementalAsync,
		Freq:                 20,
		NumLogs:              0,
		PriorityBoost:        4,
		NameFormat:           NameNone,
		MaxLogFile:           0,
		MaxLogAction:         SizeIgnore,
		SpaceLeftAction:      Action{Kind: ActIgnore},
		AdminSpaceLeftAction: Action{Kind: ActIgnore},
		DiskFullAction:       Action{Kind: ActIgnore},
		DiskErrorAction:      Action{Kind: ActSyslog},
		ActionMailAcct:       "root",
		VerifyEmail:          true,
		TCPListenQueue:       5,
		TCPMaxPerAddr:        1,
		UseLibwrap:           true,
		TCPClientMaxPort:     65535,
		Transport:            TransportTCP,
		KRB5Principal:        "auditd",
		KRB5KeyFile:          "/etc/audit/audit.key",
		QDepth:               2000,
		OverflowAction:       Action{Kind: ActSyslog},
		MaxRestarts:          10,
		PluginDir:            "/etc/audit/plugins.d",
		EndOfEventTimeout:    2,

		Mode:          ModeDaemon,
		BacklogLimit:  8192,
		Failure:       1,
		RestoreOnExit: true,
		ReceiveBuffer: 8 << 20,
		QueueDepth:    4096,
		BatchDelayMs:  20,

		Containers:        true,
		ProcessEvents:     "auto",
		ControlSocket:     "/run/contaudit/control.sock",
		ControlMode:       0o660,
		ControlGID:        -1,
		StateFile:         "/var/lib/contaudit/contid.json",
		ContidMaxDepth:    5,
		ContidMaxPerOwner: 8192,
		ContidMaxTotal:    65536,
		Lines:             map[string]int{},
	}
}

// EndOfEvent returns end_of_event_timeout as a duration.
func (c *Config) EndOfEvent() time.Duration {
	return time.Duration(c.EndOfEventTimeout) * time.Second
}

// Load reads and parses the file at path. Unlike auditd, a missing file is
// an error: contaudit does not start on silent defaults.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}
