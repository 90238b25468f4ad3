package search

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/contaudit/contaudit/internal/event"
	"os/user"
	"strconv"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/interpret"
)

// The csv and text formats print auparse's normalised view of an event:
// who (subject), did what (action), to what (object), how. auparse 3.0.9
// computes it (auparse/normalize.c) by walking a cursor over the event's
// fields with auparse_find_field, whose quirks decide the answer: it
// searches on from the cursor across records, gives up without moving
// when the cursor sits on a record's last field, and leaves the cursor
// past the end when it fails. normEvent reproduces that cursor over
// fields split the way auparse splits them, so that the normaliser's
// logic can follow normalize.c step by step.

// Record types the normaliser names and abi does not.
var (
	tUserAuth        = msgType("USER_AUTH")
	tUserAcct        = msgType("USER_ACCT")
	tUserMgmt        = msgType("USER_MGMT")
	tCredAcq         = msgType("CRED_ACQ")
	tCredDisp        = msgType("CRED_DISP")
	tUserStart       = msgType("USER_START")
	tUserEnd         = msgType("USER_END")
	tUserAvc         = msgType("USER_AVC")
	tUserChauthtok   = msgType("USER_CHAUTHTOK")
	tUserErr         = msgType("USER_ERR")
	tCredRefr        = msgType("CRED_REFR")
	tUsysConfig      = msgType("USYS_CONFIG")
	tUserLogin       = msgType("USER_LOGIN")
	tUserLogout      = msgType("USER_LOGOUT")
	tAddUser         = msgType("ADD_USER")
	tDelUser         = msgType("DEL_USER")
	tAddGroup        = msgType("ADD_GROUP")
	tDelGroup        = msgType("DEL_GROUP")
	tChgrpID         = msgType("CHGRP_ID")
	tTest            = msgType("TEST")
	tTrustedApp      = msgType("TRUSTED_APP")
	tUserSelinuxErr  = msgType("USER_SELINUX_ERR")
	tUserCmd         = msgType("USER_CMD")
	tUserTTY         = msgType("USER_TTY")
	tChuserID        = msgType("CHUSER_ID")
	tGrpAuth         = msgType("GRP_AUTH")
	tSystemBoot      = msgType("SYSTEM_BOOT")
	tSystemShutdown  = msgType("SYSTEM_SHUTDOWN")
	tSystemRunlevel  = msgType("SYSTEM_RUNLEVEL")
	tServiceStart    = msgType("SERVICE_START")
	tServiceStop     = msgType("SERVICE_STOP")
	tGrpMgmt         = msgType("GRP_MGMT")
	tGrpChauthtok    = msgType("GRP_CHAUTHTOK")
	tAcctLock        = msgType("ACCT_LOCK")
	tAcctUnlock      = msgType("ACCT_UNLOCK")
	tUserDevice      = msgType("USER_DEVICE")
	tSoftwareUpdate  = msgType("SOFTWARE_UPDATE")
	tDaemonStart     = msgType("DAEMON_START")
	tDaemonAbort     = msgType("DAEMON_ABORT")
	tDaemonAccept    = msgType("DAEMON_ACCEPT")
	tSyscall         = msgType("SYSCALL")
	tPath            = msgType("PATH")
	tCwd             = msgType("CWD")
	tSockaddr        = msgType("SOCKADDR")
	tSocketcall      = msgType("SOCKETCALL")
	tConfigChange    = msgType("CONFIG_CHANGE")
	tMqGetsetattr    = msgType("MQ_GETSETATTR")
	tFdPair          = msgType("FD_PAIR")
	tObjPID          = msgType("OBJ_PID")
	tTTY             = msgType("TTY")
	tEOE             = msgType("EOE")
	tBprmFcaps       = msgType("BPRM_FCAPS")
	tNetfilterPkt    = msgType("NETFILTER_PKT")
	tNetfilterCfg    = msgType("NETFILTER_CFG")
	tSeccomp         = msgType("SECCOMP")
	tProctitle       = msgType("PROCTITLE")
	tFeatureChange   = msgType("FEATURE_CHANGE")
	tKernModule      = msgType("KERN_MODULE")
	tFanotify        = msgType("FANOTIFY")
	tTimeInjoffset   = msgType("TIME_INJOFFSET")
	tTimeAdjntpval   = msgType("TIME_ADJNTPVAL")
	tBPF             = msgType("BPF")
	tEventListener   = msgType("EVENT_LISTENER")
	tAVC             = msgType("AVC")
	tSelinuxErr      = msgType("SELINUX_ERR")
	tAVCPath         = msgType("AVC_PATH")
	tMacPolicyLoad   = msgType("MAC_POLICY_LOAD")
	tMacStatus       = msgType("MAC_STATUS")
	tMacConfigChange = msgType("MAC_CONFIG_CHANGE")
	tMacUnlblAllow   = msgType("MAC_UNLBL_ALLOW")
	tMacMapAdd       = msgType("MAC_MAP_ADD")
	tMacMapDel       = msgType("MAC_MAP_DEL")
	tMacCalipsoDel   = msgType("MAC_CALIPSO_DEL")
	tAnomPromiscuous = msgType("ANOM_PROMISCUOUS")
	tAnomAbend       = msgType("ANOM_ABEND")
	tAnomLink        = msgType("ANOM_LINK")
	tAnomRbacFail    = msgType("ANOM_RBAC_FAIL")
	tAnomRbacIntFail = msgType("ANOM_RBAC_INTEGRITY_FAIL")
	tAnomCryptoFail  = msgType("ANOM_CRYPTO_FAIL")
	tAnomExec        = msgType("ANOM_EXEC")
	tAnomLoginFail   = msgType("ANOM_LOGIN_FAILURES")
	tAnomLoginTime   = msgType("ANOM_LOGIN_TIME")
	tAnomLoginSess   = msgType("ANOM_LOGIN_SESSIONS")
	tAnomLoginLoc    = msgType("ANOM_LOGIN_LOCATION")
	tUserRoleChange  = msgType("USER_ROLE_CHANGE")
	tRoleAssign      = msgType("ROLE_ASSIGN")
	tRoleRemove      = msgType("ROLE_REMOVE")
	tLabelOverride   = msgType("LABEL_OVERRIDE")
	tLabelLevel      = msgType("LABEL_LEVEL_CHANGE")
	tDevAlloc        = msgType("DEV_ALLOC")
	tUserMacConfig   = msgType("USER_MAC_CONFIG_CHANGE")
	tCryptoKeyUser   = msgType("CRYPTO_KEY_USER")
	tCryptoSession   = msgType("CRYPTO_SESSION")
	tVirtControl     = msgType("VIRT_CONTROL")
	tVirtResource    = msgType("VIRT_RESOURCE")
	tVirtMachineID   = msgType("VIRT_MACHINE_ID")
	tAAAudit         = msgType("APPARMOR_AUDIT")
	tAAAllowed       = msgType("APPARMOR_ALLOWED")
	tAADenied        = msgType("APPARMOR_DENIED")
	tAAHint          = msgType("APPARMOR_HINT")
	tAAStatus        = msgType("APPARMOR_STATUS")
	tAAError         = msgType("APPARMOR_ERROR")
)

const (
	tUser   = 1005
	tLogin  = 1006
	tKernel = 2000
	tAA     = 1500
)

func msgType(name string) uint32 {
	t, ok := abi.MsgTypeByName(name)
	if !ok {
		panic("search: libaudit has no record type " + name)
	}
	return t
}

// nField is one field as auparse stores it: the name, and the value with
// auparse's trailing punctuation removed (quotes kept).
type nField struct{ name, val string }

type nRecord struct {
	typ    uint32
	fields []nField
	ctx    interpret.Context
	cur    int // auparse keeps a field cursor per record
}

// normEvent is one auparse event and auparse's cursor over it.
type normEvent struct {
	recs []nRecord
	node string
	cwd  string // the raw cwd= of the event's CWD record, for realpaths
	rec  int    // the current record; -1 once a search ran off the end
	res  interpret.Resolver
}

// splitFields splits a record's text as auparse's parse_up_record does.
func splitFields(typ uint32, line string) []nField {
	var fields []nField
	for len(line) > 0 {
		var tok string
		tok, line, _ = strings.Cut(line, " ")
		if tok == "" {
			continue
		}
		eq := strings.IndexByte(tok, '=')
		if eq < 0 {
			if typ == tAVC || typ == tUserAvc {
				switch len(fields) {
				case 1, 2:
					if len(fields) == 1 && strings.HasPrefix(tok, "avc") {
						continue
					}
					if len(fields) == 1 {
						fields = append(fields, nField{"seresult", tok})
						continue
					}
					if tok[0] == '{' {
						var perms []string
						for len(line) > 0 {
							var p string
							p, line, _ = strings.Cut(line, " ")
							if p == "" {
								continue
							}
							if p[0] == '}' {
								break
							}
							perms = append(perms, p)
						}
						fields = append(fields, nField{"seperms", strings.Join(perms, ",")})
					}
				}
			}
			continue
		}
		if strings.HasPrefix(tok, "msg=") {
			if len(tok) > 4 && tok[4] == 'a' {
				continue
			}
			if len(tok) > 4 && tok[4] == '\'' {
				tok = tok[5:]
				eq = strings.IndexByte(tok, '=')
				if eq < 0 {
					continue
				}
			}
		}
		name, val := tok[:eq], tok[eq+1:]
		name = strings.TrimPrefix(name, "(")
		if val == "" {
			continue
		}
		for _, c := range []byte{':', ',', '\''} {
			if len(val) > 0 && val[len(val)-1] == c {
				val = val[:len(val)-1]
			}
		}
		if len(val) > 0 && val[len(val)-1] == ')' && val != "(none)" && val != "(null)" {
			val = val[:len(val)-1]
		}
		if name == "key" && val != "" && val[0] != '(' && val[0] != '"' {
			// Several rule keys: hex, joined by 0x01; auparse decodes the
			// leading hex digits (au_unescape) and makes one key field of
			// each key, quoted or, if odd, hex again.
			n := 0
			for n < len(val) && isHexDigit(val[n]) {
				n++
			}
			if n >= 2 {
				b, _ := unhexUpper(val[:n&^1])
				for k := range strings.SplitSeq(string(b), "\x01") {
					if k != "" {
						fields = append(fields, nField{"key", auparseEscape(k)})
					}
				}
				continue
			}
		}
		fields = append(fields, nField{name, val})
	}
	return fields
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// auparseEscape is ellist.c's escape: quoted, or upper-case hex if the
// key holds a quote, a space or a non-ASCII byte.
func auparseEscape(k string) string {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c == '"' || c < 0x21 || c > 0x7e {
			return strings.ToUpper(hex.EncodeToString([]byte(k)))
		}
	}
	return `"` + k + `"`
}

