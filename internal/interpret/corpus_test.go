package interpret

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/kerneltest"
)

// corporaDir finds ../shared/corpora beside the module root.
func corporaDir(t *testing.T) string {
	t.Helper()
	return kerneltest.CorporaDir(t)
}

// corpusLogs lists the audit logs among the corpora and their record lines
// (YAML block scalars unwrapped).
func corpusLogs(t *testing.T) map[string][]string {
	dir := corporaDir(t)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, "keylime__") || strings.HasPrefix(n, "ima-evm-utils__") ||
			strings.HasSuffix(n, ".bin") || strings.HasSuffix(n, ".txt") || strings.HasSuffix(n, ".md") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasSuffix(n, ".yaml") {
				l = strings.TrimLeft(l, " \t")
			}
			if strings.HasPrefix(l, "type=") || strings.HasPrefix(l, "node=") {
				lines = append(lines, strings.TrimRight(l, "\r"))
			}
		}
		if len(lines) > 0 {
			out[n] = lines
		}
	}
	// Logs auditd wrote with ENRICHED tails, which ausearch prefers to
	// its own lookups.
	data, err := os.ReadFile("testdata/auditd-3.0.9-enriched.log")
	if err != nil {
		t.Fatal(err)
	}
	out["testdata/auditd-3.0.9-enriched.log"] = strings.Split(strings.TrimSpace(string(data)), "\n")
	return out
}

// segment is one field as ausearch -i prints it: the text up to and
// including '=' (which may carry a stray ": " or "'"), then the value.
type segment struct {
	lead, key, raw, value, sep string
	interpreted                bool
}

func (s segment) text() string { return s.lead + s.value + s.sep }

// rawRecord is the test's minimal splitter of a log line.
type rawRecord struct {
	typeName string
	rtype    uint32
	stamp    string // "milli:serial"
	body     string // after "msg=audit(...)"
	tail     string // after 0x1D, in ENRICHED logs
}

func splitRaw(line string) (rawRecord, bool) {
	var r rawRecord
	line, r.tail, _ = strings.Cut(line, "\x1d")
	s := line
	if strings.HasPrefix(s, "node=") {
		if i := strings.IndexByte(s, ' '); i >= 0 {
			s = s[i+1:]
		}
	}
	tn, ok := strings.CutPrefix(s, "type=")
	if !ok {
		return r, false
	}
	if i := strings.IndexByte(tn, ' '); i >= 0 {
		tn = tn[:i]
	}
	r.typeName = tn
	r.rtype, _ = abi.MsgTypeByName(tn)
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return r, false
	}
	closeIdx := strings.IndexByte(s[open:], ')')
	if closeIdx < 0 {
		return r, false
	}
	ts := s[open+1 : open+closeIdx]
	if dot := strings.IndexByte(ts, '.'); dot >= 0 {
		r.stamp = ts[dot+1:]
	}
	r.body = s[open+closeIdx+1:]
	return r, true
}

