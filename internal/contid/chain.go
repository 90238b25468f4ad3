package contid

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Chain is the contids of one process or container: its own first, then
// each ancestor, nearest first.
type Chain []ID

// String returns the chain in the record form, "4,^2,^1".
func (c Chain) String() string { return FormatChain(c) }

// FormatChain renders chains in the record form: each chain's own contid,
// its ancestors marked with ^, chains separated by commas ("2,^1,3,^1").
func FormatChain(cs ...Chain) string {
	var b []byte
	for i, c := range cs {
		for j, id := range c {
			switch {
			case j > 0:
				b = append(b, ",^"...)
			case i > 0:
				b = append(b, ',')
			}
			b = appendID(b, id)
		}
	}
	return string(b)
}

// ParseChain reads a contid= value of a CONTAINER_ID record in the current
// form ("4,^2,^1", "2,^1,3,^1") or the older draft's ("123^456,789", where
// "a^b" is a nested in b, own contid first as in the current form), and
// mixtures of the two. It returns one Chain per process or container, or an
// error and no chain.
func ParseChain(s string) ([]Chain, error) {
	if s == "" {
		return nil, errors.New("contid: parse chain: empty")
	}
	var cs []Chain
	for i, tok := range strings.Split(s, ",") {
		cont := strings.HasPrefix(tok, "^")
		if cont {
			if len(cs) == 0 {
				return nil, fmt.Errorf("contid: parse chain %q: element %d: ancestor ^ before any contid", s, i+1)
			}
			tok = tok[1:]
		} else {
			cs = append(cs, nil)
		}
		for part := range strings.SplitSeq(tok, "^") {
			id, err := parseChainID(part)
			if err != nil {
				return nil, fmt.Errorf("contid: parse chain %q: element %d: %w", s, i+1, err)
			}
			cs[len(cs)-1] = append(cs[len(cs)-1], id)
		}
	}
	return cs, nil
}

// parseChainID accepts decimal digits only: a chain never holds the unset
// value, and a sign or a space means the text is not a chain.
func parseChainID(s string) (ID, error) {
	if s == "" {
		return 0, errors.New("empty contid")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("contid %q is not a decimal number", s)
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("contid %q is out of range", s)
	}
	id := ID(v)
	if id == Unset {
		return 0, errors.New("the unset value cannot be in a chain")
	}
	return id, nil
}
