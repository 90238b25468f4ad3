package record_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/contaudit/contaudit/internal/record"
)

func ExampleReader() {
	log := `type=SYSCALL msg=audit(1492037291.036:59): arch=c000003e syscall=59 comm="grep" exe=2F7573722F62696E2F67726570 key=(null)
type=EXECVE msg=audit(1492037291.036:59): argc=2 a0="grep" a1="-v"
this line is not a record
type=EOE msg=audit(1492037291.036:59):
`
	r := record.NewReader(strings.NewReader(log), "audit.log")
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var perr *record.ParseError
		if errors.As(err, &perr) {
			fmt.Println("skipped:", perr)
			continue
		}
		if err != nil {
			panic(err)
		}
		fmt.Println(rec.TypeName, rec.Serial, len(rec.Fields))
		if exe := rec.Lookup("exe"); exe != nil {
			fmt.Printf("exe=%s (%s, written %s)\n", exe.Value, exe.Kind, exe.Raw)
		}
	}
	fmt.Printf("%+v\n", r.Stats())
	// Output:
	// SYSCALL 59 5
	// exe=/usr/bin/grep (hex, written 2F7573722F62696E2F67726570)
	// EXECVE 59 3
	// skipped: parse record: audit.log:3:1: record does not start with type=
	// EOE 59 0
	// {Lines:4 Skipped:0 Records:3 Errors:1}
}

func ExampleParser_ParseLine() {
	var p record.Parser
	line := []byte("type=USER_LOGIN msg=audit(1492896301.818:19955): pid=12635 uid=0 msg='op=login acct=28696E76616C6964207573657229 res=failed'\x1dUID=\"root\"")
	rec, _, err := p.ParseLine(line)
	if err != nil {
		panic(err)
	}
	for _, f := range rec.Fields {
		fmt.Printf("%s=%q inner=%v\n", f.Key, f.Value, f.Flags&record.FieldInner != 0)
	}
	fmt.Printf("enriched %s=%s\n", rec.Enriched[0].Key, rec.Enriched[0].Value)
	// Output:
	// pid="12635" inner=false
	// uid="0" inner=false
	// msg="op=login acct=28696E76616C6964207573657229 res=failed" inner=false
	// op="login" inner=true
	// acct="(invalid user)" inner=true
	// res="failed" inner=true
	// enriched UID=root
}

func ExampleArgv() {
	var recs []*record.Record
	var p record.Parser
	for _, l := range []string{
		`type=EXECVE msg=audit(1.000:1): argc=2 a0="echo" a1_len=16 a1[0]=41424344`,
		`type=EXECVE msg=audit(1.000:1):  a1[1]=20454647`,
	} {
		rec, _, err := p.ParseLine([]byte(l))
		if err != nil {
			panic(err)
		}
		recs = append(recs, rec.Clone()) // the parser reuses rec
	}
	argv, err := record.Argv(recs)
	fmt.Printf("%q %v\n", argv, err)
	// Output:
	// ["echo" "ABCD EFG"] <nil>
}
