package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/kms"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/secretsmanager"
)

// Names of the secrets every fuzz input finds in its emulator (see newFuzzServer).
const (
	fuzzTokenOld = "f0000000-0000-4000-8000-000000000001"
	fuzzTokenNew = "f0000000-0000-4000-8000-000000000002"
	fuzzRotator  = "arn:aws:lambda:us-east-1:123456789012:function:fuzz-rotator"
	fuzzPolicy   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
)

// fuzzValidBodies holds, for every operation of Secrets Manager, requests that succeed against
// the state newFuzzServer sets up. FuzzSecretsManagerRequest fails when an operation has none,
// so that a new operation cannot go unfuzzed.
var fuzzValidBodies = map[string][]string{
	"CreateSecret": {
		`{"Name":"fuzz/new","SecretString":"v","ClientRequestToken":"f0000000-0000-4000-8000-000000000010"}`,
		`{"Name":"fuzz/new-bin","SecretBinary":"AAEC","ClientRequestToken":"f0000000-0000-4000-8000-000000000011","Description":"d","Tags":[{"Key":"k","Value":"v"}],"KmsKeyId":"alias/fuzz"}`,
		`{"Name":"fuzz/new-replica","AddReplicaRegions":[{"Region":"eu-west-1"}],"ForceOverwriteReplicaSecret":true}`,
		`{"Name":"fuzz/empty"}`,
	},
	"DescribeSecret": {
		`{"SecretId":"fuzz/secret"}`,
		`{"SecretId":"fuzz/deleted"}`,
		`{"SecretId":"arn:aws:secretsmanager:us-east-1:123456789012:secret:fuzz/secret"}`,
	},
	"GetSecretValue": {
		`{"SecretId":"fuzz/secret"}`,
		`{"SecretId":"fuzz/secret","VersionStage":"AWSPREVIOUS"}`,
		`{"SecretId":"fuzz/secret","VersionId":"f0000000-0000-4000-8000-000000000001"}`,
		`{"SecretId":"fuzz/binary"}`,
	},
	"BatchGetSecretValue": {
		`{"SecretIdList":["fuzz/secret","fuzz/binary","fuzz/deleted","nope"]}`,
		`{"Filters":[{"Key":"name","Values":["fuzz"]}],"MaxResults":1}`,
		`{"Filters":[{"Key":"all","Values":["!x","fuzz"]}],"NextToken":"eyJvIjoxfQ"}`,
	},
	"PutSecretValue": {
		`{"SecretId":"fuzz/secret","SecretString":"v3","ClientRequestToken":"f0000000-0000-4000-8000-000000000020"}`,
		`{"SecretId":"fuzz/secret","SecretBinary":"AQ==","ClientRequestToken":"f0000000-0000-4000-8000-000000000021","VersionStages":["CUSTOM","AWSPENDING"]}`,
		`{"SecretId":"fuzz/secret","SecretString":"v2","ClientRequestToken":"f0000000-0000-4000-8000-000000000002"}`,
	},
	"UpdateSecret": {
		`{"SecretId":"fuzz/secret","Description":"new","KmsKeyId":"alias/fuzz"}`,
		`{"SecretId":"fuzz/secret","SecretString":"u","ClientRequestToken":"f0000000-0000-4000-8000-000000000030"}`,
	},
	"UpdateSecretVersionStage": {
		`{"SecretId":"fuzz/secret","VersionStage":"AWSCURRENT","MoveToVersionId":"f0000000-0000-4000-8000-000000000001","RemoveFromVersionId":"f0000000-0000-4000-8000-000000000002"}`,
		`{"SecretId":"fuzz/secret","VersionStage":"AWSPREVIOUS","RemoveFromVersionId":"f0000000-0000-4000-8000-000000000001"}`,
		`{"SecretId":"fuzz/secret","VersionStage":"NEW","MoveToVersionId":"f0000000-0000-4000-8000-000000000001"}`,
	},
	"ListSecretVersionIds": {
		`{"SecretId":"fuzz/secret","IncludeDeprecated":true}`,
		`{"SecretId":"fuzz/secret","MaxResults":1}`,
		`{"SecretId":"fuzz/secret","MaxResults":1,"NextToken":"eyJvIjoxfQ"}`,
	},
	"ListSecrets": {
		`{}`,
		`{"IncludePlannedDeletion":true,"SortBy":"name","SortOrder":"desc","MaxResults":2}`,
		`{"Filters":[{"Key":"tag-key","Values":["env"]},{"Key":"description","Values":["fuzz secret"]}]}`,
		`{"Filters":[{"Key":"primary-region","Values":["us-east-1"]}],"NextToken":"eyJvIjoxfQ"}`,
	},
	"DeleteSecret": {
		`{"SecretId":"fuzz/secret","RecoveryWindowInDays":7}`,
		`{"SecretId":"fuzz/binary","ForceDeleteWithoutRecovery":true}`,
		`{"SecretId":"does-not-exist","ForceDeleteWithoutRecovery":true}`,
	},
	"RestoreSecret": {
		`{"SecretId":"fuzz/deleted"}`,
		`{"SecretId":"fuzz/secret"}`,
	},
	"TagResource": {
		`{"SecretId":"fuzz/secret","Tags":[{"Key":"a","Value":"b"},{"Key":"env","Value":"prod"}]}`,
	},
	"UntagResource": {
		`{"SecretId":"fuzz/secret","TagKeys":["env","absent"]}`,
	},
	"GetRandomPassword": {
		`{}`,
		`{"PasswordLength":4096,"ExcludeCharacters":"abc","IncludeSpace":true,"RequireEachIncludedType":true}`,
		`{"PasswordLength":1,"ExcludeNumbers":true,"ExcludePunctuation":true,"ExcludeUppercase":true,"RequireEachIncludedType":false}`,
	},
	"PutResourcePolicy": {
		`{"SecretId":"fuzz/secret","ResourcePolicy":` + fuzzJSONString(fuzzPolicy) + `,"BlockPublicPolicy":true}`,
	},
	"GetResourcePolicy": {
		`{"SecretId":"fuzz/secret"}`,
	},
	"DeleteResourcePolicy": {
		`{"SecretId":"fuzz/secret"}`,
	},
	"ValidateResourcePolicy": {
		`{"ResourcePolicy":` + fuzzJSONString(fuzzPolicy) + `}`,
		`{"SecretId":"fuzz/secret","ResourcePolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}`,
	},
	"ReplicateSecretToRegions": {
		`{"SecretId":"fuzz/secret","AddReplicaRegions":[{"Region":"eu-central-1"}]}`,
		`{"SecretId":"fuzz/binary","AddReplicaRegions":[{"Region":"us-west-2"}],"ForceOverwriteReplicaSecret":true}`,
	},
	"RemoveRegionsFromReplication": {
		`{"SecretId":"fuzz/replicated","RemoveReplicaRegions":["us-west-2"]}`,
	},
	"StopReplicationToReplica": {
		// fuzz/from-west is a us-east-1 replica of a us-west-2 secret.
		`{"SecretId":"fuzz/from-west"}`,
	},
	"RotateSecret": {
		`{"SecretId":"fuzz/secret","ClientRequestToken":"f0000000-0000-4000-8000-000000000040","RotationLambdaARN":"` + fuzzRotator + `","RotationRules":{"AutomaticallyAfterDays":30},"RotateImmediately":false}`,
		`{"SecretId":"fuzz/secret","ClientRequestToken":"f0000000-0000-4000-8000-000000000041","RotationLambdaARN":"` + fuzzRotator + `","RotationRules":{"ScheduleExpression":"rate(4 hours)","Duration":"2h"}}`,
	},
	"CancelRotateSecret": {
		// Only a secret with a rotation function has a rotation to cancel.
		`{"SecretId":"fuzz/rotating"}`,
	},
}

