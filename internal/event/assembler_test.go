package event

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
)

const (
	tSYSCALL    = abi.AUDIT_SYSCALL
	tPATH       = abi.AUDIT_PATH
	tEXECVE     = abi.AUDIT_EXECVE
	tPROCTITLE  = abi.AUDIT_PROCTITLE
	tEOE        = abi.AUDIT_EOE
	tAVC        = abi.AUDIT_AVC
	tUSERLOGIN  = 1112
	tDAEMON     = abi.AUDIT_DAEMON_START
	tLOGIN      = abi.AUDIT_LOGIN
	tNETPKT     = abi.AUDIT_NETFILTER_PKT
	tCFGCHANGE  = abi.AUDIT_CONFIG_CHANGE
	tANOMLOGIN  = 2100
	tKERNELBOOT = abi.AUDIT_KERNEL
)

// step is one call on the Assembler. Records are numbered by their step's
// index, so an event prints as the steps it came from.
type step struct {
	op   byte // 'a' Add, 'e' Expire, 'f' Flush
	node string
	sec  int64
	ser  uint64
	typ  uint32
	at   time.Duration
}

func add(ser uint64, typ uint32) step { return step{op: 'a', sec: 100, ser: ser, typ: typ} }
func addAt(ser uint64, typ uint32, at time.Duration) step {
	return step{op: 'a', sec: 100, ser: ser, typ: typ, at: at}
}
func addK(node string, sec int64, ser uint64, typ uint32) step {
	return step{op: 'a', node: node, sec: sec, ser: ser, typ: typ}
}
func expire(at time.Duration) step { return step{op: 'e', at: at} }
func flush() step                  { return step{op: 'f'} }

var t0 = time.Unix(1700000000, 0)

// describe prints an event as node/sec:serial[step ids] reason [late] [pN].
func describe(e Event[int]) string {
	var b strings.Builder
	if e.Key.Node != "" {
		b.WriteString(e.Key.Node + "/")
	}
	if e.Key.Sec != 100 {
		fmt.Fprintf(&b, "%d:", e.Key.Sec)
	}
	fmt.Fprintf(&b, "%d%v %s", e.Key.Serial, e.Records, e.Reason)
	if e.Late {
		b.WriteString(" late")
	}
	if e.Part != 0 {
		fmt.Fprintf(&b, " p%d", e.Part)
	}
	return b.String()
}

// statsLine prints the counters a case is about, the non-zero ones.
func statsLine(s Stats) string {
	var f []string
	for _, c := range []struct {
		name string
		v    uint64
	}{
		{"late", s.Late}, {"lateeoe", s.LateEOE}, {"orphaneoe", s.OrphanEOE},
		{"lost", s.Lost}, {"lostlate", s.LostLate}, {"resets", s.SerialResets},
		{"evicted", s.Evicted}, {"split", s.Split}, {"inflight", uint64(s.InFlight)},
	} {
		if c.v != 0 {
			f = append(f, fmt.Sprintf("%s=%d", c.name, c.v))
		}
	}
	return strings.Join(f, " ")
}

func run(t *testing.T, cfg Config, steps []step) (got []string, a *Assembler[int]) {
	t.Helper()
	a = NewAssembler[int](cfg)
	for i, s := range steps {
		var evs []Event[int]
		switch s.op {
		case 'a':
			k := Key{Node: s.node, Sec: s.sec, Msec: 1, Serial: s.ser}
			evs = a.Add(k, s.typ, i, t0.Add(s.at))
		case 'e':
			evs = a.Expire(t0.Add(s.at))
		case 'f':
			evs = a.Flush()
		}
		for _, e := range evs {
			checkEvent(t, e)
			got = append(got, describe(e))
		}
	}
	return got, a
}

func checkEvent(t *testing.T, e Event[int]) {
	t.Helper()
	if len(e.Records) != len(e.Types) || len(e.Records) == 0 {
		t.Fatalf("event %s: %d records, %d types", describe(e), len(e.Records), len(e.Types))
	}
	if slices.Contains(e.Types, tEOE) {
		t.Fatalf("event %s keeps an EOE", describe(e))
	}
}

