package interpret

import (
	"encoding/binary"
	"math"
	"net"
	"strconv"
	"strings"
)

// Sockaddr renders a SOCKADDR record's hex saddr= as ausearch -i does, for
// example "{ saddr_fam=inet laddr=127.0.0.1 lport=22 }". The family is read
// little-endian, as on the x86 and arm hosts auditd runs on; families
// ausearch has no layout for read "{ saddr_fam=packet (unsupported) }".
func Sockaddr(hexValue string) string {
	raw, _, ok := unescapeBuf(hexValue)
	if !ok {
		return "malformed-host(" + hexValue + ")"
	}
	slen := len(hexValue) / 2
	// Short addresses are read past their end, into what au_unescape left
	// in its buffer; beyond that buffer C reads heap garbage, zeros here.
	var stack [128]byte
	b := stack[:]
	if len(raw) > len(b) {
		b = make([]byte, len(raw))
	}
	copy(b, raw)
	fam := binary.LittleEndian.Uint16(b)
	name, ok := familyNames[uint32(fam)]
	if !ok {
		return "unknown-family(" + strconv.Itoa(int(fam)) + ")"
	}
	pre := "{ saddr_fam=" + name + " "
	switch fam {
	case 1: // AF_LOCAL
		if slen < 4 {
			return pre + "sockaddr len too short }"
		}
		path := b[2:]
		if path[0] == 0 { // abstract name
			path = path[1:]
		}
		return pre + "path=" + cstr(path[:min(len(path), 108)]) + " }"
	case 2: // AF_INET
		if slen < 16 {
			return pre + "sockaddr len too short }"
		}
		port := binary.BigEndian.Uint16(b[2:])
		return pre + "laddr=" + ipv4String(b[4:8]) + " lport=" + strconv.Itoa(int(port)) + " }"
	case 10: // AF_INET6
		if slen < 28 {
			return pre + "sockaddr6 len too short }"
		}
		port := binary.BigEndian.Uint16(b[2:])
		addr := ipv6String(b[8:24])
		if scope := binary.LittleEndian.Uint32(b[24:]); scope != 0 && isLinkLocal6(b[8:24]) {
			addr += "%" + scopeName(scope)
		}
		return pre + "laddr=" + addr + " lport=" + strconv.Itoa(int(port)) + " }"
	case 16: // AF_NETLINK
		if slen < 12 {
			return pre + "len too short }"
		}
		// nlnk-fam is sockaddr_nl's nl_family, which is AF_NETLINK itself.
		pid := binary.LittleEndian.Uint32(b[4:])
		return pre + "nlnk-fam=" + strconv.Itoa(int(fam)) + " nlnk-pid=" + strconv.FormatUint(uint64(pid), 10) + " }"
	case 3: // AF_AX25
		// Seven callsign bytes printed with %c: a NUL among them ends the
		// whole string there.
		call := b[2:9]
		if c := cstr(call); len(c) < len(call) {
			return pre + "call=" + c
		}
		return pre + "call=" + string(call) + " }"
	case 8: // AF_ATMPVC: sap_addr.itf follows the family at offset 4
		itf := int16(binary.LittleEndian.Uint16(b[4:]))
		return pre + "int=" + strconv.Itoa(int(itf)) + " }"
	case 9: // AF_X25
		return pre + "laddr=" + cstr(b[2:2+15]) + " }"
	}
	return pre + "(unsupported) }"
}

// scopeName is what glibc's getnameinfo prints for a link-local scope: the
// local interface of that index, else the number.
func scopeName(scope uint32) string {
	if scope <= math.MaxInt32 {
		if ifi, err := net.InterfaceByIndex(int(scope)); err == nil {
			return ifi.Name
		}
	}
	return strconv.FormatUint(uint64(scope), 10)
}

func ipv4String(a []byte) string {
	var sb strings.Builder
	for i := 0; i < 4; i++ {
		if i > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(strconv.Itoa(int(a[i])))
	}
	return sb.String()
}

func isLinkLocal6(a []byte) bool {
	return a[0] == 0xfe && a[1]&0xc0 == 0x80 || a[0] == 0xff && a[1]&0x0f == 0x02
}

// ipv6String formats like glibc's inet_ntop, which (unlike Go's net
// package) keeps the IPv6 form of v4-mapped addresses: "::ffff:1.2.3.4".
func ipv6String(a []byte) string {
	var w [8]uint16
	for i := range w {
		w[i] = binary.BigEndian.Uint16(a[2*i:])
	}
	// The longest run of two or more zero words, the first if tied.
	bestBase, bestLen := -1, 0
	for i := 0; i < 8; {
		if w[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && w[j] == 0 {
			j++
		}
		if j-i > bestLen {
			bestBase, bestLen = i, j-i
		}
		i = j
	}
	if bestLen < 2 {
		bestBase = -1
	}
	var sb strings.Builder
	for i := 0; i < 8; i++ {
		if bestBase >= 0 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				sb.WriteByte(':')
			}
			continue
		}
		if i != 0 {
			sb.WriteByte(':')
		}
		// An embedded IPv4 address: ::a.b.c.d or ::ffff:a.b.c.d.
		if i == 6 && bestBase == 0 && (bestLen == 6 || bestLen == 5 && w[5] == 0xffff) {
			sb.WriteString(ipv4String(a[12:16]))
			break
		}
		sb.WriteString(strconv.FormatUint(uint64(w[i]), 16))
	}
	if bestBase >= 0 && bestBase+bestLen == 8 {
		sb.WriteByte(':')
	}
	return sb.String()
}
