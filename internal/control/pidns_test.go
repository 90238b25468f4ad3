package control

import (
	"slices"
	"testing"
)

func TestParseNSpid(t *testing.T) {
	for _, tc := range []struct {
		status string
		want   []int32
	}{
		{"Name:\tsh\nNSpid:\t4242\t7\t1\nNSsid:\t1\n", []int32{4242, 7, 1}},
		{"Name:\tsh\nNSpid:\t12\n", []int32{12}},
		{"Name:\tsh\nNSpid:\t12\tx\n", nil},
		{"Name:\tsh\n", nil},
	} {
		if got := parseNSpid([]byte(tc.status)); !slices.Equal(got, tc.want) {
			t.Errorf("parseNSpid(%q) = %v, want %v", tc.status, got, tc.want)
		}
	}
}

func FuzzParseNSpid(f *testing.F) {
	f.Add([]byte("Name:\tsh\nNSpid:\t4242\t7\t1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range parseNSpid(b) {
			if p <= 0 {
				t.Fatalf("non-positive PID %d", p)
			}
		}
	})
}