// renderLikeAusearch splits body the way ausearch's
// output_interpreted_record does and interprets each value with Field.
func renderLikeAusearch(rtype uint32, body string, enriched ...string) (segs []segment, tail string) {
	type kv struct{ lead, key, val, sep string }
	var fields []kv
	str := body
	comma := false
	found := false
	for {
		eq := strings.IndexByte(str, '=')
		if str == "" || eq < 0 {
			break
		}
		found = true
		comma = false
		nameStart := eq
		for nameStart > 0 && str[nameStart] != ' ' {
			nameStart--
		}
		name := str[nameStart:eq]
		lead := str[:eq+1]
		rest := str[eq+1:]
		if name == "msg" {
			// ausearch prints "msg=" and reads on inside the quotes.
			fields = append(fields, kv{lead: lead})
			str = rest
			continue
		}
		name = strings.TrimPrefix(name, "'")
		name = strings.TrimLeft(name, " (")
		var val string
		next := ""
		hasNext := true
		if rest != "" && (rest[0] == '\'' || rest[0] == '"') {
			end := strings.IndexByte(rest[1:], rest[0])
			if end < 0 {
				val, hasNext = rest, false
			} else {
				val = rest[:end+2]
				next = rest[end+2:]
				if next != "" {
					next = next[1:]
				}
			}
		} else {
			c := strings.IndexByte(rest, ',')
			sp := strings.IndexByte(rest, ' ')
			switch {
			case c >= 0 && sp >= 0 && c < sp:
				if kindOf(rtype, name, rest[:sp]) == kindMacLabel {
					val, next = rest[:sp], rest[sp+1:]
				} else {
					val, next, comma = rest[:c], rest[c+1:], true
				}
			case c >= 0 && sp < 0:
				if kindOf(rtype, name, rest) == kindMacLabel {
					val, hasNext = rest, false
				} else {
					val, next, comma = rest[:c], rest[c+1:], true
				}
			case sp >= 0:
				val, next = rest[:sp], rest[sp+1:]
			default:
				val, hasNext = rest, false
			}
		}
		fields = append(fields, kv{lead: lead, key: name, val: val})
		if comma && kindOf(rtype, name, val) == kindUnclassified {
			fields[len(fields)-1].sep = ","
		} else if kindOf(rtype, name, val) == kindTTYData {
			fields[len(fields)-1].sep = ""
		} else {
			fields[len(fields)-1].sep = " "
		}
		if !hasNext {
			str = ""
			break
		}
		str = next
	}
	if !found {
		tail = body
	} else if comma {
		tail = str
	}
	ctx := Context{RecordType: rtype}
	if len(enriched) > 0 && enriched[0] != "" {
		ctx.Enriched = ParseEnriched(enriched[0])
	}
	for _, f := range fields {
		if f.key != "" {
			ctx.Observe(f.key, f.val)
		}
	}
	for _, f := range fields {
		if f.key == "" {
			segs = append(segs, segment{lead: f.lead})
			continue
		}
		out, ok := Field(&ctx, f.key, f.val)
		segs = append(segs, segment{lead: f.lead, key: f.key, raw: f.val, value: out, sep: f.sep, interpreted: ok})
	}
	return segs, tail
}

type ausearchRecord struct {
	typeName, stamp, body string
}

// runAusearch returns ausearch -i's records of file, events in output
// order and records within an event in log order (ausearch prints them
// last first).
func runAusearch(t *testing.T, ausearch, file string) []ausearchRecord {
	cmd := exec.Command(ausearch, "--input", file, "--interpret")
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		return nil
	}
	var all, event []ausearchRecord
	flush := func() {
		for i := len(event) - 1; i >= 0; i-- {
			all = append(all, event[i])
		}
		event = event[:0]
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 0, 1<<16), 1<<22)
	for sc.Scan() {
		line := sc.Text()
		if line == "----" {
			flush()
			continue
		}
		s := line
		if strings.HasPrefix(s, "node=") {
			if i := strings.IndexByte(s, ' '); i >= 0 {
				s = s[i+1:]
			}
		}
		tn, ok := strings.CutPrefix(s, "type=")
		if !ok {
			continue
		}
		if i := strings.IndexByte(tn, ' '); i >= 0 {
			tn = tn[:i]
		}
		open := strings.Index(s, "msg=audit(")
		if open < 0 {
			continue
		}
		end := strings.Index(s[open:], ") ")
		if end < 0 {
			continue
		}
		ts := s[open+len("msg=audit(") : open+end]
		stamp := ts
		if dot := strings.LastIndexByte(ts, '.'); dot >= 0 {
			stamp = ts[dot+1:]
		}
		event = append(event, ausearchRecord{typeName: tn, stamp: stamp, body: s[open+end+2:]})
	}
	flush()
	return all
}

type fieldDiff struct {
	file, typeName, body, key, raw, ours, theirs string
}

