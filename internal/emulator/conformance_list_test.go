package emulator_test

// A port of moto's tests/test_secretsmanager/test_list_secrets.py (and
// test_filter_with_primary_region from its replication tests) to the emulator. Cases marked
// aws_verified there were run against AWS; the expected answers are moto's assertions.

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

type listFixture struct {
	t     *testing.T
	c     *secretsmanager.Client
	clock *testClock
}

func newListFixture(t *testing.T) *listFixture {
	c, clock, _ := newSM(t)
	return &listFixture{t: t, c: c, clock: clock}
}

// create makes a secret one second after the previous one, so that the default order (by
// creation date) is the order of creation, as in moto's tests.
func (f *listFixture) create(name, description string, tags ...string) {
	f.t.Helper()
	in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("s")}
	if description != "" {
		in.Description = aws.String(description)
	}
	for i := 0; i+1 < len(tags); i += 2 {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
	}
	must(f.c.CreateSecret(context.Background(), in))(f.t)
	f.clock.Advance(time.Second)
}

func (f *listFixture) names(filters ...types.Filter) []string {
	f.t.Helper()
	out := must(f.c.ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{Filters: filters}))(f.t)
	names := []string{}
	for _, e := range out.SecretList {
		names = append(names, aws.ToString(e.Name))
	}
	return names
}

func (f *listFixture) want(want []string, filters ...types.Filter) {
	f.t.Helper()
	if got := f.names(filters...); !slices.Equal(got, want) {
		f.t.Errorf("filters %v: got %q, want %q", filterText(filters), got, want)
	}
}

func filterText(fs []types.Filter) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Key)+"="+slicesString(f.Values))
	}
	return out
}

func slicesString(v []string) string {
	b := "["
	for i, s := range v {
		if i > 0 {
			b += ","
		}
		b += s
	}
	return b + "]"
}

func flt(key string, values ...string) types.Filter {
	return types.Filter{Key: types.FilterNameStringType(key), Values: values}
}

