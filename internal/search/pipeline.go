package search

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/logindex"
	"github.com/contaudit/contaudit/internal/progress"
	"github.com/contaudit/contaudit/internal/record"
)

// Reading a log is split in three so that it runs on every core and the
// order of records is kept: one goroutine reads the file into large
// chunks cut after a newline; workers turn each chunk, independently,
// into items (a record's line, stamp, type and the options it satisfies:
// the prefilter and the parser's work); the searcher takes the chunks
// back in file order and files their items into events, which is cheap
// and inherently sequential. Events may cross chunks freely: assembly is
// unchanged and sees every record in order, so the output is the same
// bytes as a single-threaded read (TestParallelSameOutput).

// chunkSize is large enough for the prefilter's bytes.Index to run at
// memory speed and small enough that a few in flight cost little.
const chunkSize = 256 << 10

// pools hands chunk buffers and item slices back for reuse, so that a
// large log is read without allocating (and zeroing) memory for each
// chunk. A buffer goes back once the searcher has filed its records and
// copied the lines it still needs (relocate).
type pools struct {
	bufs  chan []byte
	items chan []item
}

func newPools(n int) *pools {
	return &pools{bufs: make(chan []byte, n), items: make(chan []item, n)}
}

func (p *pools) buf() []byte {
	select {
	case b := <-p.bufs:
		return b
	default:
		return make([]byte, chunkSize)
	}
}

func (p *pools) putBuf(b []byte) {
	if cap(b) != chunkSize {
		return
	}
	select {
	case p.bufs <- b[:chunkSize]:
	default:
	}
}

func (p *pools) itemSlice() []item {
	select {
	case s := <-p.items:
		return s[:0]
	default:
		return nil
	}
}

func (p *pools) putItems(s []item) {
	clear(s) // the lines and node names they point to
	select {
	case p.items <- s[:0]:
	default:
	}
}

type itemKind uint8

const (
	itemRecord  itemKind = iota
	itemNoStamp          // a record without audit(...) stamp
	itemError            // an unparsable line
)

// item is one record (or one unparsable line) of a chunk.
type item struct {
	raw  []byte // the record's line, in the chunk, never rewritten
	key  event.Key
	typ  uint32
	mask uint64
	kind itemKind
	line int // 1-based line within the chunk
	err  error
	col  int
	// Only when building an index: where the record's line starts in
	// the chunk, and its tokens in chunk.tokens.
	lstart, t0, t1 int32
}

// chunk is a run of whole lines of one source, or a message from the
// reader of an indexed file to the searcher (skip, ask).
type chunk struct {
	buf     []byte // the buffer data is in, to reuse
	data    []byte
	off     int64 // where data starts in the source
	tooLong int   // >0: the chunk stands for one line of this many bytes, dropped
	lines   int   // lines in data, set by the worker
	items   []item
	tokens  []uint64 // index tokens of the items (building an index)
	done    chan struct{}
	// skip stands for segments of an indexed file that were not read.
	skip []logindex.Segment
	// ask waits for the searcher to say whether the segment it names can
	// be skipped from where the searcher is (indexed.go).
	ask *ask
}

// chunkSender hands chunks from a reader to the workers and, in file
// order, to the searcher.
type chunkSender struct {
	work, ordered chan<- *chunk
	stop          <-chan struct{}
}

// send passes c on; false means the search stopped. A chunk that needs no
// worker (an overlong line, a skip, an ask) goes only to the searcher.
func (cs chunkSender) send(c *chunk) bool {
	c.done = make(chan struct{})
	select {
	case cs.ordered <- c:
	case <-cs.stop:
		return false
	}
	if c.data == nil {
		close(c.done)
		return true
	}
	select {
	case cs.work <- c:
		return true
	case <-cs.stop:
		return false
	}
}

// readChunks cuts a source into chunks and closes the channels at its
// end.
func readChunks(r io.Reader, max int, cs chunkSender, pool *pools, stream bool) error {
	defer close(cs.work)
	defer close(cs.ordered)
	_, err := cutChunks(r, 0, max, cs, pool, stream)
	return err
}

