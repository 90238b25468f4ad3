package search

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/auditjson"
	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/interpret"
	"github.com/contaudit/contaudit/internal/progress"
	"github.com/contaudit/contaudit/internal/record"
)

// Format is an output format of --format.
type Format int

const (
	FormatRaw       Format = iota // the records' lines, byte for byte
	FormatDefault                 // ausearch's default: "----", "time->", records last first
	FormatInterpret               // ausearch -i
	FormatCSV                     // ausearch --format csv: auparse's normalised view, one line per event
	FormatText                    // ausearch --format text: the same as an English sentence
	FormatJSON                    // one event per line, internal/auditjson's schema
)

// ParseFormat reads --format.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "raw":
		return FormatRaw, nil
	case "default":
		return FormatDefault, nil
	case "interpret":
		return FormatInterpret, nil
	case "csv":
		return FormatCSV, nil
	case "text":
		return FormatText, nil
	case "json":
		return FormatJSON, nil
	}
	return 0, fmt.Errorf("unknown format %q: want raw, default, interpret, csv, text or json", s)
}

// Options says how to run a search.
type Options struct {
	Format  Format
	JustOne bool // stop after the first matching event (--just-one)
	// Checkpoint, when set, skips the events up to and including the one
	// it names, and is advanced to the last complete event seen.
	Checkpoint *Checkpoint
	// Loc is the zone of printed times; nil means time.Local.
	Loc *time.Location
	// Resolver names uids and gids for FormatInterpret; nil means the
	// local passwd and group files.
	Resolver interpret.Resolver
	// JSONInterpret adds ausearch -i's reading of each field to
	// FormatJSON output.
	JSONInterpret bool
	// Progress, when set, receives a progress line about ten times a
	// second: bytes read of ProgressTotal.
	Progress      io.Writer
	ProgressTotal int64
	// noPrefilter makes every line go through the full parser (tests).
	noPrefilter bool
	// Extras adds ausearch's --extra-* columns to FormatCSV.
	Extras CSVExtras
	// Stderr receives what ausearch says on stderr while printing:
	// "error normalizing TYPE" for an event csv cannot normalise.
	Stderr io.Writer
	// Assembly bounds event assembly; zero fields take event's defaults.
	// CloseOnProctitle is always set: logs carry no EOE.
	Assembly event.Config
	// IndexDir, when set, is where the indexes BuildIndex made are
	// looked for: a file with a valid one is read only where it may
	// match (indexed.go). Not with Checkpoint.
	IndexDir string
}

// MaxReportedErrors is how many unparsable lines Stats keeps for the
// report; the rest are only counted.
const MaxReportedErrors = 5

// Stats counts what a search saw.
type Stats struct {
	Bytes       int64 // bytes read from files (compressed bytes for gzip)
	Records     int   // records parsed
	NoStamp     int   // records without audit(...) stamp, which belong to no event
	Events      int   // events assembled
	Matched     int   // events that matched and were printed
	Deferred    int   // incomplete events left for the next run (--checkpoint)
	ParseErrors int   // unparsable lines
	// FirstErrors holds the first MaxReportedErrors parse errors, each a
	// *record.ParseError with file and line.
	FirstErrors []error
	// Assembly counts what the assembler saw: not what indexes skipped.
	Assembly event.Stats
	// IndexedFiles counts the files read through an index, SkippedBytes
	// what their indexes spared reading; StaleIndexes the indexes that
	// no longer described their file (rebuild them), IndexErrors the
	// damaged ones. A file without a usable index is read whole.
	IndexedFiles int
	SkippedBytes int64
	StaleIndexes int
	IndexErrors  []error
}

// payload is what travels with a record through assembly: its line (in a
// chunk, nil when its stamp already ruled its event out), its type and
// the options it satisfied.
type payload struct {
	raw   []byte
	typ   uint32
	mask  uint64
	owned bool // raw is a copy, not in a chunk that will be reused
}

type searcher struct {
	m     *Matcher
	opt   Options
	w     *bufio.Writer
	out   []byte
	in    interpreter
	norm  normWriter
	pool  *pools
	stats Stats
	ckpt  *Checkpoint
	last  lastEvent
	done  bool
	order order
	pre   prefilter
	// parsers and recs serve FormatJSON, which needs parsed records.
	parsers []*record.Parser
	recs    []*record.Record
	eoe     payload // the EOE record being filed, if any
	eoeKey  event.Key
	// openKey is the last key filed, known to be in order.open while
	// openCached holds.
	openKey    event.Key
	openCached bool
	// src is the source being read; lastSrc the one s.last came from.
	src, lastSrc string
	// indexParams and terms serve reading through indexes.
	indexParams string
	terms       [][]uint64
	// clock is assembly's clock (Unix ns): the latest record time filed.
	clock    int64
	hasClock bool
}

type lastEvent struct {
	key event.Key
	typ uint32
	set bool
}

