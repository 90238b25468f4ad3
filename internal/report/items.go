package report

import (
	"bytes"
	"net"
	"strconv"

	"github.com/contaudit/contaudit/internal/abi"
)

// Record type numbers aureport classifies by, from libaudit.h. The ranges
// are the ones aureport-scan.c tests; numbers that abi lacks live here.
const (
	typeUser                = 1005
	typeLogin               = 1006
	typeUserAuth            = 1100
	typeUserAcct            = 1101
	typeFirstUserMsg        = 1100
	typeUserEnd             = 1106
	typeUserAVC             = 1107
	typeUserChauthtok       = 1108
	typeLastUserMsg         = 1199
	typeUsysConfig          = 1111
	typeUserMgmt            = 1102
	typeUserMacConfigChange = 2312
	typeGrpMgmt             = 1132
	typeUserLogin           = 1112
	typeAddUser             = 1114
	typeAddGroup            = 1116
	typeDelGroup            = 1117
	typeChgrpID             = 1119
	typeGrpAuth             = 1126
	typeDaemonStart         = 1200
	typeDaemonConfig        = 1203
	typeDaemonRotate        = 1205
	typeDaemonResume        = 1206
	typeDaemonAccept        = 1207
	typeDaemonClose         = 1208
	typeSyscall             = 1300
	typePath                = 1302
	typeIPC                 = 1303
	typeConfigChange        = 1305
	typeSockaddr            = 1306
	typeCwd                 = 1307
	typeExecve              = 1309
	typeIPCSetPerm          = 1311
	typeMqOpen              = 1312
	typeMqGetSetAttr        = 1315
	typeFdPair              = 1317
	typeObjPID              = 1318
	typeTTY                 = 1319
	typeBprmFcaps           = 1321
	typeCapset              = 1322
	typeMmap                = 1323
	typeNetfilterPkt        = 1324
	typeNetfilterCfg        = 1325
	typeSeccomp             = 1326
	typeProctitle           = 1327
	typeFeatureChange       = 1328
	typeReplace             = 1329
	typeBPF                 = 1334
	typeEventListener       = 1335
	typeAVC                 = 1400
	typeSelinuxErr          = 1401
	typeAVCPath             = 1402
	typeMacPolicyLoad       = 1403
	typeMacUnlblStcdel      = 1417
	typeMacUnlblAllow       = 1406
	typeMacCalipsoDel       = 1419
	typeFirstKernCrypt      = 1600
	typeLastKernCrypt       = 1699
	typeFirstKernAnom       = 1700
	typeAnomPromisc         = 1700
	typeAnomAbend           = 1701
	typeAnomLink            = 1702
	typeLastKernAnom        = 1799
	typeIntegrityFirst      = 1800
	typeIntegrityData       = 1800
	typeIntegrityRule       = 1805
	typeIntegrityLast       = 1899
	typeKernel              = 2000
	typeFirstAnomMsg        = 2100
	typeLastAnomMsg         = 2199
	typeFirstAnomResp       = 2200
	typeLastAnomResp        = 2299
	typeFirstLSPP           = 2300
	typeRoleAssign          = 2301
	typeRoleRemove          = 2302
	typeLastLSPP            = 2399
	typeFirstCrypto         = 2400
	typeLastCrypto          = 2499
	typeFirstVirt           = 2500
	typeLastVirt            = 2599
	typeFirstUserMsg2       = 2100
	typeLastUserMsg2        = 2999
)

// Success values, as ausearch's success_t.
const (
	successUnset  = -1
	successFailed = 0
	successOK     = 1
)

// want says which optional items an extraction looks for. aureport sets a
// different set per report, and since a record missing a wanted item makes
// the whole event unusable, the set changes which events count.
type want struct {
	filename, hostname, terminal, exe, comm, key, interpret bool
}

// items is what aureport extracts from one event (ausearch's
// search_items): the last value a record gave wins, as in ausearch.
type items struct {
	pid       int32 // -1: none
	loginuid  int32 // -2: none
	uid       int32 // -1: none
	success   int
	syscall   int32
	arch      uint32
	hasArch   bool
	terminal  []byte
	hostname  []byte
	exe       []byte
	comm      []byte
	acct      []byte
	cwd       []byte
	files     [][]byte
	fileTypes [][]byte // the nametype after each PATH name, for the file report
	keys      [][]byte
	set       uint8 // bits of the optional byte slices that are set
}

const (
	hasTerminal = 1 << iota
	hasHostname
	hasExe
	hasComm
	hasAcct
	hasCwd
	hasKeys
)

