package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	valid := map[string]time.Duration{
		"1h": time.Hour, "3h": 3 * time.Hour, "12h": 12 * time.Hour, "24h": 24 * time.Hour, "03h": 3 * time.Hour,
	}
	for in, want := range valid {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	invalid := []struct{ in, want string }{
		{"", "is empty"},
		{"0h", "at least 1 hour"},
		{"00h", "at least 1 hour"},
		{"25h", `use "24h" or less`},
		{"100h", `use "24h" or less`},
		{"90m", "minutes aren't supported"},
		{"1h30m", "minutes aren't supported"},
		{"3", `add the unit: write "3h"`},
		{"3H", `lower-case h: write "3h"`},
		{"h", "whole number of hours"},
		{"1.5h", "whole number of hours"},
		{"-1h", "whole number of hours"},
		{" 3h", "whole number of hours"},
		{"3h ", "whole number of hours"},
		{"3 hours", "whole number of hours"},
		{"PT3H", "whole number of hours"},
	}
	for _, tc := range invalid {
		_, err := ParseDuration(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "duration ") {
			t.Errorf("ParseDuration(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, r := range []Rules{
		{AutomaticallyAfterDays: 1},
		{AutomaticallyAfterDays: 30},
		{AutomaticallyAfterDays: 1000},
		{AutomaticallyAfterDays: 30, Duration: "3h"},
		{ScheduleExpression: "rate(4 hours)"},
		{ScheduleExpression: "rate(4 hours)", Duration: "4h"},
		{ScheduleExpression: "rate(7 hours)", Duration: "3h"},
		{ScheduleExpression: "rate(23 hours)"},
		{ScheduleExpression: "rate(1 day)"},
		{ScheduleExpression: "rate(10 days)", Duration: "24h"},
		{ScheduleExpression: "rate(999 days)"},
		// examples from the Secrets Manager user guide
		{ScheduleExpression: "cron(0 10 * * ? *)"},
		{ScheduleExpression: "cron(0 18 ? * SAT *)"},
		{ScheduleExpression: "cron(0 8 1 * ? *)"},
		{ScheduleExpression: "cron(0 17 L * ? *)"},
		{ScheduleExpression: "cron(0 8 ? * MON-FRI *)"},
		{ScheduleExpression: "cron(0 16 1,15 * ? *)", Duration: "2h"},
		{ScheduleExpression: "cron(0 0 ? * SUN#1 *)"},
		{ScheduleExpression: "cron(0 4/12 * * ? *)"},
		{ScheduleExpression: "cron(0 8/8 * * ? *)"},
		{ScheduleExpression: "cron(0 2/10 * * ? *)"}, // 02, 12, 22, then 02 the next day: 4 hours
		{ScheduleExpression: "cron(0 8 1/7 * ? *)"},
		{ScheduleExpression: "cron(0 0/4 * * ? *)", Duration: "4h"},
		{ScheduleExpression: "cron(0 10 ? FEB,MAY,AUG,NOV TUE#2 *)"},
		{ScheduleExpression: "cron(0 9 15W * ? *)"},
		{ScheduleExpression: "cron(0 9 LW * ? *)", Duration: "15h"},
		{ScheduleExpression: "cron(0 9 ? * 6L *)"},
		{ScheduleExpression: "cron(0 22 * * ? *)", Duration: "2h"},
		{ScheduleExpression: "cron(0 1,23 ? * MON *)"}, // 23:00 Monday and 01:00 Tuesday never both happen
		{ScheduleExpression: "cron(0 0 1 JAN ? *)"},    // once a year
		{ScheduleExpression: "cron(0 0 31 DEC ? *)"},
	} {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		r    Rules
		want []string
	}{
		{Rules{}, []string{"no rotation schedule: set schedule_expression"}},
		{Rules{Duration: "2h"}, []string{`duration "2h" is set without a rotation schedule`}},
		{Rules{AutomaticallyAfterDays: 30, ScheduleExpression: "rate(30 days)"}, []string{"both set", `schedule_expression = "rate(30 days)"`}},
		{Rules{AutomaticallyAfterDays: -1}, []string{"automatically_after_days -1: must be between 1 and 1000 days"}},
		{Rules{AutomaticallyAfterDays: 1001}, []string{"automatically_after_days 1001", "use 1000 or less"}},
		{Rules{ScheduleExpression: "rate(2 hours)"}, []string{`schedule_expression "rate(2 hours)": rotation must be at least 4 hours apart; use rate(4 hours) or more`}},
		{Rules{ScheduleExpression: "rate(1 hours)"}, []string{"4 hours"}}, // the range is reported before the plural
		{Rules{ScheduleExpression: "rate(1 hour)"}, []string{"4 hours"}},
		{Rules{ScheduleExpression: "rate(24 hours)"}, []string{"write it in days: rate(1 day)"}},
		{Rules{ScheduleExpression: "rate(30 hours)"}, []string{"at most 23 hours"}},
		{Rules{ScheduleExpression: "rate(1000 days)"}, []string{"at most 999 days", "rate(999 days)"}},
		{Rules{ScheduleExpression: "rate(1 days)"}, []string{"write rate(1 day)"}},
		{Rules{ScheduleExpression: "rate(5 day)"}, []string{"write rate(5 days)"}},
		{Rules{ScheduleExpression: "rate(5 hour)"}, []string{"write rate(5 hours)"}},
		{Rules{ScheduleExpression: "rate(15 minutes)"}, []string{"not minutes"}},
		{Rules{ScheduleExpression: "cron(30 10 * * ? *)"}, []string{"minutes field must be 0", "use cron(0 10 * * ? *)"}},
		{Rules{ScheduleExpression: "cron(0,30 10 * * ? *)"}, []string{"minutes field must be 0"}},
		{Rules{ScheduleExpression: "cron(0 10 * * ? 2030)"}, []string{"year field must be *", "use cron(0 10 * * ? *)"}},
		{Rules{ScheduleExpression: "cron(0 10 * * ? 1970-2199)"}, []string{"year field must be *"}},
		{Rules{ScheduleExpression: "cron(0 0/2 * * ? *)"}, []string{"only 2 hours apart (00:00 and 02:00 UTC)", "at least 4 hours apart"}},
		{Rules{ScheduleExpression: "cron(0 * * * ? *)"}, []string{"only 1 hours apart"}},
		{Rules{ScheduleExpression: "cron(0 1,23 * * ? *)"}, []string{"only 2 hours apart (23:00 and 01:00 UTC)"}},
		{Rules{ScheduleExpression: "cron(0 1,23 ? * MON-TUE *)"}, []string{"only 2 hours apart (23:00 and 01:00 UTC)"}},
		{Rules{ScheduleExpression: "cron(0 1,23 1-2 * ? *)"}, []string{"only 2 hours apart"}},
		{Rules{ScheduleExpression: "cron(0 0 30 FEB ? *)"}, []string{"never matches a date"}},
		{Rules{ScheduleExpression: "cron(0 0 ? FEB 5#5 *)"}, []string{"more than a year apart"}},
		{Rules{ScheduleExpression: "cron(0 0 29 FEB ? *)"}, []string{"more than a year apart", "not 29 FEB"}},
		{Rules{ScheduleExpression: "cron(0 10 * * * *)"}, []string{"exactly one of them must be ?"}},
		{Rules{ScheduleExpression: "cron(0 10 * * ?)"}, []string{"add it, e.g. cron(0 10 * * ? *)"}},
		{Rules{ScheduleExpression: "rate(4 hours)", Duration: "5h"}, []string{`duration "5h"`, "use 4h or less"}},
		{Rules{ScheduleExpression: "rate(7 hours)", Duration: "4h"}, []string{"opens at 21:00", "use 3h or less"}},
		{Rules{ScheduleExpression: "cron(0 22 * * ? *)", Duration: "3h"}, []string{"run past midnight UTC", "use 2h or less"}},
		{Rules{ScheduleExpression: "cron(0 10 * * ? *)", Duration: "15h"}, []string{"use 14h or less"}},
		{Rules{ScheduleExpression: "cron(0 0,6 * * ? *)", Duration: "7h"}, []string{"windows open 6 hours apart (00:00 and 06:00)", "use 6h or less"}},
		{Rules{ScheduleExpression: "rate(10 days)", Duration: "25h"}, []string{`use "24h" or less`}},
		{Rules{ScheduleExpression: "rate(10 days)", Duration: "90m"}, []string{"minutes aren't supported"}},
		// independent problems are all reported
		{Rules{AutomaticallyAfterDays: 30, ScheduleExpression: "rate(1 hours)", Duration: "0h"}, []string{"both set", "at least 4 hours", "at least 1 hour"}},
	}
	for _, tc := range tests {
		err := tc.r.Validate()
		if err == nil {
			t.Errorf("%+v: no error, want %q", tc.r, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %q does not contain %q", tc.r, err, w)
			}
		}
		if _, _, werr := tc.r.Window(time.Now()); werr == nil {
			t.Errorf("%+v: Window accepted rules Validate rejects", tc.r)
		}
	}
}

func TestWindow(t *testing.T) {
	tests := []struct {
		r           Rules
		last, start string
		length      time.Duration
	}{
		// AutomaticallyAfterDays / rate(N days): midnight UTC N days after last's date, whole day.
		// A real DescribeSecret: AutomaticallyAfterDays 30 configured 2026-02-03T17:42Z showed
		// NextRotationDate 2026-03-05T23:59:59Z, the end of this window.
		{Rules{AutomaticallyAfterDays: 30}, "2026-02-03T17:42:24Z", "2026-03-05T00:00:00Z", 24 * time.Hour},
		{Rules{AutomaticallyAfterDays: 1}, "2024-02-28T23:59:59Z", "2024-02-29T00:00:00Z", 24 * time.Hour},
		{Rules{AutomaticallyAfterDays: 1, Duration: "2h"}, "2024-02-28T00:00:00Z", "2024-02-29T00:00:00Z", 2 * time.Hour},
		{Rules{ScheduleExpression: "rate(10 days)", Duration: "3h"}, "2024-02-25T12:00:00Z", "2024-03-06T00:00:00Z", 3 * time.Hour},
		{Rules{ScheduleExpression: "rate(1 day)"}, "2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z", 24 * time.Hour},
		{Rules{ScheduleExpression: "rate(1 day)"}, "2024-12-31T01:00:00+02:00", "2024-12-31T00:00:00Z", 24 * time.Hour}, // 23:00Z on the 30th
		// rate(N hours): on the hours 0, N, 2N, ... of each UTC day, one hour by default.
		{Rules{ScheduleExpression: "rate(4 hours)"}, "2024-01-01T13:30:00Z", "2024-01-01T16:00:00Z", time.Hour},
		{Rules{ScheduleExpression: "rate(4 hours)", Duration: "4h"}, "2024-01-01T20:00:00Z", "2024-01-02T00:00:00Z", 4 * time.Hour},
		{Rules{ScheduleExpression: "rate(5 hours)"}, "2024-01-01T20:30:00Z", "2024-01-02T00:00:00Z", time.Hour},
		// cron() in days: open until the end of the UTC day by default.
		{Rules{ScheduleExpression: "cron(0 10 * * ? *)"}, "2024-01-01T09:00:00Z", "2024-01-01T10:00:00Z", 14 * time.Hour},
		{Rules{ScheduleExpression: "cron(0 10 * * ? *)"}, "2024-01-01T10:30:00Z", "2024-01-02T10:00:00Z", 14 * time.Hour},
		{Rules{ScheduleExpression: "cron(0 0 ? * SUN#1 *)"}, "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z", 24 * time.Hour},
		{Rules{ScheduleExpression: "cron(0 17 L * ? *)"}, "2024-02-01T00:00:00Z", "2024-02-29T17:00:00Z", 7 * time.Hour},
		// The user guide's CLI example: 16:00-18:00 UTC on the 1st and 15th.
		{Rules{ScheduleExpression: "cron(0 16 1,15 * ? *)", Duration: "2h"}, "2024-01-01T17:00:00Z", "2024-01-15T16:00:00Z", 2 * time.Hour},
		// cron() in hours: one hour by default.
		{Rules{ScheduleExpression: "cron(0 4/12 * * ? *)"}, "2024-01-01T05:00:00Z", "2024-01-01T16:00:00Z", time.Hour},
		{Rules{ScheduleExpression: "cron(0 4/12 * * ? *)", Duration: "8h"}, "2024-01-01T16:00:00Z", "2024-01-02T04:00:00Z", 8 * time.Hour},
	}
	for _, tc := range tests {
		start, length, err := tc.r.Window(mustTime(t, tc.last))
		if err != nil {
			t.Errorf("%+v: Window(%s): %v", tc.r, tc.last, err)
			continue
		}
		if !start.Equal(mustTime(t, tc.start)) || length != tc.length || start.Location() != time.UTC {
			t.Errorf("%+v: Window(%s) = %s, %s; want %s, %s", tc.r, tc.last, start.Format(time.RFC3339), length, tc.start, tc.length)
		}
	}
}

// The window must never extend into the next UTC day or into the next window, whatever the
// rules, as long as they validate.
func TestWindowsNeverOverlap(t *testing.T) {
	rules := []Rules{
		{ScheduleExpression: "rate(4 hours)", Duration: "4h"},
		{ScheduleExpression: "rate(5 hours)", Duration: "4h"},
		{ScheduleExpression: "rate(9 hours)"},
		{ScheduleExpression: "cron(0 2/10 * * ? *)", Duration: "2h"},
		{ScheduleExpression: "cron(0 0,6,12,18 * * ? *)", Duration: "6h"},
		{ScheduleExpression: "cron(0 8 ? * MON-FRI *)"},
		{ScheduleExpression: "cron(0 20 LW * ? *)", Duration: "4h"},
		{AutomaticallyAfterDays: 2},
	}
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		last := mustTime(t, "2023-12-30T00:00:00Z")
		for range 200 {
			start, length, err := r.Window(last)
			if err != nil {
				t.Fatal(err)
			}
			end := start.Add(length)
			midnight := time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, time.UTC)
			if end.After(midnight) {
				t.Fatalf("%+v: window %s+%s runs into the next UTC day", r, start, length)
			}
			if !start.After(last) {
				t.Fatalf("%+v: window %s not after %s", r, start, last)
			}
			if r.AutomaticallyAfterDays == 0 {
				// Rotating at the start of the window, the next one must open no earlier than this one closes.
				if next, _, _ := r.Window(start); next.Before(end) {
					t.Fatalf("%+v: window %s+%s overlaps the next at %s", r, start, length, next)
				}
			}
			last = start
		}
	}
}

func TestWindowAfterLastYear(t *testing.T) {
	_, _, err := Rules{ScheduleExpression: "cron(0 10 * * ? *)"}.Window(mustTime(t, "2199-12-31T12:00:00Z"))
	if err == nil || !strings.Contains(err.Error(), "no rotation window after 2199-12-31T12:00:00Z") {
		t.Fatalf("err = %v", err)
	}
}
