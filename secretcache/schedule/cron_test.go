package schedule

import (
	"strings"
	"testing"
	"time"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseExpressionValid(t *testing.T) {
	for _, s := range []string{
		"rate(1 day)",
		"rate(10 days)",
		"rate(999 days)",
		"rate(1 hour)", // syntax only; Validate rejects it
		"rate(4 hours)",
		"rate(5 hour)", // syntax only; Validate wants "hours"
		"cron(0 10 * * ? *)",
		"cron(0 18 ? * SAT *)",
		"cron(0 8 1 * ? *)",
		"cron(0 17 L * ? *)",
		"cron(0 8 ? * MON-FRI *)",
		"cron(0 16 1,15 * ? *)",
		"cron(0 0 ? * SUN#1 *)",
		"cron(0 0 ? * 1#1 *)",
		"cron(0 4/12 * * ? *)",
		"cron(0 */4 * * ? *)",
		"cron(0 8 1/7 * ? *)",
		"cron(0 10 ? FEB,MAY,AUG,NOV TUE#2 *)",
		"cron(0 9 15W * ? *)",
		"cron(0 9 LW * ? *)",
		"cron(0 9 ? * L *)",
		"cron(0 9 ? * 6L *)",
		"cron(0 9 ? * FRIL *)",
		"cron(0 9 ? * 2/2 *)",
		"cron(0 9 ? * mon-fri *)",
		"cron(0 9 1 jan,Jul ? *)",
		"cron(15,45 * * * ? *)",
		"cron(0-59/15 0-23 1-31 1-12 ? 1970-2199)",
		"cron(0 0 1 1 ? 2199)",
		"cron(0 0 1 1 ? 1970,2000/50)",
		"cron(0 1 ? JAN-DEC SUN-SAT *)",
		"cron(00 010 * * ? *)",
	} {
		e, err := ParseExpression(s)
		if err != nil {
			t.Errorf("ParseExpression(%q): %v", s, err)
			continue
		}
		if e.String() != s {
			t.Errorf("ParseExpression(%q).String() = %q", s, e.String())
		}
	}
}

func TestParseExpressionInvalid(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "is empty"},
		{"rate()", "a value and a unit separated by one space"},
		{"rate(4hours)", "a value and a unit separated by one space"},
		{"rate(4  hours)", "a value and a unit separated by one space"},
		{"rate( 4 hours)", "remove the spaces just inside the parentheses"},
		{"rate(4 hours )", "remove the spaces just inside the parentheses"},
		{" rate(4 hours)", "remove the leading and trailing spaces"},
		{"rate(4 hours) ", `unexpected text " " after the closing parenthesis`},
		{"rate(4 hours)x", `unexpected text "x" after the closing parenthesis`},
		{"rate(4 hours", "missing the closing parenthesis"},
		{"rate((4 hours))", "unexpected parenthesis"},
		{"rate(0 days)", "positive whole number"},
		{"rate(-1 days)", "positive whole number"},
		{"rate(+4 hours)", `contains '+'`},
		{"rate(1.5 days)", `contains '.'`},
		{"rate(04 hours)", "leading zeros"},
		{"rate(9999999 days)", "too large"},
		{"rate(four hours)", "positive whole number"},
		{"rate(30 minutes)", "not minutes"},
		{"rate(2 weeks)", `unknown unit "weeks"`},
		{"rate(4 HOURS)", "rate(4 hours)"},
		{"RATE(4 hours)", "lower case"},
		{"every 4 hours", "must be a rate(...) or cron(...)"},
		{"cron(0 10 * * ? *);", `contains ';'`},
		{"cron(0 10 * * ?)", "AWS cron() has a year field"},
		{"cron(0 10 * * ? * *)", "needs 6 fields"},
		{"cron(0  10 * * ? *)", "single spaces"},
		{"cron( 0 10 * * ? *)", "remove the spaces just inside"},
		{"cron(60 10 * * ? *)", "minutes field \"60\": 60 is out of range 0-59"},
		{"cron(0 24 * * ? *)", "hours field \"24\": 24 is out of range 0-23"},
		{"cron(0 10 32 * ? *)", "day-of-month field \"32\": 32 is out of range 1-31"},
		{"cron(0 10 0 * ? *)", "out of range 1-31"},
		{"cron(0 10 * 13 ? *)", "month field \"13\""},
		{"cron(0 10 ? JANUARY * *)", `"JANUARY" is not a month; use 1-12 or JAN-DEC`},
		{"cron(0 10 ? * 0 *)", "1 = SUN ... 7 = SAT"},
		{"cron(0 10 ? * 8 *)", "out of range 1-7"},
		{"cron(0 10 ? * MONDAY *)", `"MONDAY" is not a week`},
		{"cron(0 10 * * ? 1969)", "out of range 1970-2199"},
		{"cron(0 10 * * ? 2200)", "out of range 1970-2199"},
		{"cron(0 10 * * * *)", "both set; exactly one of them must be ?, e.g. cron(0 10 * * ? *)"},
		{"cron(0 10 1 * MON *)", "both set"},
		{"cron(0 10 ? * ? *)", "both ?"},
		{"cron(0 10 L,1 * ? *)", "must stand alone"},
		{"cron(0 10 15W,1 * ? *)", "must stand alone"},
		{"cron(0 10 ? * 6L,1 *)", "must stand alone"},
		{"cron(0 10 ? * 3#1,6#3 *)", "lists like 3#1,6#3 aren't allowed"},
		{"cron(0 10 ? * 3#6 *)", "must be 1-5"},
		{"cron(0 10 ? * 8#1 *)", "out of range 1-7"},
		{"cron(0 10 ? * #2 *)", "a value is missing"},
		{"cron(0 10 # * ? *)", "# is only allowed in day-of-week"},
		{"cron(0 10 ? * 15W *)", "W is only allowed in day-of-month"},
		{"cron(0 ? * * ? *)", "? is only allowed in day-of-month or day-of-week"},
		{"cron(0 L * * ? *)", "only allowed in day-of-month and day-of-week"},
		{"cron(0 10 5-2 * ? *)", "runs backwards"},
		{"cron(0 10 ? * FRI-MON *)", "split it, e.g. FRI-SAT,SUN-MON"},
		{"cron(0 10 ? * SAT-SUN *)", "split it, e.g. SAT,SUN"},
		{"cron(0 10 1/0 * ? *)", "between 1 and 31"},
		{"cron(0 10 1/x * ? *)", "positive whole number"},
		{"cron(0 10 1,,2 * ? *)", "extra comma"},
		{"cron(0 10 1- * ? *)", "a value is missing"},
		{"cron(0 10 * * ? *) extra", "unexpected text"},
		{"cron(0 10 * * ? *", "missing the closing parenthesis"},
		{"cron(" + strings.Repeat("1,", 130) + "1 * * * ? *)", "the maximum is 256"},
	}
	for _, tc := range tests {
		_, err := ParseExpression(tc.in)
		if err == nil {
			t.Errorf("ParseExpression(%q): no error, want %q", tc.in, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseExpression(%q) = %q, want it to contain %q", tc.in, err, tc.want)
		}
		if !strings.HasPrefix(err.Error(), "schedule_expression ") {
			t.Errorf("ParseExpression(%q) = %q, want the attribute name first", tc.in, err)
		}
	}
}

