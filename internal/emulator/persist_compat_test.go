package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// State files written by an older emulator must keep loading. testdata/state-format2.json
// was written by the emulator of commit 2ab6a49, before the services became packages of
// their own (when the models were the file format), from persistPopulate and
// persistPopulateMore; testdata/state-format2.snapshot.json is what that emulator's API
// showed of it (persistSnapshot). Regenerate both only on purpose, with an old emulator:
// EMULATOR_WRITE_FORMAT2=DIR go test -run TestPersistWriteFormat2 ./internal/emulator/

const (
	format2State    = "testdata/state-format2.json"
	format2Snapshot = "testdata/state-format2.snapshot.json"
)

// persistPopulateMore adds the state persistPopulate lacks: a rotation configuration, a
// multi-Region KMS key with a replica, key rotation, and a key scheduled for deletion.
func persistPopulateMore(t *testing.T, srv *emulator.Server, url string) {
	t.Helper()
	ctx := context.Background()
	fn := srv.RegisterHandler("persist-rotator", func(context.Context, []byte) ([]byte, error) { return []byte("null"), nil }, emulator.FunctionConfig{})
	east := wireSDK(url, "us-east-1")
	if _, err := east.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("persist/rotating"),
		SecretString: aws.String("rotating value"), ClientRequestToken: aws.String(persistTok2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := east.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("persist/rotating"),
		RotationLambdaARN: aws.String(fn), RotateImmediately: aws.Bool(false), ClientRequestToken: aws.String(persistTok3),
		RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("cron(0 4 ? * MON *)"), Duration: aws.String("3h")}}); err != nil {
		t.Fatal(err)
	}
	kms := func(region, op, body string) map[string]any {
		resp := wireDo(t, url, wireRequest{target: "TrentService." + op, auth: wireSigV4(region), body: []byte(body)})
		var out map[string]any
		if resp.status != http.StatusOK || json.Unmarshal(resp.body, &out) != nil {
			t.Fatalf("KMS %s in %s: HTTP %d %s", op, region, resp.status, resp.body)
		}
		return out
	}
	id := func(out map[string]any) string { return out["KeyMetadata"].(map[string]any)["KeyId"].(string) }
	mrk := id(kms("us-east-1", "CreateKey", `{"Description":"multi-region","MultiRegion":true,"Tags":[{"TagKey":"k","TagValue":"v"}]}`))
	kms("us-east-1", "ReplicateKey", `{"KeyId":"`+mrk+`","ReplicaRegion":"eu-west-1","Description":"replica"}`)
	kms("us-east-1", "EnableKeyRotation", `{"KeyId":"`+mrk+`","RotationPeriodInDays":180}`)
	gone := id(kms("us-west-2", "CreateKey", `{"Description":"going"}`))
	kms("us-west-2", "ScheduleKeyDeletion", `{"KeyId":"`+gone+`","PendingWindowInDays":7}`)
	kms("us-west-2", "CreateKey", `{"Description":"signing","KeySpec":"ECC_NIST_P256","KeyUsage":"SIGN_VERIFY"}`)
}

// TestPersistWriteFormat2 writes the fixtures of TestPersistReadsFormat2; it runs only when
// asked to (see the comment above).
func TestPersistWriteFormat2(t *testing.T) {
	dir := os.Getenv("EMULATOR_WRITE_FORMAT2")
	if dir == "" {
		t.Skip("EMULATOR_WRITE_FORMAT2 is not set")
	}
	path := filepath.Join(t.TempDir(), "state.json")
	srv, err := emulator.New(emulator.Options{StatePath: path, Now: persistNow})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	persistPopulate(t, hs.URL)
	persistPopulateMore(t, srv, hs.URL)
	snap := persistSnapshot(t, hs.URL)
	hs.Close()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	golden := map[string]string{}
	for k, v := range snap {
		golden[k] = persistJSON(v)
	}
	data, err := json.MarshalIndent(golden, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	state, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(format2State)), state, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(format2Snapshot)), append(data, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestPersistReadsFormat2: a state file of format 2 written before the services had state
// types of their own loads, and the API shows exactly what the emulator that wrote it showed.
func TestPersistReadsFormat2(t *testing.T) {
	state, err := os.ReadFile(format2State)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(format2Snapshot)
	if err != nil {
		t.Fatal(err)
	}
	var golden map[string]string
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, state, 0o600); err != nil {
		t.Fatal(err)
	}
	// Loaded and saved again without a change, the file is the same, byte for byte: the
	// services' snapshot types write format 2 exactly as the old models did.
	_, stop := persistStart(t, path)
	stop()
	if resaved, err := os.ReadFile(path); err != nil || !bytes.Equal(resaved, state) {
		t.Errorf("the file changed over a load and save without changes (%v):\nbefore %s\nafter  %s", err, state, resaved)
	}
	url, _ := persistStart(t, path)
	snap := persistSnapshot(t, url)
	keys := make([]string, 0, len(golden))
	for k := range golden {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) < 40 {
		t.Fatalf("the golden snapshot has only %d entries", len(keys))
	}
	for _, k := range keys {
		got, ok := snap[k]
		if !ok {
			t.Errorf("%s: missing after loading the old file (was %s)", k, golden[k])
			continue
		}
		if g := persistJSON(got); g != golden[k] {
			t.Errorf("%s:\n got %s\nwant %s", k, g, golden[k])
		}
	}
	for k, v := range snap {
		if _, ok := golden[k]; !ok {
			t.Errorf("%s: new after loading the old file: %s", k, persistJSON(v))
		}
	}
}
