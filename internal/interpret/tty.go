package interpret

import "strings"

// printTTYData renders TTY and USER_TTY keystrokes as ausearch does:
// printable runs in double quotes (with \ooo for other bytes) and named
// keys in angle brackets, comma-separated: "ls",<ret>.
func printTTYData(raw string) string {
	if !isHexString(raw) {
		return raw
	}
	data, ok := unhex(raw)
	if !ok {
		// auparse returns NULL, which ausearch's printf shows so.
		return "(null)"
	}
	// An odd last digit is not part of the data.
	data = data[:len(raw)/2]
	var b strings.Builder
	inPrintable := false
	for len(data) > 0 {
		if name, n := ttyNamedKey(data); n > 0 {
			if inPrintable {
				b.WriteByte('"')
				inPrintable = false
			}
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('<')
			b.WriteString(name)
			b.WriteByte('>')
			data = data[n:]
			continue
		}
		if !inPrintable {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			inPrintable = true
		}
		c := data[0]
		switch {
		case c < 0x20 || c > 0x7e:
			b.WriteByte('\\')
			b.WriteByte('0' + (c>>6)&7)
			b.WriteByte('0' + (c>>3)&7)
			b.WriteByte('0' + c&7)
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
		data = data[1:]
	}
	if inPrintable {
		b.WriteByte('"')
	}
	return b.String()
}

func ttyNamedKey(data []byte) (string, int) {
	c := data[0]
	if c >= ' ' && (c < 0x7f || c >= 0xa0) {
		return "", 0
	}
	for _, k := range ttyNamedKeys {
		if len(k.seq) <= len(data) && string(data[:len(k.seq)]) == k.seq {
			return k.name, len(k.seq)
		}
	}
	return "", 0
}
