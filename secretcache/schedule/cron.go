package schedule

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// cron(Minutes Hours Day-of-month Month Day-of-week Year), EventBridge syntax [EB]:
//
//	Field          Values            Wildcards
//	Minutes        0-59              , - * /
//	Hours          0-23              , - * /
//	Day-of-month   1-31              , - * ? / L W
//	Month          1-12 or JAN-DEC   , - * /
//	Day-of-week    1-7 or SUN-SAT    , - * ? L #     (1 = Sunday, not Monday as in Unix cron)
//	Year           1970-2199         , - * /
//
// Details and surprises, with where they come from:
//   - Exactly one of day-of-month and day-of-week is "?": "You can't specify the Day-of-month
//     and Day-of-week fields in the same cron expression. If you specify a value (or a *) in
//     one of the fields, you must use a ? (question mark) in the other" [EB]. Both "?" is
//     rejected too (as Quartz, which this syntax comes from, does).
//   - "L" alone in day-of-week is the last day of the week, Saturday (7); "5L" or "THUL" is
//     the last Thursday of the month ([UG]: "SUNL means the last Sunday of the month").
//   - "3#2" is the second Tuesday; "If you use the '#' character, you can define only one
//     expression in the day-of-week field. For example, "3#1,6#3" is not valid" [EB].
//   - "3W" is the weekday nearest the 3rd, never crossing into another month (1W on a Saturday
//     is Monday the 3rd); "LW" is the last weekday of the month. "L", "LW" and "nW" stand alone.
//   - "a/b" starts at a and steps by b up to the end of the field's range: hours "4/12" is 4:00
//     and 16:00, and it "resets each day" [UG]; "*/b" starts at the field's minimum.
//   - Month and day names are case-insensitive (as in Quartz); the rate(/cron( prefix is not.
//   - [UG]'s older example table has "cron(0 1 * 1/3 SUN *)" (every three months on Sunday),
//     which sets both day fields and so breaks the ? rule; the valid form is cron(0 1 ? 1/3 SUN *).
//   - Unconfirmed choices: ranges must run forwards ("FRI-MON" is rejected, write
//     "FRI-SAT,SUN-MON"); "/" is also accepted in day-of-week ([EB] lists it in some
//     languages' tables and [UG] lists it); fields are separated by exactly one space.
//
// Secrets Manager narrows this further (Rules.Validate, limits below): minutes must be 0, year
// must be *, rotations at least 4 hours apart and at most a year apart [UG].

const (
	minYear = 1970
	maxYear = 2199
)

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// cronField describes one field's range for the generic list syntax.
type cronField struct {
	name     string
	min, max int
	names    []string // names[i] is min+i
}

var (
	fieldMinutes = cronField{name: "minutes", min: 0, max: 59}
	fieldHours   = cronField{name: "hours", min: 0, max: 23}
	fieldDOM     = cronField{name: "day-of-month", min: 1, max: 31}
	fieldMonth   = cronField{name: "month", min: 1, max: 12, names: monthNames}
	fieldDOW     = cronField{name: "day-of-week", min: 1, max: 7, names: dayNames}
	fieldYear    = cronField{name: "year", min: minYear, max: maxYear}
)

// cronExpr is a parsed cron(). Bit i of a mask means value i.
type cronExpr struct {
	src     string
	fields  [6]string // as written
	minutes uint64
	hours   uint64
	months  uint64 // bits 1..12
	years   [4]uint64
	dom     domSpec
	dow     dowSpec
}

type domSpec struct {
	question bool   // ?
	days     uint64 // bits 1..31
	last     bool   // L
	lastWeek bool   // LW
	nearest  int    // nW; 0 = none
}

type dowSpec struct {
	question bool   // ?
	days     uint64 // bits 1..7, 1 = Sunday
	lastOf   int    // nL: the last weekday n of the month; 0 = none
	nth      int    // n#k: weekday n ...
	nthK     int    // ... the k-th of the month
}

