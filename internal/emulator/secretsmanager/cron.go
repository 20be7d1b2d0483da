package secretsmanager

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The cron() rules of rotation schedules, which are EventBridge's cron expressions (user
// guide, "Schedule expressions in Secrets Manager rotation"): six fields, Minutes Hours
// Day-of-month Month Day-of-week Year; one of Day-of-month and Day-of-week must be "?";
// a secret rotates at most every four hours.

type cronField struct {
	name     string
	min, max int
	names    []string // names for values min, min+1, ... (months, weekdays)
	special  string   // characters the field allows besides , - * /
}

var cronFields = []cronField{
	{name: "Minutes", min: 0, max: 59},
	{name: "Hours", min: 0, max: 23},
	{name: "Day-of-month", min: 1, max: 31, special: "?LW"},
	{name: "Month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "Day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, special: "?L#"},
	{name: "Year", min: 1970, max: 2199},
}

func parseCron(body string) (schedShape, error) {
	none := schedShape{lastHour: -1}
	fields := strings.Fields(body)
	if len(fields) != len(cronFields) {
		return none, fmt.Errorf("cron() wants 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got %d", len(fields))
	}
	if (fields[2] == "?") == (fields[4] == "?") {
		return none, fmt.Errorf("exactly one of Day-of-month and Day-of-week must be ?")
	}
	var hours []int
	for i, f := range fields {
		vals, err := cronFields[i].parse(f)
		if err != nil {
			return none, err
		}
		if i == 1 {
			hours = vals
		}
	}
	minutes, _ := cronFields[0].parse(fields[0])
	if len(minutes) > 1 {
		return none, fmt.Errorf("the Minutes field must be one value: a secret rotates at most every four hours")
	}
	slices.Sort(hours)
	for i := 1; i < len(hours); i++ {
		if hours[i]-hours[i-1] < minRateHours {
			return none, fmt.Errorf("hours %d and %d are less than four hours apart: a secret rotates at most every four hours", hours[i-1], hours[i])
		}
	}
	shape := schedShape{lastHour: hours[len(hours)-1]}
	if len(hours) > 1 {
		gap := 24
		for i := 1; i < len(hours); i++ {
			gap = min(gap, hours[i]-hours[i-1])
		}
		shape.everyHours = gap
	}
	return shape, nil
}

// parse returns the values a field selects (nil for "?" and for the day-of-week forms
// L and #, which select days rather than values).
func (c cronField) parse(f string) ([]int, error) {
	bad := func(format string, args ...any) ([]int, error) {
		return nil, fmt.Errorf("%s field %q: %s", c.name, f, fmt.Sprintf(format, args...))
	}
	if f == "?" {
		if !strings.Contains(c.special, "?") {
			return bad("? is allowed only in Day-of-month and Day-of-week")
		}
		return nil, nil
	}
	if strings.ContainsAny(f, "LW#") {
		if !strings.ContainsAny(c.special, "LW#") {
			return bad("L, W and # are allowed only in Day-of-month and Day-of-week")
		}
		return c.parseSpecial(f)
	}
	var out []int
	for _, part := range strings.Split(f, ",") {
		rng, step, hasStep := strings.Cut(part, "/")
		lo, hi := c.min, c.max
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if lo, err = c.value(a); err != nil {
				return bad("%v", err)
			}
			if hi, err = c.value(b); err != nil {
				return bad("%v", err)
			}
			if lo > hi {
				return bad("range %s goes backwards", rng)
			}
		default:
			v, err := c.value(rng)
			if err != nil {
				return bad("%v", err)
			}
			lo, hi = v, v
			if hasStep {
				hi = c.max
			}
		}
		inc := 1
		if hasStep {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 {
				return bad("step %q is not a positive number", step)
			}
			inc = n
		}
		for v := lo; v <= hi; v += inc {
			out = append(out, v)
		}
	}
	return out, nil
}

func (c cronField) value(s string) (int, error) {
	if i := slices.Index(c.names, strings.ToUpper(s)); i >= 0 {
		return c.min + i, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < c.min || n > c.max {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, c.min, c.max)
	}
	return n, nil
}

// parseSpecial checks L, W (day of month) and L, # (day of week) forms.
func (c cronField) parseSpecial(f string) ([]int, error) {
	bad := func(why string) ([]int, error) { return nil, fmt.Errorf("%s field %q: %s", c.name, f, why) }
	switch c.name {
	case "Day-of-month":
		switch {
		case f == "L", f == "LW":
			return nil, nil
		case strings.HasSuffix(f, "W"):
			if _, err := c.value(strings.TrimSuffix(f, "W")); err != nil {
				return bad("W follows a day of the month")
			}
			return nil, nil
		}
	case "Day-of-week":
		if d, n, ok := strings.Cut(f, "#"); ok {
			k, err := strconv.Atoi(n)
			if _, derr := c.value(d); derr != nil || err != nil || k < 1 || k > 5 {
				return bad("want DAY#N with N from 1 to 5, like TUE#2")
			}
			return nil, nil
		}
		if d, ok := strings.CutSuffix(f, "L"); ok {
			if _, err := c.value(d); d == "" || err == nil {
				return nil, nil
			}
		}
	}
	return bad("not a form this field allows")
}
