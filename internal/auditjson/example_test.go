package auditjson_test

import (
	"fmt"
	"os"

	"github.com/contaudit/contaudit/internal/auditjson"
	"github.com/contaudit/contaudit/internal/event"
	"github.com/contaudit/contaudit/internal/record"
)

func ExampleAppendEvent() {
	rec, _, err := record.ParseLine([]byte(`type=CWD msg=audit(1700000000.123:42): cwd="/root"`))
	if err != nil {
		panic(err)
	}
	key := event.Key{Sec: rec.Sec, Msec: rec.Msec, Serial: rec.Serial}
	os.Stdout.Write(auditjson.AppendEvent(nil, key, []*record.Record{rec}, false))
	// Output:
	// {"schema":"contaudit.event.v1","time":"2023-11-14T22:13:20.123Z","stamp":"1700000000.123","serial":42,"records":[{"type":1307,"name":"CWD","raw":"type=CWD msg=audit(1700000000.123:42): cwd=\"/root\"","fields":[{"key":"cwd","raw":"\"/root\"","kind":"quoted","value":"/root"}]}]}
}

func ExampleDecodeEvent() {
	line := []byte(`{"schema":"contaudit.event.v1","time":"2023-11-14T22:13:20.123Z","stamp":"1700000000.123","serial":42,"records":[{"type":1302,"name":"PATH","raw":"type=PATH msg=audit(1700000000.123:42): name=2F66E9","raw_b64":"dHlwZT1QQVRIIG1zZz1hdWRpdCgxNzAwMDAwMDAwLjEyMzo0Mik6IG5hbWU9MkY2NkU5","fields":[{"key":"name","raw":"2F66E9","kind":"hex","value":"/f\ufffd","value_b64":"L2bp"}]}]}`)
	e, err := auditjson.DecodeEvent(line)
	if err != nil {
		panic(err)
	}
	for _, l := range e.RawLines() {
		fmt.Printf("%s\n", l)
	}
	fmt.Printf("%q\n", e.Records[0].Fields[0].Value)
	// Output:
	// type=PATH msg=audit(1700000000.123:42): name=2F66E9
	// "/f\xe9"
}
