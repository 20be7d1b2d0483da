package emulator_test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func createSecret(t *testing.T, c *secretsmanager.Client, name, value string) *secretsmanager.CreateSecretOutput {
	t.Helper()
	return must(c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}))(t)
}

func getValue(t *testing.T, c *secretsmanager.Client, in *secretsmanager.GetSecretValueInput) *secretsmanager.GetSecretValueOutput {
	t.Helper()
	return must(c.GetSecretValue(t.Context(), in))(t)
}

// stagesOf returns version id -> sorted labels, deprecated versions included.
func stagesOf(t *testing.T, c *secretsmanager.Client, id string) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	p := secretsmanager.NewListSecretVersionIdsPaginator(c, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(id), IncludeDeprecated: aws.Bool(true)})
	for p.HasMorePages() {
		out := must(p.NextPage(t.Context()))(t)
		for _, v := range out.Versions {
			st := slices.Clone(v.VersionStages)
			slices.Sort(st)
			m[*v.VersionId] = st
		}
	}
	return m
}

func TestLookupByNameAndARN(t *testing.T) {
	c, _, url := newSM(t)
	created := createSecret(t, c, "prod/db-Password", "s3cr3t")
	arn := *created.ARN
	if !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-Password-") || len(arn) != len("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-Password-")+6 {
		t.Fatalf("ARN %q lacks the region, account, name or 6-character suffix", arn)
	}
	partial := strings.TrimSuffix(arn, arn[len(arn)-7:])
	tests := []struct {
		name, id string
		found    bool
	}{
		{"name", "prod/db-Password", true},
		{"full ARN", arn, true},
		{"partial ARN", partial, true},
		{"wrong suffix", partial + "-ZZZZZZ", false},
		{"other region ARN", strings.Replace(arn, "us-east-1", "eu-west-1", 1), false},
		{"other account ARN", strings.Replace(arn, "123456789012", "210987654321", 1), false},
		{"name case differs", "prod/db-password", false},
		{"unknown", "nope", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(tc.id)})
			if !tc.found {
				wantAPIError(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
				return
			}
			if err != nil || *out.SecretString != "s3cr3t" || *out.ARN != arn || *out.VersionId != *created.VersionId {
				t.Fatalf("GetSecretValue(%s) = %+v, %v", tc.id, out, err)
			}
		})
	}
	// Each region has its own secrets.
	west := smClient(url, "us-west-2")
	_, err := west.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/db-Password")})
	wantAPIError(t, err, "ResourceNotFoundException", "can't find the specified secret")
	w := createSecret(t, west, "prod/db-Password", "other")
	if !strings.Contains(*w.ARN, ":us-west-2:") {
		t.Fatalf("us-west-2 secret ARN %s", *w.ARN)
	}
}

func TestCreateSecretValidation(t *testing.T) {
	c, _, _ := newSM(t)
	createSecret(t, c, "exists", "v")
	long := strings.Repeat("x", 65537)
	tests := []struct {
		name string
		in   *secretsmanager.CreateSecretInput
		code string
		msg  string
	}{
		{"name taken", &secretsmanager.CreateSecretInput{Name: aws.String("exists"), SecretString: aws.String("v")},
			"ResourceExistsException", "The operation failed because the secret exists already exists."},
		{"bad characters", &secretsmanager.CreateSecretInput{Name: aws.String("bad name!")},
			"ValidationException", "Invalid name."},
		{"name too long", &secretsmanager.CreateSecretInput{Name: aws.String(strings.Repeat("n", 513))},
			"ValidationException", "Member must have length between 1 and 512"},
		{"string and binary", &secretsmanager.CreateSecretInput{Name: aws.String("both"), SecretString: aws.String("a"), SecretBinary: []byte("b")},
			"InvalidParameterException", "You can't specify both a binary secret value and a string secret value"},
		{"value too large", &secretsmanager.CreateSecretInput{Name: aws.String("big"), SecretString: aws.String(long)},
			"ValidationException", "Value at 'secretString' failed to satisfy constraint"},
		{"token too short", &secretsmanager.CreateSecretInput{Name: aws.String("tok"), SecretString: aws.String("v"), ClientRequestToken: aws.String("short")},
			"InvalidParameterException", "ClientRequestToken must be 32-64 characters long."},
		{"description too long", &secretsmanager.CreateSecretInput{Name: aws.String("d"), Description: aws.String(strings.Repeat("d", 2049))},
			"ValidationException", "Member must have length less than or equal to 2048"},
		{"reserved tag", &secretsmanager.CreateSecretInput{Name: aws.String("t"), Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}},
			"InvalidParameterException", "aws:"},
		{"too many tags", &secretsmanager.CreateSecretInput{Name: aws.String("t"), Tags: manyTags(51)},
			"ValidationException", "Member must have length less than or equal to 50"},
		{"replica in own region", &secretsmanager.CreateSecretInput{Name: aws.String("r"), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-east-1")}}},
			"InvalidParameterException", "Invalid replica region"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateSecret(t.Context(), tc.in)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
	// A failed create leaves nothing behind.
	out := must(c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{}))(t)
	if len(out.SecretList) != 1 || *out.SecretList[0].Name != "exists" {
		t.Fatalf("after failed creates: %d secrets", len(out.SecretList))
	}
	// Value errors never echo the value.
	_, err := c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("big"), SecretString: aws.String(long)})
	if strings.Contains(err.Error(), "xxxx") {
		t.Fatalf("error echoes the secret value: %.200s", err)
	}
}