func TestAssembler(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		steps []step
		want  []string
		stats string
	}{
		{
			name:  "syscall event ends at EOE, which is not kept",
			steps: []step{add(1, tSYSCALL), add(1, tPATH), add(1, tPROCTITLE), add(1, tEOE)},
			want:  []string{"1[0 1 2] eoe"},
		},
		{
			name:  "USER_* and ANOM user messages stand alone",
			steps: []step{add(1, tUSERLOGIN), add(2, tANOMLOGIN), add(3, 1005), add(4, tNETPKT), add(5, tKERNELBOOT)},
			want:  []string{"1[0] standalone", "2[1] standalone", "3[2] standalone", "4[3] standalone", "5[4] standalone"},
		},
		{
			name:  "DAEMON_* stands alone and stays out of serial tracking",
			steps: []step{add(10, tSYSCALL), add(10, tEOE), add(5000, tDAEMON), add(11, tSYSCALL), add(11, tEOE), flush()},
			want:  []string{"10[0] eoe", "5000[2] standalone", "11[3] eoe"},
		},
		{
			name:  "AVC in a syscall waits for SYSCALL and EOE",
			steps: []step{add(1, tAVC), add(1, tSYSCALL), add(1, tPROCTITLE), add(1, tEOE)},
			want:  []string{"1[0 1 2] eoe"},
		},
		{
			name:  "LOGIN and CONFIG_CHANGE are not guessed standalone",
			steps: []step{add(1, tLOGIN), add(1, tSYSCALL), add(1, tEOE), add(2, tCFGCHANGE), expire(2 * time.Second)},
			want:  []string{"1[0 1] eoe", "2[3] timeout"},
		},
		{
			name:  "AVC alone ends at the timeout, counted from its first record",
			steps: []step{add(1, tAVC), expire(1999 * time.Millisecond), expire(2 * time.Second)},
			want:  []string{"1[0] timeout"},
		},
		{
			name: "interleaved events",
			steps: []step{
				add(1, tSYSCALL), add(2, tSYSCALL), add(1, tPATH), add(2, tPATH),
				add(2, tEOE), add(3, tUSERLOGIN), add(1, tEOE),
			},
			want: []string{"2[1 3] eoe", "3[5] standalone", "1[0 2] eoe"},
		},
		{
			name:  "record after EOE is a late event of its own",
			steps: []step{add(1, tSYSCALL), add(1, tEOE), add(1, tPATH), add(1, tPATH), add(2, tSYSCALL), flush()},
			want:  []string{"1[0] eoe", "1[2 3] flush late", "2[4] flush"},
			stats: "late=2",
		},
		{
			name:  "record after a standalone one with its Key is late",
			steps: []step{add(1, tUSERLOGIN), add(1, tSYSCALL), add(1, tEOE)},
			want:  []string{"1[0] standalone", "1[1] eoe late"},
			stats: "late=1",
		},
		{
			name:  "record after timeout is late",
			steps: []step{add(1, tSYSCALL), expire(3 * time.Second), addAt(1, tPATH, 3*time.Second), addAt(1, tEOE, 3*time.Second)},
			want:  []string{"1[0] timeout", "1[2] eoe late"},
			stats: "late=1",
		},
		{
			name:  "PROCTITLE ends the event in file mode; the EOE after it is absorbed",
			cfg:   Config{CloseOnProctitle: true},
			steps: []step{add(1, tSYSCALL), add(1, tPATH), add(1, tPROCTITLE), add(1, tEOE), add(2, tPROCTITLE)},
			want:  []string{"1[0 1 2] proctitle", "2[4] proctitle"},
			stats: "lateeoe=1",
		},
		{
			name:  "PROCTITLE is an ordinary record for netlink",
			steps: []step{add(1, tSYSCALL), add(1, tPROCTITLE), add(1, tEOE)},
			want:  []string{"1[0 1] eoe"},
		},
		{
			name:  "EOE with no records is counted and dropped",
			steps: []step{add(7, tEOE), flush()},
			stats: "orphaneoe=1",
		},
		{
			name: "serial wrap never merges and loses nothing",
			steps: []step{
				add(1<<32-2, tSYSCALL), add(1<<32-1, tSYSCALL), add(0, tSYSCALL), add(1, tSYSCALL),
				add(1<<32-1, tEOE), add(0, tEOE), add(1<<32-2, tEOE), add(1, tEOE), flush(),
			},
			want: []string{"4294967295[1] eoe", "0[2] eoe", "4294967294[0] eoe", "1[3] eoe"},
		},
		{
			name:  "same serial, other timestamp: two events",
			steps: []step{addK("", 100, 5, tSYSCALL), addK("", 200, 5, tSYSCALL), addK("", 100, 5, tEOE), addK("", 200, 5, tEOE)},
			want:  []string{"5[0] eoe", "200:5[1] eoe"},
		},
		{
			name: "nodes are apart for keys and serial tracking",
			steps: []step{
				addK("a", 100, 1, tSYSCALL), addK("b", 100, 1, tSYSCALL), addK("a", 100, 3, tSYSCALL),
				addK("b", 100, 2, tSYSCALL), addK("b", 100, 1, tEOE), addK("a", 100, 1, tEOE), flush(),
			},
			want:  []string{"b/1[1] eoe", "a/1[0] eoe", "a/3[2] flush", "b/2[3] flush"},
			stats: "lost=1",
		},
		{
			name:  "gap counted at flush",
			steps: []step{add(1, tUSERLOGIN), add(5, tUSERLOGIN), flush()},
			want:  []string{"1[0] standalone", "5[1] standalone"},
			stats: "lost=3",
		},
		{
			name:  "reordered serials inside the window are not lost",
			steps: []step{add(1, tUSERLOGIN), add(3, tUSERLOGIN), add(2, tUSERLOGIN), flush()},
			want:  []string{"1[0] standalone", "3[1] standalone", "2[2] standalone"},
		},
		{
			name: "gap counted when it leaves the window",
			cfg:  Config{History: 64},
			// 2..36 fall out of the window when 100 arrives; 37..99 at flush.
			steps: []step{add(1, tUSERLOGIN), add(100, tUSERLOGIN)},
			want:  []string{"1[0] standalone", "100[1] standalone"},
			stats: "lost=35",
		},
		{
			name:  "gap left by the window counted at flush",
			cfg:   Config{History: 64},
			steps: []step{add(1, tUSERLOGIN), add(100, tUSERLOGIN), flush()},
			want:  []string{"1[0] standalone", "100[1] standalone"},
			stats: "lost=98",
		},
		{
			name: "gap counted by Expire once the serial above it is old",
			steps: []step{
				add(1, tUSERLOGIN), add(3, tUSERLOGIN), addAt(6, tUSERLOGIN, time.Second),
				expire(1999 * time.Millisecond), add(2, tUSERLOGIN),
				expire(2 * time.Second), expire(2999 * time.Millisecond),
			},
			want: []string{"1[0] standalone", "3[1] standalone", "6[2] standalone", "2[4] standalone"},
		},
		{
			name: "gaps expire one by one as they come due",
			steps: []step{
				add(1, tUSERLOGIN), add(3, tUSERLOGIN), addAt(6, tUSERLOGIN, time.Second),
				expire(2 * time.Second),
			},
			want:  []string{"1[0] standalone", "3[1] standalone", "6[2] standalone"},
			stats: "lost=1",
		},
		{
			name: "gaps all due",
			steps: []step{
				add(1, tUSERLOGIN), add(3, tUSERLOGIN), addAt(6, tUSERLOGIN, time.Second),
				expire(2 * time.Second), expire(3 * time.Second),
			},
			want:  []string{"1[0] standalone", "3[1] standalone", "6[2] standalone"},
			stats: "lost=3",
		},
		{
			name: "serial counted lost that arrives later",
			steps: []step{
				add(1, tUSERLOGIN), add(3, tUSERLOGIN), expire(2 * time.Second),
				addAt(2, tSYSCALL, 2*time.Second), addAt(2, tEOE, 2*time.Second), flush(),
			},
			want:  []string{"1[0] standalone", "3[1] standalone", "2[3] eoe"},
			stats: "lost=1 lostlate=1",
		},
		{
			name:  "counter restart (reboot) is not a loss",
			steps: []step{add(100000, tUSERLOGIN), add(100001, tUSERLOGIN), add(5, tUSERLOGIN), add(6, tUSERLOGIN), flush()},
			want:  []string{"100000[0] standalone", "100001[1] standalone", "5[2] standalone", "6[3] standalone"},
			stats: "resets=1",
		},
		{
			name: "oldest event evicted beyond MaxInFlight",
			cfg:  Config{MaxInFlight: 2},
			steps: []step{
				add(1, tSYSCALL), add(2, tSYSCALL), add(3, tSYSCALL), add(1, tPATH),
				add(3, tEOE), add(2, tEOE), add(1, tEOE),
			},
			want:  []string{"1[0] evicted", "2[1] evicted", "3[2] eoe", "1[3] eoe late"},
			stats: "late=1 lateeoe=1 evicted=2",
		},
		{
			name: "event beyond MaxRecords is emitted in parts",
			cfg:  Config{MaxRecords: 3},
			steps: []step{
				add(1, tSYSCALL), add(1, tEXECVE), add(1, tEXECVE), add(1, tEXECVE),
				add(1, tEXECVE), add(1, tEXECVE), add(1, tEXECVE), add(1, tEOE),
			},
			want:  []string{"1[0 1 2] split", "1[3 4 5] split p1", "1[6] eoe p2"},
			stats: "split=2",
		},
		{
			name:  "a standalone type joins an open event with its Key",
			steps: []step{add(1, tSYSCALL), add(1, tUSERLOGIN), add(1, tEOE)},
			want:  []string{"1[0 1] eoe"},
		},
		{
			name:  "Standalone can be overridden",
			cfg:   Config{Standalone: func(typ uint32) bool { return typ == tAVC }},
			steps: []step{add(1, tAVC), add(2, tUSERLOGIN), flush()},
			want:  []string{"1[0] standalone", "2[1] flush"},
		},
		{
			name:  "open events at flush, oldest first",
			steps: []step{add(2, tSYSCALL), add(1, tSYSCALL), add(2, tPATH), flush()},
			want:  []string{"2[0 2] flush", "1[1] flush"},
		},
		{
			name:  "open events are counted",
			steps: []step{add(1, tSYSCALL), add(2, tSYSCALL), add(2, tEOE), add(3, tSYSCALL)},
			want:  []string{"2[1] eoe"},
			stats: "inflight=2",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, a := run(t, c.cfg, c.steps)
			if !slices.Equal(got, c.want) {
				t.Errorf("events:\n got %q\nwant %q", got, c.want)
			}
			if s := statsLine(a.Stats()); s != c.stats {
				t.Errorf("stats: got %q, want %q", s, c.stats)
			}
		})
	}
}