func TestCronNext(t *testing.T) {
	tests := []struct {
		expr, after string
		want        []string // successive results; "" = zero time
	}{
		// month ends and leap years
		{"cron(0 10 * * ? *)", "2024-01-31T10:00:00Z", []string{"2024-02-01T10:00:00Z", "2024-02-02T10:00:00Z"}},
		{"cron(0 10 * * ? *)", "2024-01-31T09:59:59.999Z", []string{"2024-01-31T10:00:00Z"}},
		{"cron(0 17 L * ? *)", "2024-02-01T00:00:00Z", []string{"2024-02-29T17:00:00Z", "2024-03-31T17:00:00Z", "2024-04-30T17:00:00Z"}},
		{"cron(0 17 L * ? *)", "2023-02-01T00:00:00Z", []string{"2023-02-28T17:00:00Z"}},
		{"cron(0 0 29 FEB ? *)", "2023-03-01T00:00:00Z", []string{"2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z"}},
		{"cron(0 0 29 2 ? *)", "2096-03-01T00:00:00Z", []string{"2104-02-29T00:00:00Z"}}, // 2100 is not a leap year
		{"cron(0 0 31 * ? *)", "2024-04-01T00:00:00Z", []string{"2024-05-31T00:00:00Z", "2024-07-31T00:00:00Z", "2024-08-31T00:00:00Z"}},
		{"cron(0 0 1 1 ? *)", "2024-12-31T23:59:00Z", []string{"2025-01-01T00:00:00Z"}},
		{"cron(0 0 30 FEB ? *)", "2024-01-01T00:00:00Z", []string{""}},
		// day-of-week: 1 = Sunday
		{"cron(0 0 ? * 1 *)", "2024-01-01T00:00:00Z", []string{"2024-01-07T00:00:00Z", "2024-01-14T00:00:00Z"}},
		{"cron(0 8 ? * MON-FRI *)", "2024-01-05T08:00:00Z", []string{"2024-01-08T08:00:00Z", "2024-01-09T08:00:00Z"}},
		{"cron(0 8 ? * 2/2 *)", "2024-01-01T09:00:00Z", []string{"2024-01-03T08:00:00Z", "2024-01-05T08:00:00Z", "2024-01-08T08:00:00Z"}},
		{"cron(0 9 ? * L *)", "2024-01-01T00:00:00Z", []string{"2024-01-06T09:00:00Z"}}, // L alone = Saturday
		// #: n-th weekday
		{"cron(0 8 ? * 3#2 *)", "2024-01-01T00:00:00Z", []string{"2024-01-09T08:00:00Z", "2024-02-13T08:00:00Z"}},
		{"cron(0 0 ? * SUN#1 *)", "2024-01-01T00:00:00Z", []string{"2024-01-07T00:00:00Z", "2024-02-04T00:00:00Z"}},
		{"cron(0 0 ? FEB 5#5 *)", "2024-01-01T00:00:00Z", []string{"2024-02-29T00:00:00Z", "2052-02-29T00:00:00Z"}},
		// nL: last weekday n of the month
		{"cron(0 8 ? * 6L *)", "2024-01-01T00:00:00Z", []string{"2024-01-26T08:00:00Z", "2024-02-23T08:00:00Z"}},
		{"cron(0 8 ? * FRIL *)", "2024-01-01T00:00:00Z", []string{"2024-01-26T08:00:00Z"}},
		// W: nearest weekday, not leaving the month
		{"cron(0 9 15W * ? *)", "2024-06-01T00:00:00Z", []string{"2024-06-14T09:00:00Z", "2024-07-15T09:00:00Z"}}, // Jun 15 is a Saturday
		{"cron(0 9 15W * ? *)", "2024-09-01T00:00:00Z", []string{"2024-09-16T09:00:00Z"}},                         // Sep 15 is a Sunday
		{"cron(0 9 1W * ? *)", "2024-05-31T00:00:00Z", []string{"2024-06-03T09:00:00Z"}},                          // Jun 1 is a Saturday: Monday the 3rd
		{"cron(0 9 31W * ? *)", "2024-03-01T00:00:00Z", []string{"2024-03-29T09:00:00Z", "2024-05-31T09:00:00Z"}}, // Mar 31 is a Sunday; April has no 31st
		{"cron(0 9 31W * ? *)", "2024-08-01T00:00:00Z", []string{"2024-08-30T09:00:00Z"}},                         // Aug 31 is a Saturday
		{"cron(0 9 LW * ? *)", "2024-06-01T00:00:00Z", []string{"2024-06-28T09:00:00Z", "2024-07-31T09:00:00Z", "2024-08-30T09:00:00Z"}},
		// increments and lists
		{"cron(0 4/12 * * ? *)", "2024-01-01T16:00:00Z", []string{"2024-01-02T04:00:00Z", "2024-01-02T16:00:00Z"}},
		{"cron(0 8 1/10 * ? *)", "2024-01-01T08:00:00Z", []string{"2024-01-11T08:00:00Z", "2024-01-21T08:00:00Z", "2024-01-31T08:00:00Z", "2024-02-01T08:00:00Z"}},
		{"cron(15,45 * * * ? *)", "2024-01-01T00:50:00Z", []string{"2024-01-01T01:15:00Z", "2024-01-01T01:45:00Z"}},
		{"cron(0 12 1 JAN,JUL ? *)", "2024-02-01T00:00:00Z", []string{"2024-07-01T12:00:00Z", "2025-01-01T12:00:00Z"}},
		// year field bounds
		{"cron(0 0 1 1 ? 2199)", "2100-05-05T00:00:00Z", []string{"2199-01-01T00:00:00Z", ""}},
		{"cron(0 0 31 12 ? *)", "2199-12-31T00:00:00Z", []string{""}},
		{"cron(0 0 1 1 ? 1970)", "1960-06-01T00:00:00Z", []string{"1970-01-01T00:00:00Z", ""}},
		{"cron(0 0 1 1 ? *)", "9999-01-01T00:00:00Z", []string{""}},
		{"cron(0 0 1 1 ? 2030-2031)", "2024-01-01T00:00:00Z", []string{"2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z", ""}},
	}
	for _, tc := range tests {
		e, err := ParseExpression(tc.expr)
		if err != nil {
			t.Fatalf("ParseExpression(%q): %v", tc.expr, err)
		}
		after := mustTime(t, tc.after)
		for i, w := range tc.want {
			got := e.Next(after)
			var want time.Time
			if w != "" {
				want = mustTime(t, w)
			}
			if !got.Equal(want) {
				t.Errorf("%s: Next #%d after %s = %s, want %s", tc.expr, i+1, after.Format(time.RFC3339), got.Format(time.RFC3339), w)
				break
			}
			if w == "" {
				break
			}
			if got.Location() != time.UTC {
				t.Errorf("%s: Next returned %v, not UTC", tc.expr, got.Location())
			}
			after = got
		}
	}
}