func manyTags(n int) []types.Tag {
	tags := make([]types.Tag, n)
	for i := range tags {
		tags[i] = types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}
	}
	return tags
}

func TestCreateSecretWithoutValue(t *testing.T) {
	c, _, _ := newSM(t)
	out := must(c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("empty")}))(t)
	if out.VersionId != nil {
		t.Fatalf("CreateSecret without a value returned version %s", *out.VersionId)
	}
	_, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("empty")})
	wantAPIError(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")
	put := must(c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("empty"), SecretBinary: []byte{0, 1, 2, 255}}))(t)
	got := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("empty")})
	if !bytes.Equal(got.SecretBinary, []byte{0, 1, 2, 255}) || got.SecretString != nil || *got.VersionId != *put.VersionId {
		t.Fatalf("binary value round trip: %+v", got)
	}
}

func TestStagingLabelRules(t *testing.T) {
	c, _, _ := newSM(t)
	id := "labels"
	must(c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(id), SecretString: aws.String("v1"), ClientRequestToken: aws.String(tok(1))}))(t)
	put := func(n int, stages ...string) {
		t.Helper()
		in := &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(fmt.Sprintf("v%d", n)), ClientRequestToken: aws.String(tok(n))}
		if stages != nil {
			in.VersionStages = stages
		}
		out := must(c.PutSecretValue(t.Context(), in))(t)
		want := stages
		if want == nil {
			want = []string{"AWSCURRENT"}
		}
		if *out.VersionId != tok(n) || !sameStrings(out.VersionStages, want) {
			t.Fatalf("PutSecretValue(v%d) = %s %v, want %s %v", n, *out.VersionId, out.VersionStages, tok(n), want)
		}
	}
	move := func(stage, from, to string) error {
		in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(id), VersionStage: aws.String(stage)}
		if from != "" {
			in.RemoveFromVersionId = aws.String(from)
		}
		if to != "" {
			in.MoveToVersionId = aws.String(to)
		}
		_, err := c.UpdateSecretVersionStage(t.Context(), in)
		return err
	}
	steps := []struct {
		name string
		do   func()
		want map[string][]string
	}{
		{"create", func() {}, map[string][]string{tok(1): {"AWSCURRENT"}}},
		{"put moves AWSCURRENT, old gets AWSPREVIOUS", func() { put(2) },
			map[string][]string{tok(1): {"AWSPREVIOUS"}, tok(2): {"AWSCURRENT"}}},
		{"third put: AWSPREVIOUS leaves v1, which is deprecated", func() { put(3) },
			map[string][]string{tok(1): {}, tok(2): {"AWSPREVIOUS"}, tok(3): {"AWSCURRENT"}}},
		{"put with AWSPENDING leaves AWSCURRENT alone", func() { put(4, "AWSPENDING") },
			map[string][]string{tok(1): {}, tok(2): {"AWSPREVIOUS"}, tok(3): {"AWSCURRENT"}, tok(4): {"AWSPENDING"}}},
		{"custom labels move off their old version", func() { put(5, "blue", "green"); put(6, "green") },
			map[string][]string{tok(1): {}, tok(2): {"AWSPREVIOUS"}, tok(3): {"AWSCURRENT"}, tok(4): {"AWSPENDING"}, tok(5): {"blue"}, tok(6): {"green"}}},
		{"finish rotation: move AWSCURRENT to the pending version", func() { must(struct{}{}, move("AWSCURRENT", tok(3), tok(4)))(t) },
			map[string][]string{tok(1): {}, tok(2): {}, tok(3): {"AWSPREVIOUS"}, tok(4): {"AWSCURRENT", "AWSPENDING"}, tok(5): {"blue"}, tok(6): {"green"}}},
		{"remove AWSPENDING", func() { must(struct{}{}, move("AWSPENDING", tok(4), ""))(t) },
			map[string][]string{tok(1): {}, tok(2): {}, tok(3): {"AWSPREVIOUS"}, tok(4): {"AWSCURRENT"}, tok(5): {"blue"}, tok(6): {"green"}}},
		{"roll back: AWSCURRENT to the previous version swaps the two", func() { must(struct{}{}, move("AWSCURRENT", tok(4), tok(3)))(t) },
			map[string][]string{tok(1): {}, tok(2): {}, tok(3): {"AWSCURRENT"}, tok(4): {"AWSPREVIOUS"}, tok(5): {"blue"}, tok(6): {"green"}}},
		{"attach a label to a deprecated version revives it", func() { noErr(t, move("old", "", tok(1))) },
			map[string][]string{tok(1): {"old"}, tok(2): {}, tok(3): {"AWSCURRENT"}, tok(4): {"AWSPREVIOUS"}, tok(5): {"blue"}, tok(6): {"green"}}},
	}
	for _, st := range steps {
		st.do()
		got := stagesOf(t, c, id)
		want := map[string][]string{}
		for k, v := range st.want {
			v = slices.Clone(v)
			slices.Sort(v)
			want[k] = v
		}
		if !maps.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("after %q:\n got  %v\n want %v", st.name, got, want)
		}
	}
	// DescribeSecret and ListSecretVersionIds without IncludeDeprecated leave deprecated versions out.
	d := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)}))(t)
	if _, ok := d.VersionIdsToStages[tok(2)]; ok || len(d.VersionIdsToStages) != 5 {
		t.Fatalf("VersionIdsToStages = %v", d.VersionIdsToStages)
	}
	l := must(c.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(id)}))(t)
	if len(l.Versions) != 5 {
		t.Fatalf("ListSecretVersionIds without deprecated: %d versions", len(l.Versions))
	}
	// Reads by stage and by version id.
	if got := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionStage: aws.String("AWSPREVIOUS")}); *got.SecretString != "v4" {
		t.Fatalf("AWSPREVIOUS = %s", *got.SecretString)
	}
	if got := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionId: aws.String(tok(2))}); *got.SecretString != "v2" || len(got.VersionStages) != 0 {
		t.Fatalf("deprecated version read: %+v", got)
	}
	_, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionId: aws.String(tok(5)), VersionStage: aws.String("green")})
	wantAPIError(t, err, "InvalidRequestException", "You provided a VersionStage that is not associated to the provided VersionId.")
	_, err = c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionStage: aws.String("nolabel")})
	wantAPIError(t, err, "ResourceNotFoundException", "for staging label: nolabel")
	_, err = c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionId: aws.String(tok(99))})
	wantAPIError(t, err, "ResourceNotFoundException", "for VersionId: "+tok(99))
}

func sameStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestUpdateSecretVersionStageErrors(t *testing.T) {
	c, _, _ := newSM(t)
	must(c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String("1"), ClientRequestToken: aws.String(tok(1))}))(t)
	must(c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("2"), ClientRequestToken: aws.String(tok(2)), VersionStages: []string{"AWSPENDING"}}))(t)
	tests := []struct {
		name              string
		stage, from, to   string
		code, msgContains string
	}{
		{"move without naming the holder", "AWSCURRENT", "", tok(2), "InvalidParameterException",
			"The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version " + tok(1)},
		{"remove from a version that lacks it", "AWSCURRENT", tok(2), tok(2), "InvalidParameterException", "AWSCURRENT"},
		{"move to an unknown version", "AWSCURRENT", tok(1), tok(9), "InvalidParameterException", tok(9)},
		{"remove AWSCURRENT outright", "AWSCURRENT", tok(1), "", "InvalidParameterException", "AWSCURRENT"},
		{"neither from nor to", "AWSPENDING", "", "", "InvalidParameterException", "MoveToVersionId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("s"), VersionStage: aws.String(tc.stage)}
			if tc.from != "" {
				in.RemoveFromVersionId = aws.String(tc.from)
			}
			if tc.to != "" {
				in.MoveToVersionId = aws.String(tc.to)
			}
			_, err := c.UpdateSecretVersionStage(t.Context(), in)
			wantAPIError(t, err, tc.code, tc.msgContains)
		})
	}
	want := map[string][]string{tok(1): {"AWSCURRENT"}, tok(2): {"AWSPENDING"}}
	if got := stagesOf(t, c, "s"); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("failed moves changed labels: %v", got)
	}
}

func TestClientRequestTokenIdempotency(t *testing.T) {
	c, _, _ := newSM(t)
	created := must(c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("idem"), SecretString: aws.String("a"), ClientRequestToken: aws.String(tok(1))}))(t)
	in := &secretsmanager.PutSecretValueInput{SecretId: aws.String("idem"), SecretString: aws.String("b"), ClientRequestToken: aws.String(tok(2))}
	first := must(c.PutSecretValue(t.Context(), in))(t)
	again := must(c.PutSecretValue(t.Context(), in))(t)
	if *first.VersionId != *again.VersionId || !slices.Equal(again.VersionStages, []string{"AWSCURRENT"}) {
		t.Fatalf("retried PutSecretValue: %+v vs %+v", first, again)
	}
	want := map[string][]string{*created.VersionId: {"AWSPREVIOUS"}, tok(2): {"AWSCURRENT"}}
	if got := stagesOf(t, c, "idem"); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("a retried put changed labels: %v", got)
	}
	_, err := c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("idem"), SecretString: aws.String("c"), ClientRequestToken: aws.String(tok(2))})
	wantAPIError(t, err, "ResourceExistsException", "You can't use ClientRequestToken "+tok(2)+" because that value is already in use for a version of secret")
	_, err = c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("idem"), SecretBinary: []byte("b"), ClientRequestToken: aws.String(tok(2))})
	wantAPIError(t, err, "ResourceExistsException", "already in use")
	if got := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("idem")}); *got.SecretString != "b" {
		t.Fatalf("value after refused put: %s", *got.SecretString)
	}
	// UpdateSecret shares the rule.
	_, err = c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("idem"), SecretString: aws.String("z"), ClientRequestToken: aws.String(tok(1))})
	wantAPIError(t, err, "ResourceExistsException", "already in use")
	_, err = c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("idem")})
	wantAPIError(t, err, "InvalidRequestException", "SecretString or SecretBinary")
}

