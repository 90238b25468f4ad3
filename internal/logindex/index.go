package logindex

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Version is the format written by Marshal; Unmarshal reads only it.
const Version = 1

const magic = "contaudit-index\x00"

// Limits that Unmarshal enforces, so that a corrupt or hostile index
// cannot make a reader allocate without bound.
const (
	maxBloomBytes = 1 << 25 // 32 MiB of filter for one segment
	maxK          = 16
	maxParams     = 4096
)

// FingerprintSize is how many bytes at each end of the indexed part the
// fingerprint covers.
const FingerprintSize = 4096

// ErrStale says that an index no longer describes its file: the file was
// truncated, rewritten or replaced since it was indexed.
var ErrStale = errors.New("index is stale")

// Bloom is a Bloom filter of 64-bit token hashes. Its size is a power of
// two bits, so that a position is a mask, not a division; it is kept as
// bytes so that a decoded index points into the file's bytes instead of
// copying them.
type Bloom struct {
	K    uint8
	Bits []byte
}

// bitsPerToken and bloomK give about 1% false positives at the sizes
// NewBloom rounds to (10 to 20 bits per token).
const (
	bitsPerToken = 10
	bloomK       = 5
)

// NewBloom returns an empty filter sized for n distinct tokens.
func NewBloom(n int) Bloom {
	size := max(8, (n*bitsPerToken+7)/8)
	if size&(size-1) != 0 {
		size = 1 << bits.Len(uint(size))
	}
	return Bloom{K: bloomK, Bits: make([]byte, min(size, maxBloomBytes))}
}

// position derives the filter's bit positions from one hash (double
// hashing: Kirsch and Mitzenmacher), so a token is hashed once.
func (b *Bloom) position(h uint64, i uint64) uint64 {
	h2 := h>>32 | h<<32 | 1
	return (h + i*h2) & uint64(len(b.Bits)*8-1)
}

// Add records token h.
func (b *Bloom) Add(h uint64) {
	for i := range uint64(b.K) {
		p := b.position(h, i)
		b.Bits[p/8] |= 1 << (p % 8)
	}
}

// Has reports whether h may have been added: false is certain.
func (b *Bloom) Has(h uint64) bool {
	if len(b.Bits) == 0 {
		return true
	}
	for i := range uint64(b.K) {
		p := b.position(h, i)
		if b.Bits[p/8]&(1<<(p%8)) == 0 {
			return false
		}
	}
	return true
}

// Segment summarises one run of whole lines of the file. Reading a log
// from its start, no event is open where a segment starts.
type Segment struct {
	Off, Len int64
	// Lines counts the segment's lines (blank and comment lines too);
	// Records, Events and NoStamp what a search reading it would count.
	Lines, Records, Events, NoStamp int64
	// Unskippable is set when the segment holds something a search must
	// see for itself: an unparsable or overlong line.
	Unskippable bool
	// The range of the records' stamps (seconds) and serials.
	MinSec, MaxSec       int64
	MinSerial, MaxSerial uint64
	// ClockStart is the event assembler's clock (Unix nanoseconds, never
	// running backwards) as the segment's first record is filed, reading
	// the file from its start; ClockEnd as its last one was.
	ClockStart, ClockEnd int64
	Bloom                Bloom
}

// Index describes one file.
type Index struct {
	// Params names how segments were cut and tokens made; an index made
	// under other parameters is not used.
	Params   string
	Dev, Ino uint64
	// End is where the last segment ends: the file's bytes after it (a
	// log that grew since) are not indexed.
	End int64
	// Head and Tail fingerprint the first and last FingerprintSize bytes
	// before End.
	Head, Tail uint64
	Segments   []Segment

	// mapped is the index file's mapping that Load's filters point into.
	mapped []byte
}

// Close releases the mapping of an index Load returned; its filters are
// unusable after. It is a no-op for an index made in memory.
func (ix *Index) Close() error {
	if ix.mapped == nil {
		return nil
	}
	m := ix.mapped
	ix.mapped = nil
	for i := range ix.Segments {
		ix.Segments[i].Bloom.Bits = nil
	}
	return syscall.Munmap(m)
}