func (s *items) reset() {
	*s = items{pid: -1, loginuid: -2, uid: -1, success: successUnset,
		files: s.files[:0], fileTypes: s.fileTypes[:0], keys: s.keys[:0],
		terminal: s.terminal[:0], hostname: s.hostname[:0], exe: s.exe[:0],
		comm: s.comm[:0], acct: s.acct[:0], cwd: s.cwd[:0]}
}

func (s *items) setStr(bit uint8, dst *[]byte, v []byte) {
	*dst = append((*dst)[:0], v...)
	s.set |= bit
}

func (s *items) has(bit uint8) bool { return s.set&bit != 0 }

// extract fills s from the messages of one event, record by record, and
// reports false where ausearch's extract_search_items fails: aureport then
// leaves the event out of every count. The logic follows ausearch-parse.c
// (audit 3.0.9) search for search, quirks included, because the counts are
// meant to agree with aureport's.
func (s *items) extract(types []uint32, msgs [][]byte, w want) bool {
	s.reset()
	for i, m := range msgs {
		if !s.record(types[i], m, w) {
			return false
		}
	}
	return true
}

func (s *items) record(t uint32, m []byte, w want) bool {
	switch {
	case t == abi.AUDIT_CONTAINER_ID, t == abi.AUDIT_CONTAINER_OP:
		// contaudit's own types: aureport does not know their names
		// and skips them, and they are not USER_* records.
		return true
	case t == typeSyscall:
		return s.parseSyscall(m, w)
	case t == typeCwd:
		s.parseDir(m, w)
		return true
	case t == typeAVCPath:
		return s.avcParsePath(m, w)
	case t == typePath:
		return s.parsePath(m, w)
	case t == typeUserAVC || t == typeAVC:
		return s.parseAVC(t, m, w)
	case t == typeUser, t >= typeFirstUserMsg && t <= typeUserEnd,
		t >= typeUserChauthtok && t <= typeLastUserMsg,
		t >= typeFirstUserMsg2 && t <= typeLastUserMsg2:
		return s.parseUser(t, m, w) == 0
	case t == typeSockaddr:
		return s.parseSockaddr(m, w)
	case t == typeLogin:
		return s.parseLogin(m)
	case t == typeIPC, t == typeObjPID:
		return true
	case t >= typeDaemonStart && t <= typeDaemonConfig, t == typeDaemonRotate, t == typeDaemonResume:
		return s.parseDaemon1(m)
	case t == typeDaemonAccept, t == typeDaemonClose:
		return s.parseDaemon2(m, w)
	case t == typeConfigChange:
		ok := s.parseSimple(t, m, w)
		s.avcParsePath(m, w)
		return ok
	case t == typeNetfilterPkt:
		return s.parsePkt(m, w)
	case t == typeFeatureChange, t == typeAnomLink:
		return s.parseTaskInfo(m, w)
	case t == typeSeccomp, t == typeAnomPromisc, t == typeAnomAbend:
		return s.parseKernelAnom(t, m, w)
	case t >= typeMacPolicyLoad && t <= typeMacUnlblStcdel:
		return s.parseSimple(t, m, w)
	case t >= typeIntegrityData && t <= typeIntegrityRule:
		return s.parseIntegrity(m, w)
	case t == typeNetfilterCfg, t == typeEventListener:
		return s.parseKernel(m, w)
	case t == typeTTY:
		return s.parseTTY(m, w)
	}
	return true
}

// The helpers below are the C library calls ausearch-parse.c is written
// with, on a message that is never modified: index returns -1 for NULL.

func strstr(m []byte, from int, pat string) int {
	if from < 0 || from > len(m) {
		return -1
	}
	i := bytes.Index(m[from:], []byte(pat))
	if i < 0 {
		return -1
	}
	return from + i
}

func strchr(m []byte, from int, c byte) int {
	if from < 0 || from > len(m) {
		return -1
	}
	i := bytes.IndexByte(m[from:], c)
	if i < 0 {
		return -1
	}
	return from + i
}

// strtoul reads like C's strtoul(ptr, NULL, 10) up to end: leading blanks,
// an optional sign (a '-' negates, modulo 2^64), digits; 0 if none.
func strtoul(m []byte, from, end int) uint64 {
	if end < 0 || end > len(m) {
		end = len(m)
	}
	i := from
	for i < end && (m[i] == ' ' || m[i] == '\t') {
		i++
	}
	neg := false
	if i < end && (m[i] == '+' || m[i] == '-') {
		neg = m[i] == '-'
		i++
	}
	var v uint64
	for ; i < end && m[i] >= '0' && m[i] <= '9'; i++ {
		v = v*10 + uint64(m[i]-'0')
	}
	if neg {
		v = -v
	}
	return v
}

