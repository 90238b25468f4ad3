package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/control"
)

// The OCI hook's annotations and limits. docs/oci-hook.md is the user's
// description of them.
const (
	// annotationContid carries the contid to give the container: a
	// decimal u64, or "auto" (the same as none) to let the daemon choose.
	annotationContid = "io.contaudit.contid"
	// annotationName overrides the name the hook records.
	annotationName = "io.contaudit.name"
	// maxOCIState bounds what the hook reads: a state is a few hundred
	// bytes plus the annotations, and config.json is rarely above 100 KiB.
	maxOCIState  = 1 << 20
	maxOCIConfig = 8 << 20
)

// ociState is the runtime-spec state a runtime writes to a hook's stdin.
// Unknown fields are ignored: runtimes add their own.
type ociState struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	PID         int               `json:"pid"`
	Bundle      string            `json:"bundle"`
	Annotations map[string]string `json:"annotations"`
}

var ociHookOpts struct {
	socket  string
	fail    string
	timeout time.Duration
}

func init() {
	register(&command{
		name:    "oci-hook",
		summary: "OCI runtime hook (createRuntime or prestart): give the container's init its contid, from the io.contaudit.contid annotation or chosen by the daemon, named after the container.",
		usage:   "[--socket PATH] [--fail closed|open] [--timeout DURATION] < OCI-STATE",
		examples: `  # The runtime runs it with the container's state on stdin; in config.json:
  "hooks": {"createRuntime": [{"path": "/usr/local/sbin/contaudit",
                               "args": ["contaudit", "oci-hook"]}]}
  # podman and CRI-O: install init/oci-hooks.d/contaudit.json in
  # /etc/containers/oci/hooks.d/ (docs/oci-hook.md).

  # Let the container start even when contaudit cannot set its contid:
  "args": ["contaudit", "oci-hook", "--fail", "open"]

  # Choose the value, and the name the log shows, yourself:
  podman run --annotation io.contaudit.contid=4242 --annotation io.contaudit.name=web IMAGE

The hook must be the daemon's own executable: the daemon then takes the
runtime (the hook's parent) as the writer, and the container's init, the
runtime's child, as its target (docs/control-api.md).`,
		flags: func(fs *flag.FlagSet) {
			socket := os.Getenv("CONTAUDIT_CONTROL_SOCKET")
			if socket == "" {
				socket = "/run/contaudit/control.sock"
			}
			fs.StringVar(&ociHookOpts.socket, "socket", socket, "the daemon's control socket (env CONTAUDIT_CONTROL_SOCKET)")
			fs.StringVar(&ociHookOpts.fail, "fail", "closed", "when the contid cannot be set: closed (exit 1, so the runtime does not start the container) or open (say why on stderr, exit 0)")
			fs.DurationVar(&ociHookOpts.timeout, "timeout", 5*time.Second, "how long to wait for the daemon")
		},
		run: func(ctx context.Context, fs *flag.FlagSet) error {
			if fs.NArg() != 0 {
				return usageError("oci-hook takes no arguments; the runtime passes the state on stdin")
			}
			if ociHookOpts.fail != "closed" && ociHookOpts.fail != "open" {
				return usageError("--fail %q: want closed or open", ociHookOpts.fail)
			}
			if ociHookOpts.timeout <= 0 {
				return usageError("--timeout %v: want a positive duration", ociHookOpts.timeout)
			}
			ctx, cancel := context.WithTimeout(ctx, ociHookOpts.timeout)
			defer cancel()
			err := ociHook(ctx, os.Stdin, ociHookOpts.socket)
			switch {
			case err == nil:
				return nil
			case ociHookOpts.fail == "open":
				fmt.Fprintf(os.Stderr, "contaudit oci-hook: %v; the container starts without a contid (--fail open)\n", err)
				return nil
			}
			return fmt.Errorf("%v; the runtime must not start the container (--fail closed)", err)
		},
	})
}

// ociHook reads the state on stdin and sets the contid of the container's
// init. Its errors name the container, so that the runtime's log says
// which one failed and why, in one line.
func ociHook(ctx context.Context, stdin io.Reader, socket string) error {
	st, err := readOCIState(stdin)
	if err != nil {
		return err
	}
	who := "container " + st.ID
	req, err := ociSetRequest(st)
	if err != nil {
		return fmt.Errorf("%s: %w", who, err)
	}
	if req.Container.Name != "" && req.Container.Name != st.ID {
		who += " (" + req.Container.Name + ")"
	}
	c := control.NewClient(socket)
	defer c.Close()
	if _, err := c.SetWith(ctx, req); err != nil {
		return fmt.Errorf("%s: cannot set the contid of its init %d: %w", who, st.PID, explainHookError(err, socket))
	}
	return nil
}