func parseCron(src, inner string) (*cronExpr, error) {
	fields := strings.Split(inner, " ")
	for _, f := range fields {
		if f == "" {
			return nil, exprErr(src, "separate the cron() fields with single spaces")
		}
	}
	if len(fields) != 6 {
		hint := `e.g. cron(0 10 ? * MON *)`
		if len(fields) == 5 {
			hint = fmt.Sprintf("AWS cron() has a year field that Unix cron lacks; add it, e.g. cron(%s *)", inner)
		}
		return nil, exprErr(src, "cron() needs 6 fields (minutes hours day-of-month month day-of-week year) but has %d; %s", len(fields), hint)
	}
	c := &cronExpr{src: src}
	copy(c.fields[:], fields)
	up := func(i int) string { return strings.ToUpper(fields[i]) }
	var err error
	if err = parseMask(c, fieldMinutes, up(0), &c.minutes); err != nil {
		return nil, err
	}
	if err = parseMask(c, fieldHours, up(1), &c.hours); err != nil {
		return nil, err
	}
	if err = c.parseDOM(up(2)); err != nil {
		return nil, err
	}
	if err = parseMask(c, fieldMonth, up(3), &c.months); err != nil {
		return nil, err
	}
	if err = c.parseDOW(up(4)); err != nil {
		return nil, err
	}
	if err = c.parseList(fieldYear, up(5), func(y int) { c.years[(y-minYear)/64] |= 1 << ((y - minYear) % 64) }); err != nil {
		return nil, err
	}
	switch {
	case c.dom.question && c.dow.question:
		return nil, exprErr(src, "day-of-month and day-of-week are both ?; exactly one of them must be ?, e.g. %s", c.with(2, "*"))
	case !c.dom.question && !c.dow.question:
		return nil, exprErr(src, "day-of-month (%s) and day-of-week (%s) are both set; exactly one of them must be ?, e.g. %s or %s",
			fields[2], fields[4], c.with(4, "?"), c.with(2, "?"))
	}
	return c, nil
}

// with returns the expression with field i replaced, for suggestions.
func (c *cronExpr) with(i int, v string) string {
	f := c.fields
	f[i] = v
	return "cron(" + strings.Join(f[:], " ") + ")"
}

func (c *cronExpr) fieldErr(f cronField, raw, format string, args ...any) error {
	return exprErr(c.src, "%s field %q: %s", f.name, raw, fmt.Sprintf(format, args...))
}

func parseMask(c *cronExpr, f cronField, s string, mask *uint64) error {
	return c.parseList(f, s, func(v int) { *mask |= 1 << v })
}

// parseList parses the generic syntax: a comma-separated list of *, v, a-b, each optionally
// followed by /step.
func (c *cronExpr) parseList(f cronField, s string, add func(int)) error {
	dayField := f.name == "day-of-month" || f.name == "day-of-week"
	switch {
	case strings.Contains(s, "?") && dayField:
		return c.fieldErr(f, s, "? must stand alone")
	case strings.Contains(s, "?"):
		return c.fieldErr(f, s, "? is only allowed in day-of-month or day-of-week")
	case strings.Contains(s, "#") && f.name == "day-of-week":
		return c.fieldErr(f, s, "with # the day-of-week field must be a single n#k item, e.g. 3#2 or TUE#2; lists like 3#1,6#3 aren't allowed")
	case strings.Contains(s, "#"):
		return c.fieldErr(f, s, "# is only allowed in day-of-week, e.g. cron(0 10 ? * 3#2 *)")
	}
	for item := range strings.SplitSeq(s, ",") {
		if err := c.parseItem(f, s, item, add); err != nil {
			return err
		}
	}
	return nil
}

func (c *cronExpr) parseItem(f cronField, whole, item string, add func(int)) error {
	if item == "" {
		return c.fieldErr(f, whole, "empty list item; remove the extra comma")
	}
	rng, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		if !allDigits(stepText) || len(stepText) > 4 {
			return c.fieldErr(f, whole, "the increment after / must be a positive whole number, e.g. %s", "0/4")
		}
		step, _ = strconv.Atoi(stepText)
		if width := f.max - f.min + 1; step < 1 || step > width {
			return c.fieldErr(f, whole, "the increment %s must be between 1 and %d", stepText, width)
		}
	}
	var lo, hi int
	switch {
	case rng == "*":
		lo, hi = f.min, f.max
	case strings.Contains(rng, "-"):
		a, b, _ := strings.Cut(rng, "-")
		var err error
		if lo, err = c.value(f, whole, a); err != nil {
			return err
		}
		if hi, err = c.value(f, whole, b); err != nil {
			return err
		}
		if lo > hi {
			left, right := a+"-"+f.label(f.max), f.label(f.min)+"-"+b
			if lo == f.max {
				left = a
			}
			if hi == f.min {
				right = b
			}
			return c.fieldErr(f, whole, "the range %s runs backwards; ranges can't wrap around, so split it, e.g. %s,%s", rng, left, right)
		}
	default:
		v, err := c.value(f, whole, rng)
		if err != nil {
			return err
		}
		lo, hi = v, v
		if hasStep {
			hi = f.max
		}
	}
	for v := lo; v <= hi; v += step {
		add(v)
	}
	return nil
}