func atoi32(m []byte, from, end int) int32 { return int32(uint32(strtoul(m, from, end))) }

func isxdigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isalpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// quotedHexOrWord reads the value at from as ausearch's filename and exe
// items do: like quotedOrHex, but a bare word that is not hex (legacy logs)
// is taken as written.
func quotedHexOrWord(m []byte, from int) (v []byte, ok bool) {
	if from < len(m) && m[from] == '"' {
		e := strchr(m, from+1, '"')
		if e < 0 {
			return nil, false
		}
		return m[from+1 : e], true
	}
	end, legacy := from, false
	for end < len(m) && m[end] != ' ' {
		if !isxdigit(m[end]) {
			legacy = true
		}
		end++
	}
	if legacy {
		return m[from:end], true
	}
	u, _ := unescape(m, from)
	return u, true
}

// unescape is auparse's: "(...)" is kept as is, otherwise the leading hex
// digits are decoded; fewer than two is a failure (nil, false). A NUL ends
// the decoded string, as it does in C.
func unescape(m []byte, from int) ([]byte, bool) {
	if from >= len(m) {
		return nil, false
	}
	if m[from] == '(' {
		j := strchr(m, from, ')')
		if j < 0 {
			return nil, false
		}
		return m[from : j+1], true
	}
	j := from
	for j < len(m) && isxdigit(m[j]) {
		j++
	}
	if j-from < 2 {
		return nil, false
	}
	out := make([]byte, 0, (j-from)/2)
	for i := from; i+1 < j; i += 2 {
		c := unhex(m[i])<<4 | unhex(m[i+1])
		if c == 0 {
			break
		}
		out = append(out, c)
	}
	return out, true
}

// quotedOrHex reads the value at m[v:] the way ausearch reads comm= and
// exe=: up to the closing quote, or hex decoded. ok is false for an
// unterminated quote.
func quotedOrHex(m []byte, v int) (val []byte, end int, ok bool) {
	if v < len(m) && m[v] == '"' {
		e := strchr(m, v+1, '"')
		if e < 0 {
			return nil, -1, false
		}
		return m[v+1 : e], e, true
	}
	u, _ := unescape(m, v)
	return u, -1, true
}

// The item readers below move *term to where the item ends, as
// ausearch-parse.c moves its term pointer, since later searches start there.
// They report false where ausearch fails the record.

// numItem reads the number at ptr, ended by a blank, into *dst.
func numItem(m []byte, ptr int, term *int, dst *int32) bool {
	e := strchr(m, ptr, ' ')
	if e < 0 {
		return false
	}
	*term, *dst = e, atoi32(m, ptr, e)
	return true
}

// lastNum reads the number at ptr, which may end the message rather than
// a blank; term is then ptr itself.
func lastNum(m []byte, ptr int) (v int32, term int) {
	term = strchr(m, ptr, ' ')
	v = atoi32(m, ptr, term)
	if term < 0 {
		term = ptr
	}
	return v, term
}

// wordItem reads the text at ptr, ended by a blank, into the item dst.
func (s *items) wordItem(m []byte, ptr int, term *int, bit uint8, dst *[]byte) bool {
	e := strchr(m, ptr, ' ')
	if e < 0 {
		return false
	}
	*term = e
	s.setStr(bit, dst, m[ptr:e])
	return true
}

// quotedItem reads the value at ptr as quotedOrHex does into the item dst;
// only a quoted value moves *term, to its closing quote.
func (s *items) quotedItem(m []byte, ptr int, term *int, bit uint8, dst *[]byte) bool {
	v, e, ok := quotedOrHex(m, ptr)
	if !ok {
		return false
	}
	if e >= 0 {
		*term = e
	}
	s.setStr(bit, dst, v)
	return true
}

// keyItem reads the key= value at ptr: one quoted key, or hex that holds
// several keys split by 0x01.
func (s *items) keyItem(m []byte, ptr int, term *int) bool {
	s.set |= hasKeys
	if ptr < len(m) && m[ptr] == '"' {
		e := strchr(m, ptr+1, '"')
		if e < 0 {
			return false
		}
		s.keys = append(s.keys, m[ptr+1:e])
		*term = e
		return true
	}
	u, ok := unescape(m, ptr)
	if !ok {
		return false
	}
	s.splitKeys(u)
	return true
}

