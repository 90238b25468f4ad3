package search

import (
	"bytes"
	"hash/fnv"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/logindex"
	"github.com/contaudit/contaudit/internal/record"
)

// An index (internal/logindex) keeps, for each segment of a log, a Bloom
// filter of tokens: what the records of the segment could satisfy, in a
// form a query can test without the records. appendTokens reads the
// fields Matcher.Record reads (fieldRole picks them for both), so that
// for every option a record satisfies, the record yields the tokens
// indexTerms asks of that option:
// an exact value for numbers (a pid, a uid as the u32 the kernel keeps, a
// success value, a record type, each id of a contid chain), and every
// three-byte substring for strings, which options match as substrings
// (a substring of three bytes or more has its own trigrams among the
// value's). A needle shorter than three bytes asks for nothing.
//
// A change to either side, or to how a search assembles events
// (StandsAlone, the assembler's rules), changes what an index means: bump
// indexTokensVersion, and indexes made before are rebuilt, not misread.
const indexTokensVersion = 1

// Token classes: the option family a token serves.
const (
	tokType byte = iota + 1
	tokTypeName
	tokNode
	tokPID
	tokPPID
	tokSes
	tokSyscall
	tokExit
	tokSuccess
	tokUID
	tokEUID
	tokAUID
	tokAnyUID
	tokGID
	tokEGID
	tokAnyGID
	tokContID
	tokComm
	tokExe
	tokFile
	tokKey
	tokHost
	tokTerm
)

// mix is splitmix64's finaliser: a bijection that spreads bits, so that
// the filter's positions are well spread for small numbers too.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func numToken(class byte, n uint64) uint64 { return mix(mix(n) + uint64(class)) }

func trigramToken(class byte, a, b, c byte) uint64 {
	return mix(1<<40 | uint64(class)<<24 | uint64(a)<<16 | uint64(b)<<8 | uint64(c))
}

func nameToken(class byte, s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return numToken(class, h.Sum64())
}

func appendTrigrams(dst []uint64, class byte, v []byte) []uint64 {
	for i := 0; i+3 <= len(v); i++ {
		dst = append(dst, trigramToken(class, v[i], v[i+1], v[i+2]))
	}
	return dst
}

// appendTokens appends the tokens of r; see the comment at the top. The
// fields it reads are those fieldRole gives the matcher.
func appendTokens(dst []uint64, r *record.Record) []uint64 {
	dst = append(dst, numToken(tokType, uint64(r.Type)), nameToken(tokTypeName, r.TypeName))
	if n := abi.MsgTypeName(r.Type); n != r.TypeName {
		dst = append(dst, nameToken(tokTypeName, n))
	}
	dst = appendTrigrams(dst, tokNode, []byte(r.Node))
	num := func(class byte, v []byte) {
		if n, ok := parseInt(v); ok {
			dst = append(dst, numToken(class, uint64(n)))
		}
	}
	id := func(v []byte, classes ...byte) {
		if n, ok := parseInt(v); ok {
			for _, c := range classes {
				dst = append(dst, numToken(c, uint64(uint32(n))))
			}
		}
	}
	for i := range r.Fields {
		v := r.Fields[i].Value
		switch c := fieldRole(r, i); c {
		case tokPID, tokPPID, tokSyscall, tokExit:
			num(c, v)
		case tokSes:
			id(v, tokSes)
		case tokSuccess:
			if s := successOf(v); s != SuccessAny {
				dst = append(dst, numToken(tokSuccess, uint64(s)))
			}
		case tokUID, tokEUID, tokAUID:
			id(v, c, tokAnyUID)
		case tokGID, tokEGID:
			id(v, c, tokAnyGID)
		case tokComm, tokExe, tokFile, tokHost, tokTerm:
			dst = appendTrigrams(dst, c, v)
		case tokKey:
			for len(v) > 0 {
				k := v
				if j := bytes.IndexByte(v, 0x01); j >= 0 {
					k, v = v[:j], v[j+1:]
				} else {
					v = nil
				}
				dst = appendTrigrams(dst, tokKey, k)
			}
		case tokContID:
			dst = appendChainTokens(dst, v)
		}
	}
	return dst
}

// appendChainTokens yields one token per id of a contid chain, in the
// forms ChainContains reads.
func appendChainTokens(dst []uint64, v []byte) []uint64 {
	chainIDs(v, func(id uint64) bool {
		dst = append(dst, numToken(tokContID, id))
		return false
	})
	return dst
}

// indexTerms are the tokens a segment must hold for some event in it to
// match: every group must have at least one token in the segment's filter.
func indexTerms(q Query) [][]uint64 {
	var terms [][]uint64
	one := func(h uint64) { terms = append(terms, []uint64{h}) }
	str := func(class byte, s string) {
		for _, h := range appendTrigrams(nil, class, []byte(s)) {
			one(h)
		}
	}
	if len(q.Types) > 0 || len(q.TypeNames) > 0 {
		var g []uint64
		for _, t := range q.Types {
			g = append(g, numToken(tokType, uint64(t)))
		}
		for _, n := range q.TypeNames {
			g = append(g, nameToken(tokTypeName, n))
		}
		terms = append(terms, g)
	}
	str(tokNode, q.Node)
	for _, o := range []struct {
		class byte
		v     Int
		id    bool
	}{
		{tokPID, q.PID, false}, {tokPPID, q.PPID, false}, {tokSes, q.Session, true},
		{tokSyscall, q.Syscall, false}, {tokExit, q.Exit, false},
		{tokUID, q.UID, true}, {tokEUID, q.EUID, true}, {tokAUID, q.AUID, true}, {tokAnyUID, q.AnyUID, true},
		{tokGID, q.GID, true}, {tokEGID, q.EGID, true}, {tokAnyGID, q.AnyGID, true},
		{tokContID, q.ContID, false},
	} {
		switch {
		case !o.v.Set:
		case o.id:
			one(numToken(o.class, uint64(uint32(o.v.V))))
		default:
			one(numToken(o.class, uint64(o.v.V)))
		}
	}
	if q.Success != SuccessAny {
		one(numToken(tokSuccess, uint64(q.Success)))
	}
	str(tokComm, q.Comm)
	str(tokExe, q.Exe)
	str(tokFile, q.File)
	str(tokKey, q.Key)
	str(tokHost, q.Hostname)
	str(tokTerm, q.Terminal)
	return terms
}

// mayMatch reports whether segment s may hold an event the query
// matches: false only when it certainly holds none.
func (m *Matcher) mayMatch(s *logindex.Segment, terms [][]uint64) bool {
	if s.Unskippable {
		return true
	}
	if s.Records == s.NoStamp {
		return false // no event at all
	}
	if m.hasStart && s.MaxSec < m.start || m.hasEnd && s.MinSec > m.end {
		return false
	}
	if m.q.EventID.Set {
		if id := uint64(m.q.EventID.V); id < s.MinSerial || id > s.MaxSerial {
			return false
		}
	}
	for _, g := range terms {
		found := false
		for _, h := range g {
			if s.Bloom.Has(h) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
