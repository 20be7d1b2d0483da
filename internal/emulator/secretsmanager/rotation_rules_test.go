package secretsmanager

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// TestRotationRulesFixtures checks the rules against AWS's answers in
// testdata/rotation_rules.json, each with its source.
func TestRotationRulesFixtures(t *testing.T) {
	raw, err := os.ReadFile("testdata/rotation_rules.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Days       *int64  `json:"days"`
		Expression *string `json:"expression"`
		Duration   *string `json:"duration"`
		Accepted   bool    `json:"accepted"`
		Error      string  `json:"error"`
		Message    string  `json:"message"`
		Source     string  `json:"source"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no fixtures")
	}
	for _, c := range cases {
		err := CheckRotationRules(RotationRules{AutomaticallyAfterDays: c.Days, ScheduleExpression: c.Expression, Duration: c.Duration})
		name := describeRules(c.Days, c.Expression, c.Duration)
		if c.Accepted {
			if err != nil {
				t.Errorf("%s: refused (%v), but AWS accepts it (%s)", name, err, c.Source)
			}
			continue
		}
		var re *RuleError
		if !errors.As(err, &re) {
			t.Errorf("%s: accepted, but AWS refuses it (%s)", name, c.Source)
			continue
		}
		if want := c.Error; want == "" && re.Type != "InvalidParameterException" || want != "" && re.Type != want {
			t.Errorf("%s: %s, want %s (%s)", name, re.Type, c.Error, c.Source)
		}
		if c.Message != "" && re.Message != c.Message {
			t.Errorf("%s: message %q, want %q (%s)", name, re.Message, c.Message, c.Source)
		}
	}
}

func describeRules(days *int64, expr, dur *string) string {
	b, _ := json.Marshal(map[string]any{"AutomaticallyAfterDays": days, "ScheduleExpression": expr, "Duration": dur})
	return string(b)
}