func TestUpdateSecret(t *testing.T) {
	c, clock, url := newSM(t)
	k := kmsClient(url, "us-east-1")
	kmsAlias(t, k, "alias/mine", *kmsKey(t, k, nil).KeyId)
	created := createSecret(t, c, "upd", "one")
	before := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("upd")}))(t)
	clock.Advance(time.Hour)
	out := must(c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("upd"), Description: aws.String("new description"), KmsKeyId: aws.String("alias/mine")}))(t)
	if out.VersionId != nil {
		t.Fatalf("metadata-only UpdateSecret returned a version: %s", *out.VersionId)
	}
	d := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("upd")}))(t)
	if *d.Description != "new description" || *d.KmsKeyId != "alias/mine" || !d.LastChangedDate.After(*before.LastChangedDate) {
		t.Fatalf("DescribeSecret after UpdateSecret: %+v", d)
	}
	if before.KmsKeyId != nil {
		t.Fatalf("KmsKeyId shown for the AWS managed key: %s", *before.KmsKeyId)
	}
	out = must(c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("upd"), SecretString: aws.String("two")}))(t)
	want := map[string][]string{*created.VersionId: {"AWSPREVIOUS"}, *out.VersionId: {"AWSCURRENT"}}
	if got := stagesOf(t, c, "upd"); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("labels after UpdateSecret with a value: %v", got)
	}
	versions := must(c.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("upd")}))(t)
	// Changing the key re-encrypts the labelled versions with it, as AWS does.
	for _, v := range versions.Versions {
		if !slices.Equal(v.KmsKeyIds, []string{"alias/mine"}) {
			t.Fatalf("version %s KmsKeyIds = %v, want alias/mine", *v.VersionId, v.KmsKeyIds)
		}
	}
}

func TestDeprecatedVersionsPruned(t *testing.T) {
	c, clock, _ := newSM(t)
	must(c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("many"), SecretString: aws.String("0"), ClientRequestToken: aws.String(tok(0))}))(t)
	// 120 versions within a day: none may be removed yet, however many there are.
	for i := 1; i <= 120; i++ {
		must(c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("many"), SecretString: aws.String(fmt.Sprint(i)), ClientRequestToken: aws.String(tok(i))}))(t)
	}
	if n := len(stagesOf(t, c, "many")); n != 121 {
		t.Fatalf("versions younger than a day were removed: %d left of 121", n)
	}
	clock.Advance(25 * time.Hour)
	must(c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("many"), SecretString: aws.String("last"), ClientRequestToken: aws.String(tok(1000))}))(t)
	got := stagesOf(t, c, "many")
	if len(got) != 100 {
		t.Fatalf("after a day, %d versions remain, want 100", len(got))
	}
	for _, keep := range []int{1000, 120, 119} {
		if _, ok := got[tok(keep)]; !ok {
			t.Fatalf("version %d (newest or labelled) was removed", keep)
		}
	}
	for _, gone := range []int{0, 1, 21} {
		if _, ok := got[tok(gone)]; ok {
			t.Fatalf("old deprecated version %d was kept", gone)
		}
	}
}

func TestDeleteAndRestore(t *testing.T) {
	c, clock, _ := newSM(t)
	created := createSecret(t, c, "del", "v")
	_, err := c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("del"), RecoveryWindowInDays: aws.Int64(6)})
	wantAPIError(t, err, "InvalidParameterException", "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")
	_, err = c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("del"), RecoveryWindowInDays: aws.Int64(7), ForceDeleteWithoutRecovery: aws.Bool(true)})
	wantAPIError(t, err, "InvalidParameterException", "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")

	now := clock.Now()
	out := must(c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("del"), RecoveryWindowInDays: aws.Int64(7)}))(t)
	if !out.DeletionDate.Equal(now.Add(7*24*time.Hour)) || *out.ARN != *created.ARN {
		t.Fatalf("DeleteSecret = %+v", out)
	}
	refused := []struct {
		name string
		call func() error
	}{
		{"GetSecretValue", func() error {
			_, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("del")})
			return err
		}},
		{"PutSecretValue", func() error {
			_, err := c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("del"), SecretString: aws.String("x")})
			return err
		}},
		{"UpdateSecret", func() error {
			_, err := c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("del"), Description: aws.String("x")})
			return err
		}},
		{"TagResource", func() error {
			_, err := c.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String("del"), Tags: manyTags(1)})
			return err
		}},
		{"GetResourcePolicy", func() error {
			_, err := c.GetResourcePolicy(t.Context(), &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("del")})
			return err
		}},
		{"DeleteSecret again", func() error {
			_, err := c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("del")})
			return err
		}},
	}
	for _, r := range refused {
		t.Run(r.name, func(t *testing.T) {
			wantAPIError(t, r.call(), "InvalidRequestException", "marked for deletion")
		})
	}
	_, err = c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("del")})
	wantAPIError(t, err, "InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion.")

	d := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("del")}))(t)
	if d.DeletedDate == nil || !d.DeletedDate.Equal(*out.DeletionDate) {
		t.Fatalf("DescribeSecret of a deleted secret: DeletedDate %v", d.DeletedDate)
	}
	list := must(c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{}))(t)
	listAll := must(c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)}))(t)
	if len(list.SecretList) != 0 || len(listAll.SecretList) != 1 {
		t.Fatalf("ListSecrets: %d without, %d with IncludePlannedDeletion", len(list.SecretList), len(listAll.SecretList))
	}

	must(c.RestoreSecret(t.Context(), &secretsmanager.RestoreSecretInput{SecretId: aws.String("del")}))(t)
	if got := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("del")}); *got.SecretString != "v" {
		t.Fatalf("value after restore: %s", *got.SecretString)
	}
	d = must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("del")}))(t)
	if d.DeletedDate != nil {
		t.Fatalf("restored secret still has DeletedDate %v", d.DeletedDate)
	}

	// The recovery window ends: the secret is gone and its name is free.
	must(c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("del"), RecoveryWindowInDays: aws.Int64(7)}))(t)
	clock.Advance(7*24*time.Hour - time.Second)
	must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("del")}))(t)
	clock.Advance(time.Second)
	_, err = c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("del")})
	wantAPIError(t, err, "ResourceNotFoundException", "can't find the specified secret")
	again := createSecret(t, c, "del", "new")
	if *again.ARN == *created.ARN {
		t.Fatalf("a new secret of the same name reused the ARN %s", *again.ARN)
	}

	// Force delete: gone at once; forcing a missing secret is not an error.
	must(c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("del"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
	_, err = c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("del")})
	wantAPIError(t, err, "ResourceNotFoundException", "can't find the specified secret")
	must(c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("del"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
	_, err = c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("del")})
	wantAPIError(t, err, "ResourceNotFoundException", "can't find the specified secret")
	createSecret(t, c, "del", "newer")
}

