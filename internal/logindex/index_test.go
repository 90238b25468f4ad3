package logindex

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func sample() *Index {
	b := NewBloom(100)
	for h := range uint64(100) {
		b.Add(h * 0x9e3779b97f4a7c15)
	}
	return &Index{Params: "v1 test", Dev: 0x803, Ino: 1234, End: 300, Head: 1, Tail: 2,
		Segments: []Segment{
			{Off: 0, Len: 100, Lines: 3, Records: 3, Events: 1, MinSec: 1700000000, MaxSec: 1700000002,
				MinSerial: 10, MaxSerial: 12, ClockStart: 1700000000e9, ClockEnd: 1700000002e9, Bloom: b},
			{Off: 100, Len: 200, Lines: 5, Records: 4, Events: 2, NoStamp: 1, Unskippable: true,
				MinSec: -5, MaxSec: 3, MinSerial: 0, MaxSerial: 1<<64 - 1, ClockStart: -1, ClockEnd: 7, Bloom: NewBloom(0)},
		}}
}

func TestRoundTrip(t *testing.T) {
	ix := sample()
	got, err := Unmarshal(ix.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ix) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, ix)
	}
}

func TestBloomNoFalseNegatives(t *testing.T) {
	b := NewBloom(5000)
	for h := range uint64(5000) {
		b.Add(h*0x9e3779b97f4a7c15 + 7)
	}
	fp := 0
	for h := range uint64(5000) {
		if !b.Has(h*0x9e3779b97f4a7c15 + 7) {
			t.Fatalf("token %d added but not found", h)
		}
		if b.Has(h*0xc2b2ae3d27d4eb4f + 11) {
			fp++
		}
	}
	// Sized for about 1%; 3% leaves room for chance.
	if fp > 150 {
		t.Errorf("%d false positives in 5000", fp)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	good := sample().Marshal()
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "not a contaudit log index"},
		{"other file", []byte("type=SYSCALL msg=audit(1.2:3): x=y\n"), "not a contaudit log index"},
		{"flipped bit", flip(good, 40), "checksum"},
		{"truncated", resum(good[:len(good)-40]), "truncated"},
	} {
		_, err := Unmarshal(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
	// Segments must tile [0, End).
	ix := sample()
	ix.End = 299
	if _, err := Unmarshal(ix.Marshal()); err == nil || !strings.Contains(err.Error(), "cover 300 bytes") {
		t.Errorf("wrong end: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x10
	return c
}

// resum makes b's last four bytes the checksum of the rest, so that the
// decoder, not the checksum, meets the damage.
func resum(b []byte) []byte { return appendSum(b) }

// appendSum appends the checksum Marshal ends with.
func appendSum(body []byte) []byte {
	return binary.LittleEndian.AppendUint32(append([]byte(nil), body...), crc32.ChecksumIEEE(body))
}

func TestLoadSaveStale(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "audit.log")
	content := strings.Repeat("type=SYSCALL msg=audit(1.000:1): a=b\n", 300)
	if err := os.WriteFile(log, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	idx := filepath.Join(dir, "index")
	if _, err := Load(idx, f, "p"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("no index yet: %v", err)
	}
	dev, ino, size, err := Identify(f)
	if err != nil {
		t.Fatal(err)
	}
	ix := &Index{Params: "p", Dev: dev, Ino: ino, End: size,
		Segments: []Segment{{Len: size, Bloom: NewBloom(1)}}}
	if ix.Head, ix.Tail, err = Fingerprint(f, size); err != nil {
		t.Fatal(err)
	}
	if err := Save(idx, ix); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(idx, f, "p")
	if err != nil {
		t.Fatalf("fresh index: %v", err)
	}
	if loaded.Segments[0].Bloom.Bits == nil || loaded.Close() != nil || loaded.Segments[0].Bloom.Bits != nil {
		t.Fatal("Close did not release the mapped filters")
	}
	if _, err := Load(idx, f, "other"); !errors.Is(err, ErrStale) {
		t.Errorf("other parameters: %v, want ErrStale", err)
	}
	// Growing the log keeps the index: it covers the old part.
	appendTo(t, log, "type=EOE msg=audit(2.000:2): \n")
	if grown, err := Load(idx, f, "p"); err != nil {
		t.Errorf("grown log: %v", err)
	} else {
		grown.Close()
	}
	// Rewriting the tail of the indexed part makes it stale.
	b, _ := os.ReadFile(log)
	b[size-5] = 'X'
	if err := os.WriteFile(log, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(idx, f, "p"); !errors.Is(err, ErrStale) {
		t.Errorf("rewritten log: %v, want ErrStale", err)
	}
	// Truncation too.
	if err := os.Truncate(log, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(idx, f, "p"); !errors.Is(err, ErrStale) {
		t.Errorf("truncated log: %v, want ErrStale", err)
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(sample().Marshal())
	f.Add((&Index{}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		ix, err := Unmarshal(b)
		if err != nil {
			// Make the checksum right so that the decoder, not only the
			// checksum, sees the fuzzer's bytes.
			if len(b) >= len(magic)+4 {
				Unmarshal(appendSum(b[:len(b)-4]))
			}
			return
		}
		again, err := Unmarshal(ix.Marshal())
		if err != nil || !reflect.DeepEqual(again, ix) {
			t.Fatalf("decoded index does not round trip: %v", err)
		}
	})
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"803-10.idx", "803-11.idx", ".idx-123", "README"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n, err := Prune(dir, func(dev, ino uint64) bool { return dev == 0x803 && ino == 0x10 })
	if err != nil || n != 2 {
		t.Fatalf("removed %d (%v), want 2", n, err)
	}
	ents, _ := os.ReadDir(dir)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if strings.Join(left, " ") != "803-10.idx README" {
		t.Fatalf("left %v", left)
	}
	if n, err := Prune(filepath.Join(dir, "none"), nil); n != 0 || err != nil {
		t.Fatalf("missing directory: %d, %v", n, err)
	}
}
