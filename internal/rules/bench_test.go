package rules

import (
	"strings"
	"testing"
)

const benchLine = "-a always,exit -F arch=b64 -S open,openat,openat2,open_by_handle_at -F exit=-EACCES -F auid>=1000 -F auid!=unset -F key=access"

func BenchmarkParseLine(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := testParser.ParseLine(benchLine); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeDecode(b *testing.B) {
	cmd, _, _ := testParser.ParseLine(benchLine)
	b.ReportAllocs()
	for b.Loop() {
		d, _ := Encode(cmd.Rule)
		if _, err := Decode(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListing(b *testing.B) {
	cmd, _, _ := testParser.ParseLine(benchLine)
	rs := make([]*Rule, 100)
	for i := range rs {
		rs[i] = cmd.Rule
	}
	b.ReportAllocs()
	for b.Loop() {
		if s := Listing(rs); !strings.HasPrefix(s, "-a always") {
			b.Fatal(s)
		}
	}
}
