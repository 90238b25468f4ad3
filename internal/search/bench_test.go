package search

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/contaudit/contaudit/internal/record"
)

// benchLog repeats the time-ordered corpora logs (or testdata/recorded.log)
// with later stamps and new serials until it holds n records.
func benchLog(b *testing.B, n int) []byte {
	b.Helper()
	var src []byte
	source := os.Getenv("CONTAUDIT_BENCH_LOG") // another real log to repeat
	if source == "" {
		source = filepath.Join("testdata", "recorded.log")
	}
	if data, err := os.ReadFile(source); err == nil {
		src = data
	} else {
		dir := corporaDir(b)
		for _, f := range []string{"go-libaudit__testdata__normal.log",
			"security-datasets__datasets__atomic__linux__discovery__host__sh_arp_cache.zip__sh_arp_cache_2020-11-10074812.log"} {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				b.Fatal(err)
			}
			src = append(src, data...)
		}
	}
	stamp := regexp.MustCompile(`audit\((\d+)\.(\d+):(\d+)\)`)
	lines := bytes.Split(bytes.TrimRight(src, "\n"), []byte("\n"))
	var out bytes.Buffer
	for rep, count := 0, 0; count < n; rep++ {
		count += len(lines)
		for _, l := range lines {
			l = stamp.ReplaceAllFunc(l, func(m []byte) []byte {
				s := stamp.FindSubmatch(m)
				sec, _ := strconv.ParseInt(string(s[1]), 10, 64)
				ser, _ := strconv.ParseInt(string(s[3]), 10, 64)
				return fmt.Appendf(nil, "audit(%d.%s:%d)", sec+int64(rep)*100000, s[2], ser+int64(rep)*1000000)
			})
			out.Write(l)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}

// BenchmarkMatcherRecord measures the matching path alone: one record
// against a query with numeric, string and type options.
func BenchmarkMatcherRecord(b *testing.B) {
	line := []byte(`type=SYSCALL msg=audit(1604994496.155:92733): arch=c000003e syscall=59 success=yes exit=0 a0=558e251634a0 a1=558e25162a50 a2=558e25160800 a3=8 items=2 ppid=29002 pid=1631 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=104 comm="arp" exe="/usr/sbin/arp" key=(null)`)
	rec, _, err := record.ParseLine(line)
	if err != nil {
		b.Fatal(err)
	}
	m := NewMatcher(Query{Types: []uint32{1300}, AnyUID: SetInt(1000), Exe: "arp", Syscall: SetInt(59), Key: "x", Success: SuccessYes})
	b.ReportAllocs()
	for b.Loop() {
		m.Record(rec)
	}
}

func benchSearch(b *testing.B, q Query, f Format) {
	data := benchLog(b, 100000)
	m := NewMatcher(q)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_, err := Search(context.Background(), m, []Source{{Name: "bench", Reader: bytes.NewReader(data)}}, io.Discard, Options{Format: f})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(bytes.Count(data, []byte("\n")))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSearchNoMatch is the common case: a selective query over a
// large log, nothing printed.
func BenchmarkSearchNoMatch(b *testing.B) { benchSearch(b, Query{Key: "no-such-key"}, FormatRaw) }

// BenchmarkSearchAllRaw prints every event raw.
func BenchmarkSearchAllRaw(b *testing.B) { benchSearch(b, Query{}, FormatRaw) }

// BenchmarkSearchAllInterpret prints every event as ausearch -i.
func BenchmarkSearchAllInterpret(b *testing.B) { benchSearch(b, Query{}, FormatInterpret) }

// benchFile writes benchLog's log of n records to a file, as an index
// needs one.
func benchFile(b *testing.B, n int) (string, int64) {
	data := benchLog(b, n)
	path := filepath.Join(b.TempDir(), "audit.log")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	return path, int64(len(data))
}

// BenchmarkBuildIndex is what `contaudit index` costs per byte of log.
func BenchmarkBuildIndex(b *testing.B) {
	path, size := benchFile(b, 100000)
	dir := b.TempDir()
	b.SetBytes(size)
	for b.Loop() {
		os.RemoveAll(dir)
		if _, err := BuildIndex(context.Background(), path, IndexOptions{Dir: dir}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchIndexed is BenchmarkSearchNoMatch's query on a file,
// read whole and through its index.
func BenchmarkSearchIndexed(b *testing.B) {
	path, size := benchFile(b, 100000)
	dir := b.TempDir()
	if _, err := BuildIndex(context.Background(), path, IndexOptions{Dir: dir}); err != nil {
		b.Fatal(err)
	}
	m := NewMatcher(Query{Key: "no-such-key"})
	for _, tc := range []struct{ name, dir string }{{"whole", ""}, {"indexed", dir}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				_, err := Search(context.Background(), m, []Source{{Name: path, Path: path}}, io.Discard, Options{IndexDir: tc.dir})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