func unhexUpper(s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return nil, false
	}
	b := make([]byte, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		v, err := strconv.ParseUint(s[i:i+2], 16, 8)
		if err != nil {
			return nil, false
		}
		b[i/2] = byte(v)
	}
	return b, true
}

// addRecord appends one log line (with its node= prefix and ENRICHED
// tail, if any) to the event.
func (e *normEvent) addRecord(typ uint32, line string) {
	var tail string
	if i := strings.IndexByte(line, interpret.Separator); i >= 0 {
		line, tail = line[:i], line[i+1:]
	}
	fields := splitFields(typ, line)
	r := nRecord{typ: typ, fields: fields}
	r.ctx = interpret.Context{RecordType: typ, Resolver: e.res}
	if tail != "" {
		r.ctx.Enriched = interpret.ParseEnriched(tail)
	}
	offset := 0
	if len(fields) > 0 && fields[0].name == "node" {
		offset = 1
	}
	for i, f := range fields {
		if f.name == "syscall" && i+1 != 3+offset && i+1 != 12+offset {
			// auparse reads a record's syscall number only where SYSCALL
			// and SECCOMP records put it, and names the field by that
			// number: elsewhere it is -1.
			fields[i].val = "-1"
		}
		r.ctx.Observe(f.name, f.val)
		if typ == tCwd && f.name == "cwd" {
			e.cwd = f.val
		}
	}
	e.recs = append(e.recs, r)
}

// The cursor, as auparse's.

func (e *normEvent) firstRecord() {
	e.rec = 0
	if len(e.recs) > 0 {
		e.recs[0].cur = 0
	}
}

func (e *normEvent) nextRecord() bool {
	if e.rec < 0 {
		return false
	}
	e.rec++
	if e.rec >= len(e.recs) {
		e.rec = -1
		return false
	}
	return true
}

func (e *normEvent) gotoRecord(n int) bool {
	if n >= len(e.recs) {
		return false
	}
	e.rec = n
	e.recs[n].cur = 0
	return true
}

func (e *normEvent) firstField() {
	if e.rec >= 0 {
		e.recs[e.rec].cur = 0
	}
}

func (e *normEvent) nextField() bool {
	if e.rec < 0 {
		return false
	}
	r := &e.recs[e.rec]
	if len(r.fields) > 0 && r.cur < len(r.fields)-1 {
		r.cur++
		return true
	}
	return false
}

func (e *normEvent) gotoField(n int) bool {
	if e.rec < 0 || n >= len(e.recs[e.rec].fields) {
		return false
	}
	e.recs[e.rec].cur = n
	return true
}

func (e *normEvent) field() (nField, bool) {
	if e.rec < 0 {
		return nField{}, false
	}
	r := &e.recs[e.rec]
	if r.cur >= len(r.fields) {
		return nField{}, false
	}
	return r.fields[r.cur], true
}

// find is auparse_find_field: the current field if it has the name, else
// the next one after it, in this record or the following ones.
func (e *normEvent) find(name string) (string, bool) {
	if f, ok := e.field(); ok && f.name == name {
		return f.val, true
	}
	if e.rec < 0 {
		return "", false
	}
	r := &e.recs[e.rec]
	if len(r.fields) == 0 || r.cur >= len(r.fields)-1 {
		return "", false
	}
	r.cur++
	for {
		r := &e.recs[e.rec]
		for i := r.cur; i < len(r.fields); i++ {
			if r.fields[i].name == name {
				r.cur = i
				return r.fields[i].val, true
			}
		}
		if !e.nextRecord() {
			return "", false
		}
		e.recs[e.rec].cur = 0
	}
}

func (e *normEvent) recordNum() int { return max(e.rec, 0) }

func (e *normEvent) fieldNum() int {
	if e.rec < 0 {
		return 0
	}
	return e.recs[e.rec].cur
}

func (e *normEvent) typ() uint32 {
	if e.rec < 0 {
		return 0
	}
	return e.recs[e.rec].typ
}

// here is the cursor's position as normalize.c stores it.
func (e *normEvent) here() loc { return loc{rec: e.recordNum(), fld: e.fieldNum(), set: true} }

// fieldInt is auparse_get_field_int: strtol, cut to a C int.
func (e *normEvent) fieldInt() int32 {
	f, ok := e.field()
	if !ok {
		return -1
	}
	return cStrtolInt(f.val)
}

func cStrtolInt(s string) int32 {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var v uint64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + uint64(s[i]-'0')
		if v > 1<<63 {
			// ERANGE: auparse_get_field_int returns -1.
			return -1
		}
	}
	if neg {
		v = -v
	}
	return int32(uint32(v))
}

// interp is auparse_interpret_field.
func (e *normEvent) interp() string {
	f, ok := e.field()
	if !ok {
		return ""
	}
	r := &e.recs[e.rec]
	v, _ := interpret.Field(&r.ctx, f.name, f.val)
	return v
}

// fieldKindUID is auparse's AUPARSE_TYPE_UID test.
func (e *normEvent) fieldIsUID() bool {
	f, ok := e.field()
	if !ok {
		return false
	}
	switch f.name {
	case "id":
		t := e.typ()
		return t != tAddGroup && t != tGrpMgmt && t != tDelGroup
	case "auid", "uid", "euid", "suid", "fsuid", "ouid", "oauid", "old-auid", "iuid",
		"inode_uid", "sauid", "obj_uid":
		return true
	}
	return false
}

func (e *normEvent) fieldIsFile() bool {
	f, ok := e.field()
	return ok && f.name == "name" && e.typ() != tKernModule
}

func (e *normEvent) fieldIsSockaddr() bool {
	f, ok := e.field()
	t := e.typ()
	return ok && f.name == "saddr" && t != tAVC && t != tNetfilterPkt
}

// realpath is auparse_interpret_realpath: a file name joined to the
// event's cwd and cleaned as auparse's path_norm does.
func (e *normEvent) realpath() string {
	f, _ := e.field()
	r := &e.recs[e.rec]
	name, _ := interpret.Field(&r.ctx, f.name, f.val)
	if e.cwd == "" {
		return name
	}
	var full string
	if !strings.HasPrefix(name, "/") {
		cctx := interpret.Context{RecordType: tCwd}
		cwd, _ := interpret.Field(&cctx, "cwd", e.cwd)
		full = cwd + "/" + name
	} else {
		if !strings.Contains(name, "..") {
			return name
		}
		full = name
	}
	return pathNorm(full)
}

// pathNorm is auparse's path_norm (after glibc's realpath, without
// looking at the file system), quirks included: a ".." moves the write
// position back without cutting the string, so a path ending in ".."
// keeps its last component ("/a/b/.." gives "/a/b"). auparse writes into
// a static buffer, which a path without any component ("/") returns
// unchanged from the previous call; here that is "".
func pathNorm(name string) string {
	if name == "" {
		return ""
	}
	if name[0] == '.' {
		return name
	}
	buf := make([]byte, len(name)+3) // buf[0] is C's dest[-1]
	dest := 1
	for start := 0; start < len(name); {
		for start < len(name) && name[start] == '/' {
			start++
		}
		end := start
		for end < len(name) && name[end] != '/' {
			end++
		}
		comp := name[start:end]
		start = end
		switch {
		case comp == "":
		case comp == ".":
		case comp == "..":
			if dest > 2 {
				for {
					dest--
					if buf[dest-1] == '/' {
						break
					}
				}
			}
		default:
			if buf[dest-1] != '/' {
				buf[dest] = '/'
				dest++
			}
			dest += copy(buf[dest:], comp)
			buf[dest] = 0
		}
		if comp == "" {
			break
		}
	}
	out := buf[1:]
	if i := bytes.IndexByte(out, 0); i >= 0 {
		out = out[:i]
	}
	return string(out)
}

// sockPart is auparse_interpret_sock_parts: the word after part in the
// interpreted socket address, or "" with false.
func (e *normEvent) sockPart(part string) (string, bool) {
	v := e.interp()
	i := strings.Index(v, part)
	if i < 0 {
		return "", false
	}
	v = v[i+len(part):]
	sp := strings.IndexByte(v, ' ')
	if sp < 0 {
		return "", false
	}
	return v[:sp], true
}

