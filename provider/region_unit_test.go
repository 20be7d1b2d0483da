package provider

import (
	"strings"
	"testing"
)

func TestSplitImportID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ id, bare, region, err string }{
		{"prod/db", "prod/db", "", ""},
		{"prod/db@eu-west-1", "prod/db", "eu-west-1", ""},
		{"user@example@us-gov-west-1", "user@example", "us-gov-west-1", ""},
		{"user@example", "user@example", "", ""}, // not a region: part of the name
		{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", "eu-west-1", ""},
		{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf|v1", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf|v1", "eu-west-1", ""},
		{"arn:aws:kms:ap-south-1:123456789012:key/k@ap-south-1", "arn:aws:kms:ap-south-1:123456789012:key/k", "ap-south-1", ""},
		{"arn:aws:kms:ap-south-1:123456789012:key/k@us-east-1", "", "", "ARN of region ap-south-1 but ends in @us-east-1"},
		{"prod/db|EXAMPLE-1@eu-central-1", "prod/db|EXAMPLE-1", "eu-central-1", ""},
	} {
		bare, region, err := splitImportID(tc.id)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("splitImportID(%q) error %v, want %q", tc.id, err, tc.err)
			}
		case err != nil || bare != tc.bare || region != tc.region:
			t.Errorf("splitImportID(%q) = %q, %q, %v; want %q, %q", tc.id, bare, region, err, tc.bare, tc.region)
		}
	}
}
