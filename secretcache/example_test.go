package secretcache_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// exampleClient returns a Secrets Manager client for a local emulator holding the secrets
// of the examples. An application uses secretsmanager.NewFromConfig(cfg) instead.
func exampleClient() (client *secretsmanager.Client, stop func()) {
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		log.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	client = smClient(hs.URL)
	ctx := context.Background()
	for name, value := range map[string]string{
		"prod/db":     `{"username":"app","password":"correct horse"}`,
		"prod/apikey": "k-123",
	} {
		if _, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}); err != nil {
			log.Fatal(err)
		}
	}
	return client, func() { hs.Close(); _ = srv.Close() }
}

func Example() {
	client, stop := exampleClient()
	defer stop()
	ctx := context.Background()

	cache, err := secretcache.New(client, secretcache.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()

	// The first read calls Secrets Manager; the next ones are answered from memory.
	key, err := cache.GetString(ctx, "prod/apikey")
	if err != nil {
		log.Fatal(err)
	}
	var creds struct{ Username, Password string }
	if err := cache.GetJSON(ctx, "prod/db", &creds); err != nil {
		log.Fatal(err)
	}
	key, _ = cache.GetString(ctx, "prod/apikey")

	fmt.Println(key, creds.Username)
	st := cache.Stats()
	fmt.Printf("hits %d, misses %d, API calls %d\n", st.Hits, st.Misses, st.APICalls)
	// Output:
	// k-123 app
	// hits 1, misses 2, API calls 2
}

func ExampleCache_Do() {
	client, stop := exampleClient()
	defer stop()
	ctx := context.Background()
	cache, err := secretcache.New(client, secretcache.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()
	if _, err := cache.Get(ctx, "prod/db"); err != nil { // cached now
		log.Fatal(err)
	}

	// The password changes behind the cache's back (a rotation).
	if _, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("prod/db"),
		SecretString: aws.String(`{"username":"app","password":"battery staple"}`)}); err != nil {
		log.Fatal(err)
	}
	// A database that only knows the new password.
	login := func(password string) error {
		if password != "battery staple" {
			return errors.New("FATAL: password authentication failed for user \"app\"")
		}
		return nil
	}

	err = cache.Do(ctx, "prod/db", func(ctx context.Context, v *secretcache.Value) error {
		var creds struct{ Password string }
		if err := v.Decode(&creds); err != nil {
			return err
		}
		if err := login(creds.Password); err != nil {
			fmt.Println("rejected:", err)
			return secretcache.Rejected(err) // refresh and try once more
		}
		fmt.Println("logged in; stages", v.VersionStages())
		return nil
	})
	fmt.Println("err:", err)
	// Output:
	// rejected: FATAL: password authentication failed for user "app"
	// logged in; stages [AWSCURRENT]
	// err: <nil>
}