// cutChunks cuts r, which starts at offset off of its source, into chunks
// at newlines. A line longer than max is dropped, as record.Reader drops
// it, and becomes a chunk of its own that says how long it was. It
// returns false when the search stopped.
func cutChunks(r io.Reader, off int64, max int, cs chunkSender, pool *pools, stream bool) (bool, error) {
	buf := pool.buf()
	n := 0 // bytes held in buf
	skipping := 0
	for {
		// A file fills the buffer. A stream (a pipe from tail -f) gives
		// lines as they come, and they are searched as they come: one
		// Read at a time, a chunk as soon as a line ends.
		var m int
		var err error
		if stream {
			m, err = r.Read(buf[n:])
		} else {
			m, err = io.ReadFull(r, buf[n:])
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
		}
		n += m
		eof := errors.Is(err, io.EOF)
		if err != nil && !eof {
			return true, err
		}
		if stream && !eof && n < len(buf) && skipping == 0 && bytes.IndexByte(buf[n-m:n], '\n') < 0 {
			continue // no line ended yet
		}
		data := buf[:n]
		if skipping > 0 {
			// The rest of an overlong line, up to its newline.
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				skipping += n
				off += int64(n)
				n = 0
				if eof {
					return true, nil
				}
				continue
			}
			skipping += i
			if !cs.send(&chunk{tooLong: skipping}) {
				return false, nil
			}
			skipping = 0
			data = data[i+1:]
			off += int64(i + 1)
		}
		cut := bytes.LastIndexByte(data, '\n') + 1
		if eof {
			cut = len(data)
		}
		if cut == 0 && len(data) > max {
			skipping = len(data)
			off += int64(len(data))
			n = 0
			continue
		}
		rest := data[cut:]
		var nb []byte
		if !eof {
			// The next buffer, with the start of the line cut here, is
			// made before this one goes: the searcher may give it back
			// at once.
			if len(rest) >= chunkSize/2 {
				nb = make([]byte, 2*len(rest)) // a long line: room for it to end
			} else {
				nb = pool.buf()
			}
			n = copy(nb, rest)
		}
		if cut > 0 {
			if !cs.send(&chunk{buf: buf, data: data[:cut:cut], off: off}) {
				return false, nil
			}
			off += int64(cut)
		} else {
			pool.putBuf(buf)
		}
		if eof {
			return true, nil
		}
		buf = nb
	}
}

// worker parses chunks into items.
type worker struct {
	pool   *pools
	m      *Matcher
	pre    *prefilter
	all    bool // no prefilter: every line through the parser (tests)
	index  bool // building an index: every line parsed, tokens kept
	hdr    headerReader
	parser record.Parser
	max    int
	hits   []int
}

func (w *worker) run(c *chunk) {
	items := w.pool.itemSlice()
	data := c.data
	var tokens []uint64
	// Where the prefilter's patterns occur in the chunk: one bytes.Index
	// pass per pattern over the whole chunk is far cheaper than a search
	// in every line.
	hits := w.hits[:0]
	if !w.all && !w.pre.all {
		hits = w.pre.hits(hits, data)
		slices.Sort(hits)
	}
	w.hits = hits
	line := 0
	for start := 0; start < len(data); {
		end := bytes.IndexByte(data[start:], '\n')
		next := 0
		if end < 0 {
			end = len(data)
			next = end
		} else {
			end += start
			next = end + 1
		}
		l := data[start:end:end]
		lstart := start
		start = next
		line++
		if len(l) > w.max {
			items = append(items, item{kind: itemError, line: line, lstart: int32(lstart),
				err: fmt.Errorf("%w: more than %d bytes (%d)", record.ErrLineTooLong, w.max, len(l))})
			continue
		}
		if len(l) == 0 || l[0] == ' ' || l[0] == '\t' || l[0] == '\r' || l[0] == '#' {
			// Blank lines and comments are skipped, as record.Reader does.
			if t := bytes.TrimLeft(l, " \t\r"); len(t) == 0 || t[0] == '#' {
				continue
			}
		}
		parse := w.all || w.index || w.pre.all
		if !parse {
			for len(hits) > 0 && hits[0] < lstart {
				hits = hits[1:]
			}
			parse = len(hits) > 0 && hits[0] < end
		}
		if !parse {
			if hd, ok := w.hdr.read(l); ok {
				name := ""
				if len(w.m.q.TypeNames) > 0 {
					name = abi.MsgTypeName(hd.typ)
				}
				items = append(items, item{raw: l, typ: hd.typ, line: line,
					key:  event.Key{Node: hd.node, Sec: hd.sec, Msec: hd.msec, Serial: hd.serial},
					mask: w.m.Header(hd.typ, name, hd.node)})
				continue
			}
		}
		for rest, off := l, 0; len(rest) > 0; {
			rec, nxt, err := w.parser.ParseLine(rest)
			if err != nil {
				it := item{kind: itemError, line: line, err: err}
				var inner *record.ParseError
				if errors.As(err, &inner) {
					it.err = inner.Err
					if inner.Column > 0 {
						it.col = inner.Column + off
					}
				}
				items = append(items, it)
				break
			}
			off += len(rest) - len(nxt)
			rest = nxt
			if rec.Flags&record.NoTimestamp != 0 {
				items = append(items, item{kind: itemNoStamp, line: line})
				continue
			}
			it := item{raw: rec.Raw, typ: rec.Type, line: line,
				key:  event.Key{Node: rec.Node, Sec: rec.Sec, Msec: rec.Msec, Serial: rec.Serial},
				mask: w.m.Record(rec)}
			if w.index {
				it.t0 = int32(len(tokens))
				tokens = appendTokens(tokens, rec)
				it.t1 = int32(len(tokens))
			}
			items = append(items, it)
		}
		if w.index {
			for i := len(items) - 1; i >= 0 && items[i].line == line; i-- {
				items[i].lstart = int32(lstart)
			}
		}
	}
	c.items, c.lines, c.tokens = items, line, tokens
}