// TestBorrowedSlices pins the ownership rule: an event's slices are reused
// after the next call, and Clone detaches them.
func TestBorrowedSlices(t *testing.T) {
	a := NewAssembler[int](Config{})
	k := Key{Sec: 1, Serial: 1}
	a.Add(k, tSYSCALL, 10, t0)
	evs := a.Add(k, tEOE, 0, t0)
	if len(evs) != 1 {
		t.Fatalf("got %d events", len(evs))
	}
	kept := evs[0].Clone()
	borrowed := evs[0].Records
	k2 := Key{Sec: 1, Serial: 2}
	a.Add(k2, tSYSCALL, 20, t0)
	a.Add(k2, tEOE, 0, t0)
	if kept.Records[0] != 10 {
		t.Errorf("clone changed: %v", kept.Records)
	}
	if borrowed[:1][0] != 20 {
		t.Logf("slice not reused (allowed, but the pool should make it so): %v", borrowed[:1])
	}
}

func TestReasonString(t *testing.T) {
	for r, want := range map[Reason]string{EndEOE: "eoe", EndFlush: "flush", 0: "Reason(0)", 99: "Reason(99)"} {
		if got := r.String(); got != want {
			t.Errorf("Reason(%d).String() = %q, want %q", r, got, want)
		}
	}
}

