package contid

import (
	"slices"
	"strings"
	"testing"
)

func TestParseChain(t *testing.T) {
	tests := []struct {
		in   string
		want []Chain
		err  string
	}{
		{"4,^2,^1", []Chain{{4, 2, 1}}, ""},
		{"2,^1,3,^1", []Chain{{2, 1}, {3, 1}}, ""},
		{"527940429489930240", []Chain{{527940429489930240}}, ""},
		{"0", []Chain{{0}}, ""},
		{"18446744073709551614", []Chain{{18446744073709551614}}, ""},
		// The older draft's form, and a mixture.
		{"123^456,789", []Chain{{123, 456}, {789}}, ""},
		{"1^2^3", []Chain{{1, 2, 3}}, ""},
		{"5,^4^3,6", []Chain{{5, 4, 3}, {6}}, ""},
		{"", nil, "empty"},
		{"^1", nil, "ancestor ^ before any contid"},
		{"1,,2", nil, "element 2: empty contid"},
		{"1,", nil, "element 2: empty contid"},
		{"1^", nil, "empty contid"},
		{"1,^", nil, "element 2: empty contid"},
		{"-1", nil, "not a decimal number"},
		{"+1", nil, "not a decimal number"},
		{" 1", nil, "not a decimal number"},
		{"18446744073709551615", nil, "unset value"},
		{"18446744073709551616", nil, "out of range"},
	}
	for _, tt := range tests {
		got, err := ParseChain(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || got != nil {
				t.Errorf("ParseChain(%q) = %v, %v; want error with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("ParseChain(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatChain(t *testing.T) {
	if got := FormatChain(Chain{4, 2, 1}); got != "4,^2,^1" {
		t.Errorf("FormatChain = %q", got)
	}
	if got := FormatChain(Chain{2, 1}, Chain{3, 1}); got != "2,^1,3,^1" {
		t.Errorf("FormatChain = %q", got)
	}
	if got := FormatChain(); got != "" {
		t.Errorf("FormatChain() = %q", got)
	}
	cs, err := ParseChain("123^456,789")
	if err != nil || FormatChain(cs...) != "123,^456,789" {
		t.Errorf("older form rewritten as %q, %v", FormatChain(cs...), err)
	}
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]ID{"-1": Unset, "unset": Unset, "0": 0, "42": 42, "18446744073709551615": Unset} {
		if got, err := ParseID(in); err != nil || got != want {
			t.Errorf("ParseID(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "+1", "-2", "x", "18446744073709551616", " 1"} {
		if _, err := ParseID(in); err == nil {
			t.Errorf("ParseID(%q) succeeded", in)
		}
	}
	var id ID
	if err := id.UnmarshalText([]byte("7")); err != nil || id != 7 {
		t.Errorf("UnmarshalText = %v, %v", id, err)
	}
	if b, _ := Unset.MarshalText(); string(b) != "-1" {
		t.Errorf("MarshalText(Unset) = %s", b)
	}
}

// FuzzParseChain: a result if and only if no error, no empty chain, and a
// round trip through FormatChain that gives the same chains and then the
// same text.
func FuzzParseChain(f *testing.F) {
	for _, s := range []string{"4,^2,^1", "2,^1,3,^1", "123^456,789", "1^2^3", "0", "^1", "1,,2", "-1", "007,^08"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseChain(s)
		if (cs == nil) != (err != nil) {
			t.Fatalf("ParseChain(%q) = %v, %v", s, cs, err)
		}
		if err != nil {
			return
		}
		for _, c := range cs {
			if len(c) == 0 || slices.Contains(c, Unset) {
				t.Fatalf("ParseChain(%q) gave chain %v", s, c)
			}
		}
		text := FormatChain(cs...)
		again, err := ParseChain(text)
		if err != nil || !slices.EqualFunc(cs, again, slices.Equal) {
			t.Fatalf("round trip %q -> %v -> %q -> %v, %v", s, cs, text, again, err)
		}
		if FormatChain(again...) != text {
			t.Fatalf("format not stable for %q", text)
		}
	})
}