// Marshal encodes ix.
func (ix *Index) Marshal() []byte {
	b := []byte(magic)
	b = binary.AppendUvarint(b, Version)
	b = binary.AppendUvarint(b, uint64(len(ix.Params)))
	b = append(b, ix.Params...)
	b = binary.AppendUvarint(b, ix.Dev)
	b = binary.AppendUvarint(b, ix.Ino)
	b = binary.AppendUvarint(b, uint64(ix.End))
	b = binary.LittleEndian.AppendUint64(b, ix.Head)
	b = binary.LittleEndian.AppendUint64(b, ix.Tail)
	b = binary.AppendUvarint(b, uint64(len(ix.Segments)))
	for i := range ix.Segments {
		s := &ix.Segments[i]
		b = binary.AppendUvarint(b, uint64(s.Len))
		for _, n := range []int64{s.Lines, s.Records, s.Events, s.NoStamp} {
			b = binary.AppendUvarint(b, uint64(n))
		}
		var flags byte
		if s.Unskippable {
			flags |= 1
		}
		b = append(b, flags)
		b = binary.AppendVarint(b, s.MinSec)
		b = binary.AppendUvarint(b, uint64(s.MaxSec-s.MinSec))
		b = binary.AppendUvarint(b, s.MinSerial)
		b = binary.AppendUvarint(b, s.MaxSerial-s.MinSerial)
		b = binary.AppendVarint(b, s.ClockStart)
		b = binary.AppendUvarint(b, uint64(s.ClockEnd-s.ClockStart))
		b = append(b, s.Bloom.K)
		b = binary.AppendUvarint(b, uint64(len(s.Bloom.Bits)))
		b = append(b, s.Bloom.Bits...)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// decoder reads an encoded index and keeps its first error, with the
// offset where it happened.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("byte %d: bad or truncated %s", d.off, what)
	}
}

func (d *decoder) uvarint(what string) uint64 { return decodeVarint(d, what, binary.Uvarint) }

func (d *decoder) varint(what string) int64 { return decodeVarint(d, what, binary.Varint) }

// decodeVarint reads one varint with f (binary.Uvarint or Varint).
func decodeVarint[T uint64 | int64](d *decoder, what string, f func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, n := f(d.b[d.off:])
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.off += n
	return v
}

// count reads a non-negative number no larger than limit.
func (d *decoder) count(what string, limit uint64) int64 {
	v := d.uvarint(what)
	if v > limit {
		d.fail(what)
		return 0
	}
	return int64(v)
}

func (d *decoder) bytes(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b)-d.off < n {
		d.fail(what)
		return nil
	}
	v := d.b[d.off : d.off+n]
	d.off += n
	return v
}

func (d *decoder) u64(what string) uint64 {
	if v := d.bytes(8, what); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

// Unmarshal decodes an index, checking its checksum and that its
// segments tile [0, End) of the file. The filters point into b.
func Unmarshal(b []byte) (*Index, error) {
	if len(b) < len(magic)+4 || string(b[:len(magic)]) != magic {
		return nil, errors.New("not a contaudit log index")
	}
	body := b[:len(b)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, errors.New("checksum mismatch: the index is damaged")
	}
	d := &decoder{b: body, off: len(magic)}
	if v := d.uvarint("version"); d.err == nil && v != Version {
		return nil, fmt.Errorf("format version %d, want %d", v, Version)
	}
	ix := &Index{}
	ix.Params = string(d.bytes(int(d.count("parameters length", maxParams)), "parameters"))
	ix.Dev = d.uvarint("device")
	ix.Ino = d.uvarint("inode")
	ix.End = d.count("end", 1<<62)
	ix.Head = d.u64("head fingerprint")
	ix.Tail = d.u64("tail fingerprint")
	// A segment takes at least 15 bytes, which bounds the count by the
	// input before anything is allocated for it.
	n := d.count("segment count", uint64(len(body)/15))
	if d.err != nil {
		return nil, d.err
	}
	ix.Segments = make([]Segment, n)
	var off int64
	for i := range ix.Segments {
		s := &ix.Segments[i]
		start := d.off
		s.Off = off
		s.Len = d.count("segment length", 1<<62)
		s.Lines = d.count("line count", 1<<62)
		s.Records = d.count("record count", 1<<62)
		s.Events = d.count("event count", 1<<62)
		s.NoStamp = d.count("count of records without stamp", 1<<62)
		if fl := d.bytes(1, "flags"); fl != nil {
			if fl[0]&^1 != 0 {
				d.fail("flags")
			}
			s.Unskippable = fl[0]&1 != 0
		}
		s.MinSec = d.varint("first second")
		s.MaxSec = s.MinSec + d.count("second range", 1<<62)
		s.MinSerial = d.uvarint("first serial")
		span := d.uvarint("serial range")
		if s.MinSerial+span < s.MinSerial {
			d.fail("serial range")
		}
		s.MaxSerial = s.MinSerial + span
		s.ClockStart = d.varint("clock at start")
		s.ClockEnd = s.ClockStart + d.count("clock range", 1<<62)
		if k := d.bytes(1, "hash count"); k != nil {
			if k[0] == 0 || k[0] > maxK {
				d.fail("hash count")
			}
			s.Bloom.K = k[0]
		}
		size := d.count("filter size", maxBloomBytes)
		if d.err == nil && (size == 0 || size&(size-1) != 0) {
			d.fail("filter size (a power of two)")
		}
		s.Bloom.Bits = d.bytes(int(size), "filter")
		if d.err != nil {
			return nil, fmt.Errorf("segment %d at byte %d: %w", i, start, d.err)
		}
		if s.Len == 0 || off+s.Len < off {
			return nil, fmt.Errorf("segment %d at byte %d: empty or overflowing segment", i, start)
		}
		off += s.Len
	}
	if d.err != nil {
		return nil, d.err
	}
	if d.off != len(body) {
		return nil, fmt.Errorf("byte %d: %d bytes after the last segment", d.off, len(body)-d.off)
	}
	if off != ix.End {
		return nil, fmt.Errorf("segments cover %d bytes, the index says %d", off, ix.End)
	}
	return ix, nil
}

// Fingerprint hashes the first and the last FingerprintSize bytes of
// r's first end bytes (FNV-1a): enough to tell a rotated log from the
// one that reused its inode, or from a rewrite.
func Fingerprint(r io.ReaderAt, end int64) (head, tail uint64, err error) {
	sum := func(off int64) (uint64, error) {
		n := min(end-off, FingerprintSize)
		buf := make([]byte, n)
		if _, err := r.ReadAt(buf, off); err != nil {
			return 0, err
		}
		h := fnv.New64a()
		h.Write(buf)
		return h.Sum64(), nil
	}
	if head, err = sum(0); err != nil {
		return 0, 0, err
	}
	if tail, err = sum(max(0, end-FingerprintSize)); err != nil {
		return 0, 0, err
	}
	return head, tail, nil
}

// Identify returns the device and inode of f.
func Identify(f *os.File) (dev, ino uint64, size int64, err error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0, fmt.Errorf("%s: no device and inode", f.Name())
	}
	return uint64(st.Dev), st.Ino, fi.Size(), nil
}

