// Package record owns the text form of audit records: it parses every line
// auditd writes to a log file and every payload the kernel sends over
// netlink into one typed Record, and gives the exact bytes back.
//
// A line looks like
//
//	node=host1 type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e ... key=(null)\x1dARCH=x86_64 ...
//
// and a netlink payload like "audit(1364481363.243:24287): arch=c000003e ...",
// with the type in the netlink header. Parsing keeps everything: fields in
// the order written, words without a key, unknown types and keys, the
// interpreted (ENRICHED) fields after 0x1D, and the raw bytes. Values the
// kernel hex-encoded are decoded; the written form stays available.
//
// Records borrow: a Record returned by a Parser or Reader points into the
// caller's line or the reader's buffer and into the parser's decode buffer,
// and is valid only until the next call, like bufio.Scanner.Bytes. Clone
// makes a copy that owns its memory.
//
// The package does no I/O of its own beyond the io.Reader handed to
// NewReader, and knows nothing about events beyond reassembling the argv of
// an execve (Argv), which needs the parser's view of EXECVE chunks.
package record