// archItem reads the hex arch= value at ptr, ended by a blank.
func (s *items) archItem(m []byte, ptr int, term *int) bool {
	e := strchr(m, ptr, ' ')
	if e < 0 {
		return false
	}
	*term = e
	v, _ := strconv.ParseUint(string(hexPrefix(m[ptr:e])), 16, 64)
	s.arch, s.hasArch = uint32(v), true
	return true
}

// numericRes reads a kernel record's res=, a number, where there is one at
// or after from, and reports whether there was.
func (s *items) numericRes(m []byte, from int) bool {
	str := strstr(m, from, "res=")
	if str < 0 {
		return false
	}
	ptr := str + 4
	s.success = int(atoi32(m, ptr, strchr(m, ptr, ' ')))
	return true
}

// wordRes reads a daemon record's res=, a word, where there is one at or
// after from; false where the word is empty.
func (s *items) wordRes(m []byte, from int) bool {
	str := strstr(m, from, "res=")
	if str < 0 {
		return true
	}
	ptr := str + 4
	e := ptr
	for e < len(m) && isalpha(m[e]) {
		e++
	}
	if e == ptr {
		return false
	}
	if bytes.HasPrefix(m[ptr:e], []byte("failed")) {
		s.success = successFailed
	} else {
		s.success = successOK
	}
	return true
}

// strchrOr is strchr for a, failing that for b: where a value ends at
// either.
func strchrOr(m []byte, from int, a, b byte) int {
	if e := strchr(m, from, a); e >= 0 {
		return e
	}
	return strchr(m, from, b)
}

func (s *items) parseTaskInfo(m []byte, w want) bool {
	term := 0
	// pid (required)
	str := strstr(m, term, " pid=")
	if str < 0 || !numItem(m, str+5, &term, &s.pid) {
		return false
	}
	// loginuid (required)
	ptr := -1
	if str = strstr(m, term, "auid="); str >= 0 {
		ptr = str + 5
	} else if str = strstr(m, term, "loginuid="); str >= 0 {
		ptr = str + 9
	}
	if ptr < 0 || !numItem(m, ptr, &term, &s.loginuid) {
		return false
	}
	// uid: 3.0.9 does without it (found by comparing with it). A match
	// inside auid= is retried further on.
	for {
		str = strstr(m, term, "uid=")
		if str > 0 && m[str-1] == 'a' {
			term = str + 1
			continue
		}
		break
	}
	if str >= 0 && !numItem(m, str+4, &term, &s.uid) {
		return false
	}
	if w.terminal {
		if str = strstr(m, term, "tty="); str >= 0 && !s.wordItem(m, str+4, &term, hasTerminal, &s.terminal) {
			return false
		}
	}
	if w.comm {
		str = strstr(m, term, "comm=")
		if str < 0 || !s.quotedItem(m, str+5, &term, hasComm, &s.comm) {
			return false
		}
	}
	if w.exe {
		str = strstr(m, 0, "exe=")
		if str < 0 || !s.quotedItem(m, str+4, &term, hasExe, &s.exe) {
			return false
		}
	}
	s.numericRes(m, term)
	return true
}

func (s *items) parseSyscall(m []byte, w want) bool {
	term := 0
	if w.interpret {
		str := strstr(m, term, "arch=")
		if str < 0 || !s.archItem(m, str+5, &term) {
			return false
		}
	}
	str := strstr(m, term, "syscall=")
	if str < 0 || !numItem(m, str+8, &term, &s.syscall) {
		return false
	}
	if str = strstr(m, term, "success="); str >= 0 {
		ptr := str + 8
		term = strchr(m, ptr, ' ')
		if term < 0 {
			return false
		}
		if string(m[ptr:term]) == "yes" {
			s.success = successOK
		} else {
			s.success = successFailed
		}
	}
	for _, a := range []string{"a0=", "a1="} {
		str = strstr(m, term, a)
		if str < 0 {
			return false
		}
		term = strchr(m, str+3, ' ')
		if term < 0 {
			return false
		}
	}
	if !s.parseTaskInfo(m, w) {
		return false
	}
	if w.key {
		if str = strstr(m, term, "key="); str >= 0 && !s.keyItem(m, str+4, &term) {
			return false
		}
	}
	return true
}

// splitKeys is strtok_r on 0x01: empty keys are skipped.
func (s *items) splitKeys(u []byte) {
	for k := range bytes.SplitSeq(u, []byte{1}) {
		if len(k) > 0 {
			s.keys = append(s.keys, k)
		}
	}
}

