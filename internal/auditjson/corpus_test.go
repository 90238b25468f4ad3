package auditjson

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/record"
)

// corporaDir finds ../shared/corpora beside the module root. CI has it and
// sets CONTAUDIT_REQUIRE_KERNEL=1, so that its absence fails there.
func corporaDir(t testing.TB) string {
	t.Helper()
	return kerneltest.CorporaDir(t)
}

// corpusLogs returns the audit logs of the corpora, each as the text of its
// log lines (YAML block scalars unwrapped), by file name.
func corpusLogs(t testing.TB) (names []string, logs map[string][]byte) {
	t.Helper()
	dir := corporaDir(t)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	logs = map[string][]byte{}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || n == "README.md" || strings.HasPrefix(n, "keylime__") || strings.HasPrefix(n, "ima-evm-utils__") ||
			strings.HasSuffix(n, ".bin") || strings.HasSuffix(n, ".txt") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(n, ".yaml") {
			data = kerneltest.UnwrapYAML(data)
		}
		names = append(names, n)
		logs[n] = data
	}
	if len(names) == 0 {
		t.Fatalf("no audit logs in %s", dir)
	}
	return names, logs
}

// events assembles a log into events the way search does, calling fn with
// each; records without a timestamp, and EOE records, are events of their
// own, so that every record is seen once.
func events(t testing.TB, name string, data []byte, fn func(key event.Key, recs []*record.Record)) (records int) {
	t.Helper()
	a := event.NewAssembler[*record.Record](event.Config{CloseOnProctitle: true})
	emit := func(evs []event.Event[*record.Record]) {
		for _, e := range evs {
			fn(e.Key, e.Records)
		}
	}
	r := record.NewReader(bytes.NewReader(data), name)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *record.ParseError
		if errors.As(err, &pe) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		records++
		c := rec.Clone()
		if c.Flags&record.NoTimestamp != 0 {
			fn(event.Key{Node: c.Node}, []*record.Record{c})
			continue
		}
		if c.Type == abi.AUDIT_EOE {
			// The assembler keeps no EOE (auditd logs none); a log that has
			// them must still round-trip, so each is an event of its own too.
			fn(event.Key{Node: c.Node, Sec: c.Sec, Msec: c.Msec, Serial: c.Serial}, []*record.Record{c})
		}
		emit(a.Add(event.Key{Node: c.Node, Sec: c.Sec, Msec: c.Msec, Serial: c.Serial}, c.Type, c, c.Time()))
	}
	emit(a.Flush())
	return records
}

// checkRoundTrip encodes one event, decodes it and compares everything the
// schema promises to keep.
func checkRoundTrip(t testing.TB, key event.Key, recs []*record.Record, interp bool) {
	t.Helper()
	line := AppendEvent(nil, key, recs, interp)
	if bytes.IndexByte(line, '\n') != len(line)-1 {
		t.Fatalf("encoded event is not one line: %q", line)
	}
	e, err := DecodeEvent(line)
	if err != nil {
		t.Fatalf("decode %s: %v", line, err)
	}
	if e.Key != key {
		t.Errorf("key %+v, want %+v", e.Key, key)
	}
	raws := e.RawLines()
	if len(raws) != len(recs) {
		t.Fatalf("%d raw lines, want %d", len(raws), len(recs))
	}
	for i, r := range recs {
		want := r.AppendLine(nil)
		if !bytes.Equal(raws[i], want) {
			t.Errorf("record %d: raw line\n got %q\nwant %q", i, raws[i], want)
		}
		d := e.Records[i]
		if d.Type != r.Type || d.Name != r.TypeName || d.Flags != r.Flags {
			t.Errorf("record %d: type %d %q flags %v, want %d %q %v", i, d.Type, d.Name, d.Flags, r.Type, r.TypeName, r.Flags)
		}
		checkFields(t, i, d.Fields, r.Fields, interp)
		checkFields(t, i, d.Enriched, r.Enriched, false)
	}
}

func checkFields(t testing.TB, rec int, got []Field, want []record.Field, interp bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("record %d: %d fields, want %d", rec, len(got), len(want))
	}
	for j, f := range want {
		g := got[j]
		if g.Key != f.Key || !bytes.Equal(g.Raw, f.Raw) || !bytes.Equal(g.Value, f.Value) || g.Kind != f.Kind || g.Flags != f.Flags {
			t.Errorf("record %d field %d: got %q=%q (%q) %v %v, want %q=%q (%q) %v %v",
				rec, j, g.Key, g.Raw, g.Value, g.Kind, g.Flags, f.Key, f.Raw, f.Value, f.Kind, f.Flags)
		}
		if !interp && g.HasInterp {
			t.Errorf("record %d field %d: interp without interpretation", rec, j)
		}
	}
}

func TestCorpusRoundTrip(t *testing.T) {
	names, logs := corpusLogs(t)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			var evs, recs, invalid int
			n := events(t, name, logs[name], func(key event.Key, rs []*record.Record) {
				evs++
				recs += len(rs)
				checkRoundTrip(t, key, rs, false)
				checkRoundTrip(t, key, rs, true)
				if bytes.Contains(AppendEvent(nil, key, rs, true), []byte(`_b64"`)) {
					invalid++
				}
			})
			if recs != n {
				t.Errorf("%d records in events, %d read", recs, n)
			}
			if n == 0 {
				t.Error("no records")
			}
			t.Logf("%d records, %d events round-trip (%d with base64 copies)", n, evs, invalid)
		})
	}
}
