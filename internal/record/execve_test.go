package record

import (
	"errors"
	"strings"
	"testing"
)

func parseAll(t testing.TB, lines ...string) []*Record {
	t.Helper()
	var recs []*Record
	var p Parser
	for _, l := range lines {
		rec, _, err := p.ParseLine([]byte(l))
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		recs = append(recs, rec.Clone())
	}
	return recs
}

func TestArgv(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string
		err   string // substring; "" for success
	}{
		{"plain", []string{
			`type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 a0=10`,
			`type=EXECVE msg=audit(1.000:1): argc=3 a0="ls" a1="--color=auto" a2="-alF"`,
		}, []string{"ls", "--color=auto", "-alF"}, ""},
		{"hex argument", []string{
			`type=EXECVE msg=audit(1.000:1): argc=2 a0="logger" a1=7A667320696E6372`,
		}, []string{"logger", "zfs incr"}, ""},
		{"empty argument", []string{
			`type=EXECVE msg=audit(1.000:1): argc=2 a0="echo" a1=""`,
		}, []string{"echo", ""}, ""},
		{"chunks across records", []string{
			`type=EXECVE msg=audit(1.000:1): argc=3 a0="/bin/echo" a1_len=12 a1[0]=414243`,
			`type=EXECVE msg=audit(1.000:1):  a1[1]=444546`,
			`type=EXECVE msg=audit(1.000:1):  a1[2]="" a2="end"`,
		}, []string{"/bin/echo", "ABCDEF", "end"}, ""},
		{"quoted chunks", []string{
			`type=EXECVE msg=audit(1.000:1): argc=1 a0_len=6 a0[0]="abc"`,
			`type=EXECVE msg=audit(1.000:1):  a0[1]="def"`,
		}, []string{"abcdef"}, ""},
		{"missing argument", []string{
			`type=EXECVE msg=audit(1.000:1): argc=3 a0="a" a2="c"`,
		}, []string{"a", "", "c"}, "a1 missing"},
		{"argc larger than the arguments", []string{
			`type=EXECVE msg=audit(1.000:1): argc=4294967 a0="a"`,
		}, []string{"a"}, "argc=4294967"},
		{"chunk out of order", []string{
			`type=EXECVE msg=audit(1.000:1): argc=1 a0_len=4 a0[1]="ab" a0[0]="cd"`,
		}, []string{"cd"}, "out of order"},
		{"length mismatch", []string{
			`type=EXECVE msg=audit(1.000:1): argc=1 a0_len=9 a0[0]=4142`,
		}, []string{"AB"}, "a0_len=9"},
		{"no argc", []string{
			`type=EXECVE msg=audit(1.000:1): a0="x"`,
		}, []string{"x"}, "no argc"},
		{"forged index", []string{
			`type=EXECVE msg=audit(1.000:1): argc=1 a0="x" a999999999="y"`,
		}, []string{"x"}, "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Argv(parseAll(t, tc.lines...))
			if strings.Join(got, "\x00") != strings.Join(tc.want, "\x00") || len(got) != len(tc.want) {
				t.Errorf("argv %q, want %q", got, tc.want)
			}
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrArgv)):
				t.Errorf("error %v, want one with %q", err, tc.err)
			}
		})
	}
}