// Search reads srcs in order, assembles their records into events (an
// event may span two files, as after a log rotation), and writes the
// events m matches to w in opt.Format, in ausearch's order: by stamp,
// each printed once every older event has ended. It stops early at the
// first match with opt.JustOne, or when ctx is cancelled (returning ctx's
// error). Unparsable lines are counted in Stats, never fatal; an I/O
// error on a source is returned after the events read so far are written.
func Search(ctx context.Context, m *Matcher, srcs []Source, w io.Writer, opt Options) (Stats, error) {
	switch opt.Format {
	case FormatRaw, FormatDefault, FormatInterpret, FormatJSON, FormatCSV, FormatText:
	default:
		return Stats{}, fmt.Errorf("unknown format %d", opt.Format)
	}
	if opt.Loc == nil {
		opt.Loc = time.Local
	}
	s := &searcher{m: m, opt: opt, w: bufio.NewWriterSize(w, 64<<10), ckpt: opt.Checkpoint}
	s.order = newOrder()
	s.pool = newPools(2*workers() + 4)
	s.pre = newPrefilter(m.Query())
	s.in = interpreter{loc: opt.Loc, resolver: opt.Resolver}
	if s.in.resolver == nil {
		s.in.resolver = interpret.LocalResolver()
	}
	s.norm = normWriter{extras: opt.Extras, loc: opt.Loc, res: s.in.resolver}
	if opt.Stderr != nil {
		s.norm.errLog = func(msg string) { fmt.Fprintln(opt.Stderr, msg) }
	}
	if opt.IndexDir != "" {
		s.indexParams = IndexParams(opt.Assembly)
		s.terms = indexTerms(m.Query())
	}
	asm := event.NewAssembler[payload](searchAssembly(opt.Assembly))
	prog := progress.New(opt.Progress, "searching", opt.ProgressTotal)
	var err error
	for _, src := range srcs {
		if err = s.readSource(ctx, src, asm, prog); err != nil || s.done {
			break
		}
	}
	if !s.done {
		for _, ev := range asm.Flush() {
			s.handle(ev, true)
		}
		s.release(true)
	}
	prog.Finish()
	s.stats.Assembly = asm.Stats()
	if opt.Checkpoint != nil && s.last.set {
		opt.Checkpoint.Advance(s.last.key, s.last.typ)
		opt.Checkpoint.File = s.lastSrc
	}
	if ferr := s.w.Flush(); err == nil {
		err = ferr
	}
	return s.stats, err
}

func (s *searcher) parseError(pe *record.ParseError) {
	s.stats.ParseErrors++
	if len(s.stats.FirstErrors) < MaxReportedErrors {
		s.stats.FirstErrors = append(s.stats.FirstErrors, pe)
	}
}

// filer files records into the assembler and hands completed events on.
type filer struct {
	s         *searcher
	asm       *event.Assembler[payload]
	latestSec int64
	started   bool
}

// file files one record; mask is what the record satisfies.
func (f *filer) file(key event.Key, typ uint32, raw []byte, mask uint64) {
	s := f.s
	p := payload{typ: typ}
	if s.m.Stamp(key) && !s.ckpt.covers(key) {
		p.raw = raw // in a chunk, never rewritten
		p.mask = mask
	}
	isEOE := typ == abi.AUDIT_EOE
	if isEOE {
		// The assembler drops EOE, but ausearch prints the EOE lines a
		// log holds with their event: after the PROCTITLE that ended
		// it (held since), or as the end of an event still open.
		if h := s.order.lastHeld; h != nil && h.key == key && p.raw != nil {
			h.recs = append(h.recs, p)
		}
		s.eoe, s.eoeKey = p, key
	}
	s.release(false)
	if s.done {
		return
	}
	now := time.Unix(key.Sec, int64(key.Msec)*int64(time.Millisecond))
	s.tick(now.UnixNano())
	if !f.started || key.Sec != f.latestSec {
		// As in ausearch, a record a second later closes the events
		// whose timeout it passes, before it is filed.
		f.started, f.latestSec = true, key.Sec
		for _, ev := range f.asm.Expire(now) {
			s.handle(ev, false)
		}
	}
	if !isEOE && (!s.openCached || !key.Equal(s.openKey)) {
		// Most records follow one of their event: its key is known open.
		if _, ok := s.order.open[key]; !ok {
			s.order.opened(key)
		}
		s.openKey, s.openCached = key, true
	}
	for _, ev := range f.asm.Add(key, typ, p, now) {
		s.handle(ev, false)
	}
	s.eoe.raw = nil
}

// handle decides one assembled event and holds it for printing if it
// matches.
func (s *searcher) handle(ev event.Event[payload], atEOF bool) {
	if ev.Reason != event.EndSplit {
		s.order.closed(ev.Key)
		if s.openCached && ev.Key.Equal(s.openKey) {
			s.openCached = false
		}
	}
	s.stats.Events++
	if s.ckpt.covers(ev.Key) {
		return
	}
	if s.ckpt != nil && atEOF && !ev.Complete() && (!s.last.set || !before(ev.Key, s.last.key)) {
		// ausearch leaves an event whose end it has not seen for the next
		// run; one older than the checkpoint would be skipped then, so
		// only newer ones wait.
		s.stats.Deferred++
		return
	}
	if !s.last.set || !before(ev.Key, s.last.key) {
		s.last = lastEvent{key: ev.Key, set: true}
		s.lastSrc = s.src
		if n := len(ev.Types); n > 0 {
			s.last.typ = ev.Types[n-1]
		}
	}
	if !s.m.Stamp(ev.Key) {
		return
	}
	var mask uint64
	for i := range ev.Records {
		mask |= ev.Records[i].mask
	}
	if !s.m.Match(mask) {
		return
	}
	s.stats.Matched++
	h := s.order.hold(ev.Key, ev.Records)
	if ev.Reason == event.EndEOE && s.eoe.raw != nil && s.eoeKey == ev.Key {
		h.recs = append(h.recs, s.eoe)
	}
}

