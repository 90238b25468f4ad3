package logfile

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/metrics"
)

func TestRegisterMetrics(t *testing.T) {
	w, _ := openTest(t, Config{})
	m := metrics.NewRegistry()
	w.RegisterMetrics(m)
	for range 3 {
		if err := w.WriteRecord(abi.AUDIT_SYSCALL, sampleMsg); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := m.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	s := w.Stats()
	for _, want := range []string{
		"contaudit_log_records_written_total 3\n",
		fmt.Sprintf("contaudit_log_bytes_written_total %d\n", s.Bytes),
		"contaudit_log_records_dropped_total 0\n",
		"contaudit_log_slow_flushes_total 0\n",
		"contaudit_log_suspended 0\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, out.String())
		}
	}
}
