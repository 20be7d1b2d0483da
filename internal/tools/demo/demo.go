package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/lib/pq"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
)

const (
	modulePath = "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager"
	// providerSource is the provider's address in configurations (dev_overrides key).
	providerSource = "seed-8d6ff4c2/secretsmanager"
	providerBinary = "terraform-provider-secretsmanager"
	// rotatorPackage is the PostgreSQL rotator's Lambda entry point.
	rotatorPackage = "./lambdas/postgres/lambda"
	functionName   = "postgres-rotator"
	quickstartDir  = "examples/quickstart"
	region         = emulator.DefaultRegion
	secretName     = "quickstart/app/db"
	appUser        = "app"
	appDatabase    = "app"

	rotationTimeout = 90 * time.Second
	cleanupTimeout  = 2 * time.Minute
)

// Options configure Run.
type Options struct {
	// Root is the module's root directory (where go.mod is).
	Root string
	// Out receives the progress lines and the report.
	Out io.Writer
	// Verbose also copies terraform's output and the emulator's and rotator's logs to Out.
	Verbose bool
	// CleanupContext bounds the clean-up (terraform destroy); a background context with a
	// timeout when nil. Cancelling it skips what is left of terraform destroy, but the
	// emulator, PostgreSQL and the temporary files are removed all the same.
	CleanupContext context.Context
	// Go is the go command; "go" from PATH when empty.
	Go string
	// Terraform is the terraform command; "terraform" from PATH when empty.
	Terraform string

	// onRequest, for tests, sees the X-Amz-Target of each request to the emulator before
	// the emulator handles it.
	onRequest func(target string)
}

// stepNames are the demo's steps, in order.
var stepNames = []string{
	"build the provider and the postgres rotator",
	"start PostgreSQL 15",
	"create the database user " + appUser,
	"start the emulator with the rotator as Lambda function " + functionName,
	"apply " + quickstartDir,
	"wait for the rotation",
	"log in with the new and the old password",
	"plan " + quickstartDir + " again",
	"destroy " + quickstartDir,
}

// demo is one run: what it started, what it saw.
type demo struct {
	opts  Options
	out   io.Writer
	start time.Time
	step  int // steps begun

	dir       string // temporary directory: binaries, terraform's working copy, CLI config
	binDir    string
	bootstrap string
	stackDir  string

	pg        *testenv.Postgres
	appPass   string // the password the demo gave the user, written to the secret by terraform
	emu       *emulator.Server
	httpSrv   *http.Server
	endpoint  string
	functArn  string
	sm        *secretsmanager.Client
	applied   bool // terraform apply was started: destroy at clean-up
	destroyed bool

	secretARN      string
	initialVersion string
	kmsKeyARN      string

	mu     sync.Mutex
	before []versionInfo // the versions when terraform called RotateSecret
	after  []versionInfo
	rot    emulator.RotationRecord
	logins []loginResult
	noDiff bool
}

type versionInfo struct {
	ID     string
	Stages []string
	When   time.Time
}

type loginResult struct {
	Label string // AWSCURRENT, AWSPREVIOUS
	Err   error
	User  string
}

