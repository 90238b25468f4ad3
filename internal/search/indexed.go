package search

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/logindex"
	"github.com/contaudit/contaudit/internal/progress"
	"github.com/contaudit/contaudit/internal/record"
)

// A search of a large log for something rare spends its time reading
// lines that cannot match. An index (BuildIndex, kept by internal/logindex)
// cuts a file into segments at lines before which no event is open, when
// the file is read from its start, and summarises each segment. A search
// then reads only the segments whose summary says they may hold a match,
// and passes over the others as if it had read them: it counts their
// records and events and moves assembly's clock to where they leave it.
//
// The output is the same bytes as without the index, because a skipped
// segment changes nothing that the search prints:
//   - it holds whole events (none open at either end), and none of them
//     matches;
//   - assembly is in the same state after it either way: no event open,
//     the clock (which never runs backwards and decides timeouts) at the
//     segment's ClockEnd;
//   - a segment never starts with an EOE, which could belong to a
//     matching event that a PROCTITLE ended just before (ausearch prints
//     the EOE with it).
//
// That holds when the search reaches the file's first skipped segment in
// the state the builder was in there: nothing open, nothing held that an
// EOE could join, and a clock no later than the segment's ClockStart.
// Within a file that read from its start, it holds by construction; an
// event continued from the previous file, or a previous file stamped
// later than this one, can break it, so the reader asks the searcher
// (ask) before its first skip, and reads on until the answer is yes.
//
// A checkpoint run reads everything (the checkpoint names the last event
// read), as does a source that is not a plain file.

// DefaultIndexDir is where `contaudit index` keeps indexes and `contaudit
// search` looks for them.
const DefaultIndexDir = "/var/cache/contaudit/index"

// ask is the reader's question to the searcher.
type ask struct {
	seg   *logindex.Segment
	reply chan bool
}

// IndexParams names the indexes this search can use: the token scheme
// and the assembly that segments were cut under. An index made under
// other parameters is rebuilt, never used.
func IndexParams(assembly event.Config) string {
	cfg := searchAssembly(assembly)
	timeout, inFlight, records := event.NewAssembler[struct{}](cfg).Limits() // defaults filled in
	return fmt.Sprintf("search-index tokens=%d timeout=%d inflight=%d records=%d proctitle standalone=ausearch-3.0.9",
		indexTokensVersion, timeout, inFlight, records)
}

// searchAssembly is the assembly every search runs: events end at
// PROCTITLE (logs carry no EOE), ausearch's standalone types, and no
// serial tracking.
func searchAssembly(cfg event.Config) event.Config {
	cfg.CloseOnProctitle = true
	if cfg.Standalone == nil {
		cfg.Standalone = StandsAlone
	}
	if cfg.History == 0 {
		cfg.History = 64
	}
	cfg.NoSerials = true
	return cfg
}

// indexedReader returns the reading of src through its index, or nil
// when there is no usable index or it would skip nothing.
func (s *searcher) indexedReader(src Source, counter *atomic.Int64) (func(chunkSender) error, func() error, error) {
	if s.opt.IndexDir == "" || src.Reader != nil || src.Path == "" || s.ckpt != nil {
		return nil, nil, nil
	}
	f, err := os.Open(src.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", src.Name, err)
	}
	ix, err := logindex.Load(s.opt.IndexDir, f, s.indexParams)
	switch {
	case err == nil:
	case errors.Is(err, os.ErrNotExist), errors.Is(err, os.ErrPermission):
		// No index, or one kept from this user: the file is read whole.
		f.Close()
		return nil, nil, nil
	case errors.Is(err, logindex.ErrStale):
		s.stats.StaleIndexes++
		f.Close()
		return nil, nil, nil
	default:
		// A damaged index costs only speed: the file is read whole.
		s.stats.IndexErrors = append(s.stats.IndexErrors, err)
		f.Close()
		return nil, nil, nil
	}
	keep := make([]bool, len(ix.Segments))
	skips := 0
	for i := range ix.Segments {
		keep[i] = s.m.mayMatch(&ix.Segments[i], s.terms)
		if !keep[i] {
			skips++
		}
	}
	s.stats.IndexedFiles++
	if skips == 0 {
		ix.Close()
		f.Close()
		return nil, nil, nil
	}
	read := func(cs chunkSender) error {
		defer close(cs.work)
		defer close(cs.ordered)
		return readIndexed(f, ix, keep, cs, s.pool, counter)
	}
	return read, func() error { ix.Close(); return f.Close() }, nil
}

