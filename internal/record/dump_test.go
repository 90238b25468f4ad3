package record

import (
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
)

// dumpRecord writes rec in the stable text form the golden files hold.
func dumpRecord(w io.Writer, rec *Record) {
	fmt.Fprintf(w, "%s(%d)", rec.TypeName, rec.Type)
	if rec.Node != "" {
		fmt.Fprintf(w, " node=%s", rec.Node)
	}
	if rec.Flags&NoTimestamp == 0 {
		fmt.Fprintf(w, " %d.%03d:%d", rec.Sec, rec.Msec, rec.Serial)
	}
	if rec.Flags != 0 {
		fmt.Fprintf(w, " [%s]", rec.Flags)
	}
	fmt.Fprintln(w)
	for i := range rec.Fields {
		dumpField(w, "  ", &rec.Fields[i])
	}
	for i := range rec.Enriched {
		dumpField(w, "  E ", &rec.Enriched[i])
	}
	if keys := rec.Keys(); len(keys) > 1 {
		fmt.Fprintf(w, "  keys %q\n", keys)
	}
}

func dumpField(w io.Writer, indent string, f *Field) {
	in := ""
	if f.Flags&FieldInner != 0 {
		in = "  "
	}
	fmt.Fprintf(w, "%s%s%s %s %s", indent, in, f.Kind, f.Key, short(f.Value))
	if f.Kind == KindHex || f.Flags&FieldMalformed != 0 {
		fmt.Fprintf(w, " raw=%s", short(f.Raw))
	}
	if f.Flags&FieldMalformed != 0 {
		fmt.Fprint(w, " MALFORMED")
	}
	fmt.Fprintln(w)
}

// short quotes b, eliding the middle of long values so that golden files
// stay readable; the length and checksum still pin the content.
func short(b []byte) string {
	if len(b) <= 160 {
		return strconv.Quote(string(b))
	}
	return fmt.Sprintf("%s...(%d bytes, crc32 %08x)", strconv.Quote(string(b[:64])), len(b), crc32.ChecksumIEEE(b))
}
