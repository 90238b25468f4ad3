package record

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the parser's output")

// corporaDir finds ../shared/corpora next to the module root. The corpora
// are not in the repository; CI has them and sets CONTAUDIT_REQUIRE_KERNEL=1,
// so that their absence fails there instead of skipping.
func corporaDir(t testing.TB) string {
	t.Helper()
	return kerneltest.CorporaDir(t)
}

type corpusKind int

const (
	corpusLog corpusKind = iota
	corpusYAML
	corpusNetlink
	corpusNone
)

func classifyCorpus(name string) corpusKind {
	switch {
	case strings.HasPrefix(name, "keylime__"), strings.HasPrefix(name, "ima-evm-utils__"):
		return corpusNone // IMA measurement lists, not audit logs
	case name == "README.md", strings.HasSuffix(name, ".nlmsgs.txt"):
		return corpusNone // the listing is read with its .bin
	case strings.HasSuffix(name, ".yaml"):
		return corpusYAML
	case strings.HasSuffix(name, ".nlmsgs.bin"):
		return corpusNetlink
	}
	return corpusLog
}

func corpusFiles(t testing.TB) (dir string, names []string) {
	dir = corporaDir(t)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.IsDir() && classifyCorpus(e.Name()) != corpusNone {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatalf("no audit logs in %s", dir)
	}
	return dir, names
}

// yamlLine is one line of a YAML block scalar, with the number of the YAML
// line it came from.
type yamlLine struct {
	Text string
	Line int
}

var blockStart = regexp.MustCompile(`^(\s*)[^\s#][^#]*:\s*([|>])[-+0-9]*\s*$`)

// yamlBlockLines extracts the lines of every block scalar (key: | or key: >)
// of a go-libaudit test file, which is all those files hold of interest.
// Indentation is stripped; a folded (>) block is folded as YAML does, its
// lines joined with single spaces, so that one folded block becomes one line.
func yamlBlockLines(data []byte) []yamlLine {
	var (
		out     []yamlLine
		lines   = strings.Split(string(data), "\n")
		inBlock bool
		folded  bool
		keyInd  int
		ind     = -1
		fold    *yamlLine
	)
	for i, l := range lines {
		if inBlock {
			trimmed := strings.TrimLeft(l, " ")
			n := len(l) - len(trimmed)
			switch {
			case trimmed == "":
				fold = nil
				continue
			case n > keyInd && (ind < 0 || n >= ind):
				if ind < 0 {
					ind = n
				}
				text := l[ind:]
				if folded && fold != nil {
					fold.Text += " " + text
					continue
				}
				out = append(out, yamlLine{Text: text, Line: i + 1})
				if folded {
					fold = &out[len(out)-1]
				}
				continue
			}
			inBlock, fold = false, nil
		}
		if m := blockStart.FindStringSubmatch(l); m != nil {
			inBlock, folded, keyInd, ind, fold = true, m[2] == ">", len(m[1]), -1, nil
		}
	}
	return out
}

