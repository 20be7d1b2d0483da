package secretcache

import (
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/schedule"
)

// meta is what the cache keeps from a DescribeSecret answer for one entry.
type meta struct {
	arn string
	// versionID holds the entry's stage; stages are that version's labels.
	versionID string
	stages    []string
	// pendingID is a version labelled AWSPENDING other than versionID: a rotation is under
	// way (or stopped part-way).
	pendingID       string
	rotationEnabled bool
	rules           schedule.Rules
	nextRotation    time.Time // end of the next rotation window, as AWS reports it
	lastRotated     time.Time
	lastChanged     time.Time
	created         time.Time
	deleted         bool // scheduled for deletion: reads fail
}

func metaFrom(d *secretsmanager.DescribeSecretOutput, stage string) meta {
	m := meta{
		arn:             aws.ToString(d.ARN),
		rotationEnabled: aws.ToBool(d.RotationEnabled),
		nextRotation:    aws.ToTime(d.NextRotationDate),
		lastRotated:     aws.ToTime(d.LastRotatedDate),
		lastChanged:     aws.ToTime(d.LastChangedDate),
		created:         aws.ToTime(d.CreatedDate),
		deleted:         d.DeletedDate != nil,
	}
	if r := d.RotationRules; r != nil {
		m.rules = schedule.Rules{AutomaticallyAfterDays: aws.ToInt64(r.AutomaticallyAfterDays),
			ScheduleExpression: aws.ToString(r.ScheduleExpression), Duration: aws.ToString(r.Duration)}
	}
	for id, stages := range d.VersionIdsToStages {
		if slices.Contains(stages, stage) {
			m.versionID, m.stages = id, stages
		}
	}
	for id, stages := range d.VersionIdsToStages {
		if id != m.versionID && slices.Contains(stages, stagePending) {
			m.pendingID = id
		}
	}
	return m
}

// rotationWindow returns the rotation window that ends at m.nextRotation: Secrets Manager
// rotates at some moment in [start, end]. NextRotationDate is the window's end ("on or
// before this date"); its start follows from the rotation rules. The rules are evaluated
// from the candidate "last" times AWS counts from (last rotation, last change, creation)
// and from the start of the UTC day for absolute schedules, and a window is accepted only
// if it ends exactly at NextRotationDate. Otherwise the window is taken as wide as it can
// be: it never crosses a UTC day, and Duration bounds it when set.
func rotationWindow(m *meta) (start, end time.Time, ok bool) {
	if !m.rotationEnabled || m.nextRotation.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	end = m.nextRotation
	dayStart := end.UTC().Truncate(24 * time.Hour)
	if m.rules.AutomaticallyAfterDays != 0 || m.rules.ScheduleExpression != "" {
		for _, last := range []time.Time{m.lastRotated, m.lastChanged, m.created, dayStart.Add(-time.Second)} {
			if last.IsZero() {
				continue
			}
			s, length, err := m.rules.Window(last)
			if err == nil && s.Add(length-time.Second).Equal(end) {
				return s, end, true
			}
		}
	}
	start = dayStart
	if m.rules.Duration != "" {
		if d, err := schedule.ParseDuration(m.rules.Duration); err == nil && end.Add(time.Second-d).After(start) {
			start = end.Add(time.Second - d)
		}
	}
	return start, end, true
}

// policy decides when an entry is checked again.
type policy struct {
	refresh      time.Duration // steady state
	rotationPoll time.Duration // inside a rotation window; <= 0: off
	pendingPoll  time.Duration // while a rotation is in progress; <= 0: off
	windowGrace  time.Duration // keep polling this long after the window's end
	minBackoff   time.Duration
	maxBackoff   time.Duration
}

// jitterFraction is how much of an interval is taken off at random, so that many processes
// started together spread their calls.
const jitterFraction = 0.2

func jittered(d time.Duration, rnd float64) time.Duration {
	return d - time.Duration(float64(d)*jitterFraction*rnd)
}

// Reasons for the next check, for logs and tests.
const (
	reasonInterval = "interval"
	reasonWindow   = "rotation window"
	reasonPending  = "rotation in progress"
)

// next returns when to check a secret next, after a successful check at now that saw m.
// pendingStreak counts the checks in a row that saw the same AWSPENDING version.
func (p policy) next(now time.Time, m *meta, haveMeta bool, pendingStreak int, rnd float64) (time.Time, string) {
	at, why := now.Add(jittered(p.refresh, rnd)), reasonInterval
	if !haveMeta {
		return at, why
	}
	earlier := func(t time.Time, reason string) {
		if t.Before(at) {
			at, why = t, reason
		}
	}
	if m.pendingID != "" && p.pendingPoll > 0 {
		// The rotation function is between createSecret and finishSecret: AWSCURRENT moves
		// within seconds, or the rotation failed and stays so. Poll fast, then back off.
		d := p.pendingPoll << min(pendingStreak, 20)
		if d > 0 && d < p.refresh {
			earlier(now.Add(jittered(d, rnd)), reasonPending)
		}
	}
	if start, end, ok := rotationWindow(m); ok && p.rotationPoll > 0 && m.lastRotated.Before(start) {
		switch {
		case now.Before(start):
			// The first check lands just after the window opens.
			earlier(start.Add(time.Duration(float64(p.rotationPoll)*rnd)), reasonWindow)
		case now.Before(end.Add(p.windowGrace)):
			earlier(now.Add(jittered(p.rotationPoll, rnd)), reasonWindow)
		}
	}
	return at, why
}

// backoff returns how long to wait after the n-th failure in a row (n >= 1): exponential
// from minBackoff, capped at maxBackoff, with "equal jitter" (half fixed, half random).
func (p policy) backoff(n int, rnd float64) time.Duration {
	d := p.minBackoff
	for i := 1; i < n && d < p.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.maxBackoff)
	return d/2 + time.Duration(float64(d/2)*rnd)
}