func TestMotoListSecrets(t *testing.T) {
	t.Run("test_empty", func(t *testing.T) {
		newListFixture(t).want([]string{})
	})
	t.Run("test_list_secrets", func(t *testing.T) {
		f := newListFixture(t)
		f.create("test-secret", "")
		f.create("test-secret-2", "", "a", "1")
		out := must(f.c.ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{}))(t)
		if len(out.SecretList) != 2 || aws.ToString(out.SecretList[0].Name) != "test-secret" || aws.ToString(out.SecretList[1].Name) != "test-secret-2" {
			t.Fatalf("list %+v", out.SecretList)
		}
		for _, e := range out.SecretList {
			if e.ARN == nil || e.SecretVersionsToStages == nil || e.CreatedDate == nil || e.LastChangedDate == nil {
				t.Errorf("entry %s lacks ARN, SecretVersionsToStages, CreatedDate or LastChangedDate", aws.ToString(e.Name))
			}
		}
		if tags := out.SecretList[1].Tags; len(tags) != 1 || aws.ToString(tags[0].Key) != "a" || aws.ToString(tags[0].Value) != "1" {
			t.Errorf("tags %v", tags)
		}
	})
	t.Run("test_with_name_filter", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "")
		f.create("bar", "")
		f.want([]string{"foo"}, flt("name", "foo"))
	})
	t.Run("test_with_tag_key_filter", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "", "baz", "1")
		f.create("bar", "")
		f.want([]string{"foo"}, flt("tag-key", "baz"))
	})
	t.Run("test_with_tag_value_filter", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "", "1", "baz")
		f.create("bar", "")
		f.want([]string{"foo"}, flt("tag-value", "baz"))
	})
	t.Run("test_with_description_filter", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "baz qux")
		f.create("bar", "")
		f.want([]string{"foo"}, flt("description", "baz"))
	})
	t.Run("test_with_all_filter (aws_verified)", func(t *testing.T) {
		f := newListFixture(t)
		const u = "3a7f9e"
		first, second, third := "SecretOne"+u, "SecretTwo"+u, "Thirdsecret"+u
		tagKey, tagVal := "SecretFTag"+u, "SecretFValue"+u
		f.create(first, "")
		f.create(second, "DescTwo")
		f.create(third, "")
		f.create(tagKey, "", "1", "foo")
		f.create(tagVal, "", "foo", "v")
		f.create("none"+u, "")
		f.want([]string{first}, flt("all", "SecretOne"))
		f.want([]string{tagKey, tagVal}, flt("all", "foo"))
		f.want([]string{first, second, tagKey, tagVal}, flt("all", "Secret"))
		f.want([]string{first, second, tagKey, tagVal}, flt("all", "secret"))
		f.want([]string{}, flt("all", "ret"))
		f.want([]string{first, second, tagKey, tagVal}, flt("all", "sec"))
		f.want([]string{}, flt("all", "SomeSecret"))
		f.want([]string{second}, flt("all", "d"))
		f.want([]string{second}, flt("all", "d t"))
		f.want([]string{second, third, tagKey}, flt("all", "t"))
	})
	t.Run("test_with_all_filter_special_characters (aws_verified)", func(t *testing.T) {
		f := newListFixture(t)
		const u = "c41d2b"
		special := []string{"prod/AppBeta/" + u, "prod_AppBeta_" + u, "prod+AppBeta+" + u, "prod=AppBeta=" + u,
			"prod.AppBeta." + u, "prod@AppBeta@" + u, "prod-AppBeta-" + u}
		for _, n := range special {
			f.create(n, "")
		}
		f.create("prod-AppBeta/"+u, "") // never found: two kinds of separator
		full, partial := "uat/COMPANY/"+u, "uat/COMPANYthings/"+u
		f.create(full, "")
		f.create(partial, "")
		f.want(special, flt("all", "AppBeta"))
		f.want(special, flt("all", "Beta"))
		f.want(special, flt("all", "AppBeta", "prod"))
		f.want([]string{}, flt("all", "+"))
		f.want(append(slices.Clone(special), full, partial), flt("all", u))
		f.want([]string{full}, flt("all", "company"))
		f.want([]string{}, flt("all", "things"))
		f.want([]string{partial}, flt("all", "Ythings"))
		f.want([]string{}, flt("all", "N"))
		f.want([]string{}, flt("all", "pany"))
	})
	t.Run("test_with_no_filter_key", func(t *testing.T) {
		_, err := newListFixture(t).c.ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Values: []string{"foo"}}}})
		wantExactAPIError(t, err, "InvalidParameterException", "Invalid filter key")
	})
	t.Run("test_with_no_filter_values", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "hello")
		_, err := f.c.ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: "description"}}})
		wantExactAPIError(t, err, "InvalidParameterException", "Invalid filter values for key: description")
	})
	t.Run("test_with_invalid_filter_key", func(t *testing.T) {
		_, err := newListFixture(t).c.ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{Filters: []types.Filter{flt("invalid", "foo")}})
		// moto's message lists the five keys of the time; the model now has seven.
		wantAPIError(t, err, "ValidationException",
			"1 validation error detected: Value 'invalid' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [all, name, tag-key, description, tag-value")
	})
	t.Run("test_with_duplicate_filter_keys (aws_verified)", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "one two")
		f.create("bar", "one")
		f.create("baz", "two")
		f.create("qux", "unrelated")
		f.want([]string{"foo"}, flt("description", "one"), flt("description", "two"))
	})
	t.Run("test_with_multiple_filters", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "", "right", "right")
		f.create("bar", "", "right", "wrong")
		f.create("baz", "", "wrong", "right")
		f.create("qux", "", "wrong", "wrong")
		f.want([]string{"foo"}, flt("tag-key", "right"), flt("tag-value", "right"))
	})
	t.Run("test_with_filter_with_multiple_values", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "")
		f.create("bar", "")
		f.create("baz", "")
		f.want([]string{"foo", "bar"}, flt("name", "foo", "bar"))
	})
	t.Run("test_with_filter_with_value_with_multiple_words (aws_verified)", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "one two")
		f.create("bar", "one and two")
		f.create("baz", "one")
		f.create("qux", "two")
		f.create("none", "unrelated")
		f.want([]string{"foo", "bar"}, flt("description", "one two"))
		f.want([]string{"foo", "bar"}, flt("description", "o t"))
		f.want([]string{"foo", "bar", "qux"}, flt("description", "t"))
	})
	t.Run("test_with_filter_with_negation", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "one two")
		f.create("bar", "one and two")
		f.create("baz", "one")
		f.create("qux", "two")
		f.create("none", "unrelated")
		got := f.names(flt("description", "one", "!two"))
		for _, n := range []string{"foo", "bar", "baz"} {
			if !slices.Contains(got, n) {
				t.Errorf("one, !two: %q lacks %s", got, n)
			}
		}
		got = f.names(flt("description", "!o"))
		for _, n := range []string{"qux", "none"} {
			if !slices.Contains(got, n) {
				t.Errorf("!o: %q lacks %s", got, n)
			}
		}
	})
	t.Run("test_filter_with_owning_service", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "")
		f.want([]string{}, flt("owning-service", "n/a"))
	})
	t.Run("test_with_include_planned_deleted_secrets", func(t *testing.T) {
		f := newListFixture(t)
		f.create("foo", "")
		f.create("bar", "")
		f.want([]string{"foo", "bar"})
		must(f.c.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("foo")}))(t)
		f.want([]string{"bar"})
		list := func(filters ...types.Filter) []string {
			out := must(f.c.ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true), Filters: filters}))(t)
			var names []string
			for _, e := range out.SecretList {
				names = append(names, aws.ToString(e.Name))
			}
			return names
		}
		if got := list(); !slices.Equal(got, []string{"foo", "bar"}) {
			t.Errorf("IncludePlannedDeletion: %q", got)
		}
		if got := list(flt("name", "foo")); !slices.Equal(got, []string{"foo"}) {
			t.Errorf("IncludePlannedDeletion with a name filter: %q", got)
		}
	})
	t.Run("test_filter_with_primary_region", func(t *testing.T) {
		clock := newTestClock()
		_, url := startEmulator(t, emulator.Options{Now: clock.Now})
		use1, use2 := smClient(url, "us-east-1"), smClient(url, "us-east-2")
		ctx := context.Background()
		must(use1.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("simple"), SecretString: aws.String("secret")}))(t)
		must(use1.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("dup"), SecretString: aws.String("s"),
			AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-east-2")}}}))(t)
		count := func(c *secretsmanager.Client, filters ...types.Filter) []types.SecretListEntry {
			return must(c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: filters}))(t).SecretList
		}
		if n := len(count(use1, flt("primary-region", "us-east-1"))); n != 1 {
			t.Errorf("primary-region us-east-1 in us-east-1: %d secrets, want 1", n)
		}
		if n := len(count(use1, flt("primary-region", "us-east-2"))); n != 0 {
			t.Errorf("primary-region us-east-2 in us-east-1: %d secrets, want 0", n)
		}
		if n := len(count(use1)); n != 2 {
			t.Errorf("no filter: %d secrets, want 2", n)
		}
		if got := count(use2, flt("primary-region", "us-east-1")); len(got) != 1 || aws.ToString(got[0].PrimaryRegion) != "us-east-1" {
			t.Errorf("primary-region us-east-1 in us-east-2: %+v, want the replica of dup", got)
		}
	})
}