func (f cronField) label(v int) string {
	if f.names != nil {
		return f.names[v-f.min]
	}
	return strconv.Itoa(v)
}

// value parses one number or name of field f.
func (c *cronExpr) value(f cronField, whole, tok string) (int, error) {
	if allDigits(tok) {
		if len(tok) <= 4 {
			if v, _ := strconv.Atoi(tok); v >= f.min && v <= f.max {
				return v, nil
			}
		}
		hint := ""
		switch f.name {
		case "day-of-week":
			hint = " (1 = SUN ... 7 = SAT)"
		case "hours":
			hint = " (UTC)"
		}
		return 0, c.fieldErr(f, whole, "%s is out of range %d-%d%s", tok, f.min, f.max, hint)
	}
	for i, n := range f.names {
		if tok == n {
			return f.min + i, nil
		}
	}
	switch {
	case tok == "":
		return 0, c.fieldErr(f, whole, "a value is missing")
	case f.name == "day-of-month" && strings.ContainsAny(tok, "LW"):
		return 0, c.fieldErr(f, whole, "L, LW and nW must stand alone in day-of-month (e.g. L, LW, 15W); they can't be combined with other values")
	case f.name == "day-of-week" && strings.HasSuffix(tok, "L"):
		return 0, c.fieldErr(f, whole, "L and nL must stand alone in day-of-week (e.g. L, 6L, FRIL); they can't be combined with other values")
	case f.name == "day-of-week" && strings.HasSuffix(tok, "W"):
		return 0, c.fieldErr(f, whole, "W is only allowed in day-of-month, e.g. 15W")
	case strings.ContainsAny(tok, "LW") && len(tok) <= 3 && f.names == nil:
		return 0, c.fieldErr(f, whole, "L and W are only allowed in day-of-month and day-of-week")
	case f.names != nil:
		return 0, c.fieldErr(f, whole, "%q is not a %s; use %d-%d or %s-%s", tok, strings.TrimPrefix(f.name, "day-of-"), f.min, f.max, f.names[0], f.names[len(f.names)-1])
	}
	return 0, c.fieldErr(f, whole, "%q is not a number in %d-%d", tok, f.min, f.max)
}

func (c *cronExpr) parseDOM(s string) error {
	switch {
	case s == "?":
		c.dom.question = true
	case s == "L":
		c.dom.last = true
	case s == "LW":
		c.dom.lastWeek = true
	case len(s) > 1 && strings.HasSuffix(s, "W") && allDigits(s[:len(s)-1]):
		v, err := c.value(fieldDOM, s, s[:len(s)-1])
		if err != nil {
			return err
		}
		c.dom.nearest = v
	default:
		return parseMask(c, fieldDOM, s, &c.dom.days)
	}
	return nil
}

func (c *cronExpr) parseDOW(s string) error {
	switch {
	case s == "?":
		c.dow.question = true
	case s == "L":
		c.dow.days = 1 << 7 // the last day of the week: Saturday
	case strings.Contains(s, "#") && !strings.ContainsAny(s, ",-/*?"):
		d, k, _ := strings.Cut(s, "#")
		v, err := c.value(fieldDOW, s, d)
		if err != nil {
			return err
		}
		if len(k) != 1 || k[0] < '1' || k[0] > '5' {
			return c.fieldErr(fieldDOW, s, "the number after # must be 1-5 (the n-th such weekday of the month)")
		}
		c.dow.nth, c.dow.nthK = v, int(k[0]-'0')
	case len(s) > 1 && strings.HasSuffix(s, "L") && !strings.ContainsAny(s, ",-/*?#"):
		v, err := c.value(fieldDOW, s, s[:len(s)-1])
		if err != nil {
			return err
		}
		c.dow.lastOf = v
	default:
		return parseMask(c, fieldDOW, s, &c.dow.days)
	}
	return nil
}