// fuzzBrokenBodies are sent to every operation.
var fuzzBrokenBodies = []string{
	``,
	` `,
	`{`,
	`}`,
	`{}`,
	`null`,
	`[]`,
	`5`,
	`"x"`,
	`{"Name":5}`,
	`{"SecretId":5}`,
	`{"SecretId":null}`,
	`{"SecretId":""}`,
	`{"SecretId":["fuzz/secret"]}`,
	`{"SecretId":{"a":1}}`,
	`{"SecretId":true}`,
	`{"SecretId":"fuzz/secret","MaxResults":1e309}`,
	`{"SecretId":"fuzz/secret","MaxResults":99999999999999999999999}`,
	`{"SecretId":"fuzz/secret","MaxResults":-9223372036854775808}`,
	`{"SecretId":"fuzz/secret","MaxResults":1.5}`,
	`{"SecretId":"fuzz/secret","RecoveryWindowInDays":9223372036854775807}`,
	`{"SecretId":"fuzz/secret","PasswordLength":-1}`,
	`{"SecretId":"fuzz/secret","VersionStages":[[["AWSCURRENT"]]]}`,
	`{"SecretId":"fuzz/secret","Tags":[null,{"Key":null}]}`,
	`{"SecretId":"fuzz/secret","Filters":[{"Key":"name","Values":[null]}]}`,
	`{"SecretId":"fuzz/secret","SecretBinary":"not base64!"}`,
	`{"SecretId":"fuzz/secret","NextToken":"%%%"}`,
	`{"SecretId":"fuzz/secret","NextToken":"eyJvIjotMX0"}`,
	`{"SecretId":"fuzz/secret","ResourcePolicy":"{\"Statement\":[[[[[[[[]]]]]]]]}"}`,
	`{"SecretId":"fuzz/secret"} trailing`,
	`{"SecretId":"fuzz/secret"}}`,
	`{"SecretId":"fuzz/secret"}{"SecretId":"x"}`,
	`{"SecretId":"fuzz/secret","SecretId":"fuzz/binary"}`,
	`{"SecretId":"` + "\xff\xfe" + `"}`,
	`{"SecretId":"\u0000"}`,
	strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
	`{"SecretId":"arn:aws:secretsmanager:us-east-1:123456789012:secret:fuzz/secret-AbCdEf"}`,
	`{"SecretId":"arn:aws:secretsmanager:us-east-1:123456789012:secret:"}`,
	`{"SecretId":"arn:"}`,
}

