package secretcache_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// memClient is a Secrets Manager in memory for the examples (AWSCURRENT and AWSPREVIOUS
// only). An application passes secretsmanager.NewFromConfig(cfg) instead.
type memClient struct {
	mu      sync.Mutex
	seq     int
	secrets map[string]map[string]*memVersion // name -> version id -> version
}

type memVersion struct {
	value  string
	stages []string
}

func exampleClient() (client *memClient, stop func()) {
	c := &memClient{secrets: map[string]map[string]*memVersion{}}
	c.put("prod/db", `{"username":"app","password":"correct horse"}`)
	c.put("prod/apikey", "k-123")
	return c, func() {}
}

// put stores a new AWSCURRENT version of name, as PutSecretValue does.
func (c *memClient) put(name, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	vs := c.secrets[name]
	if vs == nil {
		vs = map[string]*memVersion{}
		c.secrets[name] = vs
	}
	for _, v := range vs {
		v.stages = slices.DeleteFunc(v.stages, func(s string) bool { return s == "AWSPREVIOUS" })
		if slices.Contains(v.stages, "AWSCURRENT") {
			v.stages = []string{"AWSPREVIOUS"}
		}
	}
	vs[fmt.Sprintf("v%d", c.seq)] = &memVersion{value: value, stages: []string{"AWSCURRENT"}}
}

func (c *memClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name, stage := aws.ToString(in.SecretId), aws.ToString(in.VersionStage)
	for id, v := range c.secrets[name] {
		if id == aws.ToString(in.VersionId) || (in.VersionId == nil && slices.Contains(v.stages, stage)) {
			return &secretsmanager.GetSecretValueOutput{ARN: aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name),
				Name: aws.String(name), VersionId: aws.String(id), SecretString: aws.String(v.value), VersionStages: slices.Clone(v.stages)}, nil
		}
	}
	return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
}

func (c *memClient) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := aws.ToString(in.SecretId)
	vs := c.secrets[name]
	if vs == nil {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	}
	out := &secretsmanager.DescribeSecretOutput{ARN: aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name),
		Name: aws.String(name), VersionIdsToStages: map[string][]string{}}
	for id, v := range vs {
		out.VersionIdsToStages[id] = slices.Clone(v.stages)
	}
	return out, nil
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
	client.put("prod/db", `{"username":"app","password":"battery staple"}`)
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
