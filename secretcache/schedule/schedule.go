// Package schedule implements AWS Secrets Manager rotation schedules: the RotationRulesType
// fields (AutomaticallyAfterDays, ScheduleExpression, Duration), their limits, and the
// rotation windows they produce. It is pure (no I/O, no clock): the emulator uses it to
// compute NextRotationDate and find due rotations, and the provider uses Rules.Validate to
// reject bad rotation_rules at plan time.
//
// Sources (all rules below come from these unless a comment says otherwise):
//
//   - [UG] Secrets Manager User Guide, "Rotation schedules" / "Schedule expressions in Secrets
//     Manager rotation": https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
//   - [API] RotationRulesType: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotationRulesType.html
//     and the service model it is generated from (shapes DurationType, ScheduleExpressionType,
//     AutomaticallyRotateAfterDaysType):
//     https://github.com/boto/botocore/blob/develop/botocore/data/secretsmanager/2017-10-17/service-2.json
//   - [EB] EventBridge cron syntax, which Secrets Manager cron() follows:
//     https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
//
// All times are UTC ("Secrets Manager rotation schedules use UTC time zone" [UG]); daylight
// saving time never applies.
//
// ParseExpression checks syntax only (EventBridge cron grammar, including years 1970-2199, and
// the rate() grammar of [UG]); Rules.Validate adds every Secrets Manager limit (at most every
// 4 hours, minutes 0, year *, window sizes, ...). Anything that reaches AWS should pass Validate.
package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits of the rotation rules.
const (
	// AutomaticallyAfterDays: "Valid Range: Minimum value of 1. Maximum value of 1000." [API]
	MinAutomaticallyAfterDays = 1
	MaxAutomaticallyAfterDays = 1000

	// "You can rotate a secret as often as every four hours." [UG], [API]
	MinRotationInterval = 4 * time.Hour

	// rate(N days): "The maximum rotation period is 999 days." [UG, current "Rotation
	// schedules" page]. Note the asymmetry with AutomaticallyAfterDays (1000).
	maxRateDays = 999

	// rate(N hours): [UG] gives only the lower bound (4). The upper bound 23 is from a third
	// party that mirrors the console ("Hours: 4 to 23 - Days: 1 to 999",
	// https://hub.guardrails.turbot.com/mods/aws/policies/aws-secretsmanager/secretRotationScheduleExpression);
	// it is consistent with hourly windows that "start at midnight" and may not cross into the
	// next UTC day. Not confirmed by an AWS page.
	minRateHours = 4
	maxRateHours = 23

	// Rotation windows are whole hours: "You can set the rotation window as small as one hour"
	// [UG]; the window "must not extend into the next UTC day" [API], so it is at most 24h.
	minWindow = time.Hour
	maxWindow = 24 * time.Hour

	// ScheduleExpressionType: string, length 1..256 [API model].
	maxExpressionLen = 256

	// "Secrets Manager does not support rotation schedules that are more than a year apart." [UG]
	maxGapDays = 366
)

// Rules mirrors RotationRulesType.
type Rules struct {
	AutomaticallyAfterDays int64  // 0 = unset
	ScheduleExpression     string // "" = unset; rate(...) or cron(...)
	Duration               string // "" = unset; e.g. "3h"
}

// Expression is a parsed rate() or cron() schedule expression.
type Expression interface {
	// Next returns the start of the first rotation window strictly after after, in UTC, or
	// the zero time when there is none (a cron() whose years are all past).
	//
	// For rate(N days) the schedule is relative: after is the last rotation and the window
	// opens at midnight UTC N days after that rotation's UTC date. rate(N hours) and cron()
	// are absolute (wall-clock UTC) schedules.
	Next(after time.Time) time.Time
	// String returns the expression as written.
	String() string
}

// Validate checks the combination and every limit, with errors that say what is wrong and
// how to fix it, using the Terraform attribute names (automatically_after_days,
// schedule_expression, duration). Independent problems are joined into one error.
func (r Rules) Validate() error {
	_, err := r.compile()
	return err
}

