package interpret

import "github.com/contaudit/contaudit/internal/abi"

// kind is how a field is interpreted: auparse's AUPARSE_TYPE_*.
type kind uint8

const (
	kindUnclassified kind = iota
	kindUID
	kindGID
	kindSyscall
	kindArch
	kindExit
	kindEscaped
	kindEscapedFile
	kindEscapedKey
	kindPerm
	kindMode
	kindModeShort
	kindSockaddr
	kindFlags
	kindPromisc
	kindCapability
	kindSuccess
	kindA0
	kindA1
	kindA2
	kindA3
	kindSignal
	kindList
	kindTTYData
	kindSession
	kindCapBitmap
	kindNFProto
	kindICMPType
	kindProtocol
	kindAddr
	kindPersonality
	kindSeccomp
	kindOFlag
	kindMmap
	kindMacLabel
	kindProctitle
	kindHook
	kindNetAction
	kindMacProto
	kindIoctlReq
	kindFanotify
	kindNLMcGrp
	kindResolve
)

// fieldKinds is auparse 3.0.9's typetab: the kind of a field by name alone.
// Debian builds auparse without AppArmor support, so apparmor="..." and
// friends stay unclassified.
var fieldKinds = map[string]kind{
	"auid": kindUID, "uid": kindUID, "euid": kindUID, "suid": kindUID, "fsuid": kindUID,
	"ouid": kindUID, "oauid": kindUID, "old-auid": kindUID, "iuid": kindUID, "id": kindUID,
	"inode_uid": kindUID, "sauid": kindUID, "obj_uid": kindUID,
	"obj_gid": kindGID, "gid": kindGID, "egid": kindGID, "sgid": kindGID, "fsgid": kindGID,
	"ogid": kindGID, "igid": kindGID, "inode_gid": kindGID, "new_gid": kindGID,
	"syscall": kindSyscall, "arch": kindArch, "exit": kindExit,
	"path": kindEscaped, "comm": kindEscaped, "exe": kindEscaped, "file": kindEscaped,
	"name": kindEscapedFile, "watch": kindEscaped, "cwd": kindEscaped, "cmd": kindEscaped,
	"acct": kindEscaped, "dir": kindEscaped, "key": kindEscapedKey, "vm": kindEscaped,
	"old-chardev": kindEscaped, "new-chardev": kindEscaped, "old-disk": kindEscaped,
	"new-disk": kindEscaped, "old-fs": kindEscaped, "new-fs": kindEscaped, "old-net": kindEscaped,
	"new-net": kindEscaped, "device": kindEscaped, "cgroup": kindEscaped,
	"perm": kindPerm, "perm_mask": kindPerm, "mode": kindMode, "saddr": kindSockaddr,
	"prom": kindPromisc, "old_prom": kindPromisc, "capability": kindCapability,
	"res": kindSuccess, "result": kindSuccess,
	"a0": kindA0, "a1": kindA1, "a2": kindA2, "a3": kindA3,
	"sig": kindSignal, "list": kindList, "data": kindTTYData, "ses": kindSession,
	"cap_pi": kindCapBitmap, "cap_pe": kindCapBitmap, "cap_pp": kindCapBitmap,
	"cap_pa": kindCapBitmap, "cap_fi": kindCapBitmap, "cap_fp": kindCapBitmap,
	"fp": kindCapBitmap, "fi": kindCapBitmap, "old_pp": kindCapBitmap, "old_pi": kindCapBitmap,
	"old_pe": kindCapBitmap, "old_pa": kindCapBitmap, "new_pp": kindCapBitmap,
	"new_pi": kindCapBitmap, "new_pe": kindCapBitmap, "pp": kindCapBitmap, "pi": kindCapBitmap,
	"pe": kindCapBitmap, "pa": kindCapBitmap,
	"family": kindNFProto, "icmptype": kindICMPType, "proto": kindProtocol, "addr": kindAddr,
	"per": kindPersonality, "code": kindSeccomp,
	"old-rng": kindEscaped, "new-rng": kindEscaped, "oflag": kindOFlag, "ocomm": kindEscaped,
	"flags": kindMmap, "sigev_signo": kindSignal,
	"subj": kindMacLabel, "obj": kindMacLabel, "scontext": kindMacLabel, "tcontext": kindMacLabel,
	"vm-ctx": kindMacLabel, "img-ctx": kindMacLabel,
	"proctitle": kindProctitle, "grp": kindEscaped, "new_group": kindEscaped,
	"hook": kindHook, "action": kindNetAction, "macproto": kindMacProto,
	"invalid_context": kindEscaped, "ioctlcmd": kindIoctlReq, "resp": kindFanotify,
	"sw": kindEscaped, "root_dir": kindEscaped, "nl-mcgrp": kindNLMcGrp, "resolve": kindResolve,
}

// Record types the kind corrections below depend on and abi does not name.
const (
	typeAddGroup      = 1116
	typeDelGroup      = 1117
	typeTrustedApp    = 1121
	typeGrpMgmt       = 1132
	typeCryptoKeyUser = 2404
)

// kindOf is auparse_interp_adjust_type: the typetab kind, corrected for the
// record types that reuse a field name for something else.
func kindOf(recordType uint32, name, val string) kind {
	switch {
	case recordType == abi.AUDIT_EXECVE && len(name) > 0 && name[0] == 'a' && name != "argc" && !containsLen(name):
		return kindEscaped
	case recordType == abi.AUDIT_AVC && name == "saddr":
		return kindUnclassified
	case recordType == abi.AUDIT_USER_TTY && name == "msg":
		return kindEscaped
	case recordType == abi.AUDIT_NETFILTER_PKT && name == "saddr":
		return kindAddr
	case name == "acct":
		if len(val) > 0 && val[0] == '"' || isHexString(val) {
			return kindEscaped
		}
		return kindUnclassified
	case recordType == abi.AUDIT_PATH && name == "flags":
		return kindFlags
	case recordType == abi.AUDIT_MQ_OPEN && name == "mode":
		return kindModeShort
	case recordType == typeCryptoKeyUser && name == "fp":
		return kindUnclassified
	case name == "id" && (recordType == typeAddGroup || recordType == typeGrpMgmt || recordType == typeDelGroup):
		return kindGID
	case recordType == typeTrustedApp:
		switch {
		case len(val) > 0 && val[0] == '"':
			return kindEscaped
		case isIntString(val):
			return kindUnclassified
		case isHexString(val):
			return kindEscaped
		}
		return kindUnclassified
	case recordType == abi.AUDIT_KERN_MODULE && name == "name":
		return kindEscaped
	}
	return fieldKinds[name]
}

func containsLen(name string) bool {
	for i := 0; i+4 <= len(name); i++ {
		if name[i:i+4] == "_len" {
			return true
		}
	}
	return false
}
