package rules_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditnl"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/rules"
)

const debianRules = "/usr/share/doc/auditd/examples/rules"

// lockingLine matches lines that would lock the kernel until reboot or
// panic it; they are dropped before anything is loaded.
var lockingLine = regexp.MustCompile(`(^|\s)(-e\s*2|--loginuid-immutable|-f\s*2)(\s|$)`)

// kernelRuleFiles returns the Debian examples (minus the two that lock the
// kernel) and contaudit's own kernel test files, each copied to a root-owned
// temp file without locking lines, as auditctl -R insists on.
func kernelRuleFiles(t *testing.T) map[string]string {
	t.Helper()
	var srcs []string
	for _, pat := range []string{debianRules + "/*.rules", debianRules + "/*.rules.gz", "testdata/kernel/*.rules"} {
		m, _ := filepath.Glob(pat)
		srcs = append(srcs, m...)
	}
	dir := t.TempDir()
	out := map[string]string{}
	for _, src := range srcs {
		base := strings.TrimSuffix(filepath.Base(src), ".gz")
		if base == "11-loginuid.rules" || base == "99-finalize.rules" {
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(src, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", src, err)
			}
		}
		var kept []string
		for _, l := range strings.SplitAfter(string(data), "\n") {
			if lockingLine.MatchString(l) {
				l = "# dropped by the test: " + l
			}
			kept = append(kept, l)
		}
		dst := filepath.Join(dir, base)
		if err := os.WriteFile(dst, []byte(strings.Join(kept, "")), 0o600); err != nil {
			t.Fatal(err)
		}
		out[base] = dst
	}
	if len(out) == 0 {
		kerneltest.Skip(t, "no rule files under %s", debianRules)
	}
	return out
}

func auditctl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("auditctl", args...).CombinedOutput()
	return string(out), err
}

func mustAuditctl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := auditctl(t, args...)
	if err != nil {
		t.Fatalf("auditctl %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return out
}

// firstBadLine is the line of the first ParseError in err, or 0.
func firstBadLine(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var pes rules.ParseErrors
	if !errors.As(err, &pes) {
		t.Fatalf("ParseFile: %v", err)
	}
	return pes[0].Line
}

func before(cmds []rules.Command, line int) []rules.Command {
	if line == 0 {
		return cmds
	}
	var out []rules.Command
	for _, c := range cmds {
		if c.Pos.Line < line {
			out = append(out, c)
		}
	}
	return out
}

var auditctlErrLine = regexp.MustCompile(`There was an error in line (\d+)`)

// simulate is the kernel's rule lists after cmds: per list, in list order.
func simulate(t *testing.T, cmds []rules.Command) []*abi.AuditRuleData {
	t.Helper()
	lists := make([][]*abi.AuditRuleData, 8)
	for _, c := range cmds {
		switch c.Kind {
		case rules.KindAddRule, rules.KindDeleteRule:
			d, err := rules.Encode(c.Rule)
			if err != nil {
				t.Fatal(err)
			}
			prepend := d.Flags&abi.AUDIT_FILTER_PREPEND != 0
			d.Flags &^= abi.AUDIT_FILTER_PREPEND
			// The kernel takes the top 16 bits of the bitmap as syscall
			// classes, ORs the classes in and clears the bits; classes only
			// add syscalls "all" already has.
			if rule := c.Rule; rule.AllSyscalls() {
				d.Mask[abi.AUDIT_BITMASK_SIZE-1] &= 0xffff
			}
			l := d.Flags
			if c.Kind == rules.KindDeleteRule {
				for i, r := range lists[l] {
					if bytes.Equal(r.MarshalBinary(), d.MarshalBinary()) {
						lists[l] = append(lists[l][:i], lists[l][i+1:]...)
						break
					}
				}
			} else if prepend {
				lists[l] = append([]*abi.AuditRuleData{d}, lists[l]...)
			} else {
				lists[l] = append(lists[l], d)
			}
		case rules.KindDeleteAll:
			for l := range lists {
				var kept []*abi.AuditRuleData
				for _, d := range lists[l] {
					r, err := rules.Decode(d)
					if err != nil {
						t.Fatal(err)
					}
					if c.Key != "" && !strings.Contains(r.Key(), c.Key) {
						kept = append(kept, d)
					}
				}
				lists[l] = kept
			}
		}
	}
	var out []*abi.AuditRuleData
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func listKernel(t *testing.T, ctx context.Context, c *auditnl.Conn) []*abi.AuditRuleData {
	t.Helper()
	got, err := c.ListRules(ctx)
	if err != nil {
		t.Fatalf("ListRules: %v", err)
	}
	return got
}

func compareBytes(t *testing.T, got, want []*abi.AuditRuleData) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("kernel has %d rules, contaudit's encoding %d", len(got), len(want))
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		g, w := got[i].MarshalBinary(), want[i].MarshalBinary()
		if !bytes.Equal(g, w) {
			gr, _ := rules.Decode(got[i])
			wr, _ := rules.Decode(want[i])
			t.Errorf("rule %d differs:\n kernel: %v %+v\n   ours: %v %+v", i, gr, got[i], wr, want[i])
		}
	}
}

