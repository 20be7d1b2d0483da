package secretcache_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

func TestIsTransient(t *testing.T) {
	withStatus := func(status int, err error) error {
		return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"timeout", fmt.Errorf("op: %w", context.DeadlineExceeded), true},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"5xx", withStatus(503, &smithy.GenericAPIError{Code: "ServiceUnavailable"}), true},
		{"500 InternalServiceError", withStatus(500, &types.InternalServiceError{Message: aws.String("x")}), true},
		{"throttling", withStatus(400, &smithy.GenericAPIError{Code: "ThrottlingException"}), true},
		{"unreadable answer", withStatus(200, errors.New("deserialization failed")), true},
		{"not found", withStatus(400, &types.ResourceNotFoundException{Message: aws.String("x")}), false},
		{"access denied", withStatus(400, &smithy.GenericAPIError{Code: "AccessDeniedException"}), false},
		{"invalid request", withStatus(400, &types.InvalidRequestException{Message: aws.String("x")}), false},
		{"decryption failure", &types.DecryptionFailure{Message: aws.String("x")}, false},
		{"closed", secretcache.ErrClosed, false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := secretcache.IsTransient(tc.err); got != tc.want {
				t.Fatalf("IsTransient(%v) = %v", tc.err, got)
			}
		})
	}
}

// StaleIfError rides out transient failures past MaxStaleness, marked stale; an answer
// that the secret is gone withholds the value at once.
func TestStaleIfError(t *testing.T) {
	f := newFakeSM("db", "v1")
	c, clock := newFakeCache(t, f, secretcache.Options{MaxStaleness: 5 * time.Minute, StaleIfError: 10 * time.Minute})
	mustString(t, c, "db")
	f.setFail("DescribeSecret", apiErr("ServiceUnavailable"))
	var lastOK time.Duration
	for at := time.Duration(0); at < 30*time.Minute; at += 10 * time.Second {
		v, info, err := c.GetWithInfo(t.Context(), "db")
		if err == nil {
			if v.SecretString() != "v1" {
				t.Fatalf("got %q", v.SecretString())
			}
			if at > 5*time.Minute && !info.Stale {
				t.Fatalf("at %s, past MaxStaleness, the value is not marked stale", at)
			}
			lastOK = at
		}
		clock.Advance(10 * time.Second)
	}
	if lastOK < 14*time.Minute || lastOK >= 15*time.Minute {
		t.Fatalf("served until %s, want until MaxStaleness + StaleIfError (15m)", lastOK)
	}
	if st := c.Stats(); st.StaleHits == 0 {
		t.Fatalf("stats %+v: no stale hits", st)
	}

	f2 := newFakeSM("db", "v1")
	c2, clock2 := newFakeCache(t, f2, secretcache.Options{MaxStaleness: 5 * time.Minute, StaleIfError: time.Hour})
	mustString(t, c2, "db")
	f2.setAbsent(true) // deleted
	took := stepUntil(t, clock2, 10*time.Second, 5*time.Minute, func() bool {
		_, err := c2.Get(t.Context(), "db")
		return err != nil
	})
	if took > 4*time.Minute {
		t.Fatalf("a deleted secret was served %s, until its check (RefreshInterval), not longer", took)
	}
}