// readIndexed reads f by its index: runs of kept segments, a skip for
// each other one (once the searcher agreed to the first), and what the
// file grew by after the index was made.
func readIndexed(f *os.File, ix *logindex.Index, keep []bool, cs chunkSender, pool *pools, counter *atomic.Int64) error {
	section := func(off, n int64) (bool, error) {
		r := countingReader{io.NewSectionReader(f, off, n), counter}
		return cutChunks(r, off, record.DefaultMaxLineSize, cs, pool, false)
	}
	segs := ix.Segments
	agreed := false
	for i := 0; i < len(segs); {
		if !keep[i] && !agreed {
			a := &ask{seg: &segs[i], reply: make(chan bool, 1)}
			if !cs.send(&chunk{ask: a}) {
				return nil
			}
			select {
			case agreed = <-a.reply:
			case <-cs.stop:
				return nil
			}
			if !agreed {
				// Read this one, and ask again before the next.
				if ok, err := section(segs[i].Off, segs[i].Len); !ok || err != nil {
					return err
				}
				i++
				continue
			}
		}
		j := i
		for j < len(segs) && keep[j] == keep[i] {
			j++
		}
		if !keep[i] {
			// One message for the run: a channel hand-off per segment
			// would cost more than the reading it spares.
			if !cs.send(&chunk{skip: segs[i:j]}) {
				return nil
			}
			counter.Add(segs[j-1].Off + segs[j-1].Len - segs[i].Off)
			i = j
			continue
		}
		off := segs[i].Off
		if ok, err := section(off, segs[j-1].Off+segs[j-1].Len-off); !ok || err != nil {
			return err
		}
		i = j
	}
	_, err := section(ix.End, 1<<62)
	return err
}

// canSkip reports whether the searcher is where the index builder was at
// the start of seg (see the comment at the top).
func (s *searcher) canSkip(asm *event.Assembler[payload], seg *logindex.Segment) bool {
	return asm.Open() == 0 && s.order.lastHeld == nil && (!s.hasClock || s.clock <= seg.ClockStart)
}

// skipped accounts for segments that were not read, and returns their
// lines.
func (s *searcher) skipped(f *filer, segs []logindex.Segment) int {
	lines := 0
	for i := range segs {
		seg := &segs[i]
		lines += int(seg.Lines)
		s.stats.Records += int(seg.Records)
		s.stats.NoStamp += int(seg.NoStamp)
		s.stats.Events += int(seg.Events)
		s.stats.SkippedBytes += seg.Len
		if seg.Records > seg.NoStamp {
			s.tick(seg.ClockEnd)
		}
	}
	if s.hasClock {
		// Nothing is open: this only moves assembly's clock.
		for _, ev := range f.asm.Expire(time.Unix(0, s.clock)) {
			s.handle(ev, false)
		}
	}
	return lines
}

// tick advances the searcher's copy of assembly's clock.
func (s *searcher) tick(ns int64) {
	if !s.hasClock || ns > s.clock {
		s.clock, s.hasClock = ns, true
	}
}

// IndexOptions says how to build an index.
type IndexOptions struct {
	// Dir is where indexes are kept (DefaultIndexDir in the CLI).
	Dir string
	// SegmentSize is the size past which a segment ends at the next
	// line where it can; 0 means 64 KiB. Smaller segments skip more
	// precisely and make a larger index.
	SegmentSize int64
	// Assembly must be the search's (zero for the defaults).
	Assembly event.Config
	// Progress, when set, receives a progress line.
	Progress io.Writer
}

