package search

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestChunksSameAsLines: the chunked, parallel reader gives the same
// output and the same error report as the parser reading line by line
// (noPrefilter parses every line, so the prefilter and the header reader
// are out of the picture too), over the corpora and over a log made to
// cross chunk boundaries with events, long lines, overlong lines,
// comments and no final newline. A file and a stream of it must agree.
func TestChunksSameAsLines(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; b.Len() < max(3*chunkSize, 4<<20); i++ {
		fmt.Fprintf(&b, "type=SYSCALL msg=audit(1700000000.%03d:%d): arch=c000003e syscall=59 success=yes exit=0 pid=%d uid=0 auid=1000 comm=\"x\" exe=\"/bin/x\" key=\"k%d\"\n", i%1000, i, i, i%7)
		if i%500 == 0 {
			fmt.Fprintf(&b, "type=PATH msg=audit(1700000000.%03d:%d): item=0 name=\"%s\"\n", i%1000, i, strings.Repeat("a", chunkSize/3))
		}
		if i%777 == 0 {
			b.WriteString("# comment\n\n   \n")
		}
		if i%9000 == 1000 {
			fmt.Fprintf(&b, "type=PATH msg=audit(1700000000.%03d:%d): name=\"%s\"\n", i%1000, i, strings.Repeat("b", 1<<20+10))
		}
		fmt.Fprintf(&b, "type=PROCTITLE msg=audit(1700000000.%03d:%d): proctitle=78\n", i%1000, i)
	}
	b.WriteString("type=USER msg=audit(1700000001.000:999999): pid=1 uid=0 msg='hello'") // no newline
	synth := filepath.Join(dir, "synth.log")
	if err := os.WriteFile(synth, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := append(corpusLogs(t), synth, filepath.Join("testdata", "recorded.log"))
	for _, path := range paths {
		for _, q := range []Query{{}, {Key: "k3"}, {PID: SetInt(4242), Success: SuccessYes}} {
			run := func(src Source, noPrefilter bool) (string, Stats) {
				var out bytes.Buffer
				st, err := Search(context.Background(), NewMatcher(q), []Source{src}, &out, Options{Format: FormatRaw, Loc: time.UTC, noPrefilter: noPrefilter})
				if err != nil {
					t.Fatal(err)
				}
				return out.String(), st
			}
			chunked, ms := run(Source{Name: path, Path: path}, false)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			lined, rs := run(Source{Name: path, Reader: struct{ io.Reader }{f}}, true)
			f.Close()
			if filepath.Base(path) == "synth.log" && q.Key == "" && (ms.ParseErrors == 0 || ms.Records < 1000) {
				t.Errorf("synth.log: %d records, %d parse errors: the log does not test what it should", ms.Records, ms.ParseErrors)
			}
			if chunked != lined {
				t.Errorf("%s %+v: file and stream output differ (%d and %d bytes)", filepath.Base(path), q, len(chunked), len(lined))
			}
			if ms.ParseErrors != rs.ParseErrors || fmt.Sprint(ms.FirstErrors) != fmt.Sprint(rs.FirstErrors) || ms.Records != rs.Records || ms.Bytes != rs.Bytes {
				t.Errorf("%s %+v: stats differ: file %d errors %v, %d records, %d bytes; stream %d errors %v, %d records, %d bytes", filepath.Base(path), q,
					ms.ParseErrors, ms.FirstErrors, ms.Records, ms.Bytes, rs.ParseErrors, rs.FirstErrors, rs.Records, rs.Bytes)
			}
		}
	}
}

// blockingReader gives its data, then blocks like a pipe nobody writes
// to any more.
type blockingReader struct {
	data  []byte
	block chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		<-b.block
		return 0, io.EOF
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

// TestJustOneOnBlockingStream: --just-one on a pipe that stays open
// returns after the first match, as it did when one goroutine read.
func TestJustOneOnBlockingStream(t *testing.T) {
	r := &blockingReader{data: []byte(events), block: make(chan struct{})}
	defer close(r.block)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		_, err := Search(context.Background(), NewMatcher(Query{}), []Source{{Name: "pipe", Reader: r}}, &out,
			Options{Format: FormatRaw, JustOne: true})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil || out.Len() == 0 {
			t.Fatalf("err %v, output %q", err, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("--just-one on an open stream did not return")
	}
}