func TestListSecretsFilters(t *testing.T) {
	c, clock, _ := newSM(t)
	secrets := []struct {
		name, desc string
		tags       map[string]string
	}{
		{"prod/db/password", "a secret", map[string]string{"env": "prod", "team": "data"}},
		{"prod/api-key", "an secret", map[string]string{"env": "prod"}},
		{"dev/db/password", "asecret", map[string]string{"env": "dev", "team": "data"}},
		{"ThisTestSecret", "thesecret", nil},
	}
	for _, s := range secrets {
		in := &secretsmanager.CreateSecretInput{Name: aws.String(s.name), Description: aws.String(s.desc)}
		for k, v := range s.tags {
			in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		must(c.CreateSecret(t.Context(), in))(t)
		clock.Advance(time.Minute)
	}
	f := func(key types.FilterNameStringType, values ...string) types.Filter {
		return types.Filter{Key: key, Values: values}
	}
	tests := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"no filter", nil, []string{"prod/db/password", "prod/api-key", "dev/db/password", "ThisTestSecret"}},
		{"name prefix", []types.Filter{f("name", "prod/")}, []string{"prod/db/password", "prod/api-key"}},
		{"name is case-sensitive", []types.Filter{f("name", "PROD")}, nil},
		{"name values are ORed", []types.Filter{f("name", "dev", "This")}, []string{"dev/db/password", "ThisTestSecret"}},
		{"name negation", []types.Filter{f("name", "!prod")}, []string{"dev/db/password", "ThisTestSecret"}},
		{"name with a space matches nothing", []types.Filter{f("name", "prod db")}, nil},
		{"tag-key", []types.Filter{f("tag-key", "team")}, []string{"prod/db/password", "dev/db/password"}},
		{"tag-value prefix", []types.Filter{f("tag-value", "pro")}, []string{"prod/db/password", "prod/api-key"}},
		{"tag-key negation", []types.Filter{f("tag-key", "!team")}, []string{"prod/api-key", "ThisTestSecret"}},
		{"filters are ANDed", []types.Filter{f("tag-key", "team"), f("name", "prod")}, []string{"prod/db/password"}},
		{"description word prefix", []types.Filter{f("description", "a")}, []string{"prod/db/password", "prod/api-key", "dev/db/password"}},
		{"description every word", []types.Filter{f("description", "a secret")}, []string{"prod/db/password", "prod/api-key"}},
		{"description is case-insensitive", []types.Filter{f("description", "A SECRET")}, []string{"prod/db/password", "prod/api-key"}},
		{"description negation", []types.Filter{f("description", "!a")}, []string{"ThisTestSecret"}},
		{"description negation of nothing", []types.Filter{f("description", "!c")}, []string{"prod/db/password", "prod/api-key", "dev/db/password", "ThisTestSecret"}},
		{"all splits camel case", []types.Filter{f("all", "test")}, []string{"ThisTestSecret"}},
		{"all searches tags", []types.Filter{f("all", "DATA")}, []string{"prod/db/password", "dev/db/password"}},
		{"all words", []types.Filter{f("all", "db dev")}, []string{"dev/db/password"}},
		// Only secrets that take part in replication have a primary region (moto's
		// test_filter_with_primary_region).
		{"primary-region", []types.Filter{f("primary-region", "us-east")}, nil},
		{"primary-region other", []types.Filter{f("primary-region", "eu-")}, nil},
		{"owning-service", []types.Filter{f("owning-service", "rds")}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := must(c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{Filters: tc.filters}))(t)
			var got []string
			for _, e := range out.SecretList {
				got = append(got, *e.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	bad := []struct {
		name       string
		filters    []types.Filter
		code, want string
	}{
		{"unknown key", []types.Filter{f("colour", "x")}, "ValidationException", "at 'filters.1.member.key'"},
		{"unknown second key", []types.Filter{f("name", "x"), f("colour", "x")}, "ValidationException", "at 'filters.2.member.key'"},
		{"bad character", []types.Filter{f("name", "a*b")}, "ValidationException", "1 validation error detected"},
		{"no values", []types.Filter{{Key: "name"}}, "InvalidParameterException", "Invalid filter values for key: name"},
		{"no key", []types.Filter{{Values: []string{"x"}}}, "InvalidParameterException", "Invalid filter key"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{Filters: tc.filters})
			wantAPIError(t, err, tc.code, tc.want)
		})
	}
}

