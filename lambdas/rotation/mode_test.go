package rotation

import (
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{"", ModeAuto, false},
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