// Window returns when the next rotation window opens after last (the last rotation, or the
// time rotation was configured) and how long it stays open. Secrets Manager rotates at some
// moment inside [start, start+length); NextRotationDate as DescribeSecret reports it is the
// end of that window ("The next rotation is scheduled to occur on or before this date" [API]),
// e.g. 2026-03-05T23:59:59Z for a daily window opening 2026-03-05T00:00:00Z.
//
// AutomaticallyAfterDays N and rate(N days): the window opens at midnight UTC on the UTC date
// of last plus N days and, unless Duration is set, lasts the whole day ("For a rate in days,
// the default rotation window starts at midnight and closes at the end of the day" [UG]). A
// real DescribeSecret shows this: AutomaticallyAfterDays 30 configured on 2026-02-03 (UTC)
// reported NextRotationDate 2026-03-05T23:59:59Z. Manual changes (PutSecretValue,
// UpdateSecret) count as rotations [API], so callers pass the time of the last change.
//
// rate(N hours): windows open on the hours 0, N, 2N, ... of every UTC day ("For a rate in
// hours, the default rotation window starts at midnight and closes after one hour" [UG]; like
// cron increments of hours, the sequence "resets each day"); default length one hour.
//
// cron(): the window opens at the next time the expression matches; by default it "closes
// after one hour" for a schedule in hours (more than one hour of the day matches) and "at the
// end of the day" for a schedule in days (a single hour of the day matches) [API].
func (r Rules) Window(last time.Time) (start time.Time, length time.Duration, err error) {
	c, err := r.compile()
	if err != nil {
		return time.Time{}, 0, err
	}
	start = c.expr.Next(last)
	if start.IsZero() {
		return time.Time{}, 0, fmt.Errorf("schedule_expression %q: no rotation window after %s", c.expr.String(), last.UTC().Format(time.RFC3339))
	}
	length = c.window
	if length == 0 {
		switch {
		case c.kind == kindHours, c.kind == kindCron && c.shape.inHours():
			length = time.Hour
		case c.kind == kindCron:
			length = time.Duration(24-start.Hour()) * time.Hour
		default:
			length = 24 * time.Hour
		}
	}
	return start, length, nil
}