func TestListSecretsPagingAndSorting(t *testing.T) {
	c, clock, _ := newSM(t)
	var names []string
	for i := range 25 {
		name := fmt.Sprintf("s-%02d", (i*7)%25)
		names = append(names, name)
		createSecret(t, c, name, "v")
		clock.Advance(time.Second)
	}
	list := func(in *secretsmanager.ListSecretsInput) []string {
		t.Helper()
		var got []string
		p := secretsmanager.NewListSecretsPaginator(c, in)
		pages := 0
		for p.HasMorePages() {
			out := must(p.NextPage(t.Context()))(t)
			pages++
			for _, e := range out.SecretList {
				got = append(got, *e.Name)
			}
		}
		if in.MaxResults != nil && pages != (25+int(*in.MaxResults)-1)/int(*in.MaxResults) {
			t.Fatalf("%d pages of %d", pages, *in.MaxResults)
		}
		return got
	}
	if got := list(&secretsmanager.ListSecretsInput{MaxResults: aws.Int32(4)}); !slices.Equal(got, names) {
		t.Fatalf("default order (created, ascending) over pages:\n%v\n%v", got, names)
	}
	byName := slices.Clone(names)
	slices.Sort(byName)
	if got := list(&secretsmanager.ListSecretsInput{MaxResults: aws.Int32(10), SortBy: types.SortByTypeName}); !slices.Equal(got, byName) {
		t.Fatalf("by name: %v", got)
	}
	slices.Reverse(byName)
	if got := list(&secretsmanager.ListSecretsInput{SortBy: types.SortByTypeName, SortOrder: types.SortOrderTypeDesc}); !slices.Equal(got, byName) {
		t.Fatalf("by name desc: %v", got)
	}
	_, err := c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{NextToken: aws.String("garbage")})
	wantAPIError(t, err, "InvalidNextTokenException", "The NextToken value is invalid.")
	_, err = c.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(101)})
	wantAPIError(t, err, "ValidationException", "maxResults")
}

func TestBatchGetSecretValue(t *testing.T) {
	c, _, _ := newSM(t)
	for i := range 5 {
		in := &secretsmanager.CreateSecretInput{Name: aws.String(fmt.Sprintf("batch/%d", i)), SecretString: aws.String(fmt.Sprintf("value-%d", i))}
		if i == 4 {
			in.SecretString = nil
		}
		must(c.CreateSecret(t.Context(), in))(t)
	}
	must(c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("batch/3")}))(t)
	out := must(c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"batch/0", "batch/1", "missing", "batch/3", "batch/4"}}))(t)
	if len(out.SecretValues) != 2 || *out.SecretValues[0].SecretString != "value-0" || *out.SecretValues[1].SecretString != "value-1" {
		t.Fatalf("SecretValues = %+v", out.SecretValues)
	}
	wantErrs := map[string]string{"missing": "ResourceNotFoundException", "batch/3": "InvalidRequestException", "batch/4": "ResourceNotFoundException"}
	if len(out.Errors) != len(wantErrs) {
		t.Fatalf("Errors = %+v", out.Errors)
	}
	for _, e := range out.Errors {
		if wantErrs[*e.SecretId] != *e.ErrorCode || *e.Message == "" {
			t.Fatalf("error entry %s: %s %s", *e.SecretId, *e.ErrorCode, *e.Message)
		}
	}
	var got []string
	p := secretsmanager.NewBatchGetSecretValuePaginator(c, &secretsmanager.BatchGetSecretValueInput{
		Filters: []types.Filter{{Key: "name", Values: []string{"batch/"}}}, MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page := must(p.NextPage(t.Context()))(t)
		for _, v := range page.SecretValues {
			got = append(got, *v.SecretString)
		}
	}
	if !slices.Equal(got, []string{"value-0", "value-1", "value-2"}) {
		t.Fatalf("filtered batch: %v", got)
	}
	_, err := c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"batch/0"}, Filters: []types.Filter{{Key: "name", Values: []string{"b"}}}})
	wantAPIError(t, err, "InvalidParameterException", "not both")
	_, err = c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{})
	wantAPIError(t, err, "InvalidParameterException", "SecretIdList")
}

func TestTags(t *testing.T) {
	c, _, _ := newSM(t)
	createSecret(t, c, "tagged", "v")
	d := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("tagged")}))(t)
	if d.Tags != nil {
		t.Fatalf("untagged secret has Tags %v", d.Tags)
	}
	must(c.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String("tagged"), Tags: []types.Tag{
		{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}))(t)
	must(c.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String("tagged"), Tags: []types.Tag{
		{Key: aws.String("a"), Value: aws.String("one")}}}))(t)
	d = must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("tagged")}))(t)
	if got := tagMap(d.Tags); !maps.Equal(got, map[string]string{"a": "one", "b": "2"}) {
		t.Fatalf("tags after TagResource: %v", got)
	}
	_, err := c.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String("tagged"), Tags: manyTags(49)})
	wantAPIError(t, err, "LimitExceededException", "50")
	must(c.UntagResource(t.Context(), &secretsmanager.UntagResourceInput{SecretId: aws.String("tagged"), TagKeys: []string{"a", "b", "absent"}}))(t)
	d = must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("tagged")}))(t)
	if d.Tags == nil || len(d.Tags) != 0 {
		t.Fatalf("after removing every tag AWS answers Tags: [], got %v", d.Tags)
	}
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[*t.Key] = *t.Value
	}
	return m
}

