package event

import (
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
)

func TestContainerRecordsJoinTheirSyscall(t *testing.T) {
	for _, typ := range []uint32{abi.AUDIT_CONTAINER_OP, abi.AUDIT_CONTAINER_ID} {
		if IsStandalone(typ) {
			t.Errorf("type %d closes an event on its own", typ)
		}
	}
	if !IsStandalone(2101) {
		t.Error("USER_* records of the second user range stopped being standalone")
	}
}