// fuzzUnknownTargets are X-Amz-Target values that name no operation.
var fuzzUnknownTargets = []string{"", "secretsmanager.", "secretsmanager.NoSuchOperation",
	"secretsmanager.createsecret", "kms.Encrypt", "TrentService.NoSuchOperation", "AmazonSSM.GetParameter", "SecretsManager.CreateSecret", "secretsmanager.CreateSecret\x00"}

func fuzzJSONString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// fuzzDo sends one request straight to ServeHTTP.
func fuzzDo(s *Server, region, target string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if target != "" {
		req.Header["X-Amz-Target"] = []string{target}
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if region != "" {
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260314/"+region+
			"/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// newFuzzServer returns an emulator holding a few secrets in every state the operations
// care about, so that valid inputs get past the lookups: two versions with AWSCURRENT and
// AWSPREVIOUS, a binary secret, one scheduled for deletion, a us-east-1 primary with a
// us-west-2 replica and a us-east-1 replica of a us-west-2 primary, tags and a policy; a KMS
// key with the alias alias/fuzz, and a rotation function. The server is closed at the end of
// the test, which stops its background work.
func newFuzzServer(tb testing.TB) *Server {
	tb.Helper()
	fixed := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	s, err := New(Options{Now: func() time.Time { return fixed }})
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if arn := s.RegisterHandler("fuzz-rotator", func(context.Context, []byte) ([]byte, error) { return []byte("null"), nil },
		FunctionConfig{Timeout: time.Second}); arn != fuzzRotator {
		tb.Fatalf("RegisterHandler: ARN %s, want %s", arn, fuzzRotator)
	}
	rec := fuzzDo(s, "", "TrentService.CreateKey", []byte(`{"Description":"fuzz"}`))
	var key struct {
		KeyMetadata struct {
			KeyID string `json:"KeyId"`
		}
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &key) != nil || key.KeyMetadata.KeyID == "" {
		tb.Fatalf("setup CreateKey: HTTP %d %s", rec.Code, rec.Body)
	}
	setup := []struct{ region, op, body string }{
		{"", "TrentService.CreateAlias", `{"AliasName":"alias/fuzz","TargetKeyId":"` + key.KeyMetadata.KeyID + `"}`},
		{"", "CreateSecret", `{"Name":"fuzz/secret","Description":"the fuzz secret","SecretString":"v1","ClientRequestToken":"` + fuzzTokenOld + `","Tags":[{"Key":"env","Value":"test"}]}`},
		{"", "PutSecretValue", `{"SecretId":"fuzz/secret","SecretString":"v2","ClientRequestToken":"` + fuzzTokenNew + `"}`},
		{"", "PutResourcePolicy", `{"SecretId":"fuzz/secret","ResourcePolicy":` + fuzzJSONString(fuzzPolicy) + `}`},
		{"", "CreateSecret", `{"Name":"fuzz/binary","SecretBinary":"AAECAw==","ClientRequestToken":"f0000000-0000-4000-8000-000000000003"}`},
		{"", "CreateSecret", `{"Name":"fuzz/deleted","SecretString":"gone","ClientRequestToken":"f0000000-0000-4000-8000-000000000004"}`},
		{"", "DeleteSecret", `{"SecretId":"fuzz/deleted","RecoveryWindowInDays":7}`},
		{"", "CreateSecret", `{"Name":"fuzz/replicated","SecretString":"r","ClientRequestToken":"f0000000-0000-4000-8000-000000000005","AddReplicaRegions":[{"Region":"us-west-2"}]}`},
		{"us-west-2", "GetSecretValue", `{"SecretId":"fuzz/replicated"}`},
		{"", "CreateSecret", `{"Name":"fuzz/rotating","SecretString":"r","ClientRequestToken":"f0000000-0000-4000-8000-000000000007"}`},
		{"", "RotateSecret", `{"SecretId":"fuzz/rotating","ClientRequestToken":"f0000000-0000-4000-8000-000000000008","RotationLambdaARN":"` + fuzzRotator + `","RotationRules":{"AutomaticallyAfterDays":30},"RotateImmediately":false}`},
		{"us-west-2", "CreateSecret", `{"Name":"fuzz/from-west","SecretString":"w","ClientRequestToken":"f0000000-0000-4000-8000-000000000006","AddReplicaRegions":[{"Region":"us-east-1"}]}`},
	}
	for _, st := range setup {
		target := st.op
		if !strings.Contains(target, ".") {
			target = "secretsmanager." + target
		}
		if rec := fuzzDo(s, st.region, target, []byte(st.body)); rec.Code != http.StatusOK {
			tb.Fatalf("setup %s %s: HTTP %d %s", st.op, st.body, rec.Code, rec.Body)
		}
	}
	return s
}

// TestFuzzValidSeedsSucceed keeps the seed corpus honest: every "valid" seed must succeed,
// or the fuzzer starts from error paths only.
func TestFuzzValidSeedsSucceed(t *testing.T) {
	for op, bodies := range fuzzValidBodies {
		for _, body := range bodies {
			s := newFuzzServer(t)
			if rec := fuzzDo(s, "", "secretsmanager."+op, []byte(body)); rec.Code != http.StatusOK {
				t.Errorf("%s %s: HTTP %d %s", op, body, rec.Code, rec.Body)
			}
		}
	}
}

// FuzzSecretsManagerRequest sends arbitrary bodies to arbitrary targets and checks that the
// emulator answers every one with a well-formed response: 200 with a JSON body, or a client
// error (400, 404, 413) in the JSON 1.1 error shape. A 500 is an internal fault and fails.
// Each input runs against its own emulator, so that a failure reproduces from the input alone.
func FuzzSecretsManagerRequest(f *testing.F) {
	ops := secretsmanager.OperationNames()
	for _, name := range ops {
		valid := fuzzValidBodies[name]
		if len(valid) == 0 {
			f.Fatalf("fuzzValidBodies has no seed for operation %s: add one", name)
		}
		target := "secretsmanager." + name
		for _, b := range valid {
			f.Add(target, []byte(b))
		}
		for _, b := range fuzzBrokenBodies {
			f.Add(target, []byte(b))
		}
	}
	for name := range fuzzValidBodies {
		if !slices.Contains(ops, name) {
			f.Fatalf("fuzzValidBodies has seeds for %s, which Secrets Manager does not have", name)
		}
	}
	// The other JSON services of the emulator get the broken bodies too.
	for _, name := range kms.OperationNames() {
		for _, b := range fuzzBrokenBodies {
			f.Add("TrentService."+name, []byte(b))
		}
	}
	for _, target := range fuzzUnknownTargets {
		f.Add(target, []byte(`{"SecretId":"fuzz/secret"}`))
		f.Add(target, []byte(nil))
	}
	// Bodies over maxBodyBytes (413) are left to wire_test.go: a 1 MiB seed slows the fuzzer.

	f.Fuzz(func(t *testing.T, target string, body []byte) {
		s := newFuzzServer(t)
		rec := fuzzDo(s, "", target, body)
		checkFuzzResponse(t, target, body, rec)
		checkFuzzSyntax(t, target, body, rec)
	})
}

// checkFuzzSyntax: a body that is not JSON must be refused with a SerializationException
// by every known operation, before anything else looks at it. (An empty body is the empty
// object, as the SDKs send nothing for operations without input.)
func checkFuzzSyntax(t *testing.T, target string, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	known := false
	if name, ok := strings.CutPrefix(target, "secretsmanager."); ok {
		known = slices.Contains(secretsmanager.OperationNames(), name)
	} else if name, ok := strings.CutPrefix(target, "TrentService."); ok {
		known = slices.Contains(kms.OperationNames(), name)
	}
	if !known {
		return
	}
	if len(bytes.TrimSpace(body)) == 0 || json.Valid(body) {
		return
	}
	var e struct {
		Type string `json:"__type"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	if rec.Code != http.StatusBadRequest || e.Type != "SerializationException" {
		t.Fatalf("target %q body %.200q is not JSON, but the answer is HTTP %d %s; want 400 SerializationException",
			target, body, rec.Code, rec.Body)
	}
}

func checkFuzzResponse(t *testing.T, target string, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	desc := fmt.Sprintf("target %q body %.200q", target, body)
	switch rec.Code {
	case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge:
	default:
		t.Fatalf("%s: HTTP %d, want 200, 400, 404 or 413; body %s", desc, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("%s: Content-Type %q, want application/x-amz-json-1.1", desc, ct)
	}
	out := rec.Body.Bytes()
	if !utf8.Valid(out) {
		t.Errorf("%s: response body is not UTF-8: %q", desc, out)
	}
	if rec.Code == http.StatusOK {
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%s: 200 body is not a JSON object (%v): %s", desc, err, out)
		}
		return
	}
	var e struct {
		Type    *string `json:"__type"`
		Message *string `json:"Message"`
	}
	if err := json.Unmarshal(out, &e); err != nil {
		t.Fatalf("%s: HTTP %d body is not JSON (%v): %s", desc, rec.Code, err, out)
	}
	if e.Type == nil || *e.Type == "" {
		t.Fatalf("%s: HTTP %d body has no __type: %s", desc, rec.Code, out)
	}
	if e.Message == nil || *e.Message == "" {
		t.Errorf("%s: HTTP %d body has no Message: %s", desc, rec.Code, out)
	}
	if h := rec.Header().Get("X-Amzn-ErrorType"); h != *e.Type {
		t.Errorf("%s: X-Amzn-ErrorType %q, body __type %q", desc, h, *e.Type)
	}
}
