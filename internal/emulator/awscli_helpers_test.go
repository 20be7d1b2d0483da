package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

func newAWSCLI(t *testing.T) *awsCLI {
	t.Helper()
	return newAWSCLIAt(t, emulatortest.Start(t).URL)
}

// newAWSCLIAt returns a CLI for the emulator already serving at endpoint.
func newAWSCLIAt(t *testing.T, endpoint string) *awsCLI {
	t.Helper()
	if _, err := os.Stat(debianAWS); err != nil {
		t.Fatalf("Debian's AWS CLI is missing (%v): run scripts/install-deps.sh (as root) to install the awscli package", err)
	}
	home := t.TempDir()
	return &awsCLI{
		t:        t,
		endpoint: endpoint,
		env: []string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"HOME=" + home,
			"AWS_ACCESS_KEY_ID=test",
			"AWS_SECRET_ACCESS_KEY=test",
			"AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=" + filepath.Join(home, "no-such-config"),
			"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-such-credentials"),
			// No pager, and no silent retries that would hide what the emulator answered.
			"AWS_PAGER=",
			"AWS_MAX_ATTEMPTS=1",
		},
	}
}

// cliError is a failed CLI run.
type cliError struct {
	args     []string
	exitCode int
	stderr   string
}

func (e *cliError) Error() string {
	return fmt.Sprintf("aws %s: exit status %d: %s", strings.Join(e.args, " "), e.exitCode, strings.TrimSpace(e.stderr))
}

// run runs `aws secretsmanager <op> <args...>` and returns its standard output.
func (c *awsCLI) run(op string, args ...string) ([]byte, error) {
	c.t.Helper()
	return c.runService("secretsmanager", op, args...)
}

// runService runs `aws <service> <op> <args...>` and returns its standard output.
func (c *awsCLI) runService(service, op string, args ...string) ([]byte, error) {
	c.t.Helper()
	full := append([]string{service, op}, args...)
	full = append(full, "--endpoint-url", c.endpoint, "--output", "json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianAWS, full...)
	cmd.Env = c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			c.t.Fatalf("aws %s: %v", strings.Join(full[:2], " "), err)
		}
		return stdout.Bytes(), &cliError{args: full[:2], exitCode: exit.ExitCode(), stderr: stderr.String()}
	}
	return stdout.Bytes(), nil
}

// ok runs an operation that must succeed and decodes its JSON output into out (nil: the output
// must be empty or a JSON object).
func (c *awsCLI) ok(out any, op string, args ...string) {
	c.t.Helper()
	stdout, err := c.run(op, args...)
	if err != nil {
		c.t.Fatal(err)
	}
	if len(bytes.TrimSpace(stdout)) == 0 {
		if out != nil {
			c.t.Fatalf("aws secretsmanager %s: no output, want JSON", op)
		}
		return
	}
	if out == nil {
		out = new(map[string]any)
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		c.t.Fatalf("aws secretsmanager %s: output is not the JSON expected (%v):\n%s", op, err, stdout)
	}
}

// fails runs an operation that must fail with the AWS exception named.
func (c *awsCLI) fails(exception, op string, args ...string) {
	c.t.Helper()
	_, err := c.run(op, args...)
	if err := cliWantError(err, exception); err != nil {
		c.t.Fatalf("aws secretsmanager %s: %v", op, err)
	}
	// The CLI names the operation as the API spells it.
	want := fmt.Sprintf("An error occurred (%s) when calling the %s operation", exception, cliOperationName(op))
	if s := err.(*cliError).stderr; !strings.Contains(s, want) {
		c.t.Fatalf("aws secretsmanager %s: stderr %q does not contain %q", op, s, want)
	}
}

// cliWantError reports whether err is the CLI's report of the AWS exception named: exit status 254
// (the service answered with an error) and "An error occurred (<exception>)" on stderr.
func cliWantError(err error, exception string) error {
	if err == nil {
		return fmt.Errorf("succeeded, want %s", exception)
	}
	var ce *cliError
	if !errors.As(err, &ce) {
		return err
	}
	if !strings.Contains(ce.stderr, "An error occurred ("+exception+")") {
		return fmt.Errorf("want %s, got: %w", exception, err)
	}
	if ce.exitCode != 254 {
		return fmt.Errorf("exit status %d, want 254 (a service error): %w", ce.exitCode, err)
	}
	return nil
}

type cliSecretValue struct {
	ARN, Name, VersionId, SecretString, CreatedDate string
	VersionStages                                   []string
}