func TestResourcePolicy(t *testing.T) {
	c, _, _ := newSM(t)
	created := createSecret(t, c, "pol", "v")
	private := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`

	got := must(c.GetResourcePolicy(t.Context(), &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("pol")}))(t)
	if got.ResourcePolicy != nil {
		t.Fatalf("policy before any was set: %s", *got.ResourcePolicy)
	}
	_, err := c.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("pol"), ResourcePolicy: aws.String(`{"Version":`)})
	wantAPIError(t, err, "MalformedPolicyDocumentException", "This policy has invalid syntax.")
	_, err = c.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("pol"), ResourcePolicy: aws.String(public), BlockPublicPolicy: aws.Bool(true)})
	wantAPIError(t, err, "PublicPolicyException", "BlockPublicPolicy")
	must(c.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("pol"), ResourcePolicy: aws.String(private), BlockPublicPolicy: aws.Bool(true)}))(t)
	got = must(c.GetResourcePolicy(t.Context(), &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("pol")}))(t)
	if *got.ResourcePolicy != private || *got.ARN != *created.ARN {
		t.Fatalf("GetResourcePolicy = %+v", got)
	}
	// Without BlockPublicPolicy a public policy is accepted.
	must(c.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("pol"), ResourcePolicy: aws.String(public)}))(t)

	v := must(c.ValidateResourcePolicy(t.Context(), &secretsmanager.ValidateResourcePolicyInput{ResourcePolicy: aws.String(private)}))(t)
	if !v.PolicyValidationPassed || len(v.ValidationErrors) != 0 {
		t.Fatalf("valid policy: %+v", v)
	}
	v = must(c.ValidateResourcePolicy(t.Context(), &secretsmanager.ValidateResourcePolicyInput{SecretId: aws.String("pol"), ResourcePolicy: aws.String(`{"Statement":[{"Effect":"Maybe"}]}`)}))(t)
	if v.PolicyValidationPassed || len(v.ValidationErrors) == 0 || *v.ValidationErrors[0].ErrorMessage == "" {
		t.Fatalf("invalid policy passed validation: %+v", v)
	}
	v = must(c.ValidateResourcePolicy(t.Context(), &secretsmanager.ValidateResourcePolicyInput{ResourcePolicy: aws.String(public)}))(t)
	if v.PolicyValidationPassed || len(v.ValidationErrors) != 1 {
		t.Fatalf("public policy passed validation: %+v", v)
	}
	_, err = c.ValidateResourcePolicy(t.Context(), &secretsmanager.ValidateResourcePolicyInput{SecretId: aws.String("missing"), ResourcePolicy: aws.String(private)})
	wantAPIError(t, err, "ResourceNotFoundException", "can't find")

	must(c.DeleteResourcePolicy(t.Context(), &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String("pol")}))(t)
	got = must(c.GetResourcePolicy(t.Context(), &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("pol")}))(t)
	if got.ResourcePolicy != nil {
		t.Fatalf("policy after delete: %s", *got.ResourcePolicy)
	}
}

func TestReplication(t *testing.T) {
	c, _, url := newSM(t)
	west := smClient(url, "us-west-2")
	eu := smClient(url, "eu-west-1")
	kw := kmsClient(url, "us-west-2")
	kmsAlias(t, kw, "alias/west", *kmsKey(t, kw, nil).KeyId)
	createSecret(t, eu, "shared", "eu's own")
	created := must(c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{
		Name: aws.String("shared"), SecretString: aws.String("v1"), Description: aws.String("d"),
		Tags:              []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2"), KmsKeyId: aws.String("alias/west")}, {Region: aws.String("eu-west-1")}},
	}))(t)
	status := map[string]types.ReplicationStatusType{}
	for _, r := range created.ReplicationStatus {
		status[*r.Region] = r
	}
	if status["us-west-2"].Status != types.StatusTypeInSync || status["eu-west-1"].Status != types.StatusTypeFailed ||
		!strings.Contains(*status["eu-west-1"].StatusMessage, "already exists") {
		t.Fatalf("ReplicationStatus = %+v", created.ReplicationStatus)
	}
	// The replica: same name and suffix, its own region, read-only, kept in step.
	rd := must(west.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("shared")}))(t)
	if *rd.ARN != strings.Replace(*created.ARN, "us-east-1", "us-west-2", 1) || *rd.PrimaryRegion != "us-east-1" ||
		*rd.KmsKeyId != "alias/west" || *rd.Description != "d" || tagMap(rd.Tags)["k"] != "v" {
		t.Fatalf("replica DescribeSecret = %+v", rd)
	}
	pd := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("shared")}))(t)
	if *pd.PrimaryRegion != "us-east-1" || len(pd.ReplicationStatus) != 2 {
		t.Fatalf("primary DescribeSecret = %+v", pd)
	}
	put := must(c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("shared"), SecretString: aws.String("v2")}))(t)
	if got := getValue(t, west, &secretsmanager.GetSecretValueInput{SecretId: rd.ARN}); *got.SecretString != "v2" || *got.VersionId != *put.VersionId {
		t.Fatalf("replica value after put: %+v", got)
	}
	if got := getValue(t, eu, &secretsmanager.GetSecretValueInput{SecretId: aws.String("shared")}); *got.SecretString != "eu's own" {
		t.Fatalf("a failed replication overwrote eu-west-1's own secret: %s", *got.SecretString)
	}
	_, err := west.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("shared"), SecretString: aws.String("x")})
	wantAPIError(t, err, "InvalidParameterException", "Operation not permitted on a replica secret. Call must be made in primary secret's region.")
	_, err = west.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String("shared"), Tags: manyTags(1)})
	wantAPIError(t, err, "InvalidParameterException", "replica")
	_, err = c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("shared")})
	wantAPIError(t, err, "InvalidParameterException", "that still has replica regions [us-west-2, eu-west-1].")
	_, err = c.StopReplicationToReplica(t.Context(), &secretsmanager.StopReplicationToReplicaInput{SecretId: aws.String("shared")})
	wantAPIError(t, err, "InvalidRequestException", "")

	// Force overwrite takes the name over in eu-west-1.
	rep := must(c.ReplicateSecretToRegions(t.Context(), &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String("shared"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}}, ForceOverwriteReplicaSecret: true}))(t)
	for _, r := range rep.ReplicationStatus {
		if r.Status != types.StatusTypeInSync {
			t.Fatalf("after force overwrite: %+v", rep.ReplicationStatus)
		}
	}
	if got := getValue(t, eu, &secretsmanager.GetSecretValueInput{SecretId: aws.String("shared")}); *got.SecretString != "v2" {
		t.Fatalf("eu-west-1 after force overwrite: %s", *got.SecretString)
	}

	// Promote the us-west-2 replica; it is then writable there and no longer follows us-east-1.
	must(west.StopReplicationToReplica(t.Context(), &secretsmanager.StopReplicationToReplicaInput{SecretId: aws.String("shared")}))(t)
	must(west.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("shared"), SecretString: aws.String("west")}))(t)
	must(c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("shared"), SecretString: aws.String("v3")}))(t)
	if got := getValue(t, west, &secretsmanager.GetSecretValueInput{SecretId: aws.String("shared")}); *got.SecretString != "west" {
		t.Fatalf("promoted replica value: %s", *got.SecretString)
	}
	rd = must(west.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("shared")}))(t)
	if rd.PrimaryRegion != nil {
		t.Fatalf("promoted replica still names a primary region: %s", *rd.PrimaryRegion)
	}
	rem := must(c.RemoveRegionsFromReplication(t.Context(), &secretsmanager.RemoveRegionsFromReplicationInput{SecretId: aws.String("shared"), RemoveReplicaRegions: []string{"eu-west-1"}}))(t)
	if len(rem.ReplicationStatus) != 0 {
		t.Fatalf("replicas left: %+v", rem.ReplicationStatus)
	}
	_, err = eu.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("shared")})
	wantAPIError(t, err, "ResourceNotFoundException", "can't find")
	must(c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("shared"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
}

func TestGetRandomPassword(t *testing.T) {
	c, _, _ := newSM(t)
	out := must(c.GetRandomPassword(t.Context(), &secretsmanager.GetRandomPasswordInput{}))(t)
	if len(*out.RandomPassword) != 32 {
		t.Fatalf("default length %d", len(*out.RandomPassword))
	}
	out = must(c.GetRandomPassword(t.Context(), &secretsmanager.GetRandomPasswordInput{
		PasswordLength: aws.Int64(64), ExcludePunctuation: aws.Bool(true), ExcludeCharacters: aws.String("abcABC012")}))(t)
	if len(*out.RandomPassword) != 64 || strings.ContainsAny(*out.RandomPassword, "abcABC012!#$%&()*+,-./:;<=>?@[]^_`{|}~") {
		t.Fatalf("password %q breaks its constraints", *out.RandomPassword)
	}
	_, err := c.GetRandomPassword(t.Context(), &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(4097)})
	if err == nil {
		t.Fatal("PasswordLength 4097 accepted")
	}
}

func TestDates(t *testing.T) {
	c, clock, _ := newSM(t)
	createdAt := clock.Now()
	createSecret(t, c, "dated", "v")
	d := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("dated")}))(t)
	if !d.CreatedDate.Equal(createdAt) || !d.LastChangedDate.Equal(createdAt) || d.LastAccessedDate != nil || d.RotationEnabled != nil {
		t.Fatalf("new secret dates: created %v changed %v accessed %v", d.CreatedDate, d.LastChangedDate, d.LastAccessedDate)
	}
	clock.Advance(30 * time.Hour)
	getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("dated")})
	d = must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("dated")}))(t)
	y, m, day := clock.Now().Date()
	if want := time.Date(y, m, day, 0, 0, 0, 0, time.UTC); d.LastAccessedDate == nil || !d.LastAccessedDate.Equal(want) {
		t.Fatalf("LastAccessedDate = %v, want the date %v", d.LastAccessedDate, want)
	}
	if !d.LastChangedDate.Equal(createdAt) {
		t.Fatalf("a read changed LastChangedDate to %v", d.LastChangedDate)
	}
}
