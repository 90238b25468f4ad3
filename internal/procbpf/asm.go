package procbpf

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// A tiny eBPF assembler: the programs are three dozen instructions each,
// and writing them here keeps a compiler toolchain (and a loader library)
// out of the build.

type reg uint8

// Registers: r0 return value, r1-r5 arguments (clobbered by calls), r6-r9
// kept across calls, r10 the read-only frame pointer.
const (
	r0 reg = iota
	r1
	r2
	r3
	r4
	r5
	r6
	r7
	r8
	r9
	rFP
)

type size uint8

const (
	word  size = unix.BPF_W
	dword size = unix.BPF_DW
	bpfST      = 0x02 // BPF_ST: store an immediate
)

// insn is struct bpf_insn; jump names its target label until assemble
// resolves it, label names the instruction for jumps.
type insn struct {
	code     uint8
	dst, src reg
	off      int16
	imm      int32
	jump     string
	label    string
	wide     bool // the first half of a 16-byte ld_imm64
}

func ldx(sz size, dst, src reg, off int16) insn {
	return insn{code: unix.BPF_LDX | unix.BPF_MEM | uint8(sz), dst: dst, src: src, off: off}
}

func stx(sz size, dst reg, off int16, src reg) insn {
	return insn{code: unix.BPF_STX | unix.BPF_MEM | uint8(sz), dst: dst, src: src, off: off}
}

func st(sz size, dst reg, off int16, imm int32) insn {
	return insn{code: bpfST | unix.BPF_MEM | uint8(sz), dst: dst, off: off, imm: imm}
}

func movImm(dst reg, imm int32) insn {
	return insn{code: unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_K, dst: dst, imm: imm}
}

func movReg(dst, src reg) insn {
	return insn{code: unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_X, dst: dst, src: src}
}

func addImm(dst reg, imm int32) insn {
	return insn{code: unix.BPF_ALU64 | unix.BPF_ADD | unix.BPF_K, dst: dst, imm: imm}
}

// atomicAdd is lock *(u64 *)(dst + off) += src.
func atomicAdd(dst reg, off int16, src reg) insn {
	return insn{code: unix.BPF_STX | unix.BPF_ATOMIC | unix.BPF_DW, dst: dst, src: src, off: off, imm: unix.BPF_ADD}
}

func jeqImm(dst reg, imm int32, label string) insn {
	return insn{code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, dst: dst, imm: imm, jump: label}
}

func ja(label string) insn {
	return insn{code: unix.BPF_JMP | unix.BPF_JA, jump: label}
}

func call(helper int32) insn { return insn{code: unix.BPF_JMP | unix.BPF_CALL, imm: helper} }

func exit() insn { return insn{code: unix.BPF_JMP | unix.BPF_EXIT} }

// ldMapFD loads a map's address, which the verifier substitutes for its
// file descriptor.
func ldMapFD(dst reg, fd int) insn {
	return insn{code: unix.BPF_LD | unix.BPF_IMM | unix.BPF_DW, dst: dst, src: unix.BPF_PSEUDO_MAP_FD, imm: int32(fd), wide: true}
}

// bigEndian: C bitfields are laid out from the other end there.
var bigEndian = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

func (i insn) at(label string) insn {
	i.label = label
	return i
}

// assemble encodes the program, resolving jumps to labels.
func assemble(prog []insn) ([]byte, error) {
	slot := make([]int, len(prog)+1)
	labels := map[string]int{}
	for i, in := range prog {
		slot[i+1] = slot[i] + 1
		if in.wide {
			slot[i+1]++
		}
		if in.label != "" {
			labels[in.label] = slot[i]
		}
	}
	out := make([]byte, 0, 8*slot[len(prog)])
	for i, in := range prog {
		if in.jump != "" {
			target, ok := labels[in.jump]
			if !ok {
				return nil, fmt.Errorf("instruction %d jumps to unknown label %q", i, in.jump)
			}
			in.off = int16(target - slot[i] - 1)
		}
		regs := byte(in.dst) | byte(in.src)<<4 // dst_reg:4, src_reg:4
		if bigEndian {
			regs = byte(in.dst)<<4 | byte(in.src)
		}
		out = append(out, in.code, regs)
		out = binary.NativeEndian.AppendUint16(out, uint16(in.off))
		out = binary.NativeEndian.AppendUint32(out, uint32(in.imm))
		if in.wide {
			out = append(out, make([]byte, 8)...)
		}
	}
	return out, nil
}