// loc is a field position of normalize.c (record, field), set or not.
type loc struct {
	rec, fld int
	set      bool
}

// normalized is auparse's normalize_data.
type normalized struct {
	evkind                            string
	session, subjPrime, subjSec       loc
	subjKind                          string
	action                            string
	objPrime, objSec, objTwo, results loc
	objKind                           string
	how                               string
	hasHow                            bool
	key                               loc
	syscallSuccess                    int
	subjAttrs, objAttrs               []loc
}

// seek is seek_field: it moves the cursor to l and reports whether it
// could.
func (e *normEvent) seek(l loc) bool {
	if !l.set {
		return false
	}
	if !e.gotoRecord(l.rec) {
		return false
	}
	return e.gotoField(l.fld)
}

// userIDResolver is a Resolver that also reads names back to uids, as
// getpwnam does; without it the normaliser asks os/user.
type userIDResolver interface {
	UserID(name string) (uint32, bool)
}

type normalizer struct {
	e   *normEvent
	res interpret.Resolver
	d   normalized
	// all is auparse's NORM_OPT_ALL (csv --extra-labels): it collects the
	// subject's and object's attributes, which moves the cursor, so it
	// changes more than the label columns.
	all bool
	// users caches getpwnam, which set_subject_what calls for acct=.
	users map[string]int64
}

func (n *normalizer) setHow(s string) { n.d.how, n.d.hasHow = s, true }

func (n *normalizer) uidOf(name string) (int64, bool) {
	if v, ok := n.users[name]; ok {
		return v, v >= 0
	}
	if n.users == nil {
		n.users = map[string]int64{}
	}
	v := int64(-1)
	if r, ok := n.res.(userIDResolver); ok {
		if id, found := r.UserID(name); found {
			v = int64(id)
		}
	} else if u, err := user.Lookup(name); err == nil {
		if id, err := strconv.ParseInt(u.Uid, 10, 64); err == nil {
			v = id
		}
	}
	n.users[name] = v
	return v, v >= 0
}

func (n *normalizer) setSubjectWhat() bool {
	e := n.e
	var uid int32
	if e.fieldIsUID() {
		uid = e.fieldInt()
	} else {
		f, ok := e.field()
		if !ok || f.name != "acct" {
			n.d.subjKind = "unknown-acct"
			return true
		}
		acct := e.interp()
		id, found := n.uidOf(acct)
		if !found {
			n.d.subjKind = "unknown-acct"
			return true
		}
		uid = int32(uint32(id))
	}
	switch {
	case uid == 0:
		n.d.subjKind = "privileged-acct"
	case uint32(uid) == 4294967295:
		n.d.subjKind = "unset-acct"
	case uid < 1000:
		n.d.subjKind = "service-acct"
	case uid < 60000:
		n.d.subjKind = "user-acct"
	default:
		n.d.subjKind = "unknown-acct"
	}
	return false
}

// at returns the cursor position in record rnum, as the set_* helpers
// store it.
func (n *normalizer) at(rnum int) loc { return loc{rec: rnum, fld: n.e.fieldNum(), set: true} }

func (n *normalizer) setPrimeSubject(name string, rnum int) bool {
	if _, ok := n.e.find(name); ok {
		n.d.subjPrime = n.at(rnum)
		return false
	}
	return true
}

func (n *normalizer) setSecondarySubject(name string, rnum int) bool {
	if _, ok := n.e.find(name); ok {
		n.d.subjSec = n.at(rnum)
		return n.setSubjectWhat()
	}
	return true
}

func (n *normalizer) setPrimeObject(name string, rnum int) bool {
	if _, ok := n.e.find(name); ok {
		n.d.objPrime = n.at(rnum)
		return false
	}
	return true
}

func (n *normalizer) setPrimeObject2(name string, adjust int) bool {
	rnum := 2 + adjust
	n.e.gotoRecord(rnum)
	n.e.firstField()
	if _, ok := n.e.find(name); ok {
		n.d.objTwo = n.at(rnum)
		return false
	}
	return true
}

func (n *normalizer) addSession(rnum int) bool {
	if _, ok := n.e.find("ses"); ok {
		n.d.session = n.at(rnum)
		return false
	}
	n.e.firstRecord()
	return true
}

func (n *normalizer) addSubjAttr(name string, rnum int) bool {
	if _, ok := n.e.find(name); ok {
		n.d.subjAttrs = append(n.d.subjAttrs, n.at(rnum))
		return false
	}
	n.e.gotoRecord(rnum)
	return true
}

func (n *normalizer) addObjAttr(name string, rnum int) bool {
	if _, ok := n.e.find(name); ok {
		n.d.objAttrs = append(n.d.objAttrs, n.at(rnum))
		return false
	}
	n.e.gotoRecord(rnum)
	return true
}

func (n *normalizer) collectSimpleSubjAttr() {
	if !n.all {
		return
	}
	n.e.firstRecord()
	n.addSubjAttr("pid", 0)
	n.addSubjAttr("subj", 0)
}

func (n *normalizer) collectUserspaceSubjAttr(t uint32) {
	if !n.all {
		return
	}
	n.addSubjAttr("hostname", 0)
	n.addSubjAttr("addr", 0)
	if t != tUserStart && t != tUserEnd && t != tUserErr {
		n.addSubjAttr("terminal", 0)
	}
}

// collectPathAttrs is collect_path_attrs: mode and every field after it.
func (n *normalizer) collectPathAttrs() {
	e := n.e
	rnum := e.recordNum()
	e.firstField()
	if n.addObjAttr("mode", rnum) {
		return
	}
	for e.nextField() {
		n.d.objAttrs = append(n.d.objAttrs, n.at(rnum))
	}
}

// simpleFileAttr is simple_file_attr: the attributes of the first PATH
// record that is not a PARENT (else of the first PARENT), and of CWD and
// SOCKADDR records before it.
func (n *normalizer) simpleFileAttr() {
	if !n.all {
		return
	}
	e := n.e
	parent := 0
	e.firstRecord()
	for ok := true; ok; ok = e.nextRecord() {
		switch e.typ() {
		case tPath:
			if f, found := e.find("nametype"); found && f == "PARENT" {
				if parent == 0 {
					parent = e.recordNum()
				}
				continue
			}
			n.collectPathAttrs()
			return
		case tCwd:
			n.addObjAttr("cwd", e.recordNum())
		case tSockaddr:
			n.addObjAttr("saddr", e.recordNum())
		}
	}
	if parent != 0 {
		e.gotoRecord(parent)
		n.collectPathAttrs()
	}
}

func (n *normalizer) setResults(rnum int) bool {
	if _, ok := n.e.find("res"); ok {
		n.d.results = n.at(rnum)
		return false
	}
	return true
}

// syscallSubjAttr, with NORM_OPT_NO_ATTRS, only finds the session.
func (n *normalizer) syscallSubjAttr() {
	e := n.e
	e.firstRecord()
	for {
		if e.typ() == tSyscall {
			rnum := e.recordNum()
			if !n.all {
				n.addSession(rnum)
				return
			}
			for _, name := range []string{"ppid", "pid", "gid", "euid", "suid", "fsuid", "egid", "sgid", "fsgid", "tty"} {
				n.addSubjAttr(name, rnum)
			}
			n.addSession(rnum)
			n.addSubjAttr("subj", rnum)
			return
		}
		if !e.nextRecord() {
			return
		}
	}
}

func (n *normalizer) collectPermObj2(syscall string) {
	val := "a1"
	if syscall == "fchmodat" {
		val = "a2"
	}
	n.e.firstRecord()
	if _, ok := n.e.find(val); ok {
		n.d.objTwo = n.at(0)
	}
}

func (n *normalizer) collectOwnObj2(syscall string) {
	val := "a1"
	if syscall == "fchownat" {
		val = "a2"
	}
	e := n.e
	e.firstRecord()
	if _, ok := e.find(val); ok {
		if f, _ := e.field(); cStrtolInt(f.val) == -1 && isCNumber(f.val) {
			e.nextField()
		}
		n.d.objTwo = n.at(0)
	}
}

// isCNumber tells whether strtol leaves errno 0, for the -1 test above:
// it does unless the value overflows.
func isCNumber(s string) bool { return cStrtolInt(s) != -1 || strings.TrimSpace(s) == "-1" }

func (n *normalizer) collectIDObj2(syscall string) {
	limit := 0
	switch syscall {
	case "setuid", "setgid":
		limit = 1
	case "setreuid", "setregid":
		limit = 2
	case "setresuid", "setresgid":
		limit = 3
	default:
		return
	}
	e := n.e
	e.firstRecord()
	if _, ok := e.find("a0"); !ok {
		return
	}
	for cnt := 1; cnt <= limit; {
		if e.interp() != "unset" {
			break
		}
		if cnt < limit {
			if !e.nextField() {
				return
			}
			cnt++
		} else {
			return
		}
	}
	n.d.objTwo = n.at(0)
}

