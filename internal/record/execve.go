package record

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/contaudit/contaudit/internal/abi"
)

// ErrArgv is wrapped by Argv's errors.
var ErrArgv = errors.New("execve argv")

// Argv reassembles the argument vector of one execve from the records of its
// event (records of other types are ignored), in the order given.
//
// The kernel writes argc=N and then each argument as aI="..." or, if it holds
// special bytes, as aI=<hex>; an argument too long for one record is written
// as aI_len=L followed by chunks aI[0], aI[1], ... that may continue in the
// next EXECVE records. The parser has already hex-decoded each chunk; Argv
// joins them and checks L, which counts the bytes as written (hex digits for
// a hex argument).
//
// On error Argv still returns what it could assemble, with "" for missing
// arguments, so that a damaged event keeps as much as possible.
func Argv(records []*Record) ([]string, error) {
	type arg struct {
		parts    [][]byte
		written  int // bytes as written, to compare with aI_len
		wantLen  int // aI_len, or -1
		whole    bool
		seen     bool
		nextPart int
	}
	var (
		args    []arg
		argc    = -1
		errs    []error
		gotArgc bool
	)
	fail := func(format string, a ...any) {
		if len(errs) < 8 {
			errs = append(errs, fmt.Errorf(format, a...))
		}
	}
	// at returns the slot of argument n, growing args only as far as
	// arguments are actually seen, so that a forged argc costs nothing.
	at := func(n int) *arg {
		for len(args) <= n {
			args = append(args, arg{wantLen: -1})
		}
		return &args[n]
	}
	for _, r := range records {
		if r == nil || r.Type != abi.AUDIT_EXECVE {
			continue
		}
		for k := range r.Fields {
			f := &r.Fields[k]
			if f.Key == "argc" {
				n, err := strconv.ParseUint(string(f.Value), 10, 31)
				if err != nil || gotArgc && int(n) != argc {
					fail("bad argc=%q", f.Value)
					continue
				}
				argc, gotArgc = int(n), true
				continue
			}
			n, chunk, isLen, ok := argKey(f.Key)
			if !ok {
				continue
			}
			if n > len(args)+4096 {
				// The kernel writes arguments in order; a jump this far is
				// forged, and growing args for it would let input of a few
				// bytes allocate without bound.
				fail("argument index %d out of range", n)
				continue
			}
			a := at(n)
			switch {
			case isLen:
				l, err := strconv.ParseUint(string(f.Value), 10, 31)
				if err != nil || a.wantLen >= 0 {
					fail("bad or repeated a%d_len=%q", n, f.Value)
					continue
				}
				a.wantLen = int(l)
			case chunk < 0:
				if a.seen {
					fail("a%d repeated", n)
					continue
				}
				a.seen, a.whole = true, true
				a.parts = append(a.parts, f.Value)
			default:
				if a.whole || chunk != a.nextPart {
					fail("a%d[%d] out of order (want chunk %d)", n, chunk, a.nextPart)
					continue
				}
				a.seen = true
				a.nextPart++
				a.parts = append(a.parts, f.Value)
				if f.Kind == KindHex {
					a.written += len(f.Raw)
				} else {
					a.written += len(f.Value)
				}
			}
		}
	}
	if !gotArgc {
		fail("no argc")
		argc = len(args)
	}
	if len(args) > argc {
		fail("%d arguments for argc=%d", len(args), argc)
	}
	if argc > len(args) {
		fail("argc=%d but arguments stop at a%d", argc, len(args)-1)
		argc = len(args)
	}
	argv := make([]string, argc)
	for i := range argv {
		if i >= len(args) || !args[i].seen {
			fail("a%d missing", i)
			continue
		}
		a := &args[i]
		if !a.whole && a.wantLen >= 0 && a.written != a.wantLen {
			fail("a%d_len=%d but chunks hold %d", i, a.wantLen, a.written)
		}
		if !a.whole && a.wantLen < 0 {
			fail("a%d chunks without a%d_len", i, i)
		}
		n := 0
		for _, p := range a.parts {
			n += len(p)
		}
		b := make([]byte, 0, n)
		for _, p := range a.parts {
			b = append(b, p...)
		}
		argv[i] = string(b)
	}
	if len(errs) > 0 {
		return argv, fmt.Errorf("%w: %w", ErrArgv, errors.Join(errs...))
	}
	return argv, nil
}

// argKey parses aN (chunk -1), aN[C] and aN_len.
func argKey(k string) (n, chunk int, isLen, ok bool) {
	if len(k) < 2 || k[0] != 'a' {
		return 0, 0, false, false
	}
	i := 1
	for i < len(k) && k[i] >= '0' && k[i] <= '9' {
		i++
	}
	if i == 1 || i-1 > 9 {
		return 0, 0, false, false
	}
	n, _ = strconv.Atoi(k[1:i])
	switch rest := k[i:]; {
	case rest == "":
		return n, -1, false, true
	case rest == "_len":
		return n, 0, true, true
	case len(rest) >= 3 && rest[0] == '[' && rest[len(rest)-1] == ']':
		c, err := strconv.Atoi(rest[1 : len(rest)-1])
		if err != nil || c < 0 {
			return 0, 0, false, false
		}
		return n, c, false, true
	}
	return 0, 0, false, false
}