// workers is how many goroutines parse chunks.
func workers() int { return max(1, runtime.GOMAXPROCS(0)) }

// pipeline is one reading of a source: a reader goroutine, the workers,
// and the chunks in file order for the caller to take from ordered.
type pipeline struct {
	ordered    chan *chunk
	stop       chan struct{}
	readerDone chan struct{}
	wg         sync.WaitGroup
	readErr    error
}

func startPipeline(read func(chunkSender) error, newWorker func() *worker) *pipeline {
	nw := workers()
	work := make(chan *chunk, nw)
	p := &pipeline{ordered: make(chan *chunk, 2*nw+1), stop: make(chan struct{}), readerDone: make(chan struct{})}
	p.wg.Add(1 + nw)
	go func() {
		defer p.wg.Done()
		defer close(p.readerDone)
		p.readErr = read(chunkSender{work: work, ordered: p.ordered, stop: p.stop})
	}()
	for range nw {
		w := newWorker()
		go func() {
			defer p.wg.Done()
			for c := range work {
				w.run(c)
				close(c.done)
			}
		}()
	}
	return p
}

// close stops the reading and waits for its goroutines, and reports
// whether they ended. On a stream it does not wait for a reader still in
// Read, which may block for good (a pipe from tail -f): the goroutines
// end once it returns.
func (p *pipeline) close(stream bool) bool {
	close(p.stop)
	select {
	case <-p.readerDone:
	default:
		if stream {
			return false
		}
	}
	for range p.ordered {
	}
	p.wg.Wait()
	return true
}

// readSource files the records of one source in order; see the comment
// at the top of this file.
func (s *searcher) readSource(ctx context.Context, src Source, asm *event.Assembler[payload], prog *progress.Line) error {
	var counter atomic.Int64
	pool := s.pool
	s.src = src.Path
	defer func() { s.stats.Bytes += counter.Load() }()
	read, closer, err := s.indexedReader(src, &counter)
	if err != nil {
		return err
	}
	if read == nil {
		r, c, err := src.open(&counter)
		if err != nil {
			return fmt.Errorf("open %s: %w", src.Name, err)
		}
		closer = c
		read = func(cs chunkSender) error {
			return readChunks(r, record.DefaultMaxLineSize, cs, pool, src.Reader != nil)
		}
	}
	p := startPipeline(read, func() *worker {
		return &worker{pool: pool, m: s.m, pre: &s.pre, all: s.opt.noPrefilter, max: record.DefaultMaxLineSize}
	})
	defer func() {
		if p.close(src.Reader != nil) {
			closer()
		}
	}()
	f := filer{s: s, asm: asm}
	base := 0 // lines before the chunk
	for c := range p.ordered {
		<-c.done
		if err := ctx.Err(); err != nil {
			return err
		}
		prog.Update(s.stats.Bytes + counter.Load())
		switch {
		case c.tooLong > 0:
			base++
			s.parseError(&record.ParseError{File: src.Name, Line: base,
				Err: fmt.Errorf("%w: more than %d bytes (%d)", record.ErrLineTooLong, record.DefaultMaxLineSize, c.tooLong)})
			continue
		case c.ask != nil:
			c.ask.reply <- s.canSkip(asm, c.ask.seg)
			continue
		case c.skip != nil:
			base += s.skipped(&f, c.skip)
			continue
		}
		for i := range c.items {
			it := &c.items[i]
			switch it.kind {
			case itemError:
				s.parseError(&record.ParseError{File: src.Name, Line: base + it.line, Column: it.col, Err: it.err})
				continue
			case itemNoStamp:
				s.stats.Records++
				s.stats.NoStamp++
				continue
			}
			s.stats.Records++
			f.file(it.key, it.typ, it.raw, it.mask)
			if s.done {
				return nil
			}
		}
		base += c.lines
		s.relocate(asm)
		pool.putItems(c.items)
		pool.putBuf(c.buf)
		c.items, c.buf, c.data = nil, nil, nil
	}
	p.wg.Wait()
	if p.readErr != nil {
		return fmt.Errorf("read %s: %w", src.Name, p.readErr)
	}
	return nil
}

// relocate copies the lines that records still need out of the chunk
// just filed, so that its buffer can be reused: those of open events and
// of matching events waiting for their turn. Lines copied before are
// left alone. It is cheap: at a chunk's end few events are open.
func (s *searcher) relocate(asm *event.Assembler[payload]) {
	n := 0
	count := func(p *payload) {
		if !p.owned && p.raw != nil {
			n += len(p.raw)
		}
	}
	asm.EachOpen(count)
	s.order.eachHeld(count)
	if n == 0 {
		return
	}
	arena := make([]byte, 0, n)
	move := func(p *payload) {
		if !p.owned && p.raw != nil {
			start := len(arena)
			arena = append(arena, p.raw...)
			p.raw = arena[start:len(arena):len(arena)]
			p.owned = true
		}
	}
	asm.EachOpen(move)
	s.order.eachHeld(move)
}