func (n *normalizer) setFileObject(adjust int) {
	e := n.e
	e.gotoRecord(2 + adjust)
	e.firstField()
	parent := 0
	var found bool
	for {
		var f string
		f, found = e.find("nametype")
		if found {
			if f != "PARENT" {
				break
			}
			if parent == 0 {
				parent = e.recordNum()
			}
		}
		if !found || !e.nextRecord() {
			break
		}
	}
	var rnum int
	if !found {
		if parent == 0 {
			return
		}
		e.gotoRecord(parent)
		e.firstField()
		rnum = parent
	} else {
		rnum = e.recordNum()
	}
	if e.typ() != tPath {
		return
	}
	e.firstField()
	n.setPrimeObject("name", rnum)
	if _, ok := e.find("inode"); ok {
		n.d.objSec = n.at(rnum)
	}
	if f, ok := e.find("mode"); ok {
		if mode, err := strconv.ParseUint(f, 8, 32); err == nil || f == "" {
			switch mode & 0o170000 {
			case 0o100000:
				n.d.objKind = "file"
			case 0o040000:
				n.d.objKind = "directory"
			case 0o020000:
				n.d.objKind = "character-device"
			case 0o060000:
				n.d.objKind = "block-device"
			case 0o010000:
				n.d.objKind = "fifo"
			case 0o120000:
				n.d.objKind = "symlink"
			case 0o140000:
				n.d.objKind = "socket"
			}
		}
	}
}

func (n *normalizer) setSocketObject() {
	n.e.gotoRecord(1)
	n.e.firstField()
	n.setPrimeObject("saddr", 1)
}

func isScriptInterpreter(exe string) bool {
	for _, p := range []string{"/usr/bin/python", "/usr/bin/sh", "/usr/bin/bash", "/usr/bin/perl"} {
		if strings.HasPrefix(exe, p) {
			return true
		}
	}
	return false
}

func (n *normalizer) setProgramObj() bool {
	e := n.e
	e.firstRecord()
	switch e.typ() {
	case tBPF:
		if _, ok := e.find("prog-id"); ok {
			n.d.objPrime = e.here()
		}
	case tEventListener:
		if _, ok := e.find("nl-mcgrp"); ok {
			n.d.objPrime = e.here()
		}
	default:
		if _, ok := e.find("exe"); ok {
			if isScriptInterpreter(e.interp()) {
				if fnum := e.fieldNum(); fnum > 0 {
					e.gotoField(fnum - 1)
				} else {
					e.firstRecord()
				}
				e.find("comm")
			}
			n.d.objPrime = e.here()
			return false
		}
	}
	return true
}

var syscallKinds = map[string]int{}

const (
	normUnknown = iota
	normFile
	normFileChattr
	normFileChperm
	normFileChown
	normFileLdmod
	normFileUnldmod
	normFileDir
	normFileMount
	normFileRename
	normFileStat
	normFileLnk
	normFileUmnt
	normFileDel
	normFileTime
	normExec
	normSocketAccept
	normSocketBind
	normSocketConn
	normSocketRecv
	normSocketSend
	normPID
	normMAC
	normMACLoad
	normMACConfig
	normMACEnforce
	normMACErr
	normIPTables
	normPromiscuous
	normUID
	normGID
	normSystemTime
	normMakeDev
	normSystemName
	normFileSysStat
	normSystemMemory
	normScheduler
	normAV
	normBPF
	normEvListen
)

func init() {
	for kind, names := range map[int]string{
		normFileStat:     "access faccessat faccessat2 newfstatat stat fstat lstat stat64 statx",
		normFileChperm:   "chmod fchmod fchmodat",
		normFileChown:    "chown fchown fchownat lchown",
		normFileLdmod:    "finit_module init_module",
		normFileUnldmod:  "delete_module",
		normFileChattr:   "setxattr fsetxattr lsetxattr removexattr fremovexattr lremovexattr",
		normFileDir:      "mkdir mkdirat",
		normFileMount:    "mount move_mount fsmount fspick",
		normFileSysStat:  "statfs fstatfs",
		normFile:         "creat fallocate truncate ftruncate memfd_create open openat openat2 readlink readlinkat",
		normFileRename:   "rename renameat renameat2",
		normFileDel:      "rmdir unlink unlinkat",
		normFileLnk:      "symlink symlinkat",
		normFileUmnt:     "umount umount2",
		normFileTime:     "utime utimes futimesat utimensat",
		normExec:         "execve execveat",
		normSocketAccept: "accept accept4",
		normSocketBind:   "bind",
		normSocketConn:   "connect",
		normSocketRecv:   "recvfrom recvmsg",
		normSocketSend:   "sendmsg sendto",
		normPID:          "kill tkill tgkill",
		normUID:          "setuid seteuid setfsuid setreuid setresuid",
		normGID:          "setgid setegid setfsgid setregid setresgid",
		normSystemTime:   "settimeofday clock_settime stime adjtimex",
		normMakeDev:      "mknod mknodat",
		normSystemName:   "sethostname setdomainname",
		normSystemMemory: "mmap brk",
		normScheduler:    "sched_setparam sched_setscheduler sched_setattr",
	} {
		for _, s := range strings.Fields(names) {
			syscallKinds[s] = kind
		}
	}
}

// recordActions is normalize_record_map.h of auparse 3.0.9.
var recordActions = map[uint32]string{}

func init() {
	for name, act := range map[string]string{
		"USER": "sent-message", "LOGIN": "changed-login-id-to", "USER_AUTH": "authenticated", "USER_ACCT": "was-authorized", "USER_MGMT": "modified-user-account", "CRED_ACQ": "acquired-credentials", "CRED_DISP": "disposed-credentials", "USER_START": "started-session", "USER_END": "ended-session", "USER_AVC": "accessed-mac-policy-controlled-object", "USER_CHAUTHTOK": "changed-password", "USER_ERR": "caused-account-error", "CRED_REFR": "refreshed-credentials", "USYS_CONFIG": "changed-configuration",
		"USER_LOGIN": "logged-in", "USER_LOGOUT": "logged-out", "ADD_USER": "added-user-account", "DEL_USER": "deleted-user-account", "ADD_GROUP": "added-group-account-to", "DEL_GROUP": "deleted-group-account-from",
		"DAC_CHECK": "access-result", "CHGRP_ID": "changed-group", "TEST": "sent-test", "TRUSTED_APP": "unknown",
		"USER_SELINUX_ERR": "access-error", "USER_CMD": "ran-command", "USER_TTY": "typed", "CHUSER_ID": "changed-user-id", "GRP_AUTH": "authenticated-to-group", "SYSTEM_BOOT": "booted-system", "SYSTEM_SHUTDOWN": "shutdown-system", "SYSTEM_RUNLEVEL": "changed-to-runlevel", "SERVICE_START": "started-service",
		"SERVICE_STOP": "stopped-service", "GRP_MGMT": "modified-group-account", "GRP_CHAUTHTOK": "changed-group-password", "MAC_CHECK": "mac-permission", "ACCT_LOCK": "locked-account", "ACCT_UNLOCK": "unlocked-account", "USER_DEVICE": "configured-device", "SOFTWARE_UPDATE": "installed-software",
		"DAEMON_START": "started-audit", "DAEMON_END": "shutdown-audit", "DAEMON_ABORT": "aborted-auditd-startup",
		"DAEMON_CONFIG": "changed-auditd-configuration", "DAEMON_RECONFIG": "reconfigured-auditd", "DAEMON_ROTATE": "rotated-audit-logs", "DAEMON_RESUME": "resumed-audit-logging", "DAEMON_ACCEPT": "remote-audit-connected",
		"DAEMON_CLOSE": "remote-audit-disconnected", "DAEMON_ERR": "audit-error", "CONFIG_CHANGE": "changed-audit-configuration", "TTY": "typed", "SECCOMP": "called-seccomp-controlled-syscall",
		"FEATURE_CHANGE": "changed-audit-feature", "KERN_MODULE": "loaded-kernel-module", "FANOTIFY": "accessed-policy-controlled-file", "AVC": "accessed-mac-policy-controlled-object", "MAC_POLICY_LOAD": "loaded-selinux-policy", "MAC_STATUS": "changed-selinux-enforcement-to", "MAC_CONFIG_CHANGE": "changed-selinux-boolean", "MAC_MAP_ADD": "added-mac-network-domain-mapping-to", "MAC_MAP_DEL": "deleted-mac-network-domain-mapping-from", "ANOM_PROMISCUOUS": "changed-socket-promiscuous-mode",
		"ANOM_ABEND": "crashed-program", "ANOM_LINK": "used-suspcious-link", "ANOM_CREAT": "created-suspicious-file",
		"KERNEL": "initialized-audit-subsystem", "ANOM_LOGIN_FAILURES": "failed-log-in-too-many-times-to",
		"ANOM_LOGIN_TIME": "attempted-log-in-during-unusual-hour-to", "ANOM_LOGIN_SESSIONS": "opened-too-many-sessions-to", "ANOM_LOGIN_LOCATION": "attempted-log-in-from-unusual-place-to",
		"ANOM_RBAC_INTEGRITY_FAIL": "tested-file-system-integrity-of", "ANOM_EXEC": "attempted-execution-of-forbidden-program", "USER_ROLE_CHANGE": "changed-role-to", "ROLE_ASSIGN": "assigned-user-role-to", "ROLE_REMOVE": "removed-use-role-from", "LABEL_OVERRIDE": "overrode-label-of",
		"LABEL_LEVEL_CHANGE": "modified-level-of", "FS_RELABEL": "relabeled-filesystem", "USER_MAC_POLICY_LOAD": "loaded-mac-policy", "ROLE_MODIFY": "modified-role", "USER_MAC_CONFIG_CHANGE": "changed-mac-configuration",
		"USER_MAC_STATUS": "changed-selinux-enforcement-to", "CRYPTO_LOGIN": "crypto-officer-logged-in",
		"CRYPTO_LOGOUT": "crypto-officer-logged-out", "CRYPTO_KEY_USER": "negotiated-crypto-key", "CRYPTO_SESSION": "started-crypto-session", "VIRT_CONTROL": "issued-vm-control", "VIRT_RESOURCE": "assigned-vm-resource",
		"VIRT_MACHINE_ID": "assigned-vm-id", "VIRT_INTEGRITY_CHECK": "checked-integrity-of", "VIRT_CREATE": "created-vm-image", "VIRT_DESTROY": "deleted-vm-image", "VIRT_MIGRATE_IN": "migrated-vm-from",
		"VIRT_MIGRATE_OUT": "migrated-vm-to",
	} {
		if t, ok := abi.MsgTypeByName(name); ok {
			recordActions[t] = act
		}
	}
	// libaudit's name table has no DAEMON_RECONFIG; its number is fixed.
	recordActions[1204] = "reconfigured-auditd"
}