// ParseDuration parses the Duration field: a whole number of hours written like "3h".
//
// DurationType in the API model is a string of length 2..3 matching [0-9h]+, so there are no
// minutes ("90m", "1h30m" are rejected) and at most two digits. The window is at least one
// hour [UG] and at most 24 hours, since it may not run into the next UTC day [API]. A leading
// zero ("03h") fits the model's pattern and is accepted as 3 hours (not confirmed against AWS).
func ParseDuration(s string) (time.Duration, error) {
	bad := func(format string, args ...any) (time.Duration, error) {
		return 0, fmt.Errorf("duration %q: %s", s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return bad(`is empty; write a number of hours like "3h"`)
	}
	digits, ok := strings.CutSuffix(s, "h")
	switch {
	case ok && digits != "" && len(digits) <= 2 && allDigits(digits):
		n, _ := strconv.Atoi(digits)
		if d := time.Duration(n) * time.Hour; d >= minWindow && d <= maxWindow {
			return d, nil
		}
		if n < 1 {
			return bad(`the rotation window must be at least 1 hour; use "1h" or more`)
		}
		fallthrough // more than 24 hours
	case ok && allDigits(digits):
		return bad(`the rotation window can't be longer than 24 hours (it must not extend into the next UTC day); use "24h" or less`)
	case strings.ContainsAny(s, "mM"):
		return bad(`minutes aren't supported: Secrets Manager rotation windows are whole hours, like "1h" or "3h"`)
	case allDigits(s):
		return bad(`add the unit: write %q`, s+"h")
	case strings.HasSuffix(s, "H") && allDigits(strings.TrimSuffix(s, "H")):
		return bad(`the unit must be a lower-case h: write %q`, strings.TrimSuffix(s, "H")+"h")
	}
	return bad(`must be a whole number of hours followed by h, like "3h" (1h to 24h)`)
}

// ParseExpression parses a rate() or cron() schedule expression. The whole string must match
// (no leading or trailing text, no stray spaces); it checks syntax and value ranges but not
// the Secrets Manager limits that Rules.Validate adds.
//
// rate(Value Unit): "Value is a positive integer and Unit can be hour, hours, day, or days" [UG].
//
// cron(Minutes Hours Day-of-month Month Day-of-week Year) follows EventBridge [EB]; see cron.go.
func ParseExpression(s string) (Expression, error) {
	if s == "" {
		return nil, exprErr(s, `is empty; use rate(...) or cron(...), e.g. "rate(30 days)" or "cron(0 10 ? * MON *)"`)
	}
	if len(s) > maxExpressionLen {
		return nil, exprErr(s, "is %d characters long; the maximum is %d", len(s), maxExpressionLen)
	}
	// ScheduleExpressionType pattern [API model]: [0-9A-Za-z\(\)#\?\*\-\/, ]+
	for _, ch := range s {
		if !expressionChar(ch) {
			return nil, exprErr(s, "contains %q; only letters, digits, spaces and ( ) # ? * - / , are allowed", ch)
		}
	}
	var kind, body string
	switch {
	case strings.HasPrefix(s, "rate("):
		kind, body = "rate", s[len("rate("):]
	case strings.HasPrefix(s, "cron("):
		kind, body = "cron", s[len("cron("):]
	default:
		if l := strings.ToLower(s); strings.HasPrefix(l, "rate(") || strings.HasPrefix(l, "cron(") {
			return nil, exprErr(s, "write rate( and cron( in lower case, e.g. %q", l[:5]+s[5:])
		}
		if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
			return nil, exprErr(s, "remove the leading and trailing spaces")
		}
		return nil, exprErr(s, `must be a rate(...) or cron(...) expression, e.g. "rate(30 days)", "rate(4 hours)" or "cron(0 10 ? * MON *)"`)
	}
	inner, ok := strings.CutSuffix(body, ")")
	if !ok {
		if i := strings.IndexByte(body, ')'); i >= 0 {
			return nil, exprErr(s, "unexpected text %q after the closing parenthesis; remove it", body[i+1:])
		}
		return nil, exprErr(s, "missing the closing parenthesis")
	}
	if strings.ContainsAny(inner, "()") {
		return nil, exprErr(s, "unexpected parenthesis inside %s(...)", kind)
	}
	if inner != strings.TrimSpace(inner) {
		return nil, exprErr(s, "remove the spaces just inside the parentheses, e.g. %s(%s)", kind, strings.TrimSpace(inner))
	}
	if kind == "rate" {
		return parseRate(s, inner)
	}
	c, err := parseCron(s, inner)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return c, nil
}

// rateExpr is rate(N hours) or rate(N days).
type rateExpr struct {
	src   string
	n     int
	unit  string // as written: hour, hours, day or days
	hours bool
}

func parseRate(src, inner string) (Expression, error) {
	value, unit, ok := strings.Cut(inner, " ")
	if !ok || value == "" || unit == "" || strings.Contains(unit, " ") {
		return nil, exprErr(src, "rate() takes a value and a unit separated by one space, e.g. rate(4 hours) or rate(30 days)")
	}
	switch {
	case strings.HasPrefix(value, "-"):
		return nil, exprErr(src, "the value must be a positive whole number, e.g. rate(30 days)")
	case !allDigits(value):
		return nil, exprErr(src, "the value %q must be a positive whole number, e.g. rate(30 days)", value)
	case len(value) > 1 && value[0] == '0':
		return nil, exprErr(src, "remove the leading zeros from %q", value)
	case len(value) > 6:
		return nil, exprErr(src, "the value %s is too large; rotation can be at most %d days apart", value, maxRateDays)
	}
	n, _ := strconv.Atoi(value)
	if n == 0 {
		return nil, exprErr(src, "the value must be a positive whole number, e.g. rate(30 days)")
	}
	e := rateExpr{src: src, n: n, unit: unit}
	switch unit {
	case "hour", "hours":
		e.hours = true
	case "day", "days":
	case "minute", "minutes":
		return nil, exprErr(src, "Secrets Manager rate() takes hours or days, not minutes; it rotates at most every 4 hours, so use rate(4 hours) or more")
	default:
		if l := strings.ToLower(unit); l == "hour" || l == "hours" || l == "day" || l == "days" {
			return nil, exprErr(src, "write the unit in lower case: rate(%d %s)", n, l)
		}
		return nil, exprErr(src, "unknown unit %q; use hour, hours, day or days, e.g. rate(4 hours) or rate(30 days)", unit)
	}
	return e, nil
}