// IndexResult says what BuildIndex did.
type IndexResult struct {
	Path     string // the index file
	Size     int64  // the log's size when read
	End      int64  // bytes of the log the index covers
	Segments int    // segments in the index
	Added    int    // segments added by this run
	Reused   bool   // an earlier index of the same file was extended
	Bytes    int    // the index file's size
}

// ErrCompressed says that a file is gzip-compressed: its segments cannot
// be read without reading everything before them, so it is not indexed.
var ErrCompressed = errors.New("gzip-compressed logs are not indexed")

// BuildIndex makes or extends the index of the log file at path in
// opt.Dir. A valid index of the same file is extended from where it
// ended (a log that grew); a stale or damaged one is replaced. The
// segment still open at the end of the file (its last events, and any
// that go on in the next bytes written) is left for the next run.
func BuildIndex(ctx context.Context, path string, opt IndexOptions) (IndexResult, error) {
	var res IndexResult
	f, err := os.Open(path)
	if err != nil {
		return res, err
	}
	defer f.Close()
	var magic [2]byte
	if n, _ := f.ReadAt(magic[:], 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return res, fmt.Errorf("%s: %w", path, ErrCompressed)
	}
	dev, ino, size, err := logindex.Identify(f)
	if err != nil {
		return res, err
	}
	params := IndexParams(opt.Assembly)
	ix, err := logindex.Load(opt.Dir, f, params)
	if err != nil {
		ix = &logindex.Index{Params: params, Dev: dev, Ino: ino}
	} else {
		res.Reused = true
	}
	defer ix.Close()
	res.Path, res.Size = logindex.Path(opt.Dir, dev, ino), size
	target := opt.SegmentSize
	if target <= 0 {
		target = 64 << 10
	}
	b := newIndexBuilder(ix, opt.Assembly, target)
	pool := newPools(2*workers() + 4)
	m := NewMatcher(Query{})
	pre := newPrefilter(Query{})
	var counter atomic.Int64
	from := ix.End
	p := startPipeline(func(cs chunkSender) error {
		defer close(cs.work)
		defer close(cs.ordered)
		r := countingReader{io.NewSectionReader(f, from, size-from), &counter}
		_, err := cutChunks(r, from, record.DefaultMaxLineSize, cs, pool, false)
		return err
	}, func() *worker {
		return &worker{pool: pool, m: m, pre: &pre, index: true, max: record.DefaultMaxLineSize}
	})
	defer p.close(false)
	prog := progress.New(opt.Progress, "indexing", size-from)
	for c := range p.ordered {
		<-c.done
		if err := ctx.Err(); err != nil {
			return res, err
		}
		prog.Update(counter.Load())
		b.chunk(c)
		pool.putItems(c.items)
		pool.putBuf(c.buf)
	}
	p.wg.Wait()
	prog.Finish()
	if p.readErr != nil {
		return res, fmt.Errorf("read %s: %w", path, p.readErr)
	}
	res.Added = len(ix.Segments) - b.had
	res.Segments, res.End = len(ix.Segments), ix.End
	if ix.End > 0 {
		if ix.Head, ix.Tail, err = logindex.Fingerprint(f, ix.End); err != nil {
			return res, fmt.Errorf("read %s: %w", path, err)
		}
	}
	enc := ix.Marshal()
	res.Bytes = len(enc)
	if err := logindex.Save(opt.Dir, ix); err != nil {
		return res, err
	}
	return res, nil
}

// indexBuilder cuts segments as a search would read the file: it files
// every record into an assembler set up as the search's, and files them
// in the same steps (filer.file), so that "no event open" means the same.
type indexBuilder struct {
	ix     *logindex.Index
	had    int
	asm    *event.Assembler[struct{}]
	target int64

	started   bool
	latestSec int64
	clock     int64
	hasClock  bool

	seg      logindex.Segment
	segLine  int64 // line number where seg starts
	line     int64 // lines before the current chunk
	hasItems bool  // seg holds a record or an error
	hasStamp bool
	tokens   []uint64
}

