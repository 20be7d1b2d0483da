package emulator_test

import (
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