func (c *awsCLI) getSecretValue(args ...string) cliSecretValue {
	c.t.Helper()
	var v cliSecretValue
	c.ok(&v, "get-secret-value", args...)
	return v
}

type cliReplicaStatus struct {
	Region, KmsKeyId, Status, StatusMessage, LastAccessedDate string
}

type cliSecretDescription struct {
	ARN, Name, Description, KmsKeyId, PrimaryRegion string
	CreatedDate, LastChangedDate, DeletedDate       string
	Tags                                            []struct{ Key, Value string }
	VersionIdsToStages                              map[string][]string
	ReplicationStatus                               []cliReplicaStatus
	RotationEnabled                                 bool
	RotationLambdaARN                               string
	RotationRules                                   struct {
		AutomaticallyAfterDays       int64
		ScheduleExpression, Duration string
	}
	NextRotationDate, LastRotatedDate string
}

func (d cliSecretDescription) tagMap() map[string]string {
	m := map[string]string{}
	for _, tag := range d.Tags {
		m[tag.Key] = tag.Value
	}
	return m
}

func (c *awsCLI) tryDescribe(secretID string, args ...string) (cliSecretDescription, error) {
	c.t.Helper()
	var d cliSecretDescription
	stdout, err := c.run("describe-secret", append([]string{"--secret-id", secretID}, args...)...)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(stdout, &d); err != nil {
		return d, fmt.Errorf("describe-secret: output is not the JSON expected (%v):\n%s", err, stdout)
	}
	return d, nil
}

func (c *awsCLI) describe(secretID string, args ...string) cliSecretDescription {
	c.t.Helper()
	d, err := c.tryDescribe(secretID, args...)
	if err != nil {
		c.t.Fatal(err)
	}
	return d
}

// versionStages lists the versions of a secret with list-secret-version-ids.
func (c *awsCLI) versionStages(secretID string, args ...string) map[string][]string {
	c.t.Helper()
	var out struct {
		ARN, Name string
		Versions  []struct {
			VersionId     string
			VersionStages []string
			CreatedDate   string
		}
	}
	c.ok(&out, "list-secret-version-ids", append([]string{"--secret-id", secretID}, args...)...)
	if out.ARN == "" || out.Name == "" {
		c.t.Fatalf("list-secret-version-ids: ARN %q Name %q, want both", out.ARN, out.Name)
	}
	m := map[string][]string{}
	for _, v := range out.Versions {
		cliTime(c.t, "list-secret-version-ids CreatedDate of "+v.VersionId, v.CreatedDate)
		m[v.VersionId] = v.VersionStages
	}
	return m
}

// listSecretNames runs list-secrets with the filters given (shorthand syntax, one per filter).
func (c *awsCLI) listSecretNames(filters ...string) []string {
	c.t.Helper()
	var args []string
	if len(filters) > 0 {
		args = append([]string{"--filters"}, filters...)
	}
	var out struct {
		SecretList []struct{ ARN, Name string }
	}
	c.ok(&out, "list-secrets", args...)
	names := []string{}
	for _, s := range out.SecretList {
		names = append(names, s.Name)
	}
	return names
}

func cliWantStages(t *testing.T, got, want map[string][]string) {
	t.Helper()
	ok := len(got) == len(want)
	for id, stages := range want {
		g, found := got[id]
		if !found || !cliSameSet(g, stages...) {
			ok = false
		}
	}
	if !ok {
		t.Fatalf("version stages: got %v, want %v", got, want)
	}
}

// cliSameSet reports whether got holds exactly the strings of want, in any order.
func cliSameSet(got []string, want ...string) bool {
	a, b := slices.Clone(got), slices.Clone(want)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func cliSameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("not JSON: %v: %s", err, a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

// cliTime parses a timestamp as the CLI prints it (ISO 8601, e.g. 2024-05-01T12:00:00.123000+00:00).
func cliTime(t *testing.T, what, s string) time.Time {
	t.Helper()
	if s == "" {
		t.Fatalf("%s: missing", what)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if ts, err := time.Parse(layout, s); err == nil {
			return ts
		}
	}
	t.Fatalf("%s: %q is not an ISO 8601 timestamp", what, s)
	return time.Time{}
}

// cliEventually retries check for a while: AWS documents replication and forced deletion as
// asynchronous, so a client may see the old state for a moment.
func cliEventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting until %s: %v", what, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// cliOperationName turns a CLI command name into the API operation name: get-secret-value -> GetSecretValue.
func cliOperationName(op string) string {
	var b strings.Builder
	for _, part := range strings.Split(op, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
