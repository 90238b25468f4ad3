package report

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Keywords -ts and -te accept, as ausearch and aureport do.
var Keywords = []string{"now", "recent", "this-hour", "boot", "today", "yesterday",
	"this-week", "week-ago", "this-month", "this-year"}

// ParseTime reads the arguments of -ts (start true) or -te: a keyword, a
// date (MM/DD/YYYY or MM/DD/YY), a time (HH:MM:SS or HH:MM), or a date and
// a time in either order. now is the clock; times are in loc.
//
// A start keyword means the start of its period (this-week: midnight of
// the last Sunday; boot: the boot time; recent: 10 minutes ago), and a date
// alone means its midnight. An end keyword means now, except yesterday
// (23:59:59 yesterday), week-ago (midnight seven days ago) and boot; a date
// alone ends at 23:59:59 of that day. A time alone is today's.
func ParseTime(args []string, start bool, now time.Time, loc *time.Location) (time.Time, error) {
	if len(args) == 0 || len(args) > 2 {
		return time.Time{}, fmt.Errorf("time: want a date and/or a time, got %q", args)
	}
	now = now.In(loc)
	var date, clock string
	for _, a := range args {
		if strings.Contains(a, ":") {
			if clock != "" {
				return time.Time{}, fmt.Errorf("time: two times in %q", args)
			}
			clock = a
		} else {
			if date != "" {
				return time.Time{}, fmt.Errorf("time: two dates in %q", args)
			}
			date = a
		}
	}
	midnight := func(t time.Time) time.Time {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	var day time.Time // midnight of the date; zero: keyword fixed the time
	var t time.Time
	switch date {
	case "":
		day = midnight(now)
	case "now":
		t = now
	case "recent":
		t = now.Add(-10 * time.Minute)
		if !start {
			t = now
		}
	case "this-hour":
		t = now.Truncate(time.Hour)
		if !start {
			t = now
		}
	case "boot":
		b, err := bootTime()
		if err != nil {
			return time.Time{}, err
		}
		t = b.In(loc)
	case "today":
		day = midnight(now)
		if !start && clock == "" {
			t, day = now, time.Time{}
		}
	case "yesterday":
		day = midnight(now).AddDate(0, 0, -1)
	case "this-week":
		day = midnight(now).AddDate(0, 0, -int(now.Weekday()))
		if !start && clock == "" {
			t, day = now, time.Time{}
		}
	case "week-ago":
		day = midnight(now).AddDate(0, 0, -7)
		if !start && clock == "" {
			t, day = day, time.Time{}
		}
	case "this-month":
		y, m, _ := now.Date()
		day = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		if !start && clock == "" {
			t, day = now, time.Time{}
		}
	case "this-year":
		day = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc)
		if !start && clock == "" {
			t, day = now, time.Time{}
		}
	default:
		d, err := parseDate(date, loc)
		if err != nil {
			return time.Time{}, err
		}
		day = d
	}
	if day.IsZero() {
		if clock != "" {
			return time.Time{}, fmt.Errorf("time: %q takes no time of day", date)
		}
		return t, nil
	}
	h, m, s := 0, 0, 0
	switch {
	case clock != "":
		var err error
		if h, m, s, err = parseClock(clock); err != nil {
			return time.Time{}, err
		}
	case !start:
		h, m, s = 23, 59, 59
	}
	y, mo, d := day.Date()
	return time.Date(y, mo, d, h, m, s, 0, loc), nil
}

func parseDate(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"01/02/2006", "1/2/2006", "01/02/06", "1/2/06"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time: bad date %q (want MM/DD/YYYY or one of %s)", s, strings.Join(Keywords, ", "))
}

func parseClock(s string) (h, m, sec int, err error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, fmt.Errorf("time: bad time %q (want HH:MM:SS)", s)
	}
	var v [3]int
	lim := [3]int{23, 59, 59}
	for i, p := range parts {
		n, e := strconv.Atoi(p)
		if e != nil || n < 0 || n > lim[i] {
			return 0, 0, 0, fmt.Errorf("time: bad time %q (want HH:MM:SS)", s)
		}
		v[i] = n
	}
	return v[0], v[1], v[2], nil
}

// bootTime reads btime from /proc/stat.
func bootTime() (time.Time, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return time.Time{}, fmt.Errorf("time: boot: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("btime ")); ok {
			n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("time: boot: %w", err)
			}
			return time.Unix(n, 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("time: boot: no btime in /proc/stat")
}