func (n *normalizer) normalizeSyscall(syscall string) {
	e := n.e
	objtype, tmpKind := normUnknown, normUnknown
	var ttype uint32
	e.firstRecord()
scan:
	for ok := true; ok; ok = e.nextRecord() {
		ttype = e.typ()
		switch ttype {
		case tAVC:
			tmpKind = normMAC
		case tSelinuxErr:
			objtype = normMACErr
		case tNetfilterCfg:
			objtype = normIPTables
		case tAnomPromiscuous:
			objtype = normPromiscuous
		case tKernModule:
			objtype = normFileLdmod
		case tMacPolicyLoad:
			objtype = normMACLoad
		case tMacStatus:
			objtype = normMACEnforce
		case tMacConfigChange:
			objtype = normMACConfig
		case tFanotify:
			tmpKind = normAV
		case tTimeInjoffset, tTimeAdjntpval:
			objtype = normSystemTime
		case tBPF:
			objtype = normBPF
		case tEventListener:
			objtype = normEvListen
		default:
			continue
		}
		break scan
	}
	if objtype == normUnknown {
		if k, ok := syscallKinds[syscall]; ok {
			objtype = k
		}
	}
	act := ""
	offset := 0
	fileAttrs := false // simple_file_attr follows set_file_object
	fileObj := func(a, what string, adjust int) {
		act = a
		n.d.objKind = what
		n.setFileObject(adjust)
		fileAttrs = true
	}
	setHere := func(l *loc) { *l = loc{rec: e.recordNum(), fld: e.fieldNum(), set: true} }
	switch objtype {
	case normFile:
		act = "opened-file"
		n.setFileObject(0)
		n.d.objKind = "file"
		fileAttrs = true
	case normFileChattr:
		if syscall == "fsetxattr" {
			offset = -1
		}
		fileObj("changed-file-attributes-of", "file", offset)
	case normFileChperm:
		if syscall == "fchmod" {
			offset = -1
		}
		act, n.d.objKind = "changed-file-permissions-of", "file"
		n.collectPermObj2(syscall)
		n.setFileObject(offset)
		fileAttrs = true
	case normFileChown:
		if syscall == "fchown" {
			offset = -1
		}
		act, n.d.objKind = "changed-file-ownership-of", "file"
		n.collectOwnObj2(syscall)
		n.setFileObject(offset)
		fileAttrs = true
	case normFileLdmod:
		act, n.d.objKind = "loaded-kernel-module", "file"
		e.gotoRecord(1)
		n.setPrimeObject("name", 1)
	case normFileUnldmod:
		act, n.d.objKind = "unloaded-kernel-module", "file"
	case normFileDir:
		fileObj("created-directory", "file", 1)
	case normFileMount:
		act, n.d.objKind = "mounted", "file-system"
		if n.d.syscallSuccess == 1 {
			n.setPrimeObject2("name", 0)
		}
		n.setFileObject(n.d.syscallSuccess)
		n.collectPathAttrs()
	case normFileRename:
		act, n.d.objKind = "renamed", "file"
		n.setPrimeObject2("name", 4)
		n.setFileObject(2)
		fileAttrs = true
	case normFileStat:
		fileObj("checked-metadata-of", "file", 0)
	case normFileSysStat:
		fileObj("checked-filesystem-metadata-of", "file-system", 0)
	case normFileLnk:
		act, n.d.objKind = "symlinked", "file"
		n.setPrimeObject2("name", 0)
		n.setFileObject(2)
		fileAttrs = true
	case normFileUmnt:
		fileObj("unmounted", "file-system", 0)
	case normFileDel:
		fileObj("deleted", "file", 0)
	case normFileTime:
		fileObj("changed-timestamp-of", "file", 0)
	case normExec:
		fileObj("executed", "file", 1)
	case normSocketAccept, normSocketBind, normSocketConn, normSocketRecv, normSocketSend:
		act = map[int]string{normSocketAccept: "accepted-connection-from", normSocketBind: "bound-socket",
			normSocketConn: "connected-to", normSocketRecv: "received-from", normSocketSend: "sent-to"}[objtype]
		n.d.objKind = "socket"
		n.setSocketObject()
	case normPID:
		act = "killed-pid"
		if len(e.recs) > 2 {
			act = "killed-list-of-pids"
		}
		e.gotoRecord(1)
		e.firstField()
		if _, ok := e.find("saddr"); ok {
			setHere(&n.d.objPrime)
		}
		n.d.objKind = "process"
	case normMACLoad:
		act, n.d.objKind = recordActions[ttype], "mac-config"
	case normMACConfig, normMACEnforce:
		act = recordActions[ttype]
		name := "bool"
		if objtype == normMACEnforce {
			name = "enforcing"
		}
		if _, ok := e.find(name); ok {
			setHere(&n.d.objPrime)
		}
		n.d.objKind = "mac-config"
	case normMACErr:
		act, n.d.objKind = "caused-mac-policy-error", "system"
	case normIPTables:
		act = "loaded-firewall-rule-to"
		e.firstRecord()
		if _, ok := e.find("table"); ok {
			setHere(&n.d.objPrime)
		}
		n.d.objKind = "firewall"
	case normPromiscuous:
		e.firstRecord()
		if _, ok := e.find("dev"); ok {
			setHere(&n.d.objPrime)
		}
		if _, ok := e.find("prom"); ok {
			if e.fieldInt() == 0 {
				act = "left-promiscuous-mode-on-device"
			} else {
				act = "entered-promiscuous-mode-on-device"
			}
		}
		n.d.objKind = "socket"
	case normUID, normGID:
		act, n.d.objKind = "changed-identity-of", "process"
		n.setProgramObj()
		if n.d.hasHow {
			n.setHow(syscall)
		}
		n.collectIDObj2(syscall)
	case normSystemTime:
		act, n.d.objKind = "changed-system-time", "system"
	case normMakeDev:
		n.setFileObject(0)
		n.simpleFileAttr()
		switch n.d.objKind {
		case "character-device":
			act = "made-character-device"
		case "block-device":
			act = "made-block-device"
		default:
			act = "make-device"
		}
	case normSystemName:
		act, n.d.objKind = "changed-system-name", "system"
	case normSystemMemory:
		act = "allocated-memory"
		if n.d.syscallSuccess == 1 {
			act = "allocated-memory-in"
			e.firstRecord()
			if _, ok := e.find("comm"); ok {
				setHere(&n.d.objPrime)
			}
		}
		n.d.objKind = "memory"
	case normScheduler:
		act, n.d.objKind = "adjusted-scheduling-policy-of", "process"
		n.setProgramObj()
		if n.d.hasHow {
			n.setHow(syscall)
		}
	case normBPF, normEvListen:
		e.firstRecord()
		if objtype == normBPF {
			act = "bpf-program"
			if f, ok := e.find("op"); ok {
				act = "unloaded-bpf-program"
				if f == "LOAD" {
					act = "loaded-bpf-program"
				}
			}
			n.d.objKind = "process"
		} else {
			act = "connected"
			if f, ok := e.find("op"); ok {
				act = "disconnected-from"
				if f == "connect" {
					act = "connected-to"
				}
			}
			n.d.objKind = "socket"
		}
		n.setProgramObj()
	default:
		e.firstRecord()
		if k, ok := e.find("key"); ok && k != "(null)" {
			act = "triggered-audit-rule"
			setHere(&n.d.objPrime)
		} else {
			act = "triggered-unknown-audit-rule"
		}
		n.d.objKind = "admin-defined-rule"
	}
	if fileAttrs {
		n.simpleFileAttr()
	}
	switch tmpKind {
	case normMAC:
		act = "accessed-mac-policy-controlled-object"
	case normAV:
		act = "accessed-policy-controlled-file"
	}
	n.d.action = act
}

func inRange(t, lo, hi uint32) bool { return t >= lo && t <= hi }