func readOCIState(r io.Reader) (*ociState, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxOCIState+1))
	if err != nil {
		return nil, fmt.Errorf("read the OCI state on stdin: %w", err)
	}
	if len(b) > maxOCIState {
		return nil, fmt.Errorf("the OCI state on stdin is over %d bytes", maxOCIState)
	}
	var st ociState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("the OCI state on stdin is not valid JSON (is this run by an OCI runtime as a hook?): %w", err)
	}
	if st.ID == "" {
		return nil, errors.New("the OCI state on stdin has no container id")
	}
	switch {
	case st.PID <= 0:
		return nil, fmt.Errorf("container %s: the state has no pid (status %q): the hook runs at createRuntime or prestart, when the container's init exists", st.ID, st.Status)
	case st.Status == "stopped":
		return nil, fmt.Errorf("container %s: the container has stopped: the hook runs at createRuntime or prestart", st.ID)
	}
	return &st, nil
}

// ociSetRequest decides what to ask the daemon: the annotation's contid or
// an allocation, and the container's labels.
func ociSetRequest(st *ociState) (control.SetRequest, error) {
	ann := st.Annotations
	if _, ok := ann[annotationContid]; !ok && st.Bundle != "" {
		// Runtimes pass the config's annotations in the state, but
		// the spec does not require it: look in the bundle too.
		cfg, err := readBundleAnnotations(st.Bundle)
		if err != nil {
			return control.SetRequest{}, err
		}
		merged := make(map[string]string, len(cfg)+len(ann))
		for k, v := range cfg {
			merged[k] = v
		}
		for k, v := range ann {
			merged[k] = v
		}
		ann = merged
	}
	if st.PID > 1<<31-1 {
		return control.SetRequest{}, fmt.Errorf("the state's pid %d is not a PID", st.PID)
	}
	req := control.SetRequest{PID: int32(st.PID), Container: contid.Labels{
		ID:   truncateLabel(st.ID),
		Name: truncateLabel(containerName(ann, st.ID)),
	}}
	switch v := strings.TrimSpace(ann[annotationContid]); v {
	case "", "auto":
		req.Allocate = true
	default:
		id, err := contid.ParseID(v)
		if err != nil || id == contid.Unset {
			return req, fmt.Errorf("annotation %s=%q is not a contid: want a decimal u64 below 18446744073709551615, or auto", annotationContid, v)
		}
		req.Contid = id
	}
	return req, nil
}

func readBundleAnnotations(bundle string) (map[string]string, error) {
	path := filepath.Join(bundle, "config.json")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the bundle's annotations: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxOCIConfig+1))
	if err != nil {
		return nil, fmt.Errorf("read the bundle's annotations: %w", err)
	}
	if len(b) > maxOCIConfig {
		return nil, fmt.Errorf("read the bundle's annotations: %s is over %d bytes", path, maxOCIConfig)
	}
	var cfg struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("read the bundle's annotations: %s: %w", path, err)
	}
	return cfg.Annotations, nil
}

// containerName picks the name people know the container by: ours if set;
// for Kubernetes (CRI-O and containerd annotate differently)
// namespace/pod/container, since container names repeat across pods;
// nerdctl's name; else the runtime's id, which is the name runc users
// give ("runc run web"). podman and Docker annotate no name: give one with
// --annotation io.contaudit.name=NAME.
func containerName(ann map[string]string, id string) string {
	if n := ann[annotationName]; n != "" {
		return n
	}
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := ann[k]; v != "" {
				return v
			}
		}
		return ""
	}
	pod := first("io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name")
	if pod != "" {
		parts := []string{pod}
		if ns := first("io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace"); ns != "" {
			parts = append([]string{ns}, parts...)
		}
		if c := first("io.kubernetes.container.name", "io.kubernetes.cri.container-name"); c != "" {
			parts = append(parts, c)
		}
		return strings.Join(parts, "/")
	}
	if n := ann["nerdctl/name"]; n != "" {
		return n
	}
	return id
}

// truncateLabel keeps a label within what the daemon accepts, cut before
// the rune that straddles the limit: a long name must not keep a container
// from starting.
func truncateLabel(s string) string {
	if len(s) <= contid.MaxLabelLen {
		return s
	}
	cut := contid.MaxLabelLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// explainHookError turns a failure to reach the daemon into what to check;
// a refusal is already the daemon's errno and sentence.
func explainHookError(err error, socket string) error {
	var ce *control.Error
	switch {
	case errors.As(err, &ce):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the contaudit daemon at %s did not answer in time (--timeout)", socket)
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach the contaudit daemon at %s (is it running, with contaudit_containers = yes?)", socket)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("cannot connect to the contaudit daemon at %s: permission denied (the socket's mode and group say who may connect)", socket)
	}
	return err
}