func TestNextIgnoresTimeZone(t *testing.T) {
	e, err := ParseExpression("cron(0 10 * * ? *)")
	if err != nil {
		t.Fatal(err)
	}
	// 09:30 UTC written in UTC+2 on the day a European DST change happens.
	loc := time.FixedZone("UTC+2", 2*3600)
	after := time.Date(2024, 3, 31, 11, 30, 0, 0, loc)
	if got, want := e.Next(after), mustTime(t, "2024-03-31T10:00:00Z"); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Next = %v, want %v", got, want)
	}
}

func TestRateNext(t *testing.T) {
	tests := []struct{ expr, after, want string }{
		{"rate(1 day)", "2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z"},
		{"rate(1 day)", "2024-12-31T00:00:00Z", "2025-01-01T00:00:00Z"},
		{"rate(10 days)", "2024-02-25T12:00:00Z", "2024-03-06T00:00:00Z"},
		{"rate(30 days)", "2026-02-03T17:42:24Z", "2026-03-05T00:00:00Z"},
		{"rate(4 hours)", "2024-01-01T13:30:00Z", "2024-01-01T16:00:00Z"},
		{"rate(4 hours)", "2024-01-01T16:00:00Z", "2024-01-01T20:00:00Z"},
		{"rate(4 hours)", "2024-01-01T20:00:00Z", "2024-01-02T00:00:00Z"},
		{"rate(5 hours)", "2024-01-01T20:30:00Z", "2024-01-02T00:00:00Z"},
		{"rate(12 hours)", "2024-02-29T12:00:00Z", "2024-03-01T00:00:00Z"},
	}
	for _, tc := range tests {
		e, err := ParseExpression(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Next(mustTime(t, tc.after)); !got.Equal(mustTime(t, tc.want)) {
			t.Errorf("%s: Next(%s) = %s, want %s", tc.expr, tc.after, got.Format(time.RFC3339), tc.want)
		}
	}
}

// dayStats scans month shapes; check it against a plain day-by-day walk of 400 years.
func TestDayStatsMatchesBruteForce(t *testing.T) {
	for _, s := range []string{
		"cron(0 0 * * ? *)", "cron(0 0 1 * ? *)", "cron(0 0 L * ? *)", "cron(0 0 LW * ? *)", "cron(0 0 1W * ? *)",
		"cron(0 0 31W * ? *)", "cron(0 0 15W FEB ? *)", "cron(0 0 1,2 * ? *)", "cron(0 0 1 JAN ? *)", "cron(0 0 31 DEC ? *)",
		"cron(0 0 29 FEB ? *)", "cron(0 0 30 FEB ? *)", "cron(0 0 ? * MON *)", "cron(0 0 ? * 1,7 *)", "cron(0 0 ? * L *)",
		"cron(0 0 ? * 6L *)", "cron(0 0 ? * 2#5 *)", "cron(0 0 ? FEB 5#5 *)", "cron(0 0 ? * 1/3 *)", "cron(0 0 1/10 * ? *)",
		"cron(0 0 L JAN,MAR ? *)", "cron(0 0 1 FEB,MAR ? *)", "cron(0 0 28-31 * ? *)",
	} {
		e, err := ParseExpression(s)
		if err != nil {
			t.Fatal(err)
		}
		c := e.(*cronExpr)
		count, maxGap, consecutive := c.dayStats()
		var days []int
		day := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 146097 {
			y, m, d := day.Date()
			if c.months&(1<<m) != 0 && c.dayMatches(d, int(day.Weekday())+1, daysIn(y, m)) {
				days = append(days, i)
			}
			day = day.AddDate(0, 0, 1)
		}
		if (count > 0) != (len(days) > 0) {
			t.Errorf("%s: dayStats count %d, brute force %d days", s, count, len(days))
			continue
		}
		if len(days) == 0 {
			continue
		}
		wantGap, wantConsecutive := days[0]+146097-days[len(days)-1], false
		for i := 1; i < len(days); i++ {
			wantGap = max(wantGap, days[i]-days[i-1])
		}
		wantConsecutive = wantGap == 1
		for i := 1; i < len(days); i++ {
			wantConsecutive = wantConsecutive || days[i]-days[i-1] == 1
		}
		wantConsecutive = wantConsecutive || days[0]+146097-days[len(days)-1] == 1
		if maxGap != wantGap || consecutive != wantConsecutive {
			t.Errorf("%s: dayStats gap %d consecutive %v; brute force %d %v", s, maxGap, consecutive, wantGap, wantConsecutive)
		}
	}
}

func FuzzParseExpression(f *testing.F) {
	for _, s := range []string{
		"rate(4 hours)", "rate(1 day)", "rate(999 days)", "rate(0 days)", "rate(4 hours) ",
		"cron(0 10 * * ? *)", "cron(0 4/12 * * ? *)", "cron(0 9 15W * ? *)", "cron(0 9 LW * ? *)",
		"cron(0 0 ? FEB 5#5 *)", "cron(0 8 ? * 6L *)", "cron(0 0 29 FEB ? *)", "cron(0 0 30 FEB ? *)",
		"cron(0 0 1 1 ? 2199)", "cron(*/7 1-5/2 1,15,L * ? 1970-2199/3)", "cron(0 10 ? * 3#1,6#3 *)",
		"cron(0 0 31W * ? *)", "cron(0 0 ? * L *)", "cron(0 0 1W 2 ? 2000)",
	} {
		f.Add(s, int64(1704067200), int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, sec, nsec int64) {
		e, err := ParseExpression(s)
		if err != nil {
			if e != nil {
				t.Fatalf("ParseExpression(%q) returned an expression and an error", s)
			}
			// Validate and Window must not panic either.
			_ = Rules{ScheduleExpression: s}.Validate()
			return
		}
		if e.String() != s {
			t.Fatalf("String() = %q, want %q", e.String(), s)
		}
		// Keep the instant within a range where the year arithmetic is meaningful.
		sec %= 400 * 366 * 86400
		after := time.Unix(sec, nsec%1e9).UTC()
		for range 3 {
			next := e.Next(after)
			if next.IsZero() {
				break
			}
			if !next.After(after) {
				t.Fatalf("%q: Next(%s) = %s, not after", s, after.Format(time.RFC3339Nano), next.Format(time.RFC3339Nano))
			}
			after = next
		}
		r := Rules{ScheduleExpression: s, Duration: "1h"}
		if err := r.Validate(); err == nil {
			start, length, err := r.Window(after)
			if err != nil || !start.After(after) || length <= 0 || length > 24*time.Hour {
				t.Fatalf("%q: Window(%s) = %s, %s, %v", s, after, start, length, err)
			}
		}
	})
}
