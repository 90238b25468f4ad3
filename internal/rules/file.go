package rules

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// ParseErrors is every bad line of a file or directory, in order.
type ParseErrors []*ParseError

func (e ParseErrors) Error() string {
	msgs := make([]string, len(e))
	for i, pe := range e {
		msgs[i] = pe.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.Is and errors.As see each ParseError.
func (e ParseErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, pe := range e {
		out[i] = pe
	}
	return out
}

// maxLine is auditctl's LINE_SIZE: longer lines are refused rather than
// split as fgets would split them.
const maxLine = 6144

type sourceLine struct {
	pos  Pos
	text string
}

func readLines(r io.Reader, name string) ([]sourceLine, error) {
	var out []sourceLine
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		if line != "" {
			out = append(out, sourceLine{Pos{name, n}, strings.TrimSuffix(line, "\n")})
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("read %s: %w", name, err)
		}
	}
}

// parseLines parses every line and collects every error, so that one bad
// line never hides another and never half-loads a file.
func (p *Parser) parseLines(lines []sourceLine) ([]Command, error) {
	var cmds []Command
	var errs ParseErrors
	for _, l := range lines {
		if len(l.text)+1 > maxLine {
			errs = append(errs, &ParseError{File: l.pos.File, Line: l.pos.Line,
				Err: fmt.Errorf("line longer than %d bytes", maxLine-1)})
			continue
		}
		cmd, ok, err := p.ParseLine(l.text)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				pe = &ParseError{Err: err}
			}
			pe.File, pe.Line = l.pos.File, l.pos.Line
			errs = append(errs, pe)
			continue
		}
		if ok {
			cmd.Pos = l.pos
			cmds = append(cmds, cmd)
		}
	}
	if len(errs) > 0 {
		return cmds, errs
	}
	return cmds, nil
}

// ParseReader parses a rules file read from r; name is used in positions
// and errors. It returns every command that parsed and, if some lines did
// not, a ParseErrors listing each of them.
func (p *Parser) ParseReader(r io.Reader, name string) ([]Command, error) {
	lines, err := readLines(r, name)
	if err != nil {
		return nil, err
	}
	return p.parseLines(lines)
}

// ParseFile parses a rules file as `auditctl -R` reads it, but without
// stopping at the first bad line: see ParseReader.
func (p *Parser) ParseFile(name string) ([]Command, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return p.ParseReader(f, name)
}

var (
	reComment   = regexp.MustCompile(`^\s*#`)
	reMinusE    = regexp.MustCompile(`^\s*-e`)
	reMinusD    = regexp.MustCompile(`^\s*-D\s*$`)
	reMinusF    = regexp.MustCompile(`^\s*-f`)
	reMinusB    = regexp.MustCompile(`^\s*-b`)
	reRulesFile = regexp.MustCompile(`\.rules$`)
)

// LoadDir parses the *.rules files of dir as augenrules would merge them
// into audit.rules: files in version order (ls -v), comments and empty
// lines dropped, then the last bare -D first, the last -b second, the last
// -f third, the other lines in order, and the last -e at the end. Other
// files are ignored. Each command keeps the file and line it came from.
func (p *Parser) LoadDir(dir string) ([]Command, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if reRulesFile.MatchString(e.Name()) && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Slice(names, func(i, j int) bool { return versionLess(names[i], names[j]) })

	var minusD, minusB, minusF, minusE *sourceLine
	var rest []sourceLine
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		lines, err := readLines(f, filepath.Join(dir, n))
		f.Close()
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			l := l
			switch {
			case l.text == "" || reComment.MatchString(l.text):
			case reMinusE.MatchString(l.text):
				minusE = &l
			case reMinusD.MatchString(l.text):
				minusD = &l
			case reMinusF.MatchString(l.text):
				minusF = &l
			case reMinusB.MatchString(l.text):
				minusB = &l
			default:
				rest = append(rest, l)
			}
		}
	}
	var merged []sourceLine
	for _, l := range []*sourceLine{minusD, minusB, minusF} {
		if l != nil {
			merged = append(merged, *l)
		}
	}
	merged = append(merged, rest...)
	if minusE != nil {
		merged = append(merged, *minusE)
	}
	return p.parseLines(merged)
}

// versionLess orders names as GNU ls -v does for the usual rules file
// names: runs of digits compare as numbers.
func versionLess(a, b string) bool {
	for a != "" && b != "" {
		if isDigit(a[0]) && isDigit(b[0]) {
			i, j := 0, 0
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na, nb := strings.TrimLeft(a[:i], "0"), strings.TrimLeft(b[:j], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[i:], b[j:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

var defaultParser Parser

// ParseFile parses a rules file for this machine; see Parser.ParseFile.
func ParseFile(name string) ([]Command, error) { return defaultParser.ParseFile(name) }

// LoadDir parses a rules directory for this machine; see Parser.LoadDir.
func LoadDir(dir string) ([]Command, error) { return defaultParser.LoadDir(dir) }

// Parse parses one auditctl argv for this machine; see Parser.Parse.
func Parse(args ...string) (Command, error) { return defaultParser.Parse(args...) }

// ParseLine parses one rules-file line for this machine; see
// Parser.ParseLine.
func ParseLine(line string) (Command, bool, error) { return defaultParser.ParseLine(line) }