func (e rateExpr) String() string { return e.src }

func (e rateExpr) Next(after time.Time) time.Time {
	a := after.UTC()
	midnight := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	var t time.Time
	if e.hours {
		t = midnight.AddDate(0, 0, 1)
		for h := 0; h < 24; h += e.n {
			if c := midnight.Add(time.Duration(h) * time.Hour); c.After(a) {
				t = c
				break
			}
		}
	} else {
		t = midnight.AddDate(0, 0, e.n)
	}
	if !t.After(a) { // only at the edges of time.Time's range
		return time.Time{}
	}
	return t
}

// limits checks the Secrets Manager limits of a syntactically valid rate().
func (e rateExpr) limits() error {
	plural := e.unit == "hours" || e.unit == "days"
	unit := "days"
	if e.hours {
		unit = "hours"
	}
	switch {
	case e.hours && e.n < minRateHours:
		return exprErr(e.src, "rotation must be at least 4 hours apart; use rate(4 hours) or more")
	case e.hours && e.n > maxRateHours && e.n%24 == 0:
		return exprErr(e.src, "rate() in hours can be at most %d hours; write it in days: %s", maxRateHours, rateString(e.n/24, false))
	case e.hours && e.n > maxRateHours:
		return exprErr(e.src, "rate() in hours can be at most %d hours; for longer intervals use days, e.g. rate(1 day), or a cron() expression", maxRateHours)
	case !e.hours && e.n > maxRateDays:
		return exprErr(e.src, "rotation can be at most %d days apart; use rate(%d days) or less", maxRateDays, maxRateDays)
	// Singular/plural agreement is EventBridge's rule ("If the value is equal to 1, then the
	// unit must be singular ... rate(1 hours) and rate(5 hour) are not valid" [EB]); [UG] lists
	// both forms without saying, so this is assumed to carry over.
	case e.n == 1 && plural:
		return exprErr(e.src, "a value of 1 takes the singular unit: write %s", rateString(1, e.hours))
	case e.n > 1 && !plural:
		return exprErr(e.src, "a value above 1 takes the plural unit: write rate(%d %s)", e.n, unit)
	}
	return nil
}