// release prints the held events that no open event can precede; all
// of them at the end.
func (s *searcher) release(all bool) {
	for !s.done {
		h := s.order.next(all)
		if h == nil {
			return
		}
		s.print(h.key, h.recs)
		s.order.recycle(h)
		if s.opt.JustOne {
			s.done = true
		}
	}
}

func (s *searcher) print(k event.Key, recs []payload) {
	out := s.out[:0]
	switch s.opt.Format {
	case FormatRaw:
		// Straight to the writer: a copy less for the format that
		// prints the most.
		for _, r := range recs {
			s.w.Write(r.raw)
			s.w.WriteByte('\n')
		}
	case FormatDefault:
		out = appendDefaultHeader(out, k.Sec, s.opt.Loc)
		reverse(recs, func(r payload) {
			// ausearch shows the record without its ENRICHED tail.
			line := r.raw
			if i := bytes.IndexByte(line, interpret.Separator); i >= 0 {
				line = line[:i]
			}
			out = append(out, line...)
			out = append(out, '\n')
		})
	case FormatInterpret:
		out = append(out, "----\n"...)
		reverse(recs, func(r payload) {
			out = s.in.appendRecord(out, r.raw, r.typ, k.Node, k.Sec, k.Msec, k.Serial)
		})
	case FormatJSON:
		// One parser per record, so that all records of the event stay
		// valid together without copies.
		s.recs = s.recs[:0]
		for i, r := range recs {
			if i == len(s.parsers) {
				s.parsers = append(s.parsers, &record.Parser{})
			}
			rec, _, err := s.parsers[i].ParseLine(r.raw)
			if err == nil {
				s.recs = append(s.recs, rec)
			}
		}
		out = auditjson.AppendEvent(out, k, s.recs, s.opt.JSONInterpret)
	case FormatCSV, FormatText:
		out = s.norm.appendEvent(out, k, recs, s.opt.Format)
	}
	s.w.Write(out)
	s.out = out
}

// before orders stamps by time, then serial.
func before(a, b event.Key) bool {
	if a.Sec != b.Sec {
		return a.Sec < b.Sec
	}
	if a.Msec != b.Msec {
		return a.Msec < b.Msec
	}
	return a.Serial < b.Serial
}

// Report writes the end-of-search summary of problems to w: the count of
// unparsable lines with the first few, by file and line. It writes
// nothing when there were none.
func (st Stats) Report(w io.Writer) {
	if st.ParseErrors > 0 {
		fmt.Fprintf(w, "%d unparsable line(s) skipped:\n", st.ParseErrors)
		for _, e := range st.FirstErrors {
			fmt.Fprintf(w, "  %v\n", e)
		}
		if st.ParseErrors > len(st.FirstErrors) {
			fmt.Fprintf(w, "  ... and %d more\n", st.ParseErrors-len(st.FirstErrors))
		}
	}
	if st.NoStamp > 0 {
		fmt.Fprintf(w, "%d record(s) without an audit(...) stamp belong to no event and were not searched\n", st.NoStamp)
	}
	if st.StaleIndexes > 0 {
		fmt.Fprintf(w, "%d file(s) changed since indexed and were read whole: run contaudit index\n", st.StaleIndexes)
	}
	for _, e := range st.IndexErrors {
		fmt.Fprintf(w, "damaged index ignored, its file read whole: %v\n", e)
	}
}

// StandsAlone reports whether ausearch 3.0.9 ends an event at once when
// its first record has type typ (measured on every type libaudit names):
// USER (1005), LOGIN (1006), USER_* and DAEMON_* (1100-1299), the
// labelled-networking MAC_* records (1406-1499), KERNEL (2000) and every
// user-space range from 2100. A record of such a type that arrives while
// an event with its stamp is open joins that event, as in ausearch.
// Unlike event.IsStandalone, NETFILTER_PKT waits for company and LOGIN
// does not.
//
// contaudit's CONTAINER_OP and CONTAINER_ID (abi, in the user-space range)
// accompany a syscall, so they never stand alone.
func StandsAlone(typ uint32) bool {
	switch {
	case typ == abi.AUDIT_CONTAINER_OP || typ == abi.AUDIT_CONTAINER_ID:
		return false
	case typ == 1005 || typ == 1006:
		return true
	case typ >= 1100 && typ <= 1299:
		return true
	case typ >= 1406 && typ <= 1499:
		return true
	case typ >= 2000:
		return true
	}
	return false
}