func decodeAll(t *testing.T, ds []*abi.AuditRuleData) []*rules.Rule {
	t.Helper()
	var out []*rules.Rule
	for _, d := range ds {
		r, err := rules.Decode(d)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		out = append(out, r)
	}
	return out
}

// TestKernelAuditctlCompat loads every rule file with auditctl -R and checks
// that the kernel holds exactly contaudit's encoding and that auditctl -l
// prints exactly contaudit's listing; then loads the file with contaudit's
// Apply over netlink and checks auditctl -l again.
func TestKernelAuditctlCompat(t *testing.T) {
	kerneltest.Audit(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := auditnl.Dial(auditnl.Options{})
	if err != nil {
		kerneltest.Skip(t, "dial NETLINK_AUDIT: %v", err)
	}
	defer conn.Close()

	files := kernelRuleFiles(t)
	for name, file := range files {
		t.Run(name, func(t *testing.T) {
			cmds, perr := rules.ParseFile(file)
			bad := firstBadLine(t, perr)

			// auditctl -R stops at the first line it or the kernel refuses.
			mustAuditctl(t, "-D")
			out, err := auditctl(t, "-R", file)
			stop := 0
			if err != nil {
				// -R sends errors to syslog until a kernel error switches
				// auditctl to stderr, so only kernel failures name the line.
				if m := auditctlErrLine.FindStringSubmatch(out); m != nil {
					stop, _ = strconv.Atoi(m[1])
				} else if bad != 0 {
					stop = bad
				} else {
					t.Fatalf("auditctl -R failed, contaudit accepts the file: %v: %s", err, out)
				}
			}
			if bad != 0 && bad != stop {
				t.Fatalf("contaudit refuses line %d (%v), auditctl stopped at line %d: %s", bad, perr, stop, out)
			}
			if stop != 0 {
				t.Logf("auditctl stops at line %d: %s", stop, strings.TrimSpace(out))
			}
			want := simulate(t, before(cmds, stop))
			compareBytes(t, listKernel(t, ctx, conn), want)
			got := mustAuditctl(t, "-l")
			if ours := rules.Listing(decodeAll(t, listKernel(t, ctx, conn))); got != ours {
				t.Errorf("auditctl -l differs from contaudit's listing of the kernel's rules:\n%s", diffLines(got, ours))
			}
			if ours := rules.Listing(decodeAll(t, want)); got != ours {
				t.Errorf("auditctl -l differs from contaudit's listing of its own encoding:\n%s", diffLines(got, ours))
			}

			// The same file through contaudit's Apply over netlink must stop
			// where auditctl did and leave the same rules.
			mustAuditctl(t, "-D")
			_, err = rules.Apply(ctx, conn, before(cmds, bad), rules.ApplyOptions{})
			var ae *rules.ApplyError
			switch {
			case stop == 0 || stop == bad:
				if err != nil {
					t.Errorf("Apply: %v", err)
				}
			case !errors.As(err, &ae):
				t.Errorf("Apply: got %v, want an ApplyError at line %d as auditctl", err, stop)
			case ae.Cmd.Pos.Line != stop:
				t.Errorf("Apply stopped at line %d (%v), auditctl at %d", ae.Cmd.Pos.Line, err, stop)
			}
			compareBytes(t, listKernel(t, ctx, conn), want)
			if got := mustAuditctl(t, "-l"); got != rules.Listing(decodeAll(t, want)) {
				t.Errorf("auditctl -l after contaudit's Apply differs from contaudit's listing:\n%s", diffLines(got, rules.Listing(decodeAll(t, want))))
			}
			mustAuditctl(t, "-D")
		})
	}
}

// TestKernelAuditctlCompatContinue loads every rule file with -c, so that
// lines this machine's kernel refuses (watches under missing directories)
// do not hide the rest, and checks the kernel holds exactly contaudit's
// encoding of every line both accept.
func TestKernelAuditctlCompatContinue(t *testing.T) {
	kerneltest.Audit(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := auditnl.Dial(auditnl.Options{})
	if err != nil {
		kerneltest.Skip(t, "dial NETLINK_AUDIT: %v", err)
	}
	defer conn.Close()

	for name, src := range kernelRuleFiles(t) {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(file, append([]byte("-c\n"), data...), 0o600); err != nil {
				t.Fatal(err)
			}
			cmds, perr := rules.ParseFile(file)
			refused := map[int]bool{}
			var pes rules.ParseErrors
			if errors.As(perr, &pes) {
				for _, pe := range pes {
					refused[pe.Line] = true
				}
			}

			mustAuditctl(t, "-D")
			rep, err := rules.Apply(ctx, conn, cmds, rules.ApplyOptions{})
			if (err != nil) != (rep.Failed > 0) {
				t.Errorf("Apply with -c: err %v with %d failures", err, rep.Failed)
			}
			var ok []rules.Command
			for _, e := range rep.Errors {
				var ae *rules.ApplyError
				if !errors.As(e, &ae) {
					t.Fatalf("Apply error %v is no ApplyError", e)
				}
				refused[ae.Cmd.Pos.Line] = true
				t.Logf("kernel refuses %v", e)
			}
			for _, c := range cmds {
				if !refused[c.Pos.Line] {
					ok = append(ok, c)
				}
			}
			want := simulate(t, ok)
			compareBytes(t, listKernel(t, ctx, conn), want)
			ours := rules.Listing(decodeAll(t, want))
			if got := mustAuditctl(t, "-l"); got != ours {
				t.Errorf("auditctl -l after contaudit's Apply differs from contaudit's listing:\n%s", diffLines(got, ours))
			}

			mustAuditctl(t, "-D")
			out, err := auditctl(t, "-R", file)
			if (err != nil) != (len(refused) > 0) {
				t.Errorf("auditctl -R with -c: %v, contaudit refused lines %v: %s", err, refused, out)
			}
			for _, m := range auditctlErrLine.FindAllStringSubmatch(out, -1) {
				if n, _ := strconv.Atoi(m[1]); !refused[n] {
					t.Errorf("auditctl refused line %d, contaudit accepted it: %s", n, out)
				}
			}
			compareBytes(t, listKernel(t, ctx, conn), want)
			got := mustAuditctl(t, "-l")
			if got != ours {
				t.Errorf("auditctl -l differs from contaudit's listing of its own encoding:\n%s", diffLines(got, ours))
			}
			if l := rules.Listing(decodeAll(t, listKernel(t, ctx, conn))); got != l {
				t.Errorf("auditctl -l differs from contaudit's listing of the kernel's rules:\n%s", diffLines(got, l))
			}
			mustAuditctl(t, "-D")
		})
	}
}

func diffLines(got, want string) string {
	var b strings.Builder
	for _, d := range kerneltest.DiffLines(got, want) {
		fmt.Fprintf(&b, "line %d:\n  auditctl:  %q\n  contaudit: %q\n", d.Line, d.A, d.B)
	}
	return b.String()
}
