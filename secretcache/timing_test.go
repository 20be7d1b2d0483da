package secretcache

import (
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/schedule"
)

func mustParse(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRotationWindow(t *testing.T) {
	tests := []struct {
		name      string
		m         meta
		wantStart string // "" = no window
	}{
		{"rotation disabled", meta{nextRotation: mustParse(t, "2026-03-16T23:59:59Z")}, ""},
		{"days: whole UTC day", meta{rotationEnabled: true, rules: schedule.Rules{AutomaticallyAfterDays: 2},
			lastRotated: mustParse(t, "2026-03-14T15:09:26Z"), nextRotation: mustParse(t, "2026-03-16T23:59:59Z")}, "2026-03-16T00:00:00Z"},
		{"days with Duration 3h", meta{rotationEnabled: true, rules: schedule.Rules{ScheduleExpression: "rate(2 days)", Duration: "3h"},
			lastRotated: mustParse(t, "2026-03-14T15:09:26Z"), nextRotation: mustParse(t, "2026-03-16T02:59:59Z")}, "2026-03-16T00:00:00Z"},
		{"cron at 08:00 closes at the end of the day", meta{rotationEnabled: true, rules: schedule.Rules{ScheduleExpression: "cron(0 8 * * ? *)"},
			nextRotation: mustParse(t, "2026-03-16T23:59:59Z")}, "2026-03-16T08:00:00Z"},
		{"hours: one-hour window", meta{rotationEnabled: true, rules: schedule.Rules{ScheduleExpression: "rate(4 hours)"},
			lastRotated: mustParse(t, "2026-03-14T15:09:26Z"), nextRotation: mustParse(t, "2026-03-14T16:59:59Z")}, "2026-03-14T16:00:00Z"},
		{"unknown rules: widest window the API allows", meta{rotationEnabled: true,
			nextRotation: mustParse(t, "2026-03-16T23:59:59Z")}, "2026-03-16T00:00:00Z"},
		{"unknown rules with Duration", meta{rotationEnabled: true, rules: schedule.Rules{Duration: "2h"},
			nextRotation: mustParse(t, "2026-03-16T13:59:59Z")}, "2026-03-16T12:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, end, ok := rotationWindow(&tc.m)
			if tc.wantStart == "" {
				if ok {
					t.Fatalf("window %s..%s, want none", start, end)
				}
				return
			}
			if !ok || !start.Equal(mustParse(t, tc.wantStart)) || !end.Equal(tc.m.nextRotation) {
				t.Fatalf("window %s..%s (%v), want %s..%s", start, end, ok, tc.wantStart, tc.m.nextRotation)
			}
		})
	}
}

func TestPolicyNext(t *testing.T) {
	p := policy{refresh: 10 * time.Minute, rotationPoll: time.Minute, pendingPoll: 2 * time.Second,
		windowGrace: time.Hour, minBackoff: time.Second, maxBackoff: 5 * time.Minute}
	now := mustParse(t, "2026-03-16T10:00:00Z")
	window := func(next string) meta {
		return meta{rotationEnabled: true, rules: schedule.Rules{AutomaticallyAfterDays: 30},
			lastRotated: mustParse(t, "2026-02-14T10:00:00Z"), nextRotation: mustParse(t, next)}
	}
	tests := []struct {
		name     string
		m        meta
		haveMeta bool
		streak   int
		rnd      float64
		want     time.Duration
		why      string
	}{
		{"no metadata yet", meta{}, false, 0, 0, 10 * time.Minute, reasonInterval},
		{"steady, no jitter", meta{}, true, 0, 0, 10 * time.Minute, reasonInterval},
		{"steady, most jitter", meta{}, true, 0, 1, 8 * time.Minute, reasonInterval},
		{"pending: fast", meta{pendingID: "p"}, true, 0, 0, 2 * time.Second, reasonPending},
		{"pending seen 4 times: 32s", meta{pendingID: "p"}, true, 4, 0, 32 * time.Second, reasonPending},
		{"pending for long: back to the interval", meta{pendingID: "p"}, true, 12, 0, 10 * time.Minute, reasonInterval},
		{"window opens in 5 minutes", window("2026-03-16T23:59:59Z"), true, 0, 0, 0, reasonWindow}, // set below
		{"inside the window", window("2026-03-16T23:59:59Z"), true, 0, 0, time.Minute, reasonWindow},
		{"window far away", window("2026-03-20T23:59:59Z"), true, 0, 0, 10 * time.Minute, reasonInterval},
		{"window ended over an hour ago", window("2026-03-16T08:59:59Z"), true, 0, 0, 10 * time.Minute, reasonInterval},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := now
			want := tc.want
			if tc.name == "window opens in 5 minutes" {
				// The window of 03-17 opens at midnight: check 5 minutes before it, so the
				// next check is the opening itself.
				tc.m = window("2026-03-17T23:59:59Z")
				at = mustParse(t, "2026-03-16T23:55:00Z")
				want = 5 * time.Minute
			}
			got, why := p.next(at, &tc.m, tc.haveMeta, tc.streak, tc.rnd)
			if got.Sub(at) != want || why != tc.why {
				t.Fatalf("next check after %s (%s), want %s (%s)", got.Sub(at), why, want, tc.why)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	p := policy{minBackoff: time.Second, maxBackoff: 5 * time.Minute}
	tests := []struct {
		n    int
		rnd  float64
		want time.Duration
	}{
		{1, 0, 500 * time.Millisecond},
		{1, 1, time.Second},
		{2, 0.5, 1500 * time.Millisecond},
		{9, 1, 256 * time.Second},
		{10, 1, 5 * time.Minute},
		{10, 0, 150 * time.Second},
		{1000, 1, 5 * time.Minute},
	}
	for _, tc := range tests {
		if got := p.backoff(tc.n, tc.rnd); got != tc.want {
			t.Errorf("backoff(%d, %v) = %s, want %s", tc.n, tc.rnd, got, tc.want)
		}
	}
}
