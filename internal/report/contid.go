package report

import (
	"bytes"
	"fmt"
	"strconv"
)

// noContID labels the events without a CONTAINER_ID record: the host's.
const noContID = "(none)"

// contid counts one event under each audit container ID its CONTAINER_ID
// records name as a task's own (docs/report.md, --contid). Ancestors
// (marked '^') are not counted again; the first chain seen for an ID is
// kept to print beside it.
func (r *Report) contid() {
	if r.opt.Outcome != Both {
		if !r.s.extract(r.typs, r.msgs, want{}) {
			return
		}
		if r.opt.Outcome == Failed && r.s.success != successFailed ||
			r.opt.Outcome == Succeed && r.s.success != successOK {
			return
		}
	}
	if r.chains == nil {
		r.chains = map[string]string{}
	}
	var seen [][]byte
	for i, m := range r.msgs {
		if r.names[i] != "CONTAINER_ID" {
			continue
		}
		v := strstr(m, 0, " contid=")
		if v < 0 {
			continue
		}
		v += len(" contid=")
		e := strchr(m, v, ' ')
		if e < 0 {
			e = len(m)
		}
		for _, c := range parseContIDs(m[v:e]) {
			id := c[0]
			dup := false
			for _, s := range seen {
				if bytes.Equal(s, id) {
					dup = true
				}
			}
			if dup {
				continue
			}
			seen = append(seen, id)
			r.contids.add(id)
			if _, ok := r.chains[string(id)]; !ok {
				r.chains[string(id)] = chainString(c)
			}
		}
	}
	if len(seen) == 0 {
		r.contids.add([]byte(noContID))
	}
}

// parseContIDs splits a contid= value into chains, each the task's own ID
// followed by its ancestors: "4,^2,^1" (the current form) and "123^456,789"
// (an older draft's) both read. IDs that are not u64 numbers (-1, unset)
// are dropped.
func parseContIDs(v []byte) [][][]byte {
	var out [][][]byte
	for tok := range bytes.SplitSeq(v, []byte{','}) {
		parts := bytes.Split(tok, []byte{'^'})
		if len(parts[0]) == 0 && len(parts) > 1 {
			// "^N": an ancestor of the chain before it.
			if len(out) > 0 && isID(parts[1]) {
				out[len(out)-1] = append(out[len(out)-1], parts[1])
			}
			continue
		}
		if !isID(parts[0]) {
			continue
		}
		chain := [][]byte{parts[0]}
		for _, p := range parts[1:] {
			if isID(p) {
				chain = append(chain, p)
			}
		}
		out = append(out, chain)
	}
	return out
}

func isID(b []byte) bool {
	_, err := strconv.ParseUint(string(b), 10, 64)
	return err == nil
}

// chainString writes a chain in the spec's notation: "4,^2,^1".
func chainString(c [][]byte) string {
	var b []byte
	for i, id := range c {
		if i > 0 {
			b = append(b, ",^"...)
		}
		b = append(b, id...)
	}
	return string(b)
}

func (r *Report) contidOutput() {
	if r.contids.len() == 0 {
		r.w.WriteString("<no events of interest were found>\n\n")
		return
	}
	for _, i := range r.contids.sorted() {
		id := r.contids.keys[i]
		chain := r.chains[id]
		if chain == "" {
			chain = id
		}
		fmt.Fprintf(r.w, "%d  %s\n", r.contids.hits[i], chain)
	}
}
