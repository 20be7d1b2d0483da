package secretsmanager

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestPolicyFixtures checks the policy rules against the answers in testdata/policies.json,
// each with its source.
func TestPolicyFixtures(t *testing.T) {
	raw, err := os.ReadFile("testdata/policies.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Policy json.RawMessage `json:"policy"`
		Raw    string          `json:"raw"`
		Long   int             `json:"long"`
		Valid  bool            `json:"valid"`
		Public bool            `json:"public"`
		Source string          `json:"source"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		doc := string(c.Policy)
		switch {
		case c.Raw != "":
			doc = c.Raw
		case c.Long > 0:
			pad := `{"Version":"2012-10-17","Statement":[{"Sid":"`
			tail := `","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
			doc = pad + strings.Repeat("a", c.Long-len(pad)-len(tail)) + tail
		}
		syntax, public := CheckPolicy(doc)
		if c.Valid != (len(syntax) == 0) {
			t.Errorf("case %d: findings %v, want valid=%v (%s)", i, syntax, c.Valid, c.Source)
		}
		if c.Valid && public != c.Public {
			t.Errorf("case %d: public=%v, want %v (%s)", i, public, c.Public, c.Source)
		}
	}
}