func TestIsStandalone(t *testing.T) {
	for typ, want := range map[uint32]bool{
		abi.AUDIT_USER: true, 1100: true, 1112: true, 1199: true, 1200: true, 1299: true,
		2000: true, 2100: true, 2999: true, tNETPKT: true,
		tSYSCALL: false, tEOE: false, tAVC: false, tLOGIN: false, tCFGCHANGE: false,
		abi.AUDIT_NETFILTER_CFG: false, 1700: false, 1800: false, 3000: false, 1099: false,
	} {
		if got := IsStandalone(typ); got != want {
			t.Errorf("IsStandalone(%d) = %v, want %v", typ, got, want)
		}
	}
}

func TestEachOpen(t *testing.T) {
	a := NewAssembler[int](Config{CloseOnProctitle: true})
	now := time.Unix(100, 0)
	a.Add(Key{Sec: 1, Serial: 1}, abi.AUDIT_SYSCALL, 1, now)
	a.Add(Key{Sec: 1, Serial: 2}, abi.AUDIT_SYSCALL, 2, now)
	a.Add(Key{Sec: 1, Serial: 1}, abi.AUDIT_PATH, 3, now)
	a.Add(Key{Sec: 1, Serial: 2}, abi.AUDIT_PROCTITLE, 4, now) // closes 2
	var got []int
	a.EachOpen(func(r *int) { got = append(got, *r); *r *= 10 })
	if !slices.Equal(got, []int{1, 3}) {
		t.Fatalf("open records %v, want [1 3]", got)
	}
	evs := a.Flush()
	if len(evs) != 1 || !slices.Equal(evs[0].Records, []int{10, 30}) {
		t.Fatalf("flushed %+v: EachOpen's writes were lost", evs)
	}
}

func TestKeyEqual(t *testing.T) {
	keys := []Key{{}, {Node: "a"}, {Sec: 1}, {Msec: 1}, {Serial: 1}, {Node: "a", Sec: 1, Msec: 2, Serial: 3}, {Node: "b", Sec: 1, Msec: 2, Serial: 3}}
	for _, a := range keys {
		for _, b := range keys {
			if a.Equal(b) != (a == b) {
				t.Errorf("%+v.Equal(%+v) = %v", a, b, a.Equal(b))
			}
		}
	}
}
