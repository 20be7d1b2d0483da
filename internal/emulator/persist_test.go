package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// persistNow is the clock of the persistence tests: fixed, so that the access dates that
// reads record are the same before and after a restart.
func persistNow() time.Time { return time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC) }

// persistStart serves an emulator that keeps its state in path. The returned stop closes
// the listener and the emulator (writing the state file); it is also a cleanup, and safe to
// call twice.
func persistStart(t *testing.T, path string) (url string, stop func()) {
	t.Helper()
	srv, err := emulator.New(emulator.Options{StatePath: path, Now: persistNow})
	if err != nil {
		t.Fatalf("emulator.New(%s): %v", path, err)
	}
	hs := httptest.NewServer(srv)
	var once sync.Once
	stop = func() {
		once.Do(func() {
			hs.Close()
			if err := srv.Close(); err != nil {
				t.Errorf("emulator Close: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return hs.URL, stop
}

// persistCheckFile checks what the state file must always be: present, readable only by its
// owner, and alone in its directory (no temporary file left behind by an atomic write).
func persistCheckFile(t *testing.T, path string) {
	t.Helper()
	persistCheckMode(t, path)
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != filepath.Base(path) {
			t.Errorf("%s left next to the state file", e.Name())
		}
	}
}

// persistCheckMode checks that the state file is readable only by its owner.
func persistCheckMode(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("state file: %v", err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("state file mode %v, want 0600: it holds secret values", perm)
	}
}

// persistWaitForFile polls until the background writer has created path.
func persistWaitForFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(path); err == nil {
			return
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("state file %s not written within 10s of a change", path)
		}
	}
}

const (
	persistPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	persistTok1   = "9e751573-0000-4000-8000-000000000001"
	persistTok2   = "9e751573-0000-4000-8000-000000000002"
	persistTok3   = "9e751573-0000-4000-8000-000000000003"
	persistTok4   = "9e751573-0000-4000-8000-000000000004"
	persistTok5   = "9e751573-0000-4000-8000-000000000005"
	persistTok6   = "9e751573-0000-4000-8000-000000000006"
)

// persistRegions are the regions persistPopulate uses.
var persistRegions = []string{"us-east-1", "us-west-2", "eu-west-1"}

// persistPopulate creates secrets in every state the state file must keep: several versions
// with custom and deprecated labels, tags (and tags all removed), a policy, a binary value,
// a replica with its own KMS key, a secret scheduled for deletion, one without any value,
// one with an empty description, and a secret in another region.
func persistPopulate(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	persistKMSKey(t, url, "us-east-1", "alias/app")
	persistKMSKey(t, url, "us-west-2", "alias/west")
	east, eu := wireSDK(url, "us-east-1"), wireSDK(url, "eu-west-1")
	steps := []struct {
		name string
		call func() error
	}{
		{"create app", func() error {
			_, err := east.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
				Name: aws.String("persist/app"), SecretString: aws.String(`{"user":"app","password":"p1"}`),
				ClientRequestToken: aws.String(persistTok1), Description: aws.String("app credentials"),
				KmsKeyId: aws.String("alias/app"),
				Tags:     []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}, {Key: aws.String("team"), Value: aws.String("")}},
			})
			return err
		}},
		{"put v2", func() error {
			_, err := east.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("persist/app"),
				SecretString: aws.String(`{"user":"app","password":"p2"}`), ClientRequestToken: aws.String(persistTok2)})
			return err
		}},
		{"put v3 staged", func() error {
			_, err := east.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("persist/app"),
				SecretString: aws.String("staged"), ClientRequestToken: aws.String(persistTok3), VersionStages: []string{"STAGED", "AWSPENDING"}})
			return err
		}},
		{"put v4 current", func() error {
			// v1 loses AWSPREVIOUS and becomes deprecated.
			_, err := east.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("persist/app"),
				SecretString: aws.String(`{"user":"app","password":"p4"}`), ClientRequestToken: aws.String(persistTok4)})
			return err
		}},
		{"policy", func() error {
			_, err := east.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("persist/app"), ResourcePolicy: aws.String(persistPolicy)})
			return err
		}},
		{"binary", func() error {
			_, err := east.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("persist/binary"),
				SecretBinary: []byte{0, 1, 2, 0xfe, 0xff, '\n'}, ClientRequestToken: aws.String(persistTok5)})
			return err
		}},
		{"replicated", func() error {
			_, err := east.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("persist/replicated"),
				SecretString: aws.String("everywhere"), ClientRequestToken: aws.String(persistTok6),
				AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2"), KmsKeyId: aws.String("alias/west")}},
				Tags:              []types.Tag{{Key: aws.String("replicated"), Value: aws.String("yes")}}})
			return err
		}},
		{"deleted", func() error {
			if _, err := east.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("persist/deleted"),
				SecretString: aws.String("going"), ClientRequestToken: aws.String(persistTok1)}); err != nil {
				return err
			}
			_, err := east.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("persist/deleted"), RecoveryWindowInDays: aws.Int64(7)})
			return err
		}},
		{"tags removed", func() error {
			if _, err := east.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("persist/untagged"),
				Tags: []types.Tag{{Key: aws.String("gone"), Value: aws.String("soon")}}}); err != nil {
				return err
			}
			_, err := east.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String("persist/untagged"), TagKeys: []string{"gone"}})
			return err
		}},
		{"empty description", func() error {
			_, err := east.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("persist/empty-description"), Description: aws.String("")})
			return err
		}},
		{"other region", func() error {
			_, err := eu.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("persist/app"),
				SecretString: aws.String("eu value"), ClientRequestToken: aws.String(persistTok1)})
			return err
		}},
	}
	for _, st := range steps {
		if err := st.call(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
}

// persistKMSKey creates a KMS key in region with the alias name, over the KMS JSON protocol.
func persistKMSKey(t *testing.T, url, region, alias string) {
	t.Helper()
	resp := wireDo(t, url, wireRequest{target: "TrentService.CreateKey", auth: wireSigV4(region), body: []byte(`{"Description":"` + alias + `"}`)})
	var key struct {
		KeyMetadata struct {
			KeyID string `json:"KeyId"`
		}
	}
	if resp.status != http.StatusOK || json.Unmarshal(resp.body, &key) != nil || key.KeyMetadata.KeyID == "" {
		t.Fatalf("KMS CreateKey in %s: HTTP %d %s", region, resp.status, resp.body)
	}
	resp = wireDo(t, url, wireRequest{target: "TrentService.CreateAlias", auth: wireSigV4(region),
		body: []byte(`{"AliasName":"` + alias + `","TargetKeyId":"` + key.KeyMetadata.KeyID + `"}`)})
	if resp.status != http.StatusOK {
		t.Fatalf("KMS CreateAlias %s in %s: HTTP %d %s", alias, region, resp.status, resp.body)
	}
}

// persistSnapshot reads everything the API shows of the emulator's state, keyed by region,
// operation and arguments. Errors are kept as values, since they are part of the state (a
// secret scheduled for deletion has no readable value).
func persistSnapshot(t *testing.T, url string) map[string]any {
	t.Helper()
	ctx := context.Background()
	snap := map[string]any{}
	record := func(key string, out any, err error) {
		if err != nil {
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("%s: %v", key, err)
			}
			snap[key] = "error " + ae.ErrorCode() + ": " + ae.ErrorMessage()
			return
		}
		// ResultMetadata is the SDK's record of the call (attempts, timings), not state.
		reflect.ValueOf(out).Elem().FieldByName("ResultMetadata").SetZero()
		snap[key] = out
	}
	for _, region := range persistRegions {
		sm := wireSDK(url, region)
		// ListSecrets is recorded after the reads below, since it shows their access dates.
		listSecrets := func(rec bool) (names []string) {
			var next *string
			for {
				page, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true), NextToken: next, SortBy: types.SortByTypeName})
				if err != nil {
					t.Fatalf("ListSecrets %s: %v", region, err)
				}
				for _, e := range page.SecretList {
					names = append(names, aws.ToString(e.Name))
				}
				if rec {
					record(fmt.Sprintf("%s ListSecrets %s", region, aws.ToString(next)), page, nil)
				}
				if page.NextToken == nil {
					return names
				}
				next = page.NextToken
			}
		}
		names := listSecrets(false)
		// The KMS keys and aliases, as raw answers: the secrets are encrypted under them.
		for _, op := range []string{"ListKeys", "ListAliases"} {
			resp := wireDo(t, url, wireRequest{target: "TrentService." + op, auth: wireSigV4(region), body: []byte(`{}`)})
			snap[region+" KMS "+op] = fmt.Sprintf("HTTP %d %s", resp.status, resp.body)
			var keys struct {
				Keys []struct {
					KeyID string `json:"KeyId"`
				}
			}
			if op == "ListKeys" && json.Unmarshal(resp.body, &keys) == nil {
				for _, k := range keys.Keys {
					d := wireDo(t, url, wireRequest{target: "TrentService.DescribeKey", auth: wireSigV4(region), body: []byte(`{"KeyId":"` + k.KeyID + `"}`)})
					snap[region+" KMS DescribeKey "+k.KeyID] = fmt.Sprintf("HTTP %d %s", d.status, d.body)
				}
			}
		}
		for _, name := range names {
			id := aws.String(name)
			// Reads first: they record access dates, which DescribeSecret and
			// ListSecretVersionIds then show.
			list, err := sm.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: id, IncludeDeprecated: aws.Bool(true)})
			if err != nil {
				t.Fatalf("ListSecretVersionIds %s %s: %v", region, name, err)
			}
			for _, v := range list.Versions {
				out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: id, VersionId: v.VersionId})
				record(fmt.Sprintf("%s GetSecretValue %s %s", region, name, aws.ToString(v.VersionId)), out, err)
			}
			out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: id})
			record(fmt.Sprintf("%s GetSecretValue %s current", region, name), out, err)
			desc, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: id})
			record(fmt.Sprintf("%s DescribeSecret %s", region, name), desc, err)
			vers, err := sm.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: id, IncludeDeprecated: aws.Bool(true)})
			record(fmt.Sprintf("%s ListSecretVersionIds %s", region, name), vers, err)
			pol, err := sm.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: id})
			record(fmt.Sprintf("%s GetResourcePolicy %s", region, name), pol, err)
		}
		listSecrets(true)
	}
	return snap
}