// StepError is a failed step: "step 5/9 apply examples/quickstart: <reason>".
type StepError struct {
	N, Total int
	Name     string
	Err      error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("step %d/%d %s: %v", e.N, e.Total, e.Name, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// Run runs the demo. It returns the first failure as a *StepError (after cleaning up), or a
// clean-up failure.
func Run(ctx context.Context, opts Options) (err error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Go == "" {
		opts.Go = "go"
	}
	if opts.Terraform == "" {
		opts.Terraform = "terraform"
	}
	d := &demo{opts: opts, out: opts.Out, start: time.Now()}
	fmt.Fprintf(d.out, "secretsmanager demo: a database password in Secrets Manager, declared with Terraform and rotated by\n"+
		"the PostgreSQL rotator, all on this machine (the local emulator stands in for AWS).\n\n")

	defer func() {
		if cerr := d.cleanup(); cerr != nil {
			if err == nil {
				err = fmt.Errorf("clean-up: %w", cerr)
			} else {
				fmt.Fprintf(d.out, "the clean-up failed too: %v\n", cerr)
			}
		}
		if err == nil {
			d.report()
			fmt.Fprintf(d.out, "\nDemo finished in %s.\n", roundDuration(time.Since(d.start)))
		}
	}()

	steps := []func(context.Context) (string, error){
		d.build, d.startPostgres, d.createUser, d.startEmulator, d.apply, d.waitRotation,
		d.checkLogins, d.planAgain, d.destroy,
	}
	for _, f := range steps {
		if err := d.run(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// run runs the next step with its progress line.
func (d *demo) run(ctx context.Context, f func(context.Context) (string, error)) error {
	d.step++
	n, name := d.step, stepNames[d.step-1]
	fmt.Fprintf(d.out, "[%d/%d] %s ... ", n, len(stepNames), name)
	if d.opts.Verbose {
		fmt.Fprintln(d.out)
	}
	start := time.Now()
	var detail string
	err := ctx.Err()
	if err == nil {
		detail, err = f(ctx)
	}
	took := roundDuration(time.Since(start))
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("%w (%v)", context.Canceled, err)
		}
		fmt.Fprintf(d.out, "FAILED (%s)\n", took)
		return &StepError{N: n, Total: len(stepNames), Name: name, Err: err}
	}
	if detail != "" {
		detail = ": " + detail
	}
	fmt.Fprintf(d.out, "ok%s (%s)\n", detail, took)
	return nil
}

// Step 1.
func (d *demo) build(ctx context.Context) (string, error) {
	if _, err := os.Stat(filepath.Join(d.opts.Root, filepath.FromSlash(rotatorPackage), "main.go")); err != nil {
		return "", fmt.Errorf("the PostgreSQL rotator's entry point %s/main.go is missing: %w", rotatorPackage, err)
	}
	for _, f := range []string{"main.tf", "variables.tf", "outputs.tf", "versions.tf"} {
		if _, err := os.Stat(filepath.Join(d.opts.Root, quickstartDir, f)); err != nil {
			return "", fmt.Errorf("%s/%s is missing: %w", quickstartDir, f, err)
		}
	}
	dir, err := os.MkdirTemp("", "secretsmanager-demo-")
	if err != nil {
		return "", err
	}
	d.dir = dir
	d.binDir = filepath.Join(dir, "bin")
	rotatorDir := filepath.Join(dir, "rotator")
	if err := os.MkdirAll(d.binDir, 0o755); err != nil {
		return "", err
	}
	// One go build for both: the rotator as `make package` builds it for provided.al2023
	// (static, without the RPC mode), but for this machine's platform; the provider with
	// the same settings, so that the packages they share (the AWS SDK) compile once.
	if err := d.goBuild(ctx, []string{"CGO_ENABLED=0"}, "-tags", "lambda.norpc", "-o", d.binDir+string(filepath.Separator), ".", rotatorPackage); err != nil {
		return "", fmt.Errorf("build the provider and the rotator (%s): %w", rotatorPackage, err)
	}
	// go build names the rotator after its directory; Lambda runs "bootstrap".
	if err := os.MkdirAll(rotatorDir, 0o755); err != nil {
		return "", err
	}
	d.bootstrap = filepath.Join(rotatorDir, "bootstrap")
	if err := os.Rename(filepath.Join(d.binDir, filepath.Base(rotatorPackage)), d.bootstrap); err != nil {
		return "", fmt.Errorf("the rotator's binary: %w", err)
	}
	if _, err := os.Stat(filepath.Join(d.binDir, providerBinary)); err != nil {
		return "", fmt.Errorf("the provider's binary: %w", err)
	}
	return providerBinary + ", and " + rotatorPackage + " as a Lambda bootstrap", nil
}

func (d *demo) goBuild(ctx context.Context, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, d.opts.Go, append([]string{"build"}, args...)...)
	cmd.Dir = d.opts.Root
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(args, " "), err, tailLines(string(out), 30))
	}
	return nil
}

// Step 2.
func (d *demo) startPostgres(ctx context.Context) (string, error) {
	pg, err := testenv.NewPostgres(ctx, testenv.PostgresOptions{})
	if err != nil {
		return "", err
	}
	d.pg = pg
	return fmt.Sprintf("%s:%d, TLS with a throwaway CA", pg.Host, pg.Port), nil
}

