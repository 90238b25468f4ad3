package search

import (
	"fmt"
	"io"
	"time"
)

// progress draws "bytes read / total" on one terminal line, at most ten
// times a second. A nil *progress draws nothing.
type progress struct {
	w     io.Writer
	total int64
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, total int64) *progress {
	if w == nil || total <= 0 {
		return nil
	}
	return &progress{w: w, total: total}
}

func (p *progress) update(done int64) {
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
	fmt.Fprintf(p.w, "\rsearching: %5.1f%% %s / %s ", min(pct, 100), size(done), size(p.total))
}

func (p *progress) finish() {
	if p == nil || !p.drawn {
		return
	}
	fmt.Fprint(p.w, "\r\033[K")
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
}
