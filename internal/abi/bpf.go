package abi

// From include/uapi/linux/bpf.h: what a BPF ring buffer's consumer must know
// to read it through its memory mapping, without a system call per record.
const (
	// BPF_F_MMAPABLE lets an array map be mapped into userspace.
	BPF_F_MMAPABLE = 1 << 10

	// bpf_ringbuf_submit flags.
	BPF_RB_NO_WAKEUP    = 1 << 0
	BPF_RB_FORCE_WAKEUP = 1 << 1

	// A record's 8-byte header: its length, with the two top bits saying
	// that the producer has not committed it yet (BUSY) or threw it away
	// (DISCARD), then the page offset the kernel keeps for itself.
	BPF_RINGBUF_BUSY_BIT    = 1 << 31
	BPF_RINGBUF_DISCARD_BIT = 1 << 30
	BPF_RINGBUF_HDR_SZ      = 8
)

// enum bpf_func_id: the helpers contaudit's programs call.
const (
	BPF_FUNC_map_lookup_elem = 1
	BPF_FUNC_ktime_get_ns    = 5
	BPF_FUNC_ringbuf_reserve = 131
	BPF_FUNC_ringbuf_submit  = 132
)