// hexPrefix is what strtoul(ptr, NULL, 16) reads.
func hexPrefix(b []byte) []byte {
	i := 0
	for i < len(b) && isxdigit(b[i]) {
		i++
	}
	if i == 0 {
		return []byte("0")
	}
	return b[:i]
}

const nameOffset = 28

func (s *items) parseDir(m []byte, w want) {
	if !w.filename || len(m) < nameOffset {
		return
	}
	str := strstr(m, nameOffset, " cwd=")
	if str < 0 {
		return
	}
	str += 5
	if str < len(m) && m[str] == '"' {
		e := strchr(m, str+1, '"')
		if e >= 0 && !s.has(hasCwd) {
			s.setStr(hasCwd, &s.cwd, m[str+1:e])
		}
	} else if !s.has(hasCwd) {
		if u, ok := unescape(m, str); ok {
			s.setStr(hasCwd, &s.cwd, u)
		}
	}
}

// commonPath is common_path_parser: it appends one file name.
func (s *items) commonPath(m []byte, p int) bool {
	var name []byte
	switch {
	case p < len(m) && m[p] == '"':
		e := strchr(m, p+1, '"')
		if e < 0 {
			return false
		}
		name = m[p+1 : e]
	case bytes.HasPrefix(m[p:], []byte("(null)")):
		s.files = append(s.files, []byte("(null)"))
		s.fileTypes = append(s.fileTypes, nil)
		return true
	default:
		if p >= len(m) || !isxdigit(m[p]) {
			return false
		}
		var ok bool
		if p+1 < len(m) && m[p] == '0' && m[p+1] == '0' {
			name, ok = unescape(m, p+2) // an abstract socket name
		} else {
			if strchr(m, p, ' ') < 0 {
				return false
			}
			name, ok = unescape(m, p)
		}
		if !ok {
			return false
		}
	}
	if len(name) > 1 && name[0] == '.' && (name[1] == '.' || name[1] == '/') && s.has(hasCwd) {
		full := make([]byte, 0, len(s.cwd)+1+len(name))
		name = append(append(append(full, s.cwd...), '/'), name...)
	}
	s.files = append(s.files, name)
	s.fileTypes = append(s.fileTypes, nil)
	return true
}

func (s *items) avcParsePath(m []byte, w want) bool {
	if !w.filename {
		return true
	}
	if str := strstr(m, 0, " path="); str >= 0 {
		return s.commonPath(m, str+6)
	}
	return false
}

func (s *items) parsePath(m []byte, w want) bool {
	if !w.filename || len(m) < nameOffset {
		return true
	}
	str := strstr(m, nameOffset, " name=")
	if str < 0 {
		return true
	}
	str += 6
	if !s.commonPath(m, str) {
		return false
	}
	if t := strstr(m, str, "type="); t >= 0 {
		// The rest of the line; the file report compares it with PARENT.
		s.fileTypes[len(s.fileTypes)-1] = m[t+5:]
	}
	return true
}

