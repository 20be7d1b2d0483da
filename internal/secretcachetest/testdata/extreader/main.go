// Command extreader is a Lambda function for the extension test: it reads the secret named
// in its event through the secretcache-agent extension on localhost, as a function using
// the AWS Parameters and Secrets Lambda Extension does, and returns what it got.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	SecretID string `json:"secretId"`
}

type result struct {
	Status    int    `json:"status"`
	Body      string `json:"body"`
	Stale     string `json:"stale"`
	Confirmed string `json:"confirmed"`
}

func handle(ctx context.Context, ev event) (result, error) {
	u := fmt.Sprintf("http://localhost:%s/secretsmanager/get?secretId=%s", os.Getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"), url.QueryEscape(ev.SecretID))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return result{}, err
	}
	req.Header.Set("X-Aws-Parameters-Secrets-Token", os.Getenv("AWS_SESSION_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{}, fmt.Errorf("the extension: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{Status: resp.StatusCode, Body: string(b), Stale: resp.Header.Get("X-Secretcache-Stale"),
		Confirmed: resp.Header.Get("X-Secretcache-Confirmed")}, nil
}

func main() { lambda.Start(handle) }
