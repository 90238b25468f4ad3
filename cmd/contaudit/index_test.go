package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func indexCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return commandCLI("index", func(fs *flag.FlagSet, out, errw io.Writer) error {
		return runIndex(context.Background(), fs, out, errw)
	}, args...)
}

func TestIndexCLI(t *testing.T) {
	t.Setenv("TZ", "UTC")
	dir := t.TempDir()
	idx := filepath.Join(dir, "idx")
	log := filepath.Join(dir, "audit.log")
	var b strings.Builder
	for i := range 50 {
		// Each copy of the two events a minute later, with new serials.
		fmt.Fprint(&b, strings.NewReplacer(
			"1700000000.100:10", fmt.Sprintf("%d.100:%d", 1700000000+60*i, 10+2*i),
			"1700000100.200:11", fmt.Sprintf("%d.200:%d", 1700000030+60*i, 11+2*i),
		).Replace(searchLog))
	}
	if err := os.WriteFile(log, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := indexCLI(t, "-if", log, "--index-dir", idx, "--segment-size", "600")
	if code != 0 || !strings.Contains(out, "audit.log: ") || !strings.Contains(out, "segments (new)") {
		t.Fatalf("index: code %d\n%s%s", code, out, stderr)
	}
	want, _, _ := searchCLI(t, "-if", log, "-r", "-p", "300", "--no-index")
	got, _, code := searchCLI(t, "-if", log, "-r", "-p", "300", "--index-dir", idx)
	if code != 0 || got != want || strings.Count(got, "\n") != 100 {
		t.Fatalf("search through the index: code %d, %d lines, same as without: %v", code, strings.Count(got, "\n"), got == want)
	}
	out, _, _ = indexCLI(t, "-if", log, "--index-dir", idx, "--segment-size", "600")
	if !strings.Contains(out, "(0 new)") {
		t.Errorf("second run: %s", out)
	}
	// --prune keeps only the indexes of the files listed.
	other := filepath.Join(dir, "other.log")
	if err := os.WriteFile(other, []byte(searchLog), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = indexCLI(t, "-if", other, "--index-dir", idx, "--prune")
	if code != 0 || !strings.Contains(out, "pruned 1 index(es)") {
		t.Fatalf("prune: code %d\n%s%s", code, out, stderr)
	}
	if _, stderr, code := indexCLI(t, "-if", log, "extra"); code != 2 || !strings.Contains(stderr, "unexpected argument") {
		t.Errorf("stray argument: %d %s", code, stderr)
	}
}