// parseUser returns ausearch's code: 0 is success, and parse_avc forgives
// codes above 20 for USER_AVC.
func (s *items) parseUser(t uint32, m []byte, w want) int {
	term := 0
	str := strstr(m, term, "pid=")
	if str < 0 {
		return 1
	}
	if !numItem(m, str+4, &term, &s.pid) {
		return 2
	}
	if str = strstr(m, term, "uid="); str < 0 {
		return 4
	}
	if !numItem(m, str+4, &term, &s.uid) {
		return 5
	}
	var ptr int
	if str = strstr(m, term, "auid="); str < 0 {
		if str = strstr(m, term, "loginuid="); str < 0 {
			return 7
		}
		ptr = str + 9
	} else {
		ptr = str + 5
	}
	if !numItem(m, ptr, &term, &s.loginuid) {
		return 8
	}
	// Some records (USER_LOGIN) carry the uid that matters second.
	for {
		str = strstr(m, term, "uid=")
		if str < 0 {
			break
		}
		if str > 0 && m[str-1] == 'a' {
			term = str + 1
			continue
		}
		if str > 0 && (m[str-1] == 's' || m[str-1] == 'u') {
			break
		}
		if !(str > 0 && (m[str-1] == '\'' || m[str-1] == ' ')) {
			return 25
		}
		ptr = str + 4
		term = ptr
		for term < len(m) && m[term] >= '0' && m[term] <= '9' {
			term++
		}
		if term == ptr {
			return 14
		}
		s.uid = atoi32(m, ptr, term)
		break
	}
	mptr := term + 1
	if w.comm {
		if str = strstr(m, mptr, "comm="); str >= 0 && !s.quotedItem(m, str+5, &term, hasComm, &s.comm) {
			return 16
		}
	}
	if str = strstr(m, mptr, "acct="); str >= 0 {
		ptr = str + 5
		term = ptr + 1
		if ptr < len(m) && m[ptr] == '"' {
			for term < len(m) && m[term] != '"' {
				term++
			}
			s.setStr(hasAcct, &s.acct, m[ptr+1:min(term, len(m))])
		} else {
			end, legacy := ptr, false
			for end < len(m) && m[end] != ' ' {
				if !isxdigit(m[end]) {
					legacy = true
				}
				end++
			}
			term = end
			if !legacy {
				u, _ := unescape(m, ptr)
				s.setStr(hasAcct, &s.acct, u)
			} else {
				s.setStr(hasAcct, &s.acct, m[ptr:end])
			}
		}
	}
	mptr = term + 1
	if w.hostname {
		if str = strstr(m, mptr, "hostname="); str >= 0 {
			str += 9
			if term = strchrOr(m, str, ',', ' '); term < 0 {
				return 17
			}
			s.setStr(hasHostname, &s.hostname, m[str:term])
			if string(s.hostname) == "?" {
				if a := strstr(m, term+1, "addr="); a >= 0 {
					a += 5
					if term = strchrOr(m, a, ',', ' '); term < 0 {
						return 18
					}
					s.setStr(hasHostname, &s.hostname, m[a:term])
				}
			}
		}
	}
	if w.filename {
		if str = strstr(m, mptr, "cwd="); str >= 0 {
			v, ok := quotedHexOrWord(m, str+4)
			if !ok {
				return 20
			}
			s.setStr(hasCwd, &s.cwd, v)
		}
	}
	if w.terminal {
		if str = strstr(m, mptr, "terminal="); str >= 0 {
			str += 9
			if term = strchrOr(m, str, ' ', ')'); term < 0 {
				return 19
			}
			s.setStr(hasTerminal, &s.terminal, m[str:term])
		}
	}
	if w.exe {
		if str = strstr(m, mptr, "exe="); str >= 0 {
			v, ok := quotedHexOrWord(m, str+4)
			if !ok {
				return 26
			}
			s.setStr(hasExe, &s.exe, v)
		}
	}
	if str = strstr(m, mptr, "res="); str >= 0 {
		ptr = str + 4
		if strchr(m, ptr, '\'') < 0 {
			return 21
		}
		if bytes.HasPrefix(m[ptr:], []byte("failed")) {
			s.success = successFailed
		} else {
			s.success = successOK
		}
	} else if str = strstr(m, mptr, "result="); str >= 0 {
		ptr = str + 7
		e := strchr(m, ptr, ')')
		if e < 0 {
			return 22
		}
		if bytes.EqualFold(m[ptr:e], []byte("success")) {
			s.success = successOK
		} else {
			s.success = successFailed
		}
	}
	return 0
}

func (s *items) parseLogin(m []byte) bool {
	term := 0
	str := strstr(m, term, "pid=")
	if str < 0 || !numItem(m, str+4, &term, &s.pid) {
		return false
	}
	if str = strstr(m, term, "uid="); str < 0 || !numItem(m, str+4, &term, &s.uid) {
		return false
	}
	var ptr int
	if str = strstr(m, term, "new auid="); str >= 0 {
		ptr = str + 9
	} else if str = strstr(m, term, " auid="); str >= 0 {
		ptr = str + 6
	} else if str = strstr(m, term, "new loginuid="); str >= 0 {
		ptr = str + 13
	} else {
		return false
	}
	term = strchr(m, ptr, ' ')
	s.loginuid = atoi32(m, ptr, term)
	if term < 0 {
		term = 0
	}
	if !s.numericRes(m, term) {
		s.success = successOK // older kernels: always successful
	}
	return true
}

func (s *items) parseDaemon1(m []byte) bool {
	mptr := strchr(m, 0, ')')
	if mptr < 0 {
		mptr = 0
	}
	term := mptr
	str := strstr(m, term, "auid=")
	if str < 0 || !numItem(m, str+5, &term, &s.loginuid) {
		return false
	}
	if str = strstr(m, term, "pid="); str < 0 || !numItem(m, str+4, &term, &s.pid) {
		return false
	}
	if str = strstr(m, term, " uid="); str >= 0 && !numItem(m, str+5, &term, &s.uid) {
		return false
	}
	return s.wordRes(m, mptr)
}

