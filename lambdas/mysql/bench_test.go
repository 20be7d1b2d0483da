package mysql_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/mysql"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation/rotationtest"
)

// BenchmarkRotation measures a full rotation (RotateSecret until the rotation is recorded
// finished) against MariaDB over TLS: in-process, and as the built bootstrap started cold
// (registered again before every rotation, so each one starts a new process). It reports
// ms/rotation and the Secrets Manager calls per rotation.
func BenchmarkRotation(b *testing.B) {
	srv := startServer(b, testenv.MariaDBOptions{})
	for _, kind := range []string{kindSingle, kindAlternating} {
		for _, host := range []string{"in-process", "bootstrap-cold"} {
			b.Run(kind+"/"+host, func(b *testing.B) {
				e := newEmu(b, srv)
				arn := setupUserB(b, e, kind)
				if host == "in-process" {
					eng := rotationtest.Engine(e.Env, e.rotator(modeOf(kind)), e.logs, nil,
						rotation.WithLogger(discard()), rotation.WithPasswordPolicy(mysql.DefaultPasswordPolicy))
					e.fnARN = e.Register("rotator", eng.Invoke, emulator.FunctionConfig{Timeout: 30 * time.Second})
				}
				bin := buildBootstrap(b)
				ctx := context.Background()
				var calls int64
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					if host == "bootstrap-cold" {
						b.StopTimer()
						arnFn, err := e.Server.RegisterExecutable("rotator", bin, emulator.FunctionConfig{Timeout: 30 * time.Second,
							Env: map[string]string{"SSL_ROOT_CERT": srv.db.CAFile}})
						if err != nil {
							b.Fatal(err)
						}
						e.fnARN = arnFn
						b.StartTimer()
					}
					b.StopTimer()
					if err := e.Control.ResetCalls(ctx); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if _, err := e.SM.RotateSecret(ctx, rotateInput(arn, e.fnARN)); err != nil {
						b.Fatal(err)
					}
					recs, err := e.Control.WaitRotations(ctx, arn, i+1)
					if err != nil {
						b.Fatal(err)
					}
					if r := recs[i]; r.Outcome != "succeeded" {
						b.Fatalf("rotation %s: %s", r.Outcome, r.Error)
					}
					b.StopTimer()
					got, err := e.Control.Calls(ctx)
					if err != nil {
						b.Fatal(err)
					}
					for op, n := range got {
						if strings.HasPrefix(op, "secretsmanager.") && op != "secretsmanager.RotateSecret" {
							calls += n
						}
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(calls)/float64(b.N), "sm-calls/rotation")
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/rotation")
			})
		}
	}
}

// setupUserB creates a user of the kind and its secret for a benchmark.
func setupUserB(b *testing.B, e *emu, kind string) string {
	srv := e.db
	user := "bench" + randomWord(6)
	pw := "Bench-" + randomWord(16)
	srv.createUser(b, user, "%", pw)
	secret := dbSecret(srv, user, pw)
	if kind == kindAlternating {
		master := "bm" + randomWord(6)
		srv.createUser(b, master, "%", "Master-"+pw)
		srv.exec(b, "GRANT ALL PRIVILEGES ON *.* TO "+quoteAccount(master, "%")+" WITH GRANT OPTION")
		mARN := createSecretB(b, e, master, dbSecret(srv, master, "Master-"+pw))
		secret["masterarn"] = mARN
	}
	return createSecretB(b, e, user, secret)
}

func createSecretB(b *testing.B, e *emu, name string, value map[string]any) string {
	out, err := e.SM.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(mustJSON(value))})
	if err != nil {
		b.Fatal(err)
	}
	return aws.ToString(out.ARN)
}

// BenchmarkSoak is the long randomized fault soak (make bench): 1,000 rounds per kind of
// user (SOAK_ROUNDS), reporting lockouts (goal 0) and rotations per second.
func BenchmarkSoak(b *testing.B) {
	srv := startServer(b, testenv.MariaDBOptions{})
	for _, kind := range kinds {
		b.Run(kind, func(b *testing.B) {
			for b.Loop() {
				e := newEmu(b, srv)
				e.register(e.engine(e.rotator(modeOf(kind)), nil).Invoke)
				arn := setupUser(b, e, kind)
				loginWorks := func(_ context.Context, value string) error {
					var s struct{ Username, Password string }
					if err := json.Unmarshal([]byte(value), &s); err != nil {
						return errors.New("AWSCURRENT is not JSON")
					}
					return srv.login(s.Username, s.Password)
				}
				res, err := rotationtest.Soak(context.Background(), e.Env, e.fnARN, arn, loginWorks, rotationtest.SoakOptionsFromEnv(b, 1000))
				if err != nil {
					b.Fatal(err)
				}
				b.Log(res)
				res.Check(b)
				b.ReportMetric(float64(len(res.Lockouts)), "lockouts")
				b.ReportMetric(res.RotationsPerSecond(), "rotations/s")
			}
		})
	}
}
