package rules_test

import (
	"context"
	"fmt"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/rules"
)

// The audit_rule_data auditctl sends for a watch: an exit rule on every
// syscall with the path, the permissions and the key, in that order.
func ExampleEncode() {
	cmd, err := rules.Parse("-w", "/etc/shadow", "-p", "wa", "-k", "identity")
	if err != nil {
		panic(err)
	}
	d, err := rules.Encode(cmd.Rule)
	if err != nil {
		panic(err)
	}
	fmt.Printf("flags=%d action=%d fields=%d mask[0]=%#x buf=%q\n", d.Flags, d.Action, d.FieldCount, d.Mask[0], d.Buf)
	for i := uint32(0); i < d.FieldCount; i++ {
		fmt.Printf("field %d op %#x value %d\n", d.Fields[i], d.FieldFlags[i], d.Values[i])
	}
	fmt.Println(cmd)
	// Output:
	// flags=4 action=2 fields=3 mask[0]=0xffffffff buf="/etc/shadowidentity"
	// field 105 op 0x40000000 value 11
	// field 106 op 0x40000000 value 10
	// field 210 op 0x40000000 value 8
	// -w /etc/shadow -p wa -k identity
}

// Listing prints rules as `auditctl -l` does, quirks included: uid values
// are signed, several keys are repeated, and a watch is a -w line.
func ExampleListing() {
	var rs []*rules.Rule
	for _, line := range []string{
		"-a always,exit -F arch=b64 -S openat,open -F auid>=1000 -F auid!=unset -k access -k files",
		"-a always,exit -F path=/etc/passwd -F perm=wa -F key=identity",
		"-a never,exclude -F msgtype=CWD",
	} {
		cmd, _, err := rules.ParseLine(line)
		if err != nil {
			panic(err)
		}
		rs = append(rs, cmd.Rule)
	}
	fmt.Print(rules.Listing(rs))
	// Output:
	// -a always,exit -F arch=b64 -S open,openat -F auid>=1000 -F auid!=-1 -F key=access -F key=files
	// -w /etc/passwd -p wa -k identity
	// -a never,exclude -F msgtype=CWD
}

type printKernel struct{}

func (printKernel) AddRule(_ context.Context, r *abi.AuditRuleData) error {
	fmt.Println("add rule with", r.FieldCount, "fields")
	return nil
}
func (printKernel) DeleteRule(context.Context, *abi.AuditRuleData) error { return nil }
func (printKernel) ListRules(context.Context) ([]*abi.AuditRuleData, error) {
	return nil, nil
}
func (printKernel) SetStatus(_ context.Context, s abi.AuditStatus) error {
	fmt.Printf("set status mask %#x\n", s.Mask)
	return nil
}
func (printKernel) SetFeature(context.Context, abi.AuditFeatures) error { return nil }

// Apply runs parsed commands against anything that speaks the Kernel
// interface, such as *auditnl.Conn.
func ExampleApply() {
	var p rules.Parser
	cmd1, _ := p.Parse("-b", "8192")
	cmd2, _ := p.Parse("-a", "always,exit", "-F", "arch=b64", "-S", "execve", "-k", "exec")
	rep, err := rules.Apply(context.Background(), printKernel{}, []rules.Command{cmd1, cmd2}, rules.ApplyOptions{})
	fmt.Println(rep.Added, rep.Failed, err)
	// Output:
	// set status mask 0x10
	// add rule with 2 fields
	// 1 0 <nil>
}

// A daemon builds one ContidFilter from the commands it applies and runs
// every assembled event through it. The exit rule reaches the kernel with
// a tag key; the exclude rule stays in userspace.
func ExampleContidFilter() {
	var cmds []rules.Command
	for _, line := range []string{
		"-a always,exit -F arch=b64 -S openat -F contid=5 -k files",
		"-a always,exclude -F msgtype=PROCTITLE -F contid=5",
	} {
		cmd, _, err := rules.ParseLine(line)
		if err != nil {
			panic(err)
		}
		cmds = append(cmds, cmd)
	}
	d, _ := rules.Encode(cmds[0].Rule)
	r, _ := rules.Decode(d)
	fmt.Println("kernel:", r)

	f, err := rules.NewContidFilter(cmds)
	if err != nil {
		panic(err)
	}
	// The process is in contid 7, nested in 5.
	member := func(id uint64) bool { return id == 7 || id == 5 }
	types := []uint32{abi.AUDIT_SYSCALL, abi.AUDIT_PROCTITLE}
	recs := [][]byte{
		// key "files" and the tag, joined by 0x01 and printed in hex.
		[]byte("audit(1700000000.000:42): arch=c000003e syscall=257 success=yes exit=3 pid=4242 comm=\"cat\" " +
			"key=66696C657301636F6E7461756469742D636F6E7469642D65712D35"),
		[]byte("audit(1700000000.000:42): proctitle=636174"),
	}
	types, recs, dropped := f.Filter(types, recs, member)
	for i := range types {
		fmt.Printf("%d %s\n", types[i], recs[i])
	}
	fmt.Println("dropped", dropped)
	// Output:
	// kernel: -a always,exit -F arch=b64 -S openat -F key=files -F key=contaudit-contid-eq-5
	// 1300 audit(1700000000.000:42): arch=c000003e syscall=257 success=yes exit=3 pid=4242 comm="cat" key="files"
	// dropped 1
}