// persistDiff lists the differences of two snapshots field by field.
func persistDiff(before, after map[string]any) []string {
	var diffs []string
	keys := make([]string, 0, len(before))
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: only after the restart: %s", k, persistJSON(after[k])))
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		a, b := before[k], after[k]
		if _, ok := after[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: lost in the restart (was %s)", k, persistJSON(a)))
			continue
		}
		if reflect.DeepEqual(a, b) {
			continue
		}
		va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
		if va.Type() != vb.Type() || va.Kind() != reflect.Pointer {
			diffs = append(diffs, fmt.Sprintf("%s: %s, after the restart %s", k, persistJSON(a), persistJSON(b)))
			continue
		}
		va, vb = va.Elem(), vb.Elem()
		n := len(diffs)
		for i := range va.NumField() {
			f := va.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if fa, fb := va.Field(i).Interface(), vb.Field(i).Interface(); !reflect.DeepEqual(fa, fb) {
				diffs = append(diffs, fmt.Sprintf("%s: %s %s, after the restart %s", k, f.Name, persistJSON(fa), persistJSON(fb)))
			}
		}
		if len(diffs) == n { // only unexported fields differ
			diffs = append(diffs, fmt.Sprintf("%s: %#v, after the restart %#v", k, a, b))
		}
	}
	return diffs
}

func persistJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// TestPersistRoundTrip: everything the API shows survives Close and New on the same state
// file, exactly; the file is written in the background, atomically and with mode 0600.
func TestPersistRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	url, stop := persistStart(t, path)
	persistPopulate(t, url)
	persistWaitForFile(t, path) // written by the background writer, before any Close
	// The writer may be writing a later change right now, next to the file: the directory
	// is checked for leftovers only once Close has stopped it (below).
	persistCheckMode(t, path)

	before := persistSnapshot(t, url)
	if len(before) < 30 {
		t.Fatalf("snapshot has only %d entries: populate did not work", len(before))
	}
	stop()
	persistCheckFile(t, path)
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	url2, stop2 := persistStart(t, path)
	after := persistSnapshot(t, url2)
	for _, d := range persistDiff(before, after) {
		t.Error(d)
	}

	// Reading again recorded the same access dates: the file written on the next Close is
	// the same, byte for byte.
	stop2()
	persistCheckFile(t, path)
	resaved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(saved, resaved) {
		t.Errorf("state file changed over a restart without changes:\nbefore %s\nafter  %s", saved, resaved)
	}
	// The state file keeps values encrypted under their KMS keys (persist.go), never in the clear.
	for _, plain := range []string{`password`, `staged`, `everywhere`, `eu value`, `going`} {
		if bytes.Contains(saved, []byte(plain)) {
			t.Errorf("state file holds the plaintext %q", plain)
		}
	}
}

// TestPersistReplacesFileAtomically: an existing state file is replaced, not rewritten in
// place, so a file that was world-readable ends up 0600, and no temporary file remains.
func TestPersistReplacesFileAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	url, stop := persistStart(t, path)
	persistPopulate(t, url)
	stop()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	// A hard link keeps the old inode reachable: a write in place would change it too.
	old := filepath.Join(t.TempDir(), "old-inode")
	if err := os.Link(path, old); err != nil {
		t.Skipf("hard link: %v", err)
	}
	oldData, err := os.ReadFile(old)
	if err != nil {
		t.Fatal(err)
	}

	url, stop = persistStart(t, path)
	if _, err := wireSDK(url, "us-east-1").TagResource(context.Background(), &secretsmanager.TagResourceInput{
		SecretId: aws.String("persist/app"), Tags: []types.Tag{{Key: aws.String("new"), Value: aws.String("tag")}},
	}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	stop()
	persistCheckFile(t, path)
	newData, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(newData, []byte(`"new"`)) {
		t.Errorf("state file lacks the new tag")
	}
	if still, err := os.ReadFile(old); err != nil || !bytes.Equal(still, oldData) {
		t.Errorf("the old state file was modified in place rather than replaced (err %v)", err)
	}
}