// eventKind is normalize_determine_evkind.
func eventKind(t uint32) string {
	switch {
	case inRange(t, tUserAuth, tUserAcct), inRange(t, tCredAcq, tUserEnd),
		inRange(t, tUserChauthtok, tCredRefr), inRange(t, tUserLogin, tUserLogout), t == tLogin:
		return "user-login"
	case t == tGrpAuth, t == tChgrpID:
		return "group-change"
	case t == tUserMgmt, inRange(t, tAddUser, tDelGroup), inRange(t, tGrpMgmt, tGrpChauthtok),
		inRange(t, tAcctLock, tAcctUnlock):
		return "user-account"
	case t == tKernel, inRange(t, tSystemBoot, tServiceStop):
		return "system-services"
	case t == tUsysConfig, t == tConfigChange, t == tNetfilterCfg, t == tFeatureChange,
		t == tTimeInjoffset, t == tTimeAdjntpval, t == tUserDevice, t == tSoftwareUpdate:
		return "configuration"
	case t == tSeccomp:
		return "dac-decision"
	case inRange(t, tTest, tTrustedApp), t == tUserCmd, t == tChuserID:
		return "user-space"
	case t == tUserTTY, t == tTTY:
		return "TTY"
	case t == tEventListener, inRange(t, 1200, 1299):
		return "audit-daemon"
	case t == tUserSelinuxErr, t == tUserAvc, inRange(t, tAAAllowed, tAADenied), t == tAAError,
		inRange(t, tAVC, tAVCPath):
		return "mac-decision"
	case inRange(t, 1800, 1899), t == tAnomRbacIntFail:
		return "integrity"
	case inRange(t, 1700, 1799), inRange(t, 2100, tAnomRbacFail), inRange(t, tAnomCryptoFail, 2199):
		return "anomaly"
	case inRange(t, 2200, 2299):
		return "anomaly-response"
	case inRange(t, tMacPolicyLoad, 1499), inRange(t, tAA, tAAAudit), inRange(t, tAAHint, tAAStatus),
		inRange(t, 2300, 2399):
		return "mac"
	case inRange(t, 1600, 1699), inRange(t, 2400, 2499):
		return "crypto"
	case inRange(t, 2500, 2599):
		return "virt"
	case inRange(t, tSyscall, tSocketcall), inRange(t, tSockaddr, tMqGetsetattr),
		inRange(t, tFdPair, tObjPID), inRange(t, tBprmFcaps, tNetfilterPkt):
		return "audit-rule"
	case t == tFanotify:
		return "av-decision"
	case t == tBPF:
		return "bpf-program"
	}
	return "unknown"
}

func (n *normalizer) findConfigChangeObject() bool {
	e := n.e
	e.firstRecord()
	if _, ok := e.find("key"); ok {
		if f, _ := e.field(); f.val != "(null)" {
			return true
		}
	}
	for _, name := range []string{"audit_enabled", "audit_pid", "audit_backlog_limit", "audit_failure", "actions"} {
		e.firstRecord()
		if _, ok := e.find(name); ok {
			return true
		}
	}
	return false
}

// findSimpleObject is find_simple_object: note that it always names
// record 0, whichever record the field was found in.
func (n *normalizer) findSimpleObject(t uint32) loc {
	e := n.e
	e.firstField()
	found := false
	find := func(name string) { _, found = e.find(name) }
	switch t {
	case tServiceStart, tServiceStop:
		find("unit")
		n.d.objKind = "service"
	case tSystemRunlevel:
		find("new-level")
		n.d.objKind = "system"
	case tUserRoleChange:
		find("selected-context")
		n.d.objKind = "user-session"
	case tRoleAssign, tRoleRemove, tUserMgmt, tAcctLock, tAcctUnlock, tAddUser, tDelUser,
		tAddGroup, tDelGroup, tGrpMgmt:
		find("id")
		if !found {
			e.firstRecord()
			find("acct")
		}
		n.d.objKind = "account"
	case tUserStart, tUserEnd, tUserErr, tUserLogin, tUserLogout:
		find("terminal")
		n.d.objKind = "user-session"
	case tUserAuth, tUserAcct, tCredAcq, tCredRefr, tCredDisp, tUserChauthtok, tGrpChauthtok,
		tAnomLoginFail, tAnomLoginTime, tAnomLoginSess, tAnomLoginLoc:
		find("acct")
		n.d.objKind = "user-session"
	case tAnomExec, tUserCmd:
		find("cmd")
		n.d.objKind = "process"
	case tUserTTY, tTTY:
		e.firstRecord()
		find("data")
		n.d.objKind = "keystrokes"
	case tUserDevice:
		e.firstRecord()
		find("device")
		n.d.objKind = "keystrokes"
	case tSoftwareUpdate:
		e.firstRecord()
		find("sw")
		n.d.objKind = "software"
	case tVirtMachineID:
		find("vm")
		n.d.objKind = "virtual-machine"
	case tVirtResource:
		find("resrc")
		n.d.objKind = "virtual-machine"
	case tVirtControl:
		find("op")
		n.d.objKind = "virtual-machine"
	case tLabelLevel:
		find("printer")
		n.d.objKind = "printer"
	case tConfigChange:
		found = n.findConfigChangeObject()
		n.d.objKind = "audit-config"
	case tMacConfigChange:
		find("bool")
		n.d.objKind = "mac-config"
	case tMacStatus:
		find("enforcing")
		n.d.objKind = "mac-config"
	case tMacPolicyLoad, tLabelOverride:
		n.d.objKind = "mac-config"
	case tUser:
		find("addr")
	case tUsysConfig:
		find("op")
		if found {
			n.d.action = e.interp()
			found = false
		}
		n.d.objKind = "system"
	case tCryptoKeyUser:
		find("fp")
		n.d.objKind = "user-session"
	case tCryptoSession:
		find("addr")
		n.d.objKind = "user-session"
	case tAnomRbacIntFail:
		find("hostname")
		n.d.objKind = "file-system"
	default:
		if inRange(t, tDevAlloc, tUserMacConfig) {
			n.d.objKind = "mac-config"
		}
	}
	if found {
		return loc{rec: 0, fld: e.fieldNum(), set: true}
	}
	return loc{}
}

func (n *normalizer) findSimpleSecondary(t uint32, names map[uint32]string) loc {
	e := n.e
	e.firstField()
	name, ok := names[t]
	if !ok {
		return loc{}
	}
	if _, found := e.find(name); found {
		return loc{rec: 0, fld: e.fieldNum(), set: true}
	}
	return loc{}
}

// how sets the how from exe= (or comm= for a script interpreter), as
// normalize_compound and normalize_simple do.
func (n *normalizer) howFromExe(compound bool) bool {
	e := n.e
	if _, ok := e.find("exe"); !ok {
		return false
	}
	n.setHow(e.interp())
	if isScriptInterpreter(n.d.how) {
		fnum := e.fieldNum()
		moved := fnum > 0 && e.gotoField(fnum-1)
		if compound && !moved || !compound && fnum <= 0 {
			e.firstRecord()
		}
		if _, ok := e.find("comm"); ok {
			n.setHow(e.interp())
		}
	}
	return true
}

func (n *normalizer) compound() bool {
	e := n.e
	otype := e.typ()
	t := otype
	if t != tSyscall {
		for {
			if !e.nextRecord() {
				return false
			}
			t = e.typ()
			if t == 0 || t == tSyscall {
				break
			}
		}
	}
	if t == 0 {
		return false
	}
	n.d.evkind = eventKind(otype)
	recno := e.recordNum()
	syscall := ""
	if _, ok := e.find("syscall"); ok {
		syscall = e.interp()
	}
	back := func() bool {
		if !e.gotoRecord(recno) {
			return false
		}
		e.firstField()
		return true
	}
	if f, ok := e.find("success"); ok {
		n.d.syscallSuccess = 1
		if f == "no" {
			n.d.syscallSuccess = 0
		}
		n.d.results = n.at(recno)
	} else if !back() {
		return false
	}
	if n.setPrimeSubject("auid", recno) && !back() {
		return false
	}
	if n.setSecondarySubject("uid", recno) && !back() {
		return false
	}
	n.syscallSubjAttr()
	e.firstField()
	if !n.howFromExe(true) && !back() {
		return false
	}
	if k, ok := e.find("key"); ok && k != "(null)" {
		n.d.key = n.at(recno)
	}
	switch otype {
	case tAnomLink:
		n.d.action = recordActions[otype]
	case tConfigChange:
		e.firstRecord()
		if _, ok := e.find("op"); ok {
			n.d.action = e.interp()
			n.d.objPrime = n.findSimpleObject(tConfigChange)
		}
	default:
		n.normalizeSyscall(syscall)
	}
	return true
}

