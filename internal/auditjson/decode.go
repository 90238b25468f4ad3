package auditjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/record"
)

// Event is one decoded JSON event.
type Event struct {
	Schema  string
	Key     event.Key // node, sec and msec (from "stamp") and serial
	Time    time.Time // the "time" member, UTC
	Records []Record
}

// Record is one decoded record. Raw is its log line, byte for byte.
type Record struct {
	Type     uint32
	Name     string
	Raw      []byte
	Flags    record.Flags
	Fields   []Field
	Enriched []Field
}

// Field is one decoded field. Value equals Raw when the JSON had no
// "value"; Interp is set, and HasInterp true, only when the event was
// encoded with interpretation and the field has one.
type Field struct {
	Key       string
	Raw       []byte
	Value     []byte
	Kind      record.Kind
	Flags     record.FieldFlags
	Interp    []byte
	HasInterp bool
}

// RawLines returns the log lines of the event's records, in order, without
// their '\n': exactly the bytes AppendEvent was given. A record that shared
// its line with another (flag "shared-line") is its own part of that line.
func (e Event) RawLines() [][]byte {
	out := make([][]byte, len(e.Records))
	for i := range e.Records {
		out[i] = e.Records[i].Raw
	}
	return out
}

// ErrSchema is wrapped by DecodeEvent's error for a line of another schema.
var ErrSchema = errors.New("unsupported schema")

type jsonEvent struct {
	Schema  string       `json:"schema"`
	Node    string       `json:"node"`
	NodeB64 []byte       `json:"node_b64"`
	Time    string       `json:"time"`
	Stamp   string       `json:"stamp"`
	Serial  *uint64      `json:"serial"`
	Records []jsonRecord `json:"records"`
}

type jsonRecord struct {
	Type     *uint32     `json:"type"`
	Name     string      `json:"name"`
	NameB64  []byte      `json:"name_b64"`
	Raw      *string     `json:"raw"`
	RawB64   []byte      `json:"raw_b64"`
	Flags    []string    `json:"flags"`
	Fields   []jsonField `json:"fields"`
	Enriched []jsonField `json:"enriched"`
}

type jsonField struct {
	Key       string   `json:"key"`
	KeyB64    []byte   `json:"key_b64"`
	Raw       *string  `json:"raw"`
	RawB64    []byte   `json:"raw_b64"`
	Kind      string   `json:"kind"`
	Value     *string  `json:"value"`
	ValueB64  []byte   `json:"value_b64"`
	Interp    *string  `json:"interp"`
	InterpB64 []byte   `json:"interp_b64"`
	Flags     []string `json:"flags"`
}

// DecodeEvent decodes one line written by AppendEvent (with or without its
// '\n'). Members it does not know are ignored, as are record and field
// flags it has no name for, so that readers survive additions to the
// schema; a different "schema" is an error wrapping ErrSchema.
func DecodeEvent(line []byte) (Event, error) {
	var je jsonEvent
	if err := json.Unmarshal(line, &je); err != nil {
		return Event{}, fmt.Errorf("decode audit event: %w", err)
	}
	if je.Schema != Schema {
		return Event{}, fmt.Errorf("decode audit event: %w %q (want %q)", ErrSchema, je.Schema, Schema)
	}
	e := Event{Schema: je.Schema, Key: event.Key{Node: string(exact(je.Node, je.NodeB64))}}
	if je.Serial == nil {
		return Event{}, errors.New(`decode audit event: no "serial"`)
	}
	e.Key.Serial = *je.Serial
	sec, msec, ok := parseStamp(je.Stamp)
	if !ok {
		return Event{}, fmt.Errorf("decode audit event: bad stamp %q", je.Stamp)
	}
	e.Key.Sec, e.Key.Msec = sec, msec
	t, err := time.Parse(time.RFC3339Nano, je.Time)
	if err != nil {
		return Event{}, fmt.Errorf("decode audit event %s: time: %w", je.Stamp, err)
	}
	e.Time = t.UTC()
	e.Records = make([]Record, len(je.Records))
	for i, jr := range je.Records {
		r := &e.Records[i]
		if jr.Type == nil || jr.Raw == nil {
			return Event{}, fmt.Errorf("decode audit event %s: record %d: no \"type\" or \"raw\"", je.Stamp, i)
		}
		r.Type, r.Name = *jr.Type, string(exact(jr.Name, jr.NameB64))
		r.Raw = exact(*jr.Raw, jr.RawB64)
		for _, n := range jr.Flags {
			r.Flags |= recordFlagByName[n]
		}
		if r.Fields, err = decodeFields(jr.Fields); err != nil {
			return Event{}, fmt.Errorf("decode audit event %s: record %d: %w", je.Stamp, i, err)
		}
		if r.Enriched, err = decodeFields(jr.Enriched); err != nil {
			return Event{}, fmt.Errorf("decode audit event %s: record %d: enriched: %w", je.Stamp, i, err)
		}
	}
	return e, nil
}

func decodeFields(jfs []jsonField) ([]Field, error) {
	if len(jfs) == 0 {
		return nil, nil
	}
	out := make([]Field, len(jfs))
	for i, jf := range jfs {
		f := &out[i]
		if jf.Raw == nil {
			return nil, fmt.Errorf("field %d (%q): no \"raw\"", i, jf.Key)
		}
		f.Key = string(exact(jf.Key, jf.KeyB64))
		f.Raw = exact(*jf.Raw, jf.RawB64)
		f.Value = f.Raw
		if jf.Value != nil {
			f.Value = exact(*jf.Value, jf.ValueB64)
		}
		if jf.Interp != nil {
			f.Interp, f.HasInterp = exact(*jf.Interp, jf.InterpB64), true
		}
		if jf.Kind != "" {
			k, ok := kindByName[jf.Kind]
			if !ok {
				return nil, fmt.Errorf("field %d (%q): unknown kind %q", i, jf.Key, jf.Kind)
			}
			f.Kind = k
		}
		for _, n := range jf.Flags {
			f.Flags |= fieldFlagByName[n]
		}
	}
	return out, nil
}

// exact returns the base64 copy when there is one: the string member then
// holds U+FFFD in place of the invalid bytes.
func exact(s string, b64 []byte) []byte {
	if b64 != nil {
		return b64
	}
	return []byte(s)
}

func parseStamp(s string) (int64, uint32, bool) {
	a, b, ok := strings.Cut(s, ".")
	if !ok {
		return 0, 0, false
	}
	sec, err1 := strconv.ParseInt(a, 10, 64)
	msec, err2 := strconv.ParseUint(b, 10, 32)
	return sec, uint32(msec), err1 == nil && err2 == nil
}

var (
	recordFlagByName = map[string]record.Flags{}
	fieldFlagByName  = map[string]record.FieldFlags{}
	kindByName       = map[string]record.Kind{}
)

func init() {
	for _, bit := range recordFlagBits {
		recordFlagByName[recordFlagNames[bit]] = bit
	}
	for bit, n := range fieldFlagNames {
		fieldFlagByName[n] = bit
	}
	for k, n := range kindNames {
		kindByName[n] = record.Kind(k)
	}
}