// Step 3: the application's user and database, with a first password that only the
// demo and (write-only) the secret know.
func (d *demo) createUser(ctx context.Context) (string, error) {
	db, err := sql.Open("postgres", d.pg.SuperuserDSN())
	if err != nil {
		return "", err
	}
	defer db.Close()
	d.appPass = "initial-" + randomHex(12)
	for _, stmt := range []string{
		"CREATE ROLE " + pq.QuoteIdentifier(appUser) + " LOGIN PASSWORD " + pq.QuoteLiteral(d.appPass),
		"CREATE DATABASE " + pq.QuoteIdentifier(appDatabase) + " OWNER " + pq.QuoteIdentifier(appUser),
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return "", fmt.Errorf("%s: %w", strings.SplitN(stmt, " PASSWORD ", 2)[0], err)
		}
	}
	if err := d.login(ctx, d.appPass); err != nil {
		return "", fmt.Errorf("log in as %s with the first password: %w", appUser, err)
	}
	return fmt.Sprintf("user %s, database %s, a first password that the secret will hold", appUser, appDatabase), nil
}

// Step 4.
func (d *demo) startEmulator(ctx context.Context) (string, error) {
	var logger *slog.Logger
	if d.opts.Verbose {
		logger = slog.New(slog.NewTextHandler(d.out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	srv, err := emulator.New(emulator.Options{Logger: logger})
	if err != nil {
		return "", err
	}
	d.emu = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	d.endpoint = "http://" + ln.Addr().String()
	srv.SetEndpoint(d.endpoint)
	d.httpSrv = &http.Server{Handler: d.observe(srv), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = d.httpSrv.Serve(ln) }()

	// The rotator trusts the server's throwaway CA through SSL_ROOT_CERT, as it would trust
	// a private CA in AWS; "ssl": true in the secret makes it verify the certificate.
	caFile := filepath.Join(d.dir, "postgres-ca.pem")
	if err := os.WriteFile(caFile, d.pg.CA.CertPEM, 0o644); err != nil {
		return "", err
	}
	// The mode is the function's configuration, never the secret's: single user here, as
	// the postgres-rotation module would set it.
	arn, err := srv.RegisterExecutable(functionName, d.bootstrap, emulator.FunctionConfig{
		Env: map[string]string{"SSL_ROOT_CERT": caFile, "ROTATION_STRATEGY": "single"},
	})
	if err != nil {
		return "", err
	}
	d.functArn = arn
	d.sm = secretsmanager.New(secretsmanager.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(d.endpoint),
	})
	if _, err := d.sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); err != nil {
		return "", fmt.Errorf("the emulator does not answer: %w", err)
	}
	return d.endpoint + ", " + arn, nil
}

// observe wraps the emulator to record the secret's versions at the moment terraform asks
// for the rotation (RotateSecret), before the emulator starts it: the "before" picture.
func (d *demo) observe(next http.Handler) http.Handler {
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.opts.onRequest != nil {
			d.opts.onRequest(r.Header.Get("X-Amz-Target"))
		}
		if r.Header.Get("X-Amz-Target") == "secretsmanager.RotateSecret" {
			body, err := io.ReadAll(r.Body)
			if err == nil {
				r.Body = io.NopCloser(bytes.NewReader(body))
				var in struct{ SecretId string }
				if json.Unmarshal(body, &in) == nil && in.SecretId != "" {
					once.Do(func() {
						vs, err := d.versions(r.Context(), in.SecretId)
						if err == nil {
							d.mu.Lock()
							d.before = vs
							d.mu.Unlock()
						}
					})
				}
			} else {
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// versions lists the secret's versions, newest first.
func (d *demo) versions(ctx context.Context, secretID string) ([]versionInfo, error) {
	var out []versionInfo
	p := secretsmanager.NewListSecretVersionIdsPaginator(d.sm, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(secretID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListSecretVersionIds: %w", err)
		}
		for _, v := range page.Versions {
			vi := versionInfo{ID: aws.ToString(v.VersionId), Stages: slices.Clone(v.VersionStages)}
			if v.CreatedDate != nil {
				vi.When = *v.CreatedDate
			}
			slices.SortFunc(vi.Stages, compareStages)
			out = append(out, vi)
		}
	}
	slices.SortStableFunc(out, func(a, b versionInfo) int { return b.When.Compare(a.When) })
	return out, nil
}

// compareStages puts AWSCURRENT, AWSPENDING, AWSPREVIOUS first, then the rest by name.
func compareStages(a, b string) int {
	rank := func(s string) int {
		switch s {
		case "AWSCURRENT":
			return 0
		case "AWSPENDING":
			return 1
		case "AWSPREVIOUS":
			return 2
		}
		return 3
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

// Step 5.
func (d *demo) apply(ctx context.Context) (string, error) {
	d.stackDir = filepath.Join(d.dir, "quickstart")
	if err := os.MkdirAll(d.stackDir, 0o755); err != nil {
		return "", err
	}
	// Terraform works on a copy, so that its state never lands in the repository.
	entries, err := os.ReadDir(filepath.Join(d.opts.Root, quickstartDir))
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(d.opts.Root, quickstartDir, e.Name()))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(d.stackDir, e.Name()), data, 0o644); err != nil {
			return "", err
		}
	}
	// No terraform init: it would ask the registry for the provider. dev_overrides make
	// plan, apply and destroy use the binary just built.
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", providerSource, d.binDir)
	if err := os.WriteFile(filepath.Join(d.dir, "terraformrc"), []byte(rc), 0o644); err != nil {
		return "", err
	}
	for _, f := range []string{"aws-config", "aws-credentials"} {
		if err := os.WriteFile(filepath.Join(d.dir, f), nil, 0o600); err != nil {
			return "", err
		}
	}
	d.applied = true
	if _, err := d.terraform(ctx, "apply", "-auto-approve"); err != nil {
		return "", err
	}
	out, err := d.terraform(ctx, "output", "-json")
	if err != nil {
		return "", err
	}
	var outputs map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal([]byte(out), &outputs); err != nil {
		return "", fmt.Errorf("terraform output -json: %w", err)
	}
	str := func(k string) string { s, _ := outputs[k].Value.(string); return s }
	d.secretARN, d.initialVersion, d.kmsKeyARN = str("secret_arn"), str("initial_version_id"), str("kms_key_arn")
	if d.secretARN == "" || d.initialVersion == "" {
		return "", fmt.Errorf("terraform output -json: no secret_arn or initial_version_id in %s", strings.TrimSpace(out))
	}
	return "KMS key, secret " + secretName + " (value written write-only), rotation schedule", nil
}

// terraform runs a terraform command in the working copy; the error holds the end of its
// output.
func (d *demo) terraform(ctx context.Context, args ...string) (string, error) {
	args = append(append([]string{}, args...), "-no-color")
	if args[0] != "output" {
		args = append(args, "-input=false")
	}
	cmd := exec.CommandContext(ctx, d.opts.Terraform, args...)
	cmd.Dir = d.stackDir
	cmd.Env = d.terraformEnv()
	// Terraform stops cleanly on SIGINT (it finishes the calls in flight and saves the
	// state); it is in its own process group so that it gets exactly one.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if d.opts.Verbose && args[0] != "output" {
		cmd.Stdout, cmd.Stderr = io.MultiWriter(&stdout, d.out), io.MultiWriter(&stderr, d.out)
	}
	err := cmd.Run()
	if err != nil {
		msg := tailLines(stripWarnings(stderr.String()), 25)
		if msg == "" {
			msg = tailLines(stdout.String(), 25)
		}
		if ctx.Err() != nil {
			return stdout.String(), fmt.Errorf("terraform %s: %w\n%s", args[0], ctx.Err(), msg)
		}
		return stdout.String(), fmt.Errorf("terraform %s: %v\n%s", args[0], err, msg)
	}
	return stdout.String(), nil
}

// terraformEnv is the environment of terraform and of the provider it starts: this
// process's, without AWS and Terraform settings that would send it elsewhere, plus the
// stack's variables.
func (d *demo) terraformEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "TF_VAR_") || strings.HasPrefix(k, "TF_CLI_ARGS") ||
			slices.Contains([]string{"TF_CLI_CONFIG_FILE", "TF_DATA_DIR", "TF_WORKSPACE", "TF_PLUGIN_CACHE_DIR", "TF_INPUT", "TF_IN_AUTOMATION"}, k) {
			continue
		}
		env = append(env, kv)
	}
	endpoints := fmt.Sprintf(`{secretsmanager = %q, kms = %q, sts = %q}`, d.endpoint, d.endpoint, d.endpoint)
	return append(env,
		"TF_CLI_CONFIG_FILE="+filepath.Join(d.dir, "terraformrc"),
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		// The emulator takes any credentials; no shared files, no instance metadata.
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_REGION="+region,
		"AWS_CONFIG_FILE="+filepath.Join(d.dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(d.dir, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"TF_VAR_region="+region,
		"TF_VAR_endpoints="+endpoints,
		"TF_VAR_secret_name="+secretName,
		"TF_VAR_db_host="+d.pg.Host,
		fmt.Sprintf("TF_VAR_db_port=%d", d.pg.Port),
		"TF_VAR_db_name="+appDatabase,
		"TF_VAR_db_username="+appUser,
		"TF_VAR_db_password="+d.appPass,
		"TF_VAR_rotation_lambda_arn="+d.functArn,
		`TF_VAR_tags={demo = "true"}`,
	)
}

// Step 6.
func (d *demo) waitRotation(ctx context.Context) (string, error) {
	wctx, cancel := context.WithTimeout(ctx, rotationTimeout)
	defer cancel()
	recs, err := emulator.NewControl(d.endpoint).WaitRotations(wctx, d.secretARN, 1)
	if err != nil {
		return "", fmt.Errorf("%w%s", err, d.functionLogs())
	}
	rec := recs[0]
	d.rot = rec
	if d.opts.Verbose {
		fmt.Fprintf(d.out, "the rotator's log:\n%s\n", strings.TrimSpace(d.emu.FunctionLogs(functionName)))
	}
	if rec.Outcome != "succeeded" {
		var failed []string
		for _, s := range rec.Steps {
			if s.Outcome != "succeeded" {
				failed = append(failed, fmt.Sprintf("%s %s: %s", s.Step, s.Outcome, s.Error))
			}
		}
		if len(failed) == 0 && rec.Error != "" {
			failed = append(failed, rec.Error)
		}
		return "", fmt.Errorf("the rotation %s: %s%s", rec.Outcome, strings.Join(failed, "; "), d.functionLogs())
	}
	after, err := d.versions(ctx, d.secretARN)
	if err != nil {
		return "", err
	}
	d.after = after
	var steps []string
	for _, s := range rec.Steps {
		steps = append(steps, s.Step)
	}
	return fmt.Sprintf("%s in %s", strings.Join(steps, ", "), roundDuration(rec.Finished.Sub(rec.Started))), nil
}

// functionLogs is the end of the rotator's log, for error messages.
func (d *demo) functionLogs() string {
	if d.emu == nil {
		return ""
	}
	logs := strings.TrimSpace(d.emu.FunctionLogs(functionName))
	if logs == "" {
		return ""
	}
	return "\nthe rotator's log (last lines):\n" + tailLines(logs, 20)
}

// Step 7: the password in AWSCURRENT logs in; the one terraform wrote, now AWSPREVIOUS,
// is refused.
func (d *demo) checkLogins(ctx context.Context) (string, error) {
	for _, label := range []string{"AWSCURRENT", "AWSPREVIOUS"} {
		out, err := d.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(d.secretARN), VersionStage: aws.String(label)})
		if err != nil {
			return "", fmt.Errorf("GetSecretValue %s: %w", label, err)
		}
		var cred struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &cred); err != nil {
			return "", fmt.Errorf("the %s value is not the JSON of a database secret: %w", label, err)
		}
		r := loginResult{Label: label, User: cred.Username}
		r.Err = d.loginAs(ctx, cred.Username, cred.Password)
		d.logins = append(d.logins, r)
		switch {
		case label == "AWSCURRENT" && r.Err != nil:
			return "", fmt.Errorf("the new password (AWSCURRENT) does not log in: %w", r.Err)
		case label == "AWSPREVIOUS" && r.Err == nil:
			return "", errors.New("the old password (AWSPREVIOUS) still logs in: the rotation did not change it in the database")
		case label == "AWSPREVIOUS" && !isAuthFailure(r.Err):
			return "", fmt.Errorf("the old password (AWSPREVIOUS): want a refused login, got: %w", r.Err)
		case label == "AWSPREVIOUS" && cred.Password != d.appPass:
			return "", errors.New("AWSPREVIOUS does not hold the password terraform wrote")
		}
	}
	return "new password in, old password refused", nil
}

