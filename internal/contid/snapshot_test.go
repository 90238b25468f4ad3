package contid

import (
	"bytes"
	"encoding/json"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/kerneltest"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// snapshotWorld: host owns 1 (held by n1, delegated) and 2 nests in 1
// (owned by n1, held by n2 and task); b owns 77, held by c.
type snapshotWorld struct {
	*world
	host, n1, n2, task, b, c ProcID
}

func newSnapshotWorld(t *testing.T) *snapshotWorld {
	w := &snapshotWorld{world: newWorld(t, Config{})}
	w.host = w.fork(initProc)
	w.n1 = w.fork(w.host)
	w.set(t, priv(w.host), w.n1, 1, 0)
	if _, err := w.reg.SetCapcontid(priv(w.host), w.n1, true); err != nil {
		t.Fatal(err)
	}
	w.n2 = w.fork(w.n1)
	w.set(t, unpriv(w.n1), w.n2, 2, 0)
	w.task = w.fork(w.n2)
	w.b = w.fork(initProc)
	w.c = w.fork(w.b)
	if _, err := w.reg.SetLabeled(priv(w.b), w.c, 77, Labels{ID: "abc123", Name: "web"}); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestSnapshotRestore(t *testing.T) {
	w := newSnapshotWorld(t)
	snap, err := w.reg.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, snap, "", "\t"); err != nil {
		t.Fatal(err)
	}
	kerneltest.Golden(t, filepath.Join("testdata", "snapshot.golden"), pretty.Bytes(), *update)

	// Restored with everything alive: the same state, the same bytes.
	r, recs, err := Restore(snap, w.tree, Config{})
	if err != nil || len(recs) != 0 {
		t.Fatalf("Restore: %v, records %s", err, recStrings(recs))
	}
	checkInvariants(t, r, w.tree)
	again, _ := r.Snapshot()
	if !bytes.Equal(again, snap) {
		t.Fatalf("snapshot after restore differs:\n%s", again)
	}
	if r.Chain(w.task) != "2,^1" || !r.HasCapcontid(w.n1) {
		t.Fatal("restored state differs")
	}
	if l := r.List(); len(l) != 3 || l[2].ID != 77 || l[2].Labels != (Labels{ID: "abc123", Name: "web"}) || !l[0].Labels.IsZero() {
		t.Fatalf("restored labels: %+v", l)
	}

	// While the daemon was down: task exited, c exited and its PID went to
	// another process, n1's capcontid holder is still there.
	w.tree.exit(w.task)
	w.tree.exit(w.c)
	reused := w.tree.spawnPID(w.b, w.c.PID)
	r, recs, err = Restore(snap, w.tree, Config{})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, r, w.tree)
	if got, want := recStrings(recs), "op=drop opid="+pidStr(w.c)+" contid=-1 old-contid=77"; got != want {
		t.Fatalf("records %q, want %q", got, want)
	}
	for _, p := range []ProcID{reused, w.task, w.c} {
		if id, ok := r.Lookup(p); ok {
			t.Errorf("%v has contid %s after restore", p, id)
		}
	}
	if r.Chain(w.n2) != "2,^1" {
		t.Errorf("Chain(n2) = %q", r.Chain(w.n2))
	}
	// 77 is free again; b is still its own writer.
	w.tree.exit(w.n2)
	w.tree.exit(w.n1)
	w.reg = r
	if got := recStrings(r.Reconcile()); got != "op=drop opid="+pidStr(w.n2)+" contid=-1 old-contid=2|op=drop opid="+pidStr(w.n2)+" contid=-1 old-contid=1" {
		t.Fatalf("Reconcile %q", got)
	}
	w.set(t, priv(w.b), reused, 77, 0)
}

// A version 1 snapshot, written before contids had labels, restores into
// the same state, and is written back as version 2.
func TestRestoreVersion1(t *testing.T) {
	w := newSnapshotWorld(t)
	snap, err := w.reg.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	v1 := strings.Replace(string(snap), `"version":2`, `"version":1`, 1)
	v1 = strings.Replace(v1, `,"container":{"id":"abc123","name":"web"}`, "", 1)
	if v1 == string(snap) || strings.Contains(v1, "container\"") {
		t.Fatalf("cannot make a version 1 snapshot of %s", snap)
	}
	r, recs, err := Restore([]byte(v1), w.tree, Config{})
	if err != nil || len(recs) != 0 {
		t.Fatalf("Restore: %v, records %s", err, recStrings(recs))
	}
	checkInvariants(t, r, w.tree)
	again, _ := r.Snapshot()
	want := strings.Replace(string(snap), `,"container":{"id":"abc123","name":"web"}`, "", 1)
	if string(again) != want {
		t.Fatalf("version 1 restored and written:\n%s\nwant\n%s", again, want)
	}
}

