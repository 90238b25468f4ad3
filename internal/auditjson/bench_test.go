package auditjson

import (
	"os"
	"testing"

	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/record"
)

type benchEvent struct {
	key  event.Key
	recs []*record.Record
}

func benchEvents(b *testing.B) ([]benchEvent, int) {
	data, err := os.ReadFile("testdata/events.log")
	if err != nil {
		b.Fatal(err)
	}
	var evs []benchEvent
	events(b, "events.log", data, func(key event.Key, recs []*record.Record) {
		evs = append(evs, benchEvent{key, append([]*record.Record(nil), recs...)})
	})
	return evs, len(data)
}

func BenchmarkAppendEvent(b *testing.B) {
	evs, size := benchEvents(b)
	for _, interp := range []bool{false, true} {
		name := "raw"
		if interp {
			name = "interpret"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			var buf []byte
			for b.Loop() {
				for _, e := range evs {
					buf = AppendEvent(buf[:0], e.key, e.recs, interp)
				}
			}
		})
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	evs, size := benchEvents(b)
	var lines [][]byte
	for _, e := range evs {
		lines = append(lines, AppendEvent(nil, e.key, e.recs, false))
	}
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, l := range lines {
			if _, err := DecodeEvent(l); err != nil {
				b.Fatal(err)
			}
		}
	}
}