func (d *demo) login(ctx context.Context, password string) error {
	return d.loginAs(ctx, appUser, password)
}

// loginAs opens a session on the application's database (TLS, certificate verified).
func (d *demo) loginAs(ctx context.Context, user, password string) error {
	db, err := sql.Open("postgres", d.pg.DSN(user, password, appDatabase))
	if err != nil {
		return err
	}
	defer db.Close()
	var who string
	if err := db.QueryRowContext(ctx, "SELECT current_user").Scan(&who); err != nil {
		return err
	}
	if who != user {
		return fmt.Errorf("logged in as %q, want %q", who, user)
	}
	return nil
}

func isAuthFailure(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000")
}

// Step 8: rotation moved the labels away from the version terraform wrote; the plan must
// not try to move them back or replace the version.
func (d *demo) planAgain(ctx context.Context) (string, error) {
	out, err := d.terraform(ctx, "plan", "-detailed-exitcode")
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		return "", fmt.Errorf("terraform plan wants changes after the rotation:\n%s", tailLines(planSummary(out), 40))
	}
	if err != nil {
		return "", err
	}
	d.noDiff = true
	return "no changes: the version resource does not fight rotation", nil
}

// planSummary keeps the resource changes of a plan's output.
func planSummary(out string) string {
	if i := strings.Index(out, "Terraform will perform"); i >= 0 {
		return out[i:]
	}
	return out
}

