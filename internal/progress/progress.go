// Package progress owns the one-line display that long reads of audit
// logs (search, report) draw on a terminal: the bytes read of the total,
// redrawn at most ten times a second and erased at the end, so that a
// search over years of logs shows it is moving without filling the
// terminal or slowing the read.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"
)

// MinTotal is the input size below which the commands draw no line: a
// smaller read ends before a line would help.
const MinTotal = 32 << 20

// Line draws "VERB: PCT% DONE / TOTAL". A nil *Line draws nothing, so
// callers need not test whether progress was asked for.
type Line struct {
	w     io.Writer
	verb  string
	total int64
	done  int64 // what Reader counted
	last  time.Time
	drawn bool
}

// New returns a Line drawing on w, or nil when w is nil or total is not
// positive.
func New(w io.Writer, verb string, total int64) *Line {
	if w == nil || total <= 0 {
		return nil
	}
	return &Line{w: w, verb: verb, total: total}
}

// Update redraws the line for done bytes, unless it was drawn less than
// a tenth of a second ago.
func (p *Line) Update(done int64) {
	if p == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	p.drawn = true
	pct := float64(done) * 100 / float64(p.total)
	fmt.Fprintf(p.w, "\r%s: %5.1f%% %s / %s ", p.verb, min(pct, 100), Size(done), Size(p.total))
}

// Finish erases the line if it was drawn.
func (p *Line) Finish() {
	if p == nil || !p.drawn {
		return
	}
	fmt.Fprint(p.w, "\r\033[K")
}

// Reader returns r counting what is read through it into the line, for
// a caller that reads its files in one goroutine, one after another.
func (p *Line) Reader(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	return &reader{r: r, p: p}
}

type reader struct {
	r io.Reader
	p *Line
}

func (c *reader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.done += int64(n)
	c.p.Update(c.p.done)
	return n, err
}

// Size formats a byte count in KiB, MiB or GiB.
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
}

// Total sums the sizes of the named files ("" and "-" are not files and
// count nothing; neither does a file that cannot be stat'ed, whose open
// will say why).
func Total(paths []string) int64 {
	var n int64
	for _, p := range paths {
		if p == "" || p == "-" {
			continue
		}
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}