func (s *items) parseDaemon2(m []byte, w want) bool {
	term := 0
	if w.hostname {
		if str := strstr(m, 0, "addr="); str >= 0 {
			str += 5
			if term = strchrOr(m, str, ':', ' '); term < 0 {
				return false
			}
			s.setStr(hasHostname, &s.hostname, m[str:term])
		}
	}
	return s.wordRes(m, term)
}

func (s *items) parseSockaddr(m []byte, w want) bool {
	if !w.hostname && !w.filename {
		return true
	}
	str := strstr(m, 0, "saddr=")
	if str < 0 {
		return true
	}
	str += 6
	// Decode all the hex, NULs included: the address is binary.
	e := str
	for e < len(m) && isxdigit(m[e]) {
		e++
	}
	if e-str < 2 {
		return false
	}
	raw := make([]byte, (e-str)/2)
	for i := range raw {
		raw[i] = unhex(m[str+2*i])<<4 | unhex(m[str+2*i+1])
	}
	clear := func() { s.hostname, s.set = s.hostname[:0], s.set&^hasHostname }
	if len(raw) < 2 {
		clear()
		return true
	}
	switch fam := uint16(raw[0]) | uint16(raw[1])<<8; fam {
	case 2: // AF_INET
		if len(raw) < 16 {
			return false
		}
		if !w.hostname {
			clear()
			return true
		}
		s.setStr(hasHostname, &s.hostname, []byte(net.IP(raw[4:8]).String()))
	case 10: // AF_INET6
		if len(raw) < 28 {
			return false
		}
		if !w.hostname {
			clear()
			return true
		}
		s.setStr(hasHostname, &s.hostname, []byte(net.IP(raw[8:24]).String()))
	case 1: // AF_UNIX
		p := raw[2:]
		if len(p) > 0 && p[0] == 0 {
			p = p[1:]
		}
		if i := bytes.IndexByte(p, 0); i >= 0 {
			p = p[:i]
		}
		if len(p) == 0 {
			return false
		}
		if w.filename {
			s.files = append(s.files, append([]byte(nil), p...))
			s.fileTypes = append(s.fileTypes, nil)
		}
		clear()
	default:
		clear()
	}
	return true
}

func (s *items) parseIntegrity(m []byte, w want) bool {
	term := 0
	if str := strstr(m, term, "pid="); str >= 0 && !numItem(m, str+4, &term, &s.pid) {
		return false
	}
	// sic: str+4 is at the '=', so the uid always reads 0
	if str := strstr(m, term, " uid="); str >= 0 && !numItem(m, str+4, &term, &s.uid) {
		return false
	}
	if str := strstr(m, 0, "auid="); str >= 0 && !numItem(m, str+5, &term, &s.loginuid) {
		return false
	}
	if w.comm {
		if str := strstr(m, term, "comm="); str >= 0 && !s.quotedItem(m, str+5, &term, hasComm, &s.comm) {
			return false
		}
	}
	if w.filename {
		if str := strstr(m, term, " name="); str >= 0 {
			if !s.commonPath(m, str+6) {
				return false
			}
		}
	}
	s.numericRes(m, term)
	return true
}

func (s *items) parseAVC(t uint32, m []byte, w want) bool {
	term := 0
	if str := strstr(m, 0, "avc: "); str >= 0 {
		str += 5
		brace := strchr(m, str, '{')
		if brace < 0 {
			term = 0
		} else {
			if bytes.Contains(m[str:brace], []byte("denied")) {
				s.success = successFailed
			} else {
				s.success = successOK
			}
			if strchr(m, brace+1, '}') < 0 {
				return false
			}
			term = brace
		}
	}
	if t == typeUserAVC {
		rc := s.parseUser(t, m, w)
		return rc == 0 || rc > 20
	}
	if str := strstr(m, term, "pid="); str >= 0 && !numItem(m, str+4, &term, &s.pid) {
		return false
	}
	if w.comm && !s.has(hasComm) {
		str := strstr(m, term, "comm=")
		if str < 0 {
			return false
		}
		str += 5
		v, e, ok := quotedOrHex(m, str)
		if !ok {
			return false
		}
		if e < 0 {
			e = str + 6 // sic: not where the hex ends
		}
		term = e
		s.setStr(hasComm, &s.comm, v)
	}
	if w.filename {
		if str := strstr(m, term, " path="); str >= 0 {
			if !s.commonPath(m, str+6) {
				return false
			}
			term += 7
		} else if str := strstr(m, term, " name="); str >= 0 {
			if !s.commonPath(m, str+6) {
				return false
			}
			term += 7
		}
	}
	return strstr(m, term, "tclass=") >= 0
}