// Step 9.
func (d *demo) destroy(ctx context.Context) (string, error) {
	if _, err := d.terraform(ctx, "destroy", "-auto-approve"); err != nil {
		return "", err
	}
	d.destroyed = true
	return "rotation turned off, secret deleted, key scheduled for deletion", nil
}

// cleanup stops and removes everything the run started, whatever happened: terraform
// destroy (when apply was started and destroy did not run), the emulator, PostgreSQL and
// the temporary directory.
func (d *demo) cleanup() error {
	start := time.Now()
	ctx := d.opts.CleanupContext
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	var errs []error
	var done []string
	if d.applied && !d.destroyed && d.emu != nil && d.stateHasResources() {
		// Should destroy fail, nothing outlives the run all the same: the emulator's
		// state goes with it.
		if _, err := d.terraform(ctx, "destroy", "-auto-approve"); err != nil {
			errs = append(errs, err)
		} else {
			done = append(done, "terraform destroy")
		}
	}
	if d.httpSrv != nil {
		_ = d.httpSrv.Close()
	}
	if d.emu != nil {
		if err := d.emu.Close(); err != nil {
			errs = append(errs, fmt.Errorf("stop the emulator: %w", err))
		} else {
			done = append(done, "emulator and rotator stopped")
		}
	}
	if d.pg != nil {
		if err := d.pg.Close(); err != nil {
			errs = append(errs, err)
		} else {
			done = append(done, "PostgreSQL stopped and removed")
		}
	}
	if d.dir != "" {
		if err := os.RemoveAll(d.dir); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", d.dir, err))
		} else {
			done = append(done, d.dir+" removed")
		}
	}
	if len(done) > 0 {
		fmt.Fprintf(d.out, "cleaned up: %s (%s)\n", strings.Join(done, ", "), roundDuration(time.Since(start)))
	}
	return errors.Join(errs...)
}

