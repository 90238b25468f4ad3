package search

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Keywords are the words ausearch accepts in place of a date for -ts/-te.
var Keywords = []string{"now", "recent", "this-hour", "boot", "today", "yesterday",
	"this-week", "week-ago", "this-month", "this-year"}

// Clock supplies what time keywords are relative to. The zero value uses
// the wall clock, the local zone and /proc/stat's boot time.
type Clock struct {
	Now  func() time.Time
	Loc  *time.Location
	Boot func() (time.Time, error)
}

func (c Clock) now() time.Time {
	t := time.Now()
	if c.Now != nil {
		t = c.Now()
	}
	return t.In(c.loc())
}

func (c Clock) loc() *time.Location {
	if c.Loc != nil {
		return c.Loc
	}
	return time.Local
}

// ParseTime reads the value of -ts (end false) or -te (end true) as
// ausearch 3.0.9 does in the C locale: a keyword, or a date MM/DD/YY, or
// a time HH:MM[:SS], or a date followed by a time. A missing time means
// midnight for -ts and the current time of day for -te; a missing date
// means today. ausearch takes only a two-digit year in the C locale;
// MM/DD/YYYY is accepted too, and both read in the clock's zone.
//
// The keywords: now; recent (10 minutes ago); this-hour; boot (the second
// the system booted); today (midnight for -ts, now for -te); yesterday,
// this-week (Sunday, day 0 of the C locale's week), week-ago, this-month
// and this-year (midnight of the day each names).
func ParseTime(date, clock string, end bool, c Clock) (time.Time, error) {
	now := c.now()
	loc := c.loc()
	midnight := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	var day time.Time // midnight of the date given
	keyword := false
	switch date {
	case "now":
		return now.Truncate(time.Second), nil
	case "recent":
		return now.Add(-10 * time.Minute).Truncate(time.Second), nil
	case "this-hour":
		return time.Date(now.Year(), now.Month(), now.Day(), now.Hour(), 0, 0, 0, loc), nil
	case "boot":
		boot := bootTime
		if c.Boot != nil {
			boot = c.Boot
		}
		t, err := boot()
		if err != nil {
			return time.Time{}, fmt.Errorf("boot time: %w", err)
		}
		return t.In(loc), nil
	case "today":
		if end {
			return now.Truncate(time.Second), nil
		}
		day, keyword = midnight(now), true
	case "yesterday":
		day, keyword = midnight(now).AddDate(0, 0, -1), true
	case "this-week":
		day, keyword = midnight(now).AddDate(0, 0, -int(now.Weekday())), true
	case "week-ago":
		day, keyword = midnight(now).AddDate(0, 0, -7), true
	case "this-month":
		day, keyword = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc), true
	case "this-year":
		day, keyword = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc), true
	}
	if keyword {
		if clock != "" {
			return time.Time{}, fmt.Errorf("time %q after keyword %q", clock, date)
		}
		return day, nil
	}
	if clock == "" && strings.IndexByte(date, ':') >= 0 {
		date, clock = "", date
	}
	if date == "" {
		day = midnight(now)
	} else {
		d, err := parseDate(date, loc)
		if err != nil {
			return time.Time{}, err
		}
		day = d
	}
	var h, m, s int
	if clock == "" {
		if end {
			h, m, s = now.Hour(), now.Minute(), now.Second()
		}
	} else {
		var err error
		if h, m, s, err = parseClock(clock); err != nil {
			return time.Time{}, err
		}
	}
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, s, 0, loc), nil
}

// ErrBadDate wraps errors of ParseTime about the date or time given.
var ErrBadDate = errors.New("invalid date")

func parseDate(s string, loc *time.Location) (time.Time, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return time.Time{}, fmt.Errorf("%w %q: want MM/DD/YY, MM/DD/YYYY or one of %s", ErrBadDate, s, strings.Join(Keywords, ", "))
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || p == "" || p[0] == '+' || p[0] == '-' {
			return time.Time{}, fmt.Errorf("%w %q: %q is not a number", ErrBadDate, s, p)
		}
		n[i] = v
	}
	mon, mday, year := n[0], n[1], n[2]
	switch len(parts[2]) {
	case 1, 2:
		// strptime's %y: 69-99 are 1969-1999, 00-68 are 2000-2068.
		if year < 69 {
			year += 2000
		} else {
			year += 1900
		}
	case 4:
	default:
		return time.Time{}, fmt.Errorf("%w %q: year %q", ErrBadDate, s, parts[2])
	}
	if mon < 1 || mon > 12 || mday < 1 || mday > 31 {
		return time.Time{}, fmt.Errorf("%w %q: month or day out of range", ErrBadDate, s)
	}
	t := time.Date(year, time.Month(mon), mday, 0, 0, 0, 0, loc)
	if t.Day() != mday {
		return time.Time{}, fmt.Errorf("%w %q: no such day", ErrBadDate, s)
	}
	return t, nil
}

func parseClock(s string) (h, m, sec int, err error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, fmt.Errorf("%w time %q: want HH:MM:SS", ErrBadDate, s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || p == "" || p[0] == '+' || p[0] == '-' {
			return 0, 0, 0, fmt.Errorf("%w time %q: %q is not a number", ErrBadDate, s, p)
		}
		n[i] = v
	}
	if n[0] > 23 || n[1] > 59 || n[2] > 60 {
		return 0, 0, 0, fmt.Errorf("%w time %q: out of range", ErrBadDate, s)
	}
	return n[0], n[1], n[2], nil
}

// IsClock reports whether s reads as a time of day (HH:MM[:SS]), the
// optional second word of -ts and -te.
func IsClock(s string) bool {
	_, _, _, err := parseClock(s)
	return err == nil
}

// bootTime reads btime from /proc/stat: the second the system booted, as
// ausearch's "boot" keyword uses it.
func bootTime() (time.Time, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return time.Time{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "btime "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("/proc/stat btime %q: %w", v, err)
			}
			return time.Unix(n, 0), nil
		}
	}
	if err := sc.Err(); err != nil {
		return time.Time{}, err
	}
	return time.Time{}, errors.New("/proc/stat has no btime")
}
