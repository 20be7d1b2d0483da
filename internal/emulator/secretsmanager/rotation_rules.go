package secretsmanager

import (
	"fmt"
	"strconv"
	"strings"
)

// RotationRules are RotateSecret's RotationRules; nil means absent.
type RotationRules struct {
	AutomaticallyAfterDays *int64
	ScheduleExpression     *string
	Duration               *string
}

// Limits of RotationRulesType (API reference) and of rotation schedules (user guide,
// "Schedule expressions in Secrets Manager rotation": "You can rotate a secret as often as
// every four hours").
const (
	minDays        = 1
	maxDays        = 1000
	minRateHours   = 4
	maxExpression  = 256
	maxWindowHours = 24
)

// CheckRotationRules returns the refusal AWS gives RotateSecret for these rules, or nil.
func CheckRotationRules(r RotationRules) error {
	if r.AutomaticallyAfterDays != nil && r.ScheduleExpression != nil {
		// Recorded: hashicorp/terraform-provider-aws issue 33329.
		return ruleInvalidParameter("You cannot specify both rotation frequency and schedule expression together.")
	}
	if d := r.AutomaticallyAfterDays; d != nil && (*d < minDays || *d > maxDays) {
		// Range from the API reference; wording as moto gives it.
		return ruleInvalidParameter("RotationRules.AutomaticallyAfterDays must be within 1-1000.")
	}
	var sched schedShape
	if r.ScheduleExpression != nil {
		var err error
		if sched, err = parseSchedule(*r.ScheduleExpression); err != nil {
			return ruleInvalidParameter(fmt.Sprintf("Invalid ScheduleExpression %q: %v.", *r.ScheduleExpression, err))
		}
	}
	if r.Duration != nil {
		hours, err := parseWindow(*r.Duration)
		if err != nil {
			return ruleInvalidParameter(fmt.Sprintf("Invalid Duration %q: %v.", *r.Duration, err))
		}
		// "The rotation window must not extend into the next UTC day or into the next
		// rotation window." (RotationRulesType)
		if sched.everyHours > 0 && hours > sched.everyHours {
			return ruleInvalidParameter(fmt.Sprintf("The rotation window (%s) must not extend into the next rotation window, which opens %d hours later.", *r.Duration, sched.everyHours))
		}
		if sched.lastHour >= 0 && sched.lastHour+hours > maxWindowHours {
			return ruleInvalidParameter(fmt.Sprintf("The rotation window (%s) opening at %02d:00 UTC must not extend into the next UTC day.", *r.Duration, sched.lastHour))
		}
	}
	return nil
}

// parseWindow reads Duration: DurationType is 2..3 characters of [0-9h]+ (API model), a
// whole number of hours written like "3h", at most a day.
func parseWindow(s string) (int, error) {
	if len(s) < 2 || len(s) > 3 || !strings.HasSuffix(s, "h") {
		return 0, fmt.Errorf(`want a number of hours like "3h"`)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 1 || n > maxWindowHours {
		return 0, fmt.Errorf("want 1h to %dh", maxWindowHours)
	}
	return n, nil
}

// schedShape is what the window checks need to know about a schedule.
type schedShape struct {
	everyHours int // a schedule in hours repeats this often; 0 otherwise
	lastHour   int // the latest hour of the day a window opens; -1 when unknown
}

// parseSchedule checks a rate() or cron() expression.
func parseSchedule(expr string) (schedShape, error) {
	none := schedShape{lastHour: -1}
	if len(expr) == 0 || len(expr) > maxExpression {
		return none, fmt.Errorf("must be 1 to %d characters", maxExpression)
	}
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		return parseRate(strings.TrimSuffix(strings.TrimPrefix(expr, "rate("), ")"))
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		return parseCron(strings.TrimSuffix(strings.TrimPrefix(expr, "cron("), ")"))
	}
	return none, fmt.Errorf("want rate(...) or cron(...)")
}

// parseRate reads "N hours" or "N days" (singular for 1).
func parseRate(body string) (schedShape, error) {
	none := schedShape{lastHour: -1}
	num, unit, ok := strings.Cut(body, " ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 || num != strconv.Itoa(n) {
		return none, fmt.Errorf("rate() wants a positive whole number and a unit, like rate(12 hours) or rate(10 days)")
	}
	switch strings.TrimSuffix(unit, "s") {
	case "hour":
		// A rate in hours restarts each day at midnight, so it is kept below a day.
		if n < minRateHours || n > 23 {
			return none, fmt.Errorf("a secret can rotate at most every %d hours, and a rate in hours must be %d to 23", minRateHours, minRateHours)
		}
		if err := checkPlural(n, unit); err != nil {
			return none, err
		}
		return schedShape{everyHours: n, lastHour: -1}, nil
	case "day":
		if n > maxDays {
			return none, fmt.Errorf("a rate in days must be 1 to %d days", maxDays)
		}
		if err := checkPlural(n, unit); err != nil {
			return none, err
		}
		return schedShape{lastHour: 0}, nil
	}
	return none, fmt.Errorf("the unit must be hours or days")
}

// checkPlural wants "1 day" and "2 days", as rate() expressions are written.
func checkPlural(n int, unit string) error {
	if (n == 1) != !strings.HasSuffix(unit, "s") {
		return fmt.Errorf("write rate(1 %s) in the singular and other numbers in the plural", strings.TrimSuffix(unit, "s"))
	}
	return nil
}
