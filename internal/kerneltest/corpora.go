package kerneltest

import (
	"os"
	"path/filepath"
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
