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
