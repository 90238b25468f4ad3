package daemon

import (
	"github.com/contaudit/contaudit/internal/interpret"
	"github.com/contaudit/contaudit/internal/logfile"
	"github.com/contaudit/contaudit/internal/record"
)

// Enricher returns the log_format=ENRICHED interpretation for the host log:
// it parses each record's fields and appends what auditd would (names of
// uids and gids, arch, syscall, sockaddr). It keeps one parser, so it must
// be used by one goroutine: the writer's.
func Enricher() logfile.EnrichFunc {
	var p record.Parser
	return func(typ uint32, msg []byte, dst []byte) []byte {
		rec, err := p.ParseNetlink(typ, msg)
		if err != nil {
			return dst
		}
		ctx := interpret.Context{RecordType: typ}
		n := len(dst)
		out := interpret.Enrich(&ctx, func(yield func(key, value string) bool) {
			for i := range rec.Fields {
				f := &rec.Fields[i]
				if f.Key == "" || f.Flags&record.FieldInner != 0 && f.Key == "msg" {
					continue
				}
				if !yield(f.Key, string(f.Raw)) {
					return
				}
			}
		}, dst)
		// interpret.Enrich writes the 0x1D separator itself; the log
		// writer adds it too, so drop interpret's.
		if len(out) > n && out[n] == interpret.Separator {
			out = append(out[:n], out[n+1:]...)
		}
		return out
	}
}