func (c *cronExpr) String() string { return c.src }

// Next returns the first minute strictly after after (in UTC) that the expression matches,
// or the zero time if there is none up to the end of 2199.
func (c *cronExpr) Next(after time.Time) time.Time {
	t := after.UTC().Truncate(time.Minute).Add(time.Minute)
	y, mo, d := t.Date()
	h, mi := t.Hour(), t.Minute()
	if y < minYear {
		y, mo, d, h, mi = minYear, time.January, 1, 0, 0
	}
	for ; y <= maxYear; y, mo, d, h, mi = y+1, time.January, 1, 0, 0 {
		if c.years[(y-minYear)/64]&(1<<((y-minYear)%64)) == 0 {
			continue
		}
		for ; mo <= time.December; mo, d, h, mi = mo+1, 1, 0, 0 {
			if c.months&(1<<mo) == 0 {
				continue
			}
			dim := daysIn(y, mo)
			wd := int(time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1
			for ; d <= dim; d, h, mi, wd = d+1, 0, 0, wd%7+1 {
				if !c.dayMatches(d, wd, dim) {
					continue
				}
				if hh, mm, ok := c.timeFrom(h, mi); ok {
					return time.Date(y, mo, d, hh, mm, 0, 0, time.UTC)
				}
			}
		}
	}
	return time.Time{}
}

// timeFrom returns the first matching hour:minute at or after h:mi on a matching day.
func (c *cronExpr) timeFrom(h, mi int) (int, int, bool) {
	for ; h < 24; h, mi = h+1, 0 {
		if c.hours&(1<<h) == 0 {
			continue
		}
		if m := c.minutes >> mi << mi; m != 0 {
			return h, bits.TrailingZeros64(m), true
		}
	}
	return 0, 0, false
}

// dayMatches reports whether day d of a month with dim days, falling on weekday wd
// (1 = Sunday), matches. Exactly one of the day fields is "?".
func (c *cronExpr) dayMatches(d, wd, dim int) bool {
	weekdayOf := func(x int) int { return ((wd-1+x-d)%7+7)%7 + 1 }
	if !c.dom.question {
		s := &c.dom
		switch {
		case s.days&(1<<d) != 0:
			return true
		case s.last:
			return d == dim
		case s.lastWeek:
			switch weekdayOf(dim) {
			case 7:
				return d == dim-1
			case 1:
				return d == dim-2
			}
			return d == dim
		case s.nearest != 0:
			n := s.nearest
			if n > dim {
				return false
			}
			switch weekdayOf(n) {
			case 7: // Saturday: the Friday before, unless that is in the previous month
				if n == 1 {
					return d == 3
				}
				return d == n-1
			case 1: // Sunday: the Monday after, unless that is in the next month
				if n == dim {
					return d == n-2
				}
				return d == n+1
			}
			return d == n
		}
		return false
	}
	s := &c.dow
	switch {
	case s.days&(1<<wd) != 0:
		return true
	case s.lastOf != 0:
		return wd == s.lastOf && d+7 > dim
	case s.nth != 0:
		return wd == s.nth && (d-1)/7+1 == s.nthK
	}
	return false
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// monthDays summarizes the matching days of one month shape: the first and last matching
// day (0 = none) and the smallest and largest gaps between consecutive matching days (0 when
// fewer than two days match).
type monthDays struct{ first, last, minGap, maxGap int }

// cronShape summarizes when a Secrets Manager cron() fires (minutes 0, year *).
type cronShape struct {
	hours           []int // hours of the day that fire, ascending
	minGap          int   // fewest hours between two consecutive rotations
	gapFrom, gapTo  int   // the hours of that closest pair
	consecutiveDays bool  // some two consecutive days both fire
}

// inHours reports whether this is "a schedule in hours" (several windows a day), whose
// default window is one hour, rather than "a schedule in days" [API].
func (s cronShape) inHours() bool { return len(s.hours) > 1 }

// limits applies the Secrets Manager restrictions of [UG] to a parsed cron().
func (c *cronExpr) limits() (cronShape, error) {
	var s cronShape
	// "A cron expression for Secrets Manager must have 0 in the minutes field because Secrets
	// Manager rotation windows open on the hour. It must have * in the year field, because
	// Secrets Manager does not support rotation schedules that are more than a year apart." [UG]
	if c.minutes != 1 {
		return s, exprErr(c.src, "the minutes field must be 0 because Secrets Manager rotation windows open on the hour; use %s", c.with(0, "0"))
	}
	if c.fields[5] != "*" {
		return s, exprErr(c.src, "the year field must be * because Secrets Manager doesn't support schedules more than a year apart; use %s", c.with(5, "*"))
	}
	for h := range 24 {
		if c.hours&(1<<h) != 0 {
			s.hours = append(s.hours, h)
		}
	}
	count, maxGap, consecutive := c.dayStats()
	s.consecutiveDays = consecutive
	if count == 0 {
		return s, exprErr(c.src, "never matches a date (day-of-month %s in month %s doesn't exist); pick a day that exists, e.g. L for the last day of the month", c.fields[2], c.fields[3])
	}
	if maxGap > maxGapDays {
		return s, exprErr(c.src, "rotations would be up to %d days apart, and Secrets Manager doesn't support schedules more than a year apart; choose days that occur every year (e.g. not 29 FEB)", maxGap)
	}
	// "You can rotate a secret as often as every four hours." [UG] How AWS checks a cron()
	// against this is not documented; this checks the real spacing of consecutive windows,
	// including from the last window of one day to the first of the next.
	s.minGap, s.gapFrom, s.gapTo = 24, s.hours[0], s.hours[0]
	for i := 1; i < len(s.hours); i++ {
		if g := s.hours[i] - s.hours[i-1]; g < s.minGap {
			s.minGap, s.gapFrom, s.gapTo = g, s.hours[i-1], s.hours[i]
		}
	}
	if s.consecutiveDays {
		last := s.hours[len(s.hours)-1]
		if g := 24 - last + s.hours[0]; g < s.minGap {
			s.minGap, s.gapFrom, s.gapTo = g, last, s.hours[0]
		}
	}
	if s.minGap < int(MinRotationInterval/time.Hour) {
		return s, exprErr(c.src, "rotations would be only %d hours apart (%02d:00 and %02d:00 UTC) but must be at least 4 hours apart; space the hours at least 4 apart, e.g. hours 0/4 or 8,12,16", s.minGap, s.gapFrom, s.gapTo)
	}
	return s, nil
}

// dayStats walks one full Gregorian cycle (400 years = 146097 days, a whole number of weeks,
// so the calendar repeats exactly) and returns how many months contain a matching day (0: the
// expression never fires; the year field is ignored), the largest gap in days between consecutive matching days (cyclically), and whether two
// consecutive days match. A month's matching days depend only on the weekday of its 1st and
// its length, so the 28 possible month shapes are computed once.
func (c *cronExpr) dayStats() (count, maxGap int, consecutive bool) {
	const cycle = 146097
	var shapes [8][32]monthDays
	for wd1 := 1; wd1 <= 7; wd1++ {
		for dim := 28; dim <= 31; dim++ {
			md := &shapes[wd1][dim]
			prevDay := 0
			for d := 1; d <= dim; d++ {
				if !c.dayMatches(d, (wd1-1+d-1)%7+1, dim) {
					continue
				}
				if prevDay == 0 {
					md.first = d
				} else {
					md.maxGap = max(md.maxGap, d-prevDay)
					if md.minGap == 0 || d-prevDay < md.minGap {
						md.minGap = d - prevDay
					}
				}
				prevDay, md.last = d, d
			}
		}
	}
	wd1 := 7 // 2000-01-01 was a Saturday
	idx, first, prev := 0, -1, -1
	for y := 2000; y < 2400; y++ {
		for m := time.January; m <= time.December; m++ {
			dim := daysIn(y, m)
			if md := shapes[wd1][dim]; c.months&(1<<m) != 0 && md.first != 0 {
				start := idx + md.first - 1
				if first < 0 {
					first = start
				} else {
					maxGap = max(maxGap, start-prev)
					consecutive = consecutive || start-prev == 1
				}
				maxGap = max(maxGap, md.maxGap)
				consecutive = consecutive || md.minGap == 1
				prev = idx + md.last - 1
				count++
			}
			idx += dim
			wd1 = (wd1-1+dim)%7 + 1
		}
	}
	if count > 0 {
		wrap := cycle - prev + first
		maxGap = max(maxGap, wrap)
		consecutive = consecutive || wrap == 1
	}
	return count, maxGap, consecutive
}
