package kerneltest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// CorporaDir returns ../shared/corpora beside the module root: the real
// audit logs and IMA lists every parser is tested on. They are not in the
// repository; CI has them, and under RequireEnv their absence fails the
// test instead of skipping it.
func CorporaDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpora")
	if fi, err := os.Stat(c); err != nil || !fi.IsDir() {
		Skip(t, "audit corpora not found at %s: %v", c, err)
	}
	return c
}

var blockStart = regexp.MustCompile(`^(\s*)[^\s#][^#]*:\s*([|>])[-+0-9]*\s*$`)

// UnwrapYAML returns the log lines held in the block scalars (key: | and
// key: >) of the go-libaudit corpus files, which wrap raw audit lines in
// YAML: indentation stripped, a folded block joined into one line as YAML
// folds it.
func UnwrapYAML(data []byte) []byte {
	var out []byte
	in, folded, keyInd, ind, open := false, false, 0, -1, false
	for _, l := range strings.Split(string(data), "\n") {
		if in {
			trimmed := strings.TrimLeft(l, " ")
			n := len(l) - len(trimmed)
			switch {
			case trimmed == "":
				if open {
					out = append(out, '\n')
				}
				open = false
				continue
			case n > keyInd && (ind < 0 || n >= ind):
				if ind < 0 {
					ind = n
				}
				if folded && open {
					out = append(append(out, ' '), l[ind:]...)
					continue
				}
				out = append(out, l[ind:]...)
				if folded {
					open = true
				} else {
					out = append(out, '\n')
				}
				continue
			}
			if open {
				out = append(out, '\n')
			}
			in, open = false, false
		}
		if m := blockStart.FindStringSubmatch(l); m != nil {
			in, folded, keyInd, ind, open = true, m[2] == ">", len(m[1]), -1, false
		}
	}
	if open {
		out = append(out, '\n')
	}
	return out
}