func newIndexBuilder(ix *logindex.Index, assembly event.Config, target int64) *indexBuilder {
	b := &indexBuilder{ix: ix, had: len(ix.Segments), target: target,
		asm: event.NewAssembler[struct{}](searchAssembly(assembly))}
	b.seg.Off = ix.End
	if n := len(ix.Segments); n > 0 {
		// Resume where the last segment left the clock.
		b.clock, b.hasClock = ix.Segments[n-1].ClockEnd, true
		b.asm.Expire(time.Unix(0, b.clock))
	}
	return b
}

func (b *indexBuilder) chunk(c *chunk) {
	if c.tooLong > 0 {
		b.seg.Unskippable, b.hasItems = true, true
		b.line++
		return
	}
	prevLine := 0
	for i := range c.items {
		it := &c.items[i]
		if it.line != prevLine {
			prevLine = it.line
			at := c.off + int64(it.lstart)
			if b.hasItems && b.asm.Open() == 0 && at-b.seg.Off >= b.target &&
				!(it.kind == itemRecord && it.typ == abi.AUDIT_EOE) {
				b.cut(at, b.line+int64(it.line)-1)
			}
		}
		b.hasItems = true
		switch it.kind {
		case itemError:
			b.seg.Unskippable = true
			continue
		case itemNoStamp:
			b.seg.Records++
			b.seg.NoStamp++
			continue
		}
		b.seg.Records++
		b.record(it, c.tokens[it.t0:it.t1])
	}
	b.line += int64(c.lines)
}

// record files one record as filer.file does.
func (b *indexBuilder) record(it *item, tokens []uint64) {
	k := it.key
	now := time.Unix(k.Sec, int64(k.Msec)*int64(time.Millisecond))
	if !b.started || k.Sec != b.latestSec {
		b.started, b.latestSec = true, k.Sec
		b.seg.Events += int64(len(b.asm.Expire(now)))
	}
	b.seg.Events += int64(len(b.asm.Add(k, it.typ, struct{}{}, now)))
	if ns := now.UnixNano(); !b.hasClock || ns > b.clock {
		b.clock, b.hasClock = ns, true
	}
	if !b.hasStamp {
		b.hasStamp = true
		b.seg.MinSec, b.seg.MaxSec = k.Sec, k.Sec
		b.seg.MinSerial, b.seg.MaxSerial = k.Serial, k.Serial
		b.seg.ClockStart = b.clock
	}
	b.seg.MinSec, b.seg.MaxSec = min(b.seg.MinSec, k.Sec), max(b.seg.MaxSec, k.Sec)
	b.seg.MinSerial, b.seg.MaxSerial = min(b.seg.MinSerial, k.Serial), max(b.seg.MaxSerial, k.Serial)
	b.seg.ClockEnd = b.clock
	b.tokens = append(b.tokens, tokens...)
}

// cut ends the current segment before the line at offset at, numbered
// line (0-based).
func (b *indexBuilder) cut(at, line int64) {
	s := b.seg
	s.Len = at - s.Off
	s.Lines = line - b.segLine
	if !b.hasStamp {
		s.ClockStart, s.ClockEnd = b.clock, b.clock
	}
	slices.Sort(b.tokens)
	b.tokens = slices.Compact(b.tokens)
	s.Bloom = logindex.NewBloom(len(b.tokens))
	for _, h := range b.tokens {
		s.Bloom.Add(h)
	}
	b.ix.Segments = append(b.ix.Segments, s)
	b.ix.End = at
	b.seg = logindex.Segment{Off: at}
	b.segLine = line
	b.hasItems, b.hasStamp = false, false
	b.tokens = b.tokens[:0]
}