func TestYAMLBlockLines(t *testing.T) {
	in := "---\ntests:\n  # comment: |\n  a: |\n    one\n    two\n\n  b: >\n    three\n    four\n  c: 1\n"
	got := yamlBlockLines([]byte(in))
	want := []yamlLine{{"one", 5}, {"two", 6}, {"three four", 9}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// corpusResult is what parsing one corpus file gave.
type corpusResult struct {
	records []*Record
	lines   []int // source line of each record
	errs    []error
	dump    bytes.Buffer
}

func parseCorpus(t testing.TB, dir, name string) *corpusResult {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	res := &corpusResult{}
	switch classifyCorpus(name) {
	case corpusNetlink:
		listing, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(name, ".bin")+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		parseNetlinkCorpus(t, data, listing, res)
	case corpusYAML:
		yl := yamlBlockLines(data)
		var text strings.Builder
		for _, l := range yl {
			text.WriteString(l.Text + "\n")
		}
		readAll(t, NewReader(strings.NewReader(text.String()), name), res, func(n int) int { return yl[n-1].Line })
	default:
		readAll(t, NewReader(bytes.NewReader(data), name), res, func(n int) int { return n })
	}
	return res
}

func readAll(t testing.TB, r *Reader, res *corpusResult, srcLine func(int) int) {
	t.Helper()
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *ParseError
		if errors.As(err, &pe) {
			pe.Line = srcLine(pe.Line)
			res.errs = append(res.errs, pe)
			fmt.Fprintf(&res.dump, "line %d: ERROR %v\n", pe.Line, pe)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		res.records = append(res.records, rec.Clone())
		res.lines = append(res.lines, srcLine(r.Line()))
		fmt.Fprintf(&res.dump, "line %d: ", srcLine(r.Line()))
		dumpRecord(&res.dump, rec)
	}
	st := r.Stats()
	if st.Records != len(res.records) || st.Errors != len(res.errs) {
		t.Errorf("stats %+v disagree with %d records, %d errors", st, len(res.records), len(res.errs))
	}
}

var listingRE = regexp.MustCompile(`^msg\[(\d+)\] total_bytes=(\d+) nlmsg_len=(\d+) nlmsg_type=(\d+) .* payload='(.*)'$`)

// parseNetlinkCorpus splits go-audit's capture with the message sizes of its
// listing (recv() returns one message at a time, and on the unicast socket
// nlmsg_len leaves out the 16-byte header, so the header cannot be trusted
// for the size) and parses each payload.
func parseNetlinkCorpus(t testing.TB, bin, listing []byte, res *corpusResult) {
	t.Helper()
	off := 0
	sc := bufio.NewScanner(bytes.NewReader(listing))
	for sc.Scan() {
		m := listingRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		total, _ := strconv.Atoi(m[2])
		typ, _ := strconv.Atoi(m[4])
		if off+total > len(bin) || total < 16 {
			t.Fatalf("msg[%s]: %d bytes past the end of the capture", m[1], total)
		}
		msg := bin[off : off+total]
		off += total
		hlen := int(binary.LittleEndian.Uint32(msg[0:4]))
		htyp := binary.LittleEndian.Uint16(msg[4:6])
		if hlen != total && hlen != total-16 {
			t.Errorf("msg[%s]: nlmsg_len %d fits neither %d nor %d", m[1], hlen, total, total-16)
		}
		if int(htyp) != typ {
			t.Errorf("msg[%s]: nlmsg_type %d, listing says %d", m[1], htyp, typ)
		}
		payload := msg[16:]
		if string(payload) != m[5] {
			t.Errorf("msg[%s]: payload differs from listing", m[1])
		}
		rec, err := ParseNetlink(uint32(htyp), payload)
		if err != nil {
			res.errs = append(res.errs, fmt.Errorf("msg[%s]: %w", m[1], err))
			fmt.Fprintf(&res.dump, "msg[%s]: ERROR %v\n", m[1], err)
			continue
		}
		if !bytes.Equal(rec.Raw, payload) {
			t.Errorf("msg[%s]: Raw %q, payload %q", m[1], rec.Raw, payload)
		}
		res.records = append(res.records, rec.Clone())
		res.lines = append(res.lines, 0)
		fmt.Fprintf(&res.dump, "msg[%s]: ", m[1])
		dumpRecord(&res.dump, rec)
	}
	if off != len(bin) {
		t.Errorf("listing covers %d of %d bytes", off, len(bin))
	}
}

// expectedErrors lists corpus files with lines that are rightly rejected;
// every other file must parse without a single error.
var expectedErrors = map[string]int{}

func TestCorpus(t *testing.T) {
	dir, names := corpusFiles(t)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			res := parseCorpus(t, dir, name)
			if len(res.errs) != expectedErrors[name] {
				t.Errorf("%d errors, want %d: %v", len(res.errs), expectedErrors[name], errors.Join(res.errs...))
			}
			if len(res.records) == 0 {
				t.Error("no records")
			}
			checkRoundTrip(t, dir, name, res)
			dumpArgv(&res.dump, res.records)
			kerneltest.Golden(t, filepath.Join("testdata", name+".golden"), res.dump.Bytes(), *update)
		})
	}
}

// checkRoundTrip checks that the records' Raw bytes give back the file.
func checkRoundTrip(t *testing.T, dir, name string, res *corpusResult) {
	t.Helper()
	if classifyCorpus(name) != corpusLog || len(res.errs) > 0 {
		return
	}
	data, _ := os.ReadFile(filepath.Join(dir, name))
	var got []byte
	for i, rec := range res.records {
		got = append(got, rec.Raw...)
		if i+1 == len(res.records) || rec.Flags&SharedLine == 0 || res.lines[i+1] != res.lines[i] {
			got = append(got, '\n')
		}
	}
	var want []byte
	for l := range bytes.Lines(data) {
		if t := bytes.TrimSpace(l); len(t) == 0 || t[0] == '#' {
			continue
		}
		want = append(want, bytes.TrimSuffix(l, []byte{'\n'})...)
		want = append(want, '\n')
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Raw of the records (%d bytes) does not give back the file's lines (%d bytes)", len(got), len(want))
	}
}

// dumpArgv appends the argv that Argv assembles for every event with EXECVE
// records, so that the golden files pin the reassembly too.
func dumpArgv(w io.Writer, recs []*Record) {
	type key struct {
		node   string
		serial uint64
	}
	events := map[key][]*Record{}
	var order []key
	for _, r := range recs {
		if r.Type != 1309 {
			continue
		}
		k := key{r.Node, r.Serial}
		if events[k] == nil {
			order = append(order, k)
		}
		events[k] = append(events[k], r)
	}
	for _, k := range order {
		argv, err := Argv(events[k])
		fmt.Fprintf(w, "argv %s:%d:", k.node, k.serial)
		for _, a := range argv {
			fmt.Fprintf(w, " %s", short([]byte(a)))
		}
		if err != nil {
			fmt.Fprintf(w, " ERROR %v", strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		fmt.Fprintln(w)
	}
}