func TestRestoreOrphan(t *testing.T) {
	tree := newFakeTree()
	snap := `{"version":1,"containers":[{"id":"5","parent":"-1","owner":{"pid":1,"start_time":1}}],"procs":[],"capcontid":[]}`
	r, recs, err := Restore([]byte(snap), tree, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := recStrings(recs); got != "op=drop opid=-1 contid=-1 old-contid=5" {
		t.Fatalf("records %q", got)
	}
	checkInvariants(t, r, tree)
}

func TestRestoreInvalid(t *testing.T) {
	const owner = `"owner":{"pid":1,"start_time":1}`
	tests := []struct{ name, snap, err string }{
		{"not json", `{`, "unexpected EOF"},
		{"version", `{"version":3}`, "version 3, want 1 to 2"},
		{"version 0", `{"version":0}`, "version 0, want 1 to 2"},
		{"labels in version 1", `{"version":1,"containers":[{"id":"1","parent":"-1",` + owner + `,"container":{"name":"web"}}]}`, "labels in a version 1 snapshot"},
		{"long label", `{"version":2,"containers":[{"id":"1","parent":"-1",` + owner + `,"container":{"name":"` + strings.Repeat("x", MaxLabelLen+1) + `"}}]}`, "limited to 256 bytes"},
		{"unknown label", `{"version":2,"containers":[{"id":"1","parent":"-1",` + owner + `,"container":{"image":"x"}}]}`, "unknown field"},
		{"unknown field", `{"version":1,"extra":1}`, "unknown field"},
		{"unset id", `{"version":1,"containers":[{"id":"-1","parent":"-1",` + owner + `}]}`, "unset value"},
		{"bad id", `{"version":1,"containers":[{"id":"x","parent":"-1",` + owner + `}]}`, "invalid value"},
		{"twice", `{"version":1,"containers":[{"id":"1","parent":"-1",` + owner + `},{"id":"1","parent":"-1",` + owner + `}]}`, "listed twice"},
		{"no owner", `{"version":1,"containers":[{"id":"1","parent":"-1"}]}`, "no owner"},
		{"parent after", `{"version":1,"containers":[{"id":"2","parent":"1",` + owner + `},{"id":"1","parent":"-1",` + owner + `}]}`, "not listed before it"},
		{"self parent", `{"version":1,"containers":[{"id":"2","parent":"2",` + owner + `}]}`, "not listed before it"},
		{"proc contid", `{"version":1,"procs":[{"proc":{"pid":5,"start_time":9},"contid":"3"}]}`, "contid 3 is not in the snapshot"},
		{"proc zero", `{"version":1,"procs":[{"proc":{"pid":0,"start_time":0},"contid":"3"}]}`, "no PID"},
		{"proc twice", `{"version":1,"containers":[{"id":"3","parent":"-1",` + owner + `}],"procs":[{"proc":{"pid":5,"start_time":9},"contid":"3"},{"proc":{"pid":5,"start_time":9},"contid":"3"}]}`, "listed twice"},
		{"pid beyond PID_MAX_LIMIT", `{"version":1,"containers":[{"id":"3","parent":"-1",` + owner + `}],"procs":[{"proc":{"pid":4194304,"start_time":9},"contid":"3"}]}`, "out of the kernel's range"},
		{"start beyond 2^42", `{"version":1,"containers":[{"id":"3","parent":"-1",` + owner + `}],"procs":[{"proc":{"pid":5,"start_time":4398046511104},"contid":"3"}]}`, "out of the kernel's range"},
		{"trailing", `{"version":1} {}`, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, recs, err := Restore([]byte(tt.snap), newFakeTree(), Config{})
			if err == nil || !strings.Contains(err.Error(), tt.err) || r != nil || recs != nil {
				t.Fatalf("Restore = %v, %v, %v; want error with %q", r, recs, err, tt.err)
			}
		})
	}
}

// SnapshotFunc writes every identity as the mapping gives it: owners,
// holders and capcontid delegates alike.
func TestSnapshotFunc(t *testing.T) {
	w, host, n1 := nestedWorld(t)
	shift := func(p ProcID) ProcID { p.StartTime += 1000; return p }
	data, err := w.reg.SnapshotFunc(shift)
	if err != nil {
		t.Fatal(err)
	}
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if s.Containers[0].Owner != shift(host) || s.Procs[0].Proc != shift(n1) || s.Capcontid[0] != shift(n1) {
		t.Fatalf("snapshot not mapped: %s", data)
	}
	plain, _ := w.reg.Snapshot()
	if same, _ := w.reg.SnapshotFunc(nil); string(same) != string(plain) {
		t.Fatal("SnapshotFunc(nil) differs from Snapshot")
	}
}