func rateString(n int, hours bool) string {
	unit := "day"
	if hours {
		unit = "hour"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("rate(%d %s)", n, unit)
}

// kind of a compiled schedule.
type kind int

const (
	kindDays  kind = iota + 1 // AutomaticallyAfterDays or rate(N days)
	kindHours                 // rate(N hours)
	kindCron                  // cron(...)
)

// compiled is a validated Rules.
type compiled struct {
	kind   kind
	expr   Expression // rate(N days) stands in for AutomaticallyAfterDays
	n      int        // days or hours of a rate
	cron   *cronExpr
	shape  cronShape
	window time.Duration // Duration; 0 = the default window
}

func (r Rules) compile() (*compiled, error) {
	var errs []error
	c := &compiled{}
	ok := true
	hasDays, hasExpr := r.AutomaticallyAfterDays != 0, r.ScheduleExpression != ""
	switch {
	case hasDays && hasExpr:
		// AWS rejects this: RotateSecret answers InvalidParameterException "You cannot specify
		// both rotation frequency and schedule expression together" (reported in
		// https://github.com/hashicorp/terraform-provider-aws/issues/33329); [API]: "with
		// AutomaticallyAfterDays or ScheduleExpression, but not both".
		hint := "keep only schedule_expression"
		if d := r.AutomaticallyAfterDays; d >= 1 && d <= maxRateDays {
			hint = fmt.Sprintf("keep one of them, e.g. only schedule_expression = %q", rateString(int(d), false))
		}
		errs = append(errs, fmt.Errorf("automatically_after_days and schedule_expression are both set, and Secrets Manager accepts only one of them; %s", hint))
		ok = false
	case !hasDays && !hasExpr && r.Duration != "":
		errs = append(errs, fmt.Errorf("duration %q is set without a rotation schedule; also set schedule_expression, e.g. \"rate(30 days)\"", r.Duration))
		ok = false
	case !hasDays && !hasExpr:
		errs = append(errs, errors.New(`no rotation schedule: set schedule_expression, e.g. "rate(30 days)" or "cron(0 10 ? * MON *)", or automatically_after_days`))
		ok = false
	}
	if hasDays {
		d := r.AutomaticallyAfterDays
		if d < MinAutomaticallyAfterDays || d > MaxAutomaticallyAfterDays {
			hint := fmt.Sprintf("use %d or less", MaxAutomaticallyAfterDays)
			if d < MinAutomaticallyAfterDays {
				hint = `to rotate more often than daily, use schedule_expression instead, e.g. "rate(4 hours)"`
			}
			errs = append(errs, fmt.Errorf("automatically_after_days %d: must be between %d and %d days; %s", d, MinAutomaticallyAfterDays, MaxAutomaticallyAfterDays, hint))
			ok = false
		} else {
			c.kind, c.n = kindDays, int(d)
			c.expr = rateExpr{src: rateString(int(d), false), n: int(d)}
		}
	}
	if hasExpr {
		if err := c.setExpression(r.ScheduleExpression); err != nil {
			errs = append(errs, err)
			ok = false
		}
	}
	if r.Duration != "" {
		d, err := ParseDuration(r.Duration)
		if err != nil {
			errs = append(errs, err)
			ok = false
		}
		c.window = d
	}
	if ok && c.window != 0 {
		if err := c.checkWindow(r.Duration); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func (c *compiled) setExpression(s string) error {
	e, err := ParseExpression(s)
	if err != nil {
		return err
	}
	switch e := e.(type) {
	case rateExpr:
		if err := e.limits(); err != nil {
			return err
		}
		c.expr, c.n = e, e.n
		c.kind = kindDays
		if e.hours {
			c.kind = kindHours
		}
	case *cronExpr:
		shape, err := e.limits()
		if err != nil {
			return err
		}
		c.kind, c.expr, c.cron, c.shape = kindCron, e, e, shape
	}
	return nil
}

// checkWindow applies "The rotation window must not extend into the next UTC day or into the
// next rotation window" [API] to an explicit Duration.
func (c *compiled) checkWindow(raw string) error {
	w := int(c.window / time.Hour)
	switch c.kind {
	case kindHours:
		// "for a rotation schedule in hours, confirm that the rotation window is less than or
		// equal to the number of hours between rotations" [UG]
		if w > c.n {
			return fmt.Errorf("duration %q: rate(%d hours) opens a window every %d hours and a window must not extend into the next one; use %dh or less", raw, c.n, c.n, c.n)
		}
		if last := (23 / c.n) * c.n; last+w > 24 {
			return fmt.Errorf("duration %q: with rate(%d hours) the last window of the day opens at %02d:00 and must close by midnight UTC; use %dh or less", raw, c.n, last, 24-last)
		}
	case kindCron:
		// "For a rotation schedule in days, confirm that the start hour plus the window
		// duration is less than or equal to 24 hours." [UG]
		hours := c.shape.hours
		if last := hours[len(hours)-1]; last+w > 24 {
			return fmt.Errorf("duration %q: the window opening at %02d:00 would run past midnight UTC into the next day; use %dh or less, or open the window earlier", raw, last, 24-last)
		}
		if g := c.shape.minGap; w > g {
			return fmt.Errorf("duration %q: windows open %d hours apart (%02d:00 and %02d:00), so a %dh window would run into the next one; use %dh or less", raw, g, c.shape.gapFrom, c.shape.gapTo, w, g)
		}
	}
	return nil
}

func exprErr(expr, format string, args ...any) error {
	return fmt.Errorf("schedule_expression %q: %s", expr, fmt.Sprintf(format, args...))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func expressionChar(ch rune) bool {
	switch {
	case ch >= '0' && ch <= '9', ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z':
		return true
	}
	return strings.ContainsRune("()#?*-/, ", ch)
}