// stateHasResources reports whether terraform's state in the working copy holds any
// resource (true when it cannot tell).
func (d *demo) stateHasResources() bool {
	data, err := os.ReadFile(filepath.Join(d.stackDir, "terraform.tfstate"))
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	var st struct {
		Resources []json.RawMessage `json:"resources"`
	}
	if err != nil || json.Unmarshal(data, &st) != nil {
		return true
	}
	return len(st.Resources) > 0
}

// report prints what the run showed.
func (d *demo) report() {
	w := d.out
	fmt.Fprintf(w, "\nWhat happened\n")
	fmt.Fprintf(w, "  terraform apply created a KMS key, the secret %s encrypted with it, and its first\n", secretName)
	fmt.Fprintf(w, "  version with secret_string_wo (the password is in neither the plan nor the state),\n")
	fmt.Fprintf(w, "  then turned rotation on with rotate_immediately = true.\n\n")

	d.mu.Lock()
	before := d.before
	d.mu.Unlock()
	fmt.Fprintf(w, "  Versions before the rotation (when terraform called RotateSecret):\n")
	d.printVersions(before)
	fmt.Fprintf(w, "\n  The rotation, by %s:\n", d.functArn)
	for _, s := range d.rot.Steps {
		fmt.Fprintf(w, "    %-13s %s in %s\n", s.Step, s.Outcome, roundDuration(s.Duration))
	}
	fmt.Fprintf(w, "\n  Versions after the rotation:\n")
	d.printVersions(d.after)

	fmt.Fprintf(w, "\n  Logging in to postgres://%s@%s:%d/%s (TLS, certificate verified):\n", appUser, d.pg.Host, d.pg.Port, appDatabase)
	for _, l := range d.logins {
		what := "new password"
		if l.Label == "AWSPREVIOUS" {
			what = "old password"
		}
		result := "logged in as " + l.User
		if l.Err != nil {
			result = "refused: " + l.Err.Error()
		}
		fmt.Fprintf(w, "    %s (%s): %s\n", what, l.Label, result)
	}
	if d.noDiff {
		fmt.Fprintf(w, "\n  terraform plan after the rotation: no changes.\n")
	}

	fmt.Fprintf(w, "\nWhere to look next\n")
	next := []struct{ path, what string }{
		{quickstartDir + "/", "this stack: apply it to real AWS (see its README)"},
		{"docs/", "the provider's resources, data sources and ephemeral resources"},
		{"modules/", "Terraform modules that deploy a rotator: function, role, schedule"},
		{"examples/", "an example per resource, and a stack per rotator"},
		{"lambdas/postgres/", "the rotator that just ran: secret format, settings, permissions"},
	}
	for _, n := range next {
		if _, err := os.Stat(filepath.Join(d.opts.Root, n.path)); err == nil {
			fmt.Fprintf(w, "  %-20s %s\n", n.path, n.what)
		}
	}
	fmt.Fprintf(w, "  %-20s %s\n", "make emulator", "the same emulator on 127.0.0.1:4566, for your own experiments")
	fmt.Fprintf(w, "  %-20s %s\n", "make test", "everything CI runs")
}

