package apikey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/apikey"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// acmeKeys is a service-specific rotator: the keys of the (imaginary) Acme API, which
// creates a key with POST /v1/keys (honouring Idempotency-Key), tells a key who it is at
// GET /v1/whoami and revokes with DELETE /v1/keys/{id}. It is all a rotator needs to
// write: the strategy does the rest (secret fields, master credential, revoke modes,
// the rotation steps).
type acmeKeys struct {
	base   string       // https://api.acme.example
	client *http.Client // verifies TLS
}

func (a acmeKeys) do(ctx context.Context, method, path, credential, token string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+credential)
	if token != "" {
		// A createSecret retried after a crash gets the key it made before.
		req.Header.Set("Idempotency-Key", token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}

// Create makes a key with the current key or the master credential.
func (a acmeKeys) Create(ctx context.Context, req apikey.CreateRequest) (apikey.Key, error) {
	status, body, err := a.do(ctx, http.MethodPost, "/v1/keys", req.Credential.Value, req.Token)
	if err != nil {
		return apikey.Key{}, err
	}
	if status != http.StatusCreated {
		// The answer may quote the credential: report the status only.
		return apikey.Key{}, fmt.Errorf("POST /v1/keys: HTTP %d", status)
	}
	var out struct {
		Data struct {
			Keys []struct {
				ID     json.Number `json:"id"`
				Secret string      `json:"secret"`
			} `json:"keys"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Data.Keys) != 1 {
		return apikey.Key{}, fmt.Errorf("POST /v1/keys: unexpected answer (%d bytes)", len(body))
	}
	return apikey.Key{ID: out.Data.Keys[0].ID.String(), Value: out.Data.Keys[0].Secret}, nil
}

// Test asks the service who the key is.
func (a acmeKeys) Test(ctx context.Context, key apikey.Key) error {
	status, _, err := a.do(ctx, http.MethodGet, "/v1/whoami", key.Value, "")
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET /v1/whoami: HTTP %d", status)
	}
	return nil
}

// Revoke deletes a key; one that is already gone (404) is fine.
func (a acmeKeys) Revoke(ctx context.Context, cred apikey.Credential, keyID string) error {
	status, _, err := a.do(ctx, http.MethodDelete, "/v1/keys/"+url.PathEscape(keyID), cred.Value, "")
	if err != nil {
		return err
	}
	if status != http.StatusNoContent && status != http.StatusNotFound {
		return fmt.Errorf("DELETE /v1/keys/%s: HTTP %d", keyID, status)
	}
	return nil
}

// A service-specific rotator is a Service (acmeKeys above) and a main package:
//
//	func main() {
//		svc := acmeKeys{base: "https://api.acme.example", client: &http.Client{Timeout: 10 * time.Second}}
//		r, err := apikey.NewWithService(svc, apikey.Options{Strategy: apikey.Single, RevokeMode: apikey.RevokeOverlap})
//		if err != nil {
//			log.Fatal(err)
//		}
//		rotation.Start(r)
//	}
//
// Its secrets hold api_key and key_id (and masterarn for a master credential); the
// strategy adds previous_key_id. The secret's "rotation" object may still choose
// revoke_mode and master_key_field.
func Example_serviceSpecific() {
	svc := acmeKeys{base: "https://api.acme.example", client: http.DefaultClient}
	r, err := apikey.NewWithService(svc, apikey.Options{Strategy: apikey.Single, RevokeMode: apikey.RevokeOverlap})
	if err != nil {
		panic(err)
	}
	handler := rotation.Handler(r)
	_ = handler // what rotation.Start passes to lambda.Start
}

// The HTTP contract needs no code: a secret names the service's endpoints in its
// "rotation" object (or the function's APIKEY_* variables do).
func ExampleNewHTTPService() {
	secret := `{
	  "api_key": "sk_live_current",
	  "key_id": "key_123",
	  "rotation": {
	    "create_url": "https://api.example.com/v1/keys",
	    "create_body": {"name": "rotated by Secrets Manager {token}"},
	    "key_path": "data.secret",
	    "key_id_path": "data.id",
	    "test_url": "https://api.example.com/v1/me",
	    "revoke_url": "https://api.example.com/v1/keys/{id}",
	    "auth_header": "X-API-Key",
	    "auth_scheme": "{key}",
	    "revoke_mode": "overlap"
	  }
	}`
	s, err := rotation.ParseSecret([]byte(secret))
	if err != nil {
		panic(err)
	}
	svc, err := apikey.NewHTTPService(apikey.Options{}).Bind(context.Background(), s)
	fmt.Println(svc != nil, err)
	// main: rotation.Start(apikey.FromEnv(os.LookupEnv))

	// A mistake names the setting and where it came from.
	bad := strings.Replace(secret, `"data.secret"`, `"data..secret"`, 1)
	s, _ = rotation.ParseSecret([]byte(bad))
	_, err = apikey.NewHTTPService(apikey.Options{}).Bind(context.Background(), s)
	fmt.Println(err)
	// Output:
	// true <nil>
	// setting "key_path" from secret field "rotation.key_path" is invalid: JSON path "data..secret" has an empty segment at byte 5 (two dots, or a dot at an end)
}

// Keys and credentials print without their values.
func ExampleKey() {
	k := apikey.Key{ID: "key_123", Value: "sk_live_do_not_print"}
	fmt.Println(k)
	fmt.Printf("%v %+v %#v\n", k, k, apikey.Credential{Value: "admin-token", Master: true})
	// Output:
	// apikey.Key{ID:"key_123"}
	// apikey.Key{ID:"key_123"} apikey.Key{ID:"key_123"} apikey.Credential{master secret}
}