// Path is where the index of the file with this device and inode lives
// in dir. Indexes are named by inode, not by path, so that a rotation
// (a rename) keeps its file's index.
func Path(dir string, dev, ino uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%x-%x.idx", dev, ino))
}

// Load returns the index of f kept in dir, if it still describes f and
// was made with params. It returns an error wrapping os.ErrNotExist when
// there is none, ErrStale when f changed since, and a decoding error
// naming the index file when it is damaged. The index is mapped, not
// read: a search that checks a few bytes of each filter touches only
// those pages, and page faults are what a short search costs most on a
// virtual machine. Close it when done.
func Load(dir string, f *os.File, params string) (ix *Index, err error) {
	dev, ino, size, err := Identify(f)
	if err != nil {
		return nil, err
	}
	path := Path(dir, dev, ino)
	b, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			syscall.Munmap(b)
		}
	}()
	ix, err = Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", path, err)
	}
	ix.mapped = b
	if ix.Dev != dev || ix.Ino != ino || ix.Params != params || ix.End > size {
		return nil, fmt.Errorf("index %s: %w", path, ErrStale)
	}
	if ix.End > 0 {
		head, tail, err := Fingerprint(f, ix.End)
		if err != nil {
			return nil, fmt.Errorf("index %s: read %s: %w", path, f.Name(), err)
		}
		if head != ix.Head || tail != ix.Tail {
			return nil, fmt.Errorf("index %s: %w", path, ErrStale)
		}
	}
	return ix, nil
}

// mapFile maps a whole file read-only. The mapping is private: a Save
// replaces the file by a rename, so its bytes never change under it.
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() < int64(len(magic)+4) || fi.Size() > 1<<40 {
		return nil, fmt.Errorf("index %s: %d bytes: not a contaudit log index", path, fi.Size())
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_POPULATE)
	if err != nil {
		return nil, fmt.Errorf("map index %s: %w", path, err)
	}
	return b, nil
}

// Save writes ix into dir (created with mode 0700 if missing) under a
// temporary name and renames it into place, so that a concurrent Load
// sees the old index or the new one, never a mix.
func Save(dir string, ix *Index) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("index directory: %w", err)
	}
	path := Path(dir, ix.Dev, ix.Ino)
	tmp, err := os.CreateTemp(dir, ".idx-*")
	if err != nil {
		return fmt.Errorf("index directory: %w", err)
	}
	_, err = tmp.Write(ix.Marshal())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write index %s: %w", path, err)
	}
	return nil
}

// Prune removes the indexes in dir that keep rejects (by the device and
// inode they name), and any temporary file a Save that died left. It
// returns how many index files it removed.
func Prune(dir string, keep func(dev, ino uint64) bool) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, nil
		}
		return 0, err
	}
	removed := 0
	for _, e := range ents {
		name := e.Name()
		var dev, ino uint64
		if n, _ := fmt.Sscanf(name, "%x-%x.idx", &dev, &ino); n == 2 && name == filepath.Base(Path(dir, dev, ino)) {
			if keep(dev, ino) {
				continue
			}
		} else if !strings.HasPrefix(name, ".idx-") {
			continue // not ours
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}
