package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// TestPersistCorruptStateFile: New refuses a state file it cannot trust, with an error that
// names the file and says what to do, rather than starting empty or crashing later.
func TestPersistCorruptStateFile(t *testing.T) {
	// A valid file to cut short.
	validPath := filepath.Join(t.TempDir(), "valid.json")
	url, stop := persistStart(t, validPath)
	persistPopulate(t, url)
	stop()
	valid, err := os.ReadFile(validPath)
	if err != nil {
		t.Fatal(err)
	}
	// edit returns the valid file changed by f, which gets the decoded JSON and the
	// persist/app secret of us-east-1 in it.
	edit := func(f func(root, app map[string]any)) []byte {
		t.Helper()
		var root map[string]any
		if err := json.Unmarshal(valid, &root); err != nil {
			t.Fatalf("state file is not JSON: %v", err)
		}
		app, ok := root["secrets"].(map[string]any)["us-east-1"].(map[string]any)["persist/app"].(map[string]any)
		if !ok {
			t.Fatalf("state file has no secrets.us-east-1.persist/app: %s", valid)
		}
		f(root, app)
		b, err := json.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	anyVersion := func(app map[string]any) string {
		for id := range app["versions"].(map[string]any) {
			return id
		}
		t.Fatal("persist/app has no versions in the state file")
		return ""
	}
	tests := []struct {
		name    string
		content []byte
	}{
		{"garbage", []byte("this is not a state file\x00\xff")},
		{"empty", []byte{}},
		{"truncated JSON", valid[:len(valid)/2]},
		{"JSON of another shape", []byte(`[1,2,3]`)},
		{"format from the future", edit(func(root, _ map[string]any) { root["format"] = 9999 })},
		{"no format", edit(func(root, _ map[string]any) { delete(root, "format") })},
		{"other account", edit(func(root, _ map[string]any) { root["account"] = "999999999999" })},
		{"null secret", edit(func(root, _ map[string]any) {
			root["secrets"].(map[string]any)["us-east-1"].(map[string]any)["persist/app"] = nil
		})},
		{"secret without versions", edit(func(_, app map[string]any) { delete(app, "versions") })},
		{"null version", edit(func(_, app map[string]any) { app["versions"].(map[string]any)[anyVersion(app)] = nil })},
		{"null replica", edit(func(_, app map[string]any) { app["replicas"] = []any{nil} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			srv, err := emulator.New(emulator.Options{StatePath: path})
			if err == nil {
				t.Cleanup(func() { _ = srv.Close() })
				t.Fatalf("New accepted the state file; then DescribeSecret persist/app %s", persistTryDescribe(srv, "persist/app"))
			}
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Errorf("error %q does not name the file %s", msg, path)
			}
			if !strings.Contains(msg, "delete") && !strings.Contains(msg, "move") {
				t.Errorf("error %q does not say how to fix it (delete or move the file)", msg)
			}
			// The file is evidence: New must leave it alone.
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, tt.content) {
				t.Errorf("New changed the corrupt state file (err %v)", err)
			}
		})
	}
}

// persistTryDescribe describes a secret straight through ServeHTTP and tells what happened,
// panics included.
func persistTryDescribe(srv *emulator.Server, name string) (result string) {
	defer func() {
		if p := recover(); p != nil {
			result = fmt.Sprintf("panics: %v", p)
		}
	}()
	req := httptest.NewRequest("POST", "/", strings.NewReader(`{"SecretId":"`+name+`"}`))
	req.Header.Set("X-Amz-Target", "secretsmanager.DescribeSecret")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return fmt.Sprintf("answers HTTP %d %s", rec.Code, rec.Body)
}

// TestPersistMissingFileStartsEmpty: a state file that does not exist yet is an empty state,
// and Close then writes it, with the same care as any other save.
func TestPersistMissingFileStartsEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	url, stop := persistStart(t, path)
	out, err := wireSDK(url, "us-east-1").ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{})
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	if len(out.SecretList) != 0 {
		t.Errorf("ListSecrets: %d secrets in a new emulator", len(out.SecretList))
	}
	stop()
	persistCheckFile(t, path)
}