func (s *items) parseKernelAnom(t uint32, m []byte, w want) bool {
	str := strstr(m, 0, "auid=")
	if str < 0 {
		return false
	}
	var term int
	s.loginuid, term = lastNum(m, str+5)
	if str = strstr(m, term, "uid="); str >= 0 && !numItem(m, str+4, &term, &s.uid) {
		return false
	}
	if t == typeAnomPromisc {
		return true
	}
	if str = strstr(m, term, "pid="); str >= 0 && !numItem(m, str+4, &term, &s.pid) {
		return false
	}
	if w.comm {
		if str = strstr(m, term, "comm="); str >= 0 && !s.quotedItem(m, str+5, &term, hasComm, &s.comm) {
			return false
		}
	}
	if w.exe {
		if str = strstr(m, term, "exe="); str >= 0 {
			if !s.quotedItem(m, str+4, &term, hasExe, &s.exe) {
				return false
			}
		} else if t != typeAnomAbend {
			return false
		}
	}
	if t == typeSeccomp {
		if str = strstr(m, term, "arch="); str < 0 {
			return true // a few kernel versions leave it out
		}
		if !s.archItem(m, str+5, &term) {
			return false
		}
		if str = strstr(m, term, "syscall="); str < 0 || !numItem(m, str+8, &term, &s.syscall) {
			return false
		}
	}
	s.numericRes(m, term)
	return true
}

func (s *items) parseSimple(t uint32, m []byte, w want) bool {
	term := 0
	str := strstr(m, 0, "auid=")
	if str < 0 && t != typeConfigChange {
		return false
	}
	if str >= 0 {
		s.loginuid, term = lastNum(m, str+5)
	}
	if w.key {
		if str = strstr(m, term, "key="); str >= 0 && !s.keyItem(m, str+4, &term) {
			return false
		}
	}
	if t == typeConfigChange {
		s.success = successOK
	}
	s.numericRes(m, term)
	return true
}

func (s *items) parsePkt(m []byte, w want) bool {
	if w.hostname {
		if str := strstr(m, 0, "saddr="); str >= 0 {
			ptr := str + 6
			term := strchr(m, ptr, ' ')
			if term < 0 {
				return false
			}
			s.setStr(hasHostname, &s.hostname, m[ptr:term])
		}
	}
	return true
}

func (s *items) parseKernel(m []byte, w want) bool {
	term := 0
	if s.pid == -1 {
		if str := strstr(m, term, " pid="); str < 0 || !numItem(m, str+5, &term, &s.pid) {
			return false
		}
	}
	if s.uid == -1 {
		if str := strstr(m, term, "uid="); str < 0 {
			s.uid = 0
		} else if !numItem(m, str+4, &term, &s.uid) {
			return false
		}
	}
	if s.loginuid == -2 {
		if str := strstr(m, term, "auid="); str < 0 {
			s.loginuid = -1
		} else if !numItem(m, str+5, &term, &s.loginuid) {
			return false
		}
	}
	if w.terminal && !s.has(hasTerminal) {
		if str := strstr(m, term, "tty="); str < 0 {
			s.setStr(hasTerminal, &s.terminal, []byte("(none)"))
		} else if !s.wordItem(m, str+4, &term, hasTerminal, &s.terminal) {
			return false
		}
	}
	if w.comm && !s.has(hasComm) {
		if str := strstr(m, term, "comm="); str < 0 || !s.quotedItem(m, str+5, &term, hasComm, &s.comm) {
			return false
		}
	}
	if w.exe && !s.has(hasExe) {
		if str := strstr(m, 0, "exe="); str < 0 {
			s.setStr(hasExe, &s.exe, []byte("(null)"))
		} else if !s.quotedItem(m, str+4, &term, hasExe, &s.exe) {
			return false
		}
	}
	s.numericRes(m, term)
	return true
}

func (s *items) parseTTY(m []byte, w want) bool {
	term := 0
	if str := strstr(m, 0, "pid="); str >= 0 && !numItem(m, str+4, &term, &s.pid) {
		return false
	}
	// sic: str+4, as in parse_integrity
	if str := strstr(m, term, " uid="); str >= 0 && !numItem(m, str+4, &term, &s.uid) {
		return false
	}
	str := strstr(m, term, "auid=")
	if str < 0 {
		return false
	}
	s.loginuid, term = lastNum(m, str+5)
	if w.comm {
		if str = strstr(m, term, "comm="); str >= 0 && !s.quotedItem(m, str+5, &term, hasComm, &s.comm) {
			return false
		}
	}
	return true
}