func (n *normalizer) simple() bool {
	e := n.e
	t := e.typ()
	if t == tSyscall {
		return n.compound()
	}
	n.d.evkind = eventKind(t)
	switch {
	case t == tConfigChange || t == tFeatureChange || t == tSeccomp || t == tAnomAbend || t == tAnomPromiscuous:
		n.setPrimeSubject("auid", 0)
		n.addSession(0)
		n.collectSimpleSubjAttr()
		mapped := true
		if t == tConfigChange {
			e.firstField()
			if _, ok := e.find("op"); ok {
				str := strings.TrimPrefix(e.interp(), `"`)
				switch {
				case strings.HasPrefix(str, "add_rule"):
					n.d.action = "added-audit-rule"
					n.d.objPrime = n.findSimpleObject(t)
					mapped = false
				case strings.HasPrefix(str, "remove_rule"):
					n.d.action = "deleted-audit-rule"
					n.d.objPrime = n.findSimpleObject(t)
					mapped = false
				}
			}
		}
		if mapped {
			n.d.action = recordActions[t]
			if t == tConfigChange {
				n.d.objPrime = n.findSimpleObject(t)
			}
			e.firstRecord()
		}
		switch t {
		case tFeatureChange:
			e.firstField()
			if n.setSecondarySubject("uid", 0) {
				e.firstRecord()
			}
			if _, ok := e.find("exe"); ok {
				n.setHow(e.interp())
			}
			n.setPrimeObject("feature", 0)
			n.d.objKind = "system"
		case tSeccomp:
			e.firstField()
			if n.setSecondarySubject("uid", 0) {
				e.firstRecord()
			}
			if _, ok := e.find("exe"); ok {
				n.setHow(e.interp())
			}
			if n.setPrimeObject("syscall", 0) {
				e.firstRecord()
			}
			n.d.objKind = "process"
			if _, ok := e.find("code"); ok {
				n.d.results = n.at(0)
			}
			return true
		case tAnomAbend:
			e.firstField()
			if n.setSecondarySubject("uid", 0) {
				e.firstRecord()
			}
			if n.setPrimeObject("exe", 0) {
				e.firstRecord()
			}
			n.d.objKind = "process"
			if _, ok := e.find("sig"); ok {
				n.setHow(e.interp())
			}
		case tAnomPromiscuous:
			e.firstField()
			n.setPrimeObject("dev", 0)
			n.setSecondarySubject("uid", 0)
			n.d.objKind = "socket"
		}
		n.setResults(0)
		return true
	case t == tLogin:
		if n.setSecondarySubject("uid", 0) {
			e.firstRecord()
		}
		n.collectSimpleSubjAttr()
		if n.setPrimeSubject("old-auid", 0) {
			e.firstRecord()
		}
		if n.setPrimeObject("auid", 0) {
			e.firstRecord()
		}
		n.d.objKind = "user-session"
		n.addSession(0)
		n.setResults(0)
		n.d.action = recordActions[t]
		return true
	case t == tNetfilterCfg:
		n.collectSimpleSubjAttr()
		if _, ok := e.find("comm"); ok {
			n.setHow(e.interp())
		}
		n.d.action = "loaded-firewall-rule-to"
		e.firstRecord()
		if _, ok := e.find("table"); ok {
			n.d.objPrime = e.here()
		}
		n.d.subjKind = "system"
		n.d.objKind = "firewall"
		return true
	case t == tAVC:
		if _, ok := e.find("comm"); ok {
			n.setHow(e.interp())
		} else {
			e.firstRecord()
		}
		n.setPrimeSubject("scontext", 0)
		n.d.subjKind = "unknown-acct"
		e.firstRecord()
		if n.all {
			n.setPrimeObject("tcontext", 0)
			e.firstRecord()
		}
		n.d.objKind = "unknown"
		n.d.action = recordActions[t]
		e.firstRecord()
		if _, ok := e.find("seresult"); ok {
			n.d.results = n.at(0)
		}
		return true
	case t >= 1200 && t < 1299:
		n.setPrimeSubject("auid", 0)
		if n.setSecondarySubject("uid", 0) {
			e.firstRecord()
		}
		if n.addSession(0) {
			e.firstRecord()
		}
		n.collectSimpleSubjAttr()
		n.d.subjKind = "auditd"
		n.d.action = recordActions[t]
		n.d.objKind = "service"
		if t == tDaemonStart {
			n.setHow("init")
		} else if t < tDaemonAccept && t != tDaemonAbort {
			n.setHow("signal")
		}
		n.setResults(0)
		return true
	case t == tBPF:
		n.d.subjKind = "system"
		e.firstRecord()
		n.d.action = "bpf-program"
		if f, ok := e.find("op"); ok {
			n.d.action = "unloaded-bpf-program"
			if f == "LOAD" {
				n.d.action = "loaded-bpf-program"
			}
		}
		n.d.objKind = "process"
		n.setProgramObj()
		return true
	case t == tEventListener:
		n.setPrimeSubject("auid", 0)
		e.firstRecord()
		n.setSecondarySubject("uid", 0)
		e.firstRecord()
		n.addSession(0)
		n.collectSimpleSubjAttr()
		e.firstRecord()
		n.d.action = "connected"
		if f, ok := e.find("op"); ok {
			n.d.action = "disconnected-from"
			if f == "connect" {
				n.d.action = "connected-to"
			}
		}
		n.setProgramObj()
		n.d.objKind = "socket"
		e.firstRecord()
		if _, ok := e.find("exe"); ok {
			n.setHow(e.interp())
		}
		e.firstRecord()
		n.setResults(0)
		return true
	case t >= tMacUnlblAllow && t <= 1499:
		n.setPrimeSubject("auid", 0)
		n.setSubjectWhat()
		n.addSession(0)
		n.addSubjAttr("subj", 0) // in every mode: it moves the cursor
		act := ""
		if t == tMacUnlblAllow {
			if _, ok := e.find("unlbl_accept"); ok {
				act = "is-disallowing-unlabeled-network-traffic"
				if e.fieldInt() == 1 {
					act = "is-allowing-unlabeled-network-traffic"
				}
			} else {
				e.firstRecord()
			}
		} else {
			act = recordActions[t]
		}
		n.d.action = act
		if t == tMacMapAdd || t == tMacMapDel {
			if n.setPrimeObject("nlbl_domain", 0) {
				e.firstRecord()
			}
		}
		n.d.objKind = "mac-config"
		n.setResults(0)
		return true
	}
	if t == tUserLogin {
		if n.setPrimeSubject("id", 0) {
			e.firstRecord()
			if !n.setPrimeSubject("acct", 0) {
				n.setSubjectWhat()
			}
		} else {
			n.setSubjectWhat()
		}
		e.firstRecord()
	} else {
		if n.setSecondarySubject("uid", 0) {
			e.firstRecord()
		}
		n.setPrimeSubject("auid", 0)
	}
	n.addSession(0)
	n.collectSimpleSubjAttr()
	if t >= 1100 && t < 1199 || t >= 2100 && t < 2999 {
		n.collectUserspaceSubjAttr(t)
	}
	if t != tUserAvc {
		n.setResults(0)
	} else {
		e.firstRecord()
		if _, ok := e.find("seresult"); ok {
			n.d.results = n.at(0)
		}
		e.firstRecord()
		n.setPrimeSubject("scontext", 0)
		if n.all {
			e.firstRecord()
			n.setPrimeObject("tcontext", 0)
		}
	}
	act := ""
	if t == tUserDevice {
		e.firstRecord()
		if f, ok := e.find("op"); ok {
			act = f
		}
	}
	if act == "" {
		act = recordActions[t]
	}
	n.d.action = act
	if t != tUserAvc {
		e.firstRecord()
		n.d.objPrime = n.findSimpleObject(t)
		n.d.objSec = n.findSimpleSecondary(t, map[uint32]string{tCryptoSession: "rport", tSoftwareUpdate: "sw_type"})
		n.d.objTwo = n.findSimpleSecondary(t, map[uint32]string{tVirtControl: "vm", tVirtResource: "vm", tSoftwareUpdate: "root_dir"})
		if n.all {
			switch t {
			case tUserDevice:
				n.addObjAttr("uuid", 0)
			case tSoftwareUpdate:
				e.firstRecord()
				n.addObjAttr("key_enforce", 0)
				n.addObjAttr("gpg_res", 0)
			}
		}
	}
	if t == tSystemBoot || t == tSystemShutdown {
		n.d.objKind = "system"
		if t == tSystemShutdown {
			n.d.objKind = "service"
		}
		if _, ok := e.find("exe"); ok {
			n.setHow(e.interp())
		}
		return true
	}
	e.firstRecord()
	switch t {
	case tAnomExec:
		if _, ok := e.find("terminal"); ok {
			n.setHow(e.interp())
		}
		return true
	case tTTY:
		if _, ok := e.find("comm"); ok {
			n.setHow(e.interp())
		}
		return true
	}
	n.howFromExe(false)
	return true
}

// normalize is auparse_normalize with NORM_OPT_NO_ATTRS (what ausearch's
// csv without --extra-labels and text ask for). It reports false where
// auparse fails (a multi-record event without a SYSCALL record).
func (n *normalizer) normalize(e *normEvent) bool {
	n.e = e
	n.d = normalized{syscallSuccess: -1, objKind: "unknown", subjAttrs: n.d.subjAttrs[:0], objAttrs: n.d.objAttrs[:0]}
	e.firstRecord()
	ok := false
	if len(e.recs) > 1 {
		ok = n.compound()
	} else {
		ok = n.simple()
	}
	e.firstRecord()
	return ok
}

// CSVExtras are ausearch's --extra-* columns of --format csv.
type CSVExtras struct {
	Keys   bool // --extra-keys: a KEY column, the event's rule key
	Labels bool // --extra-labels: SUBJ_LABEL and OBJ_LABEL columns (subj= and obj=)
	Obj2   bool // --extra-obj2: an OBJ2 column, a second object (rename's target, chmod's mode)
	Time   bool // --extra-time: YEAR,MONTH,DAY,WEEKDAY,HOUR,MILLI,GMT_OFFSET
}

// normWriter turns events into ausearch's csv or text lines.
type normWriter struct {
	n      normalizer
	ev     normEvent
	extras CSVExtras
	loc    *time.Location
	res    interpret.Resolver
	header bool
	errLog func(string) // receives "error normalizing TYPE"
}

// completesAuparseEvent is au_check_events' test: the record types after
// which auparse considers an event complete. ausearch hands auparse its
// events one at a time, so this only matters within one of them: an
// ANOM_PROMISCUOUS record followed by its SYSCALL becomes two auparse
// events, and two lines.
func completesAuparseEvent(t uint32) bool {
	return t == tProctitle || t == tEOE || t < 1300 || t >= 2100 || t == tKernel ||
		(t >= tMacUnlblAllow && t <= tMacCalipsoDel)
}

