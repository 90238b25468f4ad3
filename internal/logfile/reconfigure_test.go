package logfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

// A reload changes the format, the flush mode and the size limit of the
// open log; its path stays.
func TestReconfigure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	enrich := func(_ uint32, _ []byte, dst []byte) []byte { return append(dst, `UID="root"`...) }
	w, _ := openTest(t, Config{Path: path, Enrich: enrich, Flush: FlushIncrementalAsync, Freq: 1})
	write := func() {
		t.Helper()
		if err := w.WriteEvent([]Record{{Type: abi.AUDIT_SYSCALL, Msg: sampleMsg}}); err != nil {
			t.Fatal(err)
		}
	}
	write()
	kept := w.Reconfigure(Config{Path: filepath.Join(dir, "other.log"), Flush: FlushData,
		MaxLogFile: 600, MaxLogFileAction: Rotate, NumLogs: 3})
	if len(kept) != 1 {
		t.Fatalf("kept %q, want the path only", kept)
	}
	write()
	write()
	w.Reconfigure(Config{Path: path, Flush: FlushIncrementalAsync})
	write()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path + ".1")
	if err != nil {
		t.Fatalf("no rotation at the reloaded size limit: %v", err)
	}
	cur, _ := os.ReadFile(path)
	if bytes.Count(old, []byte{0x1d}) != 1 || bytes.Contains(cur, []byte{0x1d}) {
		t.Fatalf("ENRICHED before the reload only:\nold %q\ncur %q", old, cur)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.log")); err == nil {
		t.Fatal("the reload opened another log file")
	}
}