// TestCorpusAgainstAusearch interprets every record of the shared corpora
// and compares, field by field, with what the installed ausearch -i prints
// for the same log on this machine.
func TestCorpusAgainstAusearch(t *testing.T) {
	ausearch := kerneltest.RequireCommand(t, "ausearch")
	logs := corpusLogs(t)
	names := make([]string, 0, len(logs))
	for n := range logs {
		names = append(names, n)
	}
	sort.Strings(names)

	var compared, agreed, records, unmatched, skipped int
	var diffs []fieldDiff
	for _, name := range names {
		lines := logs[name]
		tmp := filepath.Join(t.TempDir(), "audit.log")
		if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		queues := map[string][]rawRecord{}
		for _, l := range lines {
			r, ok := splitRaw(l)
			if !ok {
				continue
			}
			k := r.typeName + "|" + r.stamp
			queues[k] = append(queues[k], r)
		}
		compare := func(r rawRecord, ar ausearchRecord) {
			records++
			segs, _ := renderLikeAusearch(r.rtype, r.body, r.tail)
			theirs := ar.body
			pos := 0
			for i, s := range segs {
				if s.key == "" {
					pos += len(s.lead)
					continue
				}
				compared++
				if strings.HasPrefix(theirs[min(pos, len(theirs)):], s.text()) {
					agreed++
					pos += len(s.text())
					continue
				}
				// Resynchronise on the next field's lead.
				start := min(pos+len(s.lead), len(theirs))
				end := len(theirs)
				if i+1 < len(segs) {
					if j := strings.Index(theirs[start:], segs[i+1].lead); j >= 0 {
						end = start + j
					}
				}
				diffs = append(diffs, fieldDiff{file: name, typeName: r.typeName, body: r.body, key: s.key, raw: s.raw,
					ours: s.value, theirs: strings.TrimSuffix(theirs[start:end], s.sep)})
				pos = end
			}
		}
		for _, ar := range runAusearch(t, ausearch, tmp) {
			k := ar.typeName + "|" + ar.stamp
			q := queues[k]
			if len(q) == 0 {
				unmatched++
				continue
			}
			queues[k] = q[1:]
			compare(q[0], ar)
		}
		// ausearch drops whole events it cannot parse (AppArmor AVCs, for
		// one); give it the records it skipped one at a time.
		for _, l := range lines {
			r, ok := splitRaw(l)
			if !ok {
				continue
			}
			k := r.typeName + "|" + r.stamp
			q := queues[k]
			if len(q) == 0 || q[0].body != r.body {
				continue
			}
			queues[k] = q[1:]
			if err := os.WriteFile(tmp, []byte(l+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			got := runAusearch(t, ausearch, tmp)
			if len(got) != 1 {
				skipped++
				continue
			}
			compare(r, got[0])
		}
	}
	t.Logf("corpus: %d files, %d records compared (%d ausearch cannot read, %d unmatched), %d fields compared, %d agree",
		len(names), records, skipped, unmatched, compared, agreed)
	if records == 0 {
		t.Fatal("no records compared: ausearch printed nothing that matched the corpora")
	}
	var unexpected int
	for _, d := range diffs {
		why := knownDifference(d)
		if why == "" {
			unexpected++
			t.Errorf("%s %s %s=%q: ours %q, ausearch %q", d.file, d.typeName, d.key, d.raw, d.ours, d.theirs)
		} else {
			t.Logf("documented difference (%s): %s %s %s=%q: ours %q, ausearch %q", why, d.file, d.typeName, d.key, d.raw, d.ours, d.theirs)
		}
	}
	if unexpected > 0 {
		t.Logf("%d unexpected differences", unexpected)
	}
}

// knownDifference names the entry of docs/interpretation.md that explains
// d, or returns "".
func knownDifference(d fieldDiff) string {
	switch {
	case strings.Contains(d.body, "arch=c00000f3") && (d.key == "arch" || d.key == "syscall" || len(d.key) == 2 && d.key[0] == 'a'):
		return "riscv64"
	case d.key == "syscall" && d.typeName != "SYSCALL" && d.typeName != "SECCOMP":
		return "syscall outside SYSCALL records"
	case d.key == "saddr" && d.typeName == "SOCKADDR" && sockaddrReadsPastBuffer(d.raw):
		return "short socket addresses"
	}
	return ""
}

// sockaddrReadsPastBuffer reports whether ausearch, printing saddr, reads
// beyond the buffer it decoded saddr into (len(saddr)+1 bytes).
func sockaddrReadsPastBuffer(saddr string) bool {
	b, _, ok := unescapeBuf(saddr)
	if !ok || len(b) < 2 {
		return false
	}
	need := map[uint16]int{3: 9, 8: 6, 9: 17}[uint16(b[0])|uint16(b[1])<<8]
	if uint16(b[0])|uint16(b[1])<<8 == 1 && len(saddr)/2 >= 4 {
		// A path without a NUL inside the buffer runs off its end.
		start := 2
		if b[2] == 0 {
			start = 3
		}
		if strings.IndexByte(string(b[start:]), 0) < 0 {
			return true
		}
	}
	return need > len(b)
}
