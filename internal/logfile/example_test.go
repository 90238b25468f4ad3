package logfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/logfile"
)

func ExampleWriter() {
	dir, _ := os.MkdirTemp("", "logfile-example")
	defer os.RemoveAll(dir)
	w, err := logfile.Open(logfile.Config{
		Path:  filepath.Join(dir, "audit.log"),
		Flush: logfile.FlushIncrementalAsync,
		Freq:  50,
		// ENRICHED: the interpretation package supplies this.
		Enrich: func(typ uint32, msg, dst []byte) []byte {
			if typ == abi.AUDIT_SYSCALL {
				dst = append(dst, `ARCH=x86_64 SYSCALL=execve AUID="unset"`...)
			}
			return dst
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	w.WriteEvent([]logfile.Record{
		{Type: abi.AUDIT_SYSCALL, Msg: []byte("audit(1364481363.243:24287): arch=c000003e syscall=59 auid=4294967295")},
		{Type: abi.AUDIT_CWD, Msg: []byte(`audit(1364481363.243:24287): cwd="/"`)},
		{Type: abi.AUDIT_EOE, Msg: []byte("audit(1364481363.243:24287): ")},
	})
	w.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "audit.log"))
	fmt.Printf("%q\n", b)
	fmt.Printf("%+v\n", w.Stats().Records)
	// Output:
	// "type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=59 auid=4294967295\x1dARCH=x86_64 SYSCALL=execve AUID=\"unset\"\ntype=CWD msg=audit(1364481363.243:24287): cwd=\"/\"\n"
	// 2
}
