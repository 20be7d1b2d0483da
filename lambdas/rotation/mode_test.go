package rotation

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{"", ModeSingle, false}, // unset: the secret's own credentials only
		{" Auto ", ModeAuto, false},
		{"single", ModeSingle, false},
		{"SINGLE_USER", ModeSingle, false},
		{"alternating", ModeAlternating, false},
		{"multi-user", ModeAlternating, false},
		{"both", "", true},
	}
	for _, tc := range tests {
		got, err := ParseMode(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err != nil && (!strings.Contains(err.Error(), EnvStrategy) || !strings.Contains(err.Error(), "single, alternating or auto")) {
			t.Errorf("ParseMode(%q) error %q does not say what to write", tc.in, err)
		}
	}
}

// TestModeFor: the strategy comes from the configuration; a masterarn added to a secret
// changes it only in the explicit auto mode, with a warning; alternating refuses a secret
// without a masterarn, naming the rule.
func TestModeFor(t *testing.T) {
	tests := []struct {
		mode      Mode
		hasMaster bool
		want      Mode
		warn      bool
		err       string
	}{
		{"", false, ModeSingle, false, ""},
		{"", true, ModeSingle, false, ""}, // the attack: a masterarn added to a single-user secret
		{ModeSingle, true, ModeSingle, false, ""},
		{ModeAlternating, true, ModeAlternating, false, ""},
		{ModeAlternating, false, "", false, "refused: ROTATION_STRATEGY=alternating needs the master secret's ARN"},
		{ModeAuto, true, ModeAlternating, true, ""},
		{ModeAuto, false, ModeSingle, true, ""},
	}
	for _, tc := range tests {
		got, warn, err := tc.mode.For(tc.hasMaster)
		if got != tc.want || (warn != nil) != tc.warn || (err != nil) != (tc.err != "") {
			t.Errorf("%q.For(%v) = %q, %v, %v; want %q, warning %v, error %q", tc.mode, tc.hasMaster, got, warn, err, tc.want, tc.warn, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q.For(%v) error %q, want it to say %q", tc.mode, tc.hasMaster, err, tc.err)
		}
		if warn != nil && !errors.Is(warn, ErrAutoMode) {
			t.Errorf("warning %v", warn)
		}
	}
}
