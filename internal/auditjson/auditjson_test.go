package auditjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/record"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// encodeLog turns a log into JSON lines, as search --format json would.
func encodeLog(t testing.TB, name string, data []byte, interp bool) []byte {
	var out []byte
	events(t, name, data, func(key event.Key, recs []*record.Record) {
		out = AppendEvent(out, key, recs, interp)
	})
	return out
}

func TestGolden(t *testing.T) {
	logs, err := filepath.Glob("testdata/*.log")
	if err != nil || len(logs) == 0 {
		t.Fatalf("no testdata/*.log: %v", err)
	}
	for _, in := range logs {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(in, ".log")
		for _, interp := range []bool{false, true} {
			path := base + ".golden"
			if interp {
				path = base + "-interp.golden"
			}
			got := encodeLog(t, in, data, interp)
			for l := range bytes.Lines(got) {
				if !json.Valid(l) {
					t.Errorf("%s: invalid JSON: %s", path, l)
				}
			}
			kerneltest.Golden(t, path, got, *update)
		}
	}
}

// TestGoldenRoundTrip holds the hand-made log to the same promise as the
// corpora: invalid UTF-8, tabs, shared lines and missing stamps included.
func TestGoldenRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/events.log")
	if err != nil {
		t.Fatal(err)
	}
	var b64 int
	events(t, "events.log", data, func(key event.Key, recs []*record.Record) {
		checkRoundTrip(t, key, recs, false)
		checkRoundTrip(t, key, recs, true)
		b64 += bytes.Count(AppendEvent(nil, key, recs, true), []byte(`_b64"`))
	})
	if b64 == 0 {
		t.Error("the golden log no longer exercises the base64 copies")
	}
}

// TestFlagNames checks that every flag the parser knows has a schema name,
// so that a new parser flag cannot be dropped silently from the JSON.
func TestFlagNames(t *testing.T) {
	for i := range 16 {
		f := record.Flags(1 << i)
		if strings.HasPrefix(f.String(), "0x") {
			continue
		}
		if int(f) >= len(recordFlagNames) || recordFlagNames[f] == "" {
			t.Errorf("record flag %v has no JSON name", f)
		}
	}
	for i := range 8 {
		f := record.FieldFlags(1 << i)
		if f > record.FieldMalformed {
			break
		}
		if fieldFlagNames[f] == "" {
			t.Errorf("field flag %d has no JSON name", f)
		}
	}
	for k := record.KindUnquoted; k <= record.KindBare; k++ {
		if kindNames[k] == "" || kindByName[kindNames[k]] != k {
			t.Errorf("kind %v has no JSON name", k)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"schema":"contaudit.event.v2","serial":1,"stamp":"1.000","time":"1970-01-01T00:00:01.000Z","records":[]}`, "unsupported schema"},
		{`{"schema":"contaudit.event.v1","stamp":"1.000","time":"1970-01-01T00:00:01.000Z","records":[]}`, "no \"serial\""},
		{`{"schema":"contaudit.event.v1","serial":1,"stamp":"x","time":"1970-01-01T00:00:01.000Z","records":[]}`, "bad stamp"},
		{`{"schema":"contaudit.event.v1","serial":1,"stamp":"1.000","time":"1970-01-01T00:00:01.000Z","records":[{"type":1}]}`, "no \"type\" or \"raw\""},
		{`{"schema":"contaudit.event.v1","serial":1,"stamp":"1.000","time":"1970-01-01T00:00:01.000Z","records":[{"type":1,"raw":"","fields":[{"key":"a","raw":"b","kind":"odd"}]}]}`, "unknown kind"},
		{`not json`, "decode audit event"},
	} {
		_, err := DecodeEvent([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeEvent(%s) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
	_, err := DecodeEvent([]byte(`{"schema":"x","serial":1}`))
	if !errors.Is(err, ErrSchema) {
		t.Errorf("a foreign schema gave %v, want ErrSchema", err)
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  string
		valid bool
	}{
		{"plain", `"plain"`, true},
		{"q\"b\\", `"q\"b\\"`, true},
		{"\x00\x1d\n\t\r\x7f", `"\u0000\u001d\n\t\r` + "\x7f" + `"`, true},
		{"é\u2028", `"é\u2028"`, true},
		{"a\xffb", "\"a\ufffdb\"", false},
		{"\xe2\x82", "\"\ufffd\ufffd\"", false},
	} {
		got, valid := appendJSONString(nil, []byte(tc.in))
		if string(got) != tc.want || valid != tc.valid {
			t.Errorf("appendJSONString(%q) = %s %v, want %s %v", tc.in, got, valid, tc.want, tc.valid)
		}
		var s string
		if err := json.Unmarshal(got, &s); err != nil || (tc.valid && s != tc.in) {
			t.Errorf("encoding/json reads %s as %q (%v), want %q", got, s, err, tc.in)
		}
	}
}