// appendEvent appends the lines of one ausearch event.
func (w *normWriter) appendEvent(dst []byte, k event.Key, recs []payload, format Format) []byte {
	start := 0
	for i := range recs {
		if i < len(recs)-1 && !completesAuparseEvent(recs[i].typ) {
			continue
		}
		part := recs[start : i+1]
		start = i + 1
		if part[0].typ == tEOE {
			continue // auparse drops an EOE that starts an event
		}
		w.ev = normEvent{recs: w.ev.recs[:0], node: k.Node, res: w.res}
		w.n.res = w.res
		for _, r := range part {
			w.ev.addRecord(r.typ, string(r.raw))
		}
		if format == FormatCSV {
			dst = w.appendCSV(dst, k)
		} else {
			dst = w.appendText(dst, k)
		}
	}
	return dst
}

// typeName is auparse_get_type_name: the first record's type.
func (w *normWriter) typeName() string {
	if len(w.ev.recs) == 0 {
		return ""
	}
	return abi.MsgTypeName(w.ev.recs[0].typ)
}

func (w *normWriter) appendCSV(dst []byte, k event.Key) []byte {
	x := w.extras
	if !w.header {
		w.header = true
		dst = append(dst, "NODE,EVENT,DATE,TIME,"...)
		if x.Time {
			dst = append(dst, "YEAR,MONTH,DAY,WEEKDAY,HOUR,MILLI,GMT_OFFSET,"...)
		}
		dst = append(dst, "SERIAL_NUM,EVENT_KIND,SESSION,SUBJ_PRIME,SUBJ_SEC,SUBJ_KIND,"...)
		if x.Labels {
			dst = append(dst, "SUBJ_LABEL,"...)
		}
		dst = append(dst, "ACTION,RESULT,OBJ_PRIME,OBJ_SEC,"...)
		if x.Obj2 {
			dst = append(dst, "OBJ2,"...)
		}
		if x.Labels {
			dst = append(dst, "OBJ_LABEL,"...)
		}
		dst = append(dst, "OBJ_KIND,HOW"...)
		if x.Keys {
			dst = append(dst, ",KEY"...)
		}
		dst = append(dst, '\n')
	}
	e := &w.ev
	dst = append(dst, k.Node...)
	dst = append(dst, ',')
	dst = append(dst, w.typeName()...)
	dst = append(dst, ',')
	w.n.all = x.Labels
	ok := w.n.normalize(e)
	d := &w.n.d
	t := time.Unix(k.Sec, 0).In(w.loc)
	dst = t.AppendFormat(dst, "01/02/06,15:04:05,")
	if x.Time {
		dst = t.AppendFormat(dst, "2006,01,02,")
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		dst = strconv.AppendInt(dst, int64(wd), 10)
		dst = append(dst, ',')
		if t.Hour() < 10 {
			dst = append(dst, ' ')
		}
		dst = strconv.AppendInt(dst, int64(t.Hour()), 10)
		dst = append(dst, ',')
		dst = strconv.AppendUint(dst, uint64(k.Msec), 10)
		dst = append(dst, ',')
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		// ausearch computes the minutes as (seconds - hours*3600) % 60.
		h, m := off/3600, (off-off/3600*3600)%60
		dst = append(dst, sign)
		dst = fmt.Appendf(dst, "%02d:%02d,", h, m)
	}
	dst = strconv.AppendUint(dst, k.Serial, 10)
	dst = append(dst, ',')
	if !ok {
		if w.errLog != nil {
			w.errLog("error normalizing " + w.typeName())
		}
		dst = append(dst, ",,,,,,,,,"...)
		if x.Labels {
			dst = append(dst, ",,"...)
		}
		if x.Keys {
			dst = append(dst, ',')
		}
		return append(dst, '\n')
	}
	dst = append(dst, d.evkind...)
	dst = append(dst, ',')
	if e.seek(d.session) {
		dst = append(dst, e.interp()...)
	}
	dst = append(dst, ',')
	if e.seek(d.subjPrime) {
		s := e.interp()
		if s == "unset" {
			s = "system"
		}
		dst = append(dst, s...)
	}
	dst = append(dst, ',')
	if e.seek(d.subjSec) {
		dst = append(dst, e.interp()...)
	}
	dst = append(dst, ',')
	dst = append(dst, d.subjKind...)
	dst = append(dst, ',')
	if x.Labels {
		dst = append(dst, e.label(d.subjAttrs, "subj")...)
		dst = append(dst, ',')
	}
	if d.action == "" {
		dst = append(dst, "did-unknown"...)
	} else {
		dst = append(dst, d.action...)
	}
	dst = append(dst, ',')
	if e.seek(d.results) {
		dst = append(dst, resultWord(e, "failed", "success")...)
	}
	dst = append(dst, ',')
	if e.seek(d.objPrime) {
		if !e.fieldIsFile() && e.typ() == tConfigChange && (d.action == "set" || d.action == "seccomp-logging") {
			f, _ := e.field()
			dst = append(dst, f.name...)
		} else {
			dst = append(dst, w.objectValue()...)
		}
	}
	dst = append(dst, ',')
	if e.seek(d.objSec) {
		dst = append(dst, e.interp()...)
	}
	dst = append(dst, ',')
	if x.Obj2 {
		if e.seek(d.objTwo) {
			dst = append(dst, w.objectValue()...)
		}
		dst = append(dst, ',')
	}
	if x.Labels {
		dst = append(dst, e.label(d.objAttrs, "obj")...)
		dst = append(dst, ',')
	}
	dst = append(dst, d.objKind...)
	dst = append(dst, ',')
	if d.hasHow {
		dst = append(dst, d.how...)
	}
	if x.Keys {
		dst = append(dst, ',')
		if e.seek(d.key) {
			dst = append(dst, e.interp()...)
		}
	}
	return append(dst, '\n')
}

// label is what csv_event prints of an attribute list: the first
// attribute named name, walking the list as auparse's first and next
// attribute calls do (a position that cannot be sought ends the walk).
func (e *normEvent) label(attrs []loc, name string) string {
	if len(attrs) == 0 {
		return ""
	}
	found := e.seek(attrs[0])
	for i := 0; ; {
		if found {
			if f, _ := e.field(); f.name == name {
				return e.interp()
			}
		}
		i++
		if i >= len(attrs) || !e.seek(attrs[i]) {
			return ""
		}
		found = true
	}
}

// objectValue reads an object field: file names as realpaths.
func (w *normWriter) objectValue() string {
	if w.ev.fieldIsFile() {
		return w.ev.realpath()
	}
	return w.ev.interp()
}

// resultWord is how ausearch reads a result field: yes, success or a
// seccomp allow are the good ones.
func resultWord(e *normEvent, bad, good string) string {
	v := e.interp()
	f, _ := e.field()
	if v == "yes" || strings.HasPrefix(v, "suc") || f.name == "code" && v == "allow" {
		return good
	}
	return bad
}

func (w *normWriter) appendText(dst []byte, k event.Key) []byte {
	e := &w.ev
	t := time.Unix(k.Sec, 0).In(w.loc)
	typ := uint32(0)
	if len(e.recs) > 0 {
		typ = e.recs[0].typ
	}
	w.n.normalize(e)
	d := &w.n.d
	if k.Node != "" {
		dst = append(dst, "On "...)
		dst = append(dst, k.Node...)
		dst = append(dst, " at "...)
	} else {
		dst = append(dst, "At "...)
	}
	dst = t.AppendFormat(dst, "15:04:05 01/02/06 ")
	id := int32(-2)
	if e.seek(d.subjPrime) {
		s := e.interp()
		id = e.fieldInt()
		if s == "unset" {
			s = "system"
		}
		dst = append(dst, s...)
	}
	if e.seek(d.subjSec) {
		uid := e.fieldInt()
		if uid != id && id != -2 && uid != -1 {
			dst = append(dst, ", acting as "...)
			dst = append(dst, e.interp()...)
			dst = append(dst, ',')
		}
	}
	if e.seek(d.results) {
		dst = append(dst, ' ')
		dst = append(dst, resultWord(e, "unsuccessfully", "successfully")...)
		dst = append(dst, ' ')
	} else {
		dst = append(dst, ' ')
	}
	action := d.action
	if action == "" {
		dst = append(dst, "did-unknown "...)
	} else {
		dst = append(dst, action...)
		dst = append(dst, ' ')
	}
	if e.seek(d.objPrime) {
		var val string
		set := false
		if strings.Contains(action, "violated") {
			val, set = "accessing ", true
		}
		switch {
		case e.fieldIsFile():
			val, set = e.realpath(), true
		case e.fieldIsSockaddr():
			if v, ok := e.sockPart("laddr="); ok {
				val, set = v, true
			} else if v, ok := e.sockPart("fam="); ok {
				val, set = v, true
			} else {
				set = false
			}
		case typ == tConfigChange:
			if action == "set" || action == "seccomp-logging" {
				f, _ := e.field()
				val = f.name
			} else {
				val = e.interp()
			}
			set = true
		}
		if !set {
			val = e.interp()
		}
		dst = append(dst, val...)
		dst = append(dst, ' ')
	}
	if e.seek(d.objTwo) {
		dst = append(dst, "to "...)
		dst = append(dst, w.objectValue()...)
		dst = append(dst, ' ')
	}
	if d.hasHow && action != "" && action[0] != 'e' {
		dst = append(dst, "using "...)
		dst = append(dst, d.how...)
	}
	return append(dst, '\n')
}