func (d *demo) printVersions(vs []versionInfo) {
	if len(vs) == 0 {
		fmt.Fprintf(d.out, "    (not recorded)\n")
		return
	}
	for _, v := range vs {
		who := "written by the rotator"
		if v.ID == d.initialVersion {
			who = "written by terraform"
		}
		stages := strings.Join(v.Stages, ", ")
		if stages == "" {
			stages = "(no label)"
		}
		fmt.Fprintf(d.out, "    %s  %-24s %s\n", v.ID, stages, who)
	}
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// stripWarnings drops terraform's dev_overrides warning, which every command prints.
func stripWarnings(s string) string {
	const marker = "Warning: Provider development overrides are in effect"
	i := strings.Index(s, marker)
	if i < 0 {
		return strings.TrimSpace(s)
	}
	// The warning is a box from "╷" to "╵".
	start := strings.LastIndex(s[:i], "╷")
	end := strings.Index(s[i:], "╵")
	if start < 0 || end < 0 {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(s[:start] + s[i+end+len("╵"):])
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}

// findModuleRoot walks up from the working directory to this module's go.mod.
func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module "+modulePath+"\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run the demo inside the %s module (make demo)", modulePath)
		}
		dir = parent
	}
}

// randomHex returns n random bytes, hex encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
