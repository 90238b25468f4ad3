package event

import (
	"fmt"
	"testing"
	"time"
)

var fuzzTypes = [8]uint32{tSYSCALL, tPATH, tEOE, tPROCTITLE, tUSERLOGIN, tDAEMON, tAVC, tEXECVE}

// FuzzAssembler drives random Add/Expire/Flush sequences around the serial
// wrap and checks that every record comes out exactly once, in an event of
// its own Key, within the bounds, and that the counters add up.
func FuzzAssembler(f *testing.F) {
	f.Add([]byte{0x12, 0x00, 0x80, 0x02, 0x00, 0x01, 0x02, 0x00, 0x02})
	f.Add([]byte{0x45, 0x01, 0x10, 0x03, 0x7f, 0x00, 0x04, 0x80, 0x07, 0x05, 0x00, 0x02, 0x00, 0x50, 0x00, 0x02, 0x01, 0x07})
	f.Add([]byte{0xff, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0x10, 0x20, 0x30, 0x01, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		cfg := Config{
			MaxInFlight:      1 + int(data[0]&7),
			MaxRecords:       1 + int(data[0]>>3&3),
			History:          64,
			CloseOnProctitle: data[0]&0x20 != 0,
			NoSerials:        data[0]&0x40 != 0,
		}
		data = data[1:]
		a := NewAssembler[int](cfg)
		// b replays the same input with serial tracking the other way: it
		// must group the records the same.
		other := cfg
		other.NoSerials = !cfg.NoSerials
		b := NewAssembler[int](other)
		type sig struct {
			key    Key
			recs   string
			reason Reason
			part   int
		}
		var seqA, seqB []sig
		sign := func(dst *[]sig, evs []Event[int]) {
			for _, e := range evs {
				*dst = append(*dst, sig{e.Key, fmt.Sprint(e.Records, e.Types), e.Reason, e.Part})
			}
		}
		var keys []Key
		var types []uint32
		emitted := map[int]int{}
		type partState struct {
			part   int
			reason Reason
		}
		parts := map[Key]partState{}
		var events uint64
		now := t0
		check := func(evs []Event[int]) {
			sign(&seqA, evs)
			for _, e := range evs {
				events++
				if len(e.Records) == 0 || len(e.Records) > cfg.MaxRecords || len(e.Types) != len(e.Records) {
					t.Fatalf("event %+v: %d records, %d types", e.Key, len(e.Records), len(e.Types))
				}
				for j, id := range e.Records {
					emitted[id]++
					if keys[id] != e.Key || types[id] != e.Types[j] {
						t.Fatalf("record %d (%+v type %d) in event %+v as type %d", id, keys[id], types[id], e.Key, e.Types[j])
					}
				}
				if isDaemon(e.Types[0]) {
					continue // auditd's own numbering, apart from kernel Keys
				}
				if e.Part > 0 {
					if p, ok := parts[e.Key]; !ok || p.part != e.Part-1 || p.reason != EndSplit {
						t.Fatalf("part %d of %+v after %+v", e.Part, e.Key, p)
					}
				}
				parts[e.Key] = partState{e.Part, e.Reason}
			}
			if s := a.Stats(); s.InFlight > cfg.MaxInFlight {
				t.Fatalf("%d in flight, max %d", s.InFlight, cfg.MaxInFlight)
			}
		}
		for len(data) >= 3 {
			b0, b1, b2 := data[0], data[1], data[2]
			data = data[3:]
			now = now.Add(time.Duration(b0>>4&7) * 100 * time.Millisecond)
			switch b0 & 15 {
			case 0:
				now = now.Add(time.Duration(b1) * 10 * time.Millisecond)
				check(a.Expire(now))
				sign(&seqB, b.Expire(now))
			case 1:
				check(a.Flush())
				sign(&seqB, b.Flush())
			default:
				node := ""
				if b0&0x80 != 0 {
					node = "n1"
				}
				k := Key{
					Node:   node,
					Sec:    100 + int64(b2>>6),
					Serial: uint64(uint32(1<<32-20) + uint32(int32(int8(b1)))),
				}
				keys = append(keys, k)
				types = append(types, fuzzTypes[b2&7])
				check(a.Add(k, fuzzTypes[b2&7], len(keys)-1, now))
				sign(&seqB, b.Add(k, fuzzTypes[b2&7], len(keys)-1, now))
			}
		}
		check(a.Flush())
		sign(&seqB, b.Flush())
		if fmt.Sprint(seqA) != fmt.Sprint(seqB) {
			t.Fatalf("NoSerials %v and %v group differently:\n%v\n%v", cfg.NoSerials, other.NoSerials, seqA, seqB)
		}
		for id, typ := range types {
			want := 1
			if typ == tEOE {
				want = 0
			}
			if emitted[id] != want {
				t.Fatalf("record %d (type %d) emitted %d times", id, typ, emitted[id])
			}
		}
		s := a.Stats()
		if s.InFlight != 0 || s.Records != uint64(len(keys)) || s.Events != events {
			t.Fatalf("stats %+v after %d records, %d events", s, len(keys), events)
		}
		if sum := s.EOE + s.Standalone + s.Proctitle + s.Timeout + s.Evicted + s.Split + s.Flushed; sum != s.Events {
			t.Fatalf("reasons add up to %d, events %d", sum, s.Events)
		}
	})
}
