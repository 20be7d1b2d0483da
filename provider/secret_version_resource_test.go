package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

const svAddr = "secretsmanager_secret_version.test"

// ---- helpers shared by the secret version tests ----

// svCreateSecret creates a secret without any version, as secretsmanager_secret does.
func svCreateSecret(t *testing.T, env *testEnv, name string) string {
	t.Helper()
	out, err := env.SM.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateSecret %s: %v", name, err)
	}
	return aws.ToString(out.ARN)
}

// svPut writes a version out of band and returns its id.
func svPut(t *testing.T, env *testEnv, secret, value string, stages ...string) string {
	t.Helper()
	in := &secretsmanager.PutSecretValueInput{SecretId: aws.String(secret), SecretString: aws.String(value)}
	if len(stages) > 0 {
		in.VersionStages = stages
	}
	out, err := env.SM.PutSecretValue(context.Background(), in)
	if err != nil {
		t.Fatalf("PutSecretValue %s: %v", secret, err)
	}
	return aws.ToString(out.VersionId)
}

// svVersions maps every version of the secret, deprecated ones included, to its sorted labels.
func svVersions(ctx context.Context, env *testEnv, secret string) (map[string][]string, error) {
	m := map[string][]string{}
	p := secretsmanager.NewListSecretVersionIdsPaginator(env.SM, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(secret), IncludeDeprecated: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Versions {
			st := slices.Clone(v.VersionStages)
			slices.Sort(st)
			if st == nil {
				st = []string{}
			}
			m[aws.ToString(v.VersionId)] = st
		}
	}
	return m, nil
}

func svMustVersions(t *testing.T, env *testEnv, secret string) map[string][]string {
	t.Helper()
	m, err := svVersions(context.Background(), env, secret)
	if err != nil {
		t.Fatalf("ListSecretVersionIds %s: %v", secret, err)
	}
	return m
}

// svHolder returns the version holding stage, or "".
func svHolder(versions map[string][]string, stage string) string {
	for id, st := range versions {
		if slices.Contains(st, stage) {
			return id
		}
	}
	return ""
}

// svGetVersionValue returns the value of a version as AWS holds it.
func svGetVersionValue(ctx context.Context, env *testEnv, secret, versionID string) (string, []byte, error) {
	out, err := env.SM.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secret), VersionId: aws.String(versionID)})
	if err != nil {
		return "", nil, err
	}
	return aws.ToString(out.SecretString), out.SecretBinary, nil
}

// svExpectStages checks the labels of every version of the secret against want.
func svExpectStages(env *testEnv, secret string, want func() map[string][]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := svVersions(context.Background(), env, secret)
		if err != nil {
			return err
		}
		w := want()
		for id, st := range w {
			if !slices.Equal(got[id], st) {
				return fmt.Errorf("version %s: labels %v, want %v (all versions: %v)", id, got[id], st, got)
			}
		}
		return nil
	}
}

// svPlanLacks fails when the JSON of the plan (terraform show -json of the saved plan, which
// shows sensitive values in clear) contains any of the values.
func svPlanLacks(values ...string) plancheck.PlanCheck {
	return planCheckFunc(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		b, err := json.Marshal(req.Plan)
		if err != nil {
			resp.Error = err
			return
		}
		resp.Error = svLacks("plan JSON", b, values...)
	})
}

// svStateHas fails unless the state JSON contains every value in has and none in lacks.
func svStateHas(has []string, lacks ...string) statecheck.StateCheck {
	return stateCheckFunc(func(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
		b, err := json.Marshal(req.State)
		if err != nil {
			resp.Error = err
			return
		}
		for _, v := range has {
			if !bytes.Contains(b, []byte(v)) {
				resp.Error = fmt.Errorf("state JSON lacks %q, which the check expects: the grep would not find anything", v)
				return
			}
		}
		resp.Error = svLacks("state JSON", b, lacks...)
	})
}

func svLacks(what string, b []byte, values ...string) error {
	for _, v := range values {
		if v != "" && bytes.Contains(b, []byte(v)) {
			return fmt.Errorf("%s contains the secret value %q", what, v)
		}
	}
	return nil
}

// svGrepDir reads every file under dir (entries of zip files, such as saved plans, too) and
// returns the relative paths of the files containing v, and how many files it read.
func svGrepDir(dir, v string) (hits []string, files int, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(dir, p)
		if bytes.Contains(b, []byte(v)) {
			hits = append(hits, rel)
		}
		if zr, zerr := zip.NewReader(bytes.NewReader(b), int64(len(b))); zerr == nil {
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					return err
				}
				data, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					return err
				}
				if bytes.Contains(data, []byte(v)) {
					hits = append(hits, rel+"!"+f.Name)
				}
			}
		}
		return nil
	})
	return hits, files, err
}

// svDirCheck checks the raw files of the test's working directory: the state file and saved
// plans must hold none of lacks and every one of has (the control that proves the grep works).
func svDirCheck(dir string, has []string, lacks ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		var states []string
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (d.Name() == "terraform.tfstate" || d.Name() == "tfplan") {
				states = append(states, d.Name())
			}
			return nil
		})
		if !slices.Contains(states, "terraform.tfstate") || !slices.Contains(states, "tfplan") {
			return fmt.Errorf("working directory %s lacks the state file or the saved plan (found %v)", dir, states)
		}
		for _, v := range lacks {
			hits, n, err := svGrepDir(dir, v)
			if err != nil {
				return err
			}
			if len(hits) > 0 {
				return fmt.Errorf("secret value %q found in %v (of %d files)", v, hits, n)
			}
		}
		for _, v := range has {
			hits, _, err := svGrepDir(dir, v)
			if err != nil {
				return err
			}
			if len(hits) == 0 {
				return fmt.Errorf("control value %q not found in the working directory: the grep proves nothing", v)
			}
		}
		return nil
	}
}

// svExpectCalls is a plan check that compares the Secrets Manager calls made since the last
// ResetCalls with want.
func svExpectCalls(env *testEnv, want map[string]int64) plancheck.PlanCheck {
	return planCheckFunc(func(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		resp.Error = env.expectSMCalls(want)(nil)
	})
}

// svRotation registers a rotation function and returns a func that rotates secretARN through
// it and waits for the n-th rotation of that secret to succeed.
func svRotation(t *testing.T, env *testEnv) func(secretARN string, n int) {
	_, fn := registerRotator(env, "sv-rotator")
	return func(secretARN string, n int) {
		t.Helper()
		in := &secretsmanager.RotateSecretInput{SecretId: aws.String(secretARN)}
		if n == 1 {
			in.RotationLambdaARN = aws.String(fn)
			in.RotationRules = &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}
		}
		if _, err := env.SM.RotateSecret(context.Background(), in); err != nil {
			t.Fatalf("RotateSecret: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		recs, err := env.Control.WaitRotations(ctx, secretARN, n)
		if err != nil {
			t.Fatal(err)
		}
		if last := recs[len(recs)-1]; last.Outcome != "succeeded" {
			t.Fatalf("rotation %d: %+v", n, last)
		}
	}
}

// svRemoveVersion makes AWS delete version versionID the way it does in production: more than
// 100 versions, the unlabelled ones older than a day are removed on the next write.
func svRemoveVersion(t *testing.T, env *testEnv, secretARN, versionID string) {
	t.Helper()
	ctx := context.Background()
	for i := range 101 {
		svPut(t, env, secretARN, fmt.Sprintf("filler-%d", i))
	}
	if err := env.Control.AdvanceClock(ctx, 25*time.Hour); err != nil {
		t.Fatal(err)
	}
	svPut(t, env, secretARN, "after-a-day")
	if _, ok := svMustVersions(t, env, secretARN)[versionID]; ok {
		t.Fatalf("version %s still exists after pruning", versionID)
	}
}

func svSetOf(stages ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, 0, len(stages))
	for _, s := range stages {
		checks = append(checks, knownvalue.StringExact(s))
	}
	return knownvalue.SetExact(checks)
}

// svKnown is statecheck.ExpectKnownValue on an attribute of the version resource.
func svKnown(attr string, c knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(svAddr, tfjsonpath.New(attr), c)
}

func svCheckDestroyKeeps(env *testEnv, secret string, want func() map[string][]string) resource.TestCheckFunc {
	// Destroying a version never deletes it (AWS has no such call): it only releases labels.
	return svExpectStages(env, secret, want)
}

// ---- tests ----

// TestAccSecretVersionResource_basic: create, update of the value (a new version in place, the
// old one AWSPREVIOUS), import round trip, empty plan after apply, one API call per refresh,
// destroy, for a text and a binary value.
func TestAccSecretVersionResource_basic(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, attr, v1, v2 string
		// check compares what AWS holds with the configured value.
		check func(str string, bin []byte, want string) bool
	}{
		{"string", "secret_string", "first-value-Qx81", "second-value-Zr27",
			func(str string, bin []byte, want string) bool { return str == want && bin == nil }},
		{"binary", "secret_binary", "AAECAwT/", "//79/A==",
			func(str string, bin []byte, want string) bool {
				return str == "" && bytes.Equal(bin, svMustB64(want))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t)
			arn := svCreateSecret(t, env, "basic-"+tc.name)
			config := func(v string) string {
				return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_version" "test" {
  secret_id = %q
  %s = %q
}
`, arn, tc.attr, v)
			}
			var v1, v2 string
			holds := func(version *string, want string) resource.TestCheckFunc {
				return func(*terraform.State) error {
					str, bin, err := svGetVersionValue(context.Background(), env, arn, *version)
					if err != nil {
						return err
					}
					if !tc.check(str, bin, want) {
						return fmt.Errorf("version %s does not hold %s", *version, want)
					}
					return nil
				}
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				Steps: []resource.TestStep{
					{
						Config: config(tc.v1),
						Check: resource.ComposeAggregateTestCheckFunc(
							captureAttr(svAddr, "version_id", &v1),
							resource.TestCheckResourceAttr(svAddr, "arn", arn),
							resource.TestCheckResourceAttrWith(svAddr, "id", func(id string) error {
								if id != arn+"|"+v1 {
									return fmt.Errorf("id %q, want ARN|version_id", id)
								}
								return nil
							}),
							holds(&v1, tc.v1),
							svExpectStages(env, arn, func() map[string][]string { return map[string][]string{v1: {"AWSCURRENT"}} }),
						),
						ConfigStateChecks: []statecheck.StateCheck{
							svKnown("version_stages", svSetOf("AWSCURRENT")),
							svKnown(tc.attr, knownvalue.StringExact(tc.v1)),
						},
					},
					{
						// Refresh: one ListSecretVersionIds and never the value.
						PreConfig: func() { env.resetCalls(t) },
						Config:    config(tc.v1),
						PlanOnly:  true,
						ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
							plancheck.ExpectEmptyPlan(),
							svExpectCalls(env, map[string]int64{"ListSecretVersionIds": 1}),
						}},
					},
					{
						Config: config(tc.v2),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{
								plancheck.ExpectResourceAction(svAddr, plancheck.ResourceActionUpdate),
								plancheck.ExpectUnknownValue(svAddr, tfjsonpath.New("version_id")),
							},
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						Check: resource.ComposeAggregateTestCheckFunc(
							captureAttr(svAddr, "version_id", &v2),
							func(*terraform.State) error {
								if v2 == v1 {
									return fmt.Errorf("version_id did not change")
								}
								return nil
							},
							holds(&v2, tc.v2),
							holds(&v1, tc.v1),
							svExpectStages(env, arn, func() map[string][]string {
								return map[string][]string{v1: {"AWSPREVIOUS"}, v2: {"AWSCURRENT"}}
							}),
						),
						ConfigStateChecks: []statecheck.StateCheck{svKnown("version_stages", svSetOf("AWSCURRENT"))},
					},
					{
						ResourceName:      svAddr,
						ImportState:       true,
						ImportStateVerify: true,
						ImportStateIdFunc: func(s *terraform.State) (string, error) { return stateAttr(s, svAddr, "id") },
						// Import never reads the value (see the resource's description).
						ImportStateVerifyIgnore: []string{tc.attr},
					},
				},
				CheckDestroy: svCheckDestroyKeeps(env, arn, func() map[string][]string {
					return map[string][]string{v1: {"AWSPREVIOUS"}, v2: {"AWSCURRENT"}}
				}),
			})
		})
	}
}

func svMustB64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestAccSecretVersionResource_rotation is the rule that matters: rotation moving AWSCURRENT
// away, a write out of band, and AWS deleting the old version leave the plan empty, with no
// replacement, when version_stages is not set.
func TestAccSecretVersionResource_rotation(t *testing.T) {
	env := newTestEnv(t)
	// The log shows the warning refresh gives once AWS has deleted the version.
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	rotate := svRotation(t, env)
	arn := svCreateSecret(t, env, "rotated")
	config := env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_version" "test" {
  secret_id     = %q
  secret_string = "initial-value-Hq3"
}
`, arn)
	var v1 string
	sameVersion := func(s *terraform.State) error {
		got, err := stateAttr(s, svAddr, "version_id")
		if err != nil {
			return err
		}
		if got != v1 {
			return fmt.Errorf("version_id is %s, was %s: the resource was replaced", got, v1)
		}
		return nil
	}
	// The plan before apply (after refresh) must be empty: nothing to do, nothing replaced.
	empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectEmptyPlan(),
		plancheck.ExpectResourceAction(svAddr, plancheck.ResourceActionNoop),
	}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  captureAttr(svAddr, "version_id", &v1),
			},
			{
				PreConfig: func() {
					rotate(arn, 1)
					if got := svMustVersions(t, env, arn)[v1]; !slices.Equal(got, []string{"AWSPREVIOUS"}) {
						t.Fatalf("after rotation the version holds %v, want AWSPREVIOUS", got)
					}
				},
				Config:            config,
				ConfigPlanChecks:  empty,
				Check:             sameVersion,
				ConfigStateChecks: []statecheck.StateCheck{svKnown("version_stages", svSetOf("AWSPREVIOUS"))},
			},
			{
				// A second rotation leaves the version without any label (deprecated).
				PreConfig:         func() { rotate(arn, 2) },
				Config:            config,
				ConfigPlanChecks:  empty,
				Check:             sameVersion,
				ConfigStateChecks: []statecheck.StateCheck{svKnown("version_stages", svSetOf())},
			},
			{
				// Someone writes a value by hand: AWSCURRENT moves again.
				PreConfig: func() { svPut(t, env, arn, "by-hand") },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: sameVersion,
			},
			{
				// AWS deletes the old version: still no change, the resource stays.
				PreConfig:         func() { svRemoveVersion(t, env, arn, v1) },
				Config:            config,
				ConfigPlanChecks:  empty,
				Check:             sameVersion,
				ConfigStateChecks: []statecheck.StateCheck{svKnown("version_stages", svSetOf())},
			},
		},
		// Nothing to release: the version is gone, and destroy must not fail on it.
		CheckDestroy: func(*terraform.State) error {
			if _, err := env.SM.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)}); err != nil {
				return fmt.Errorf("the secret itself must survive: %w", err)
			}
			return nil
		},
	})
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("Secret version no longer exists")) || !bytes.Contains(b, []byte(v1)) {
		t.Errorf("refresh did not warn that version %s was deleted by AWS", v1)
	}
}

// TestAccSecretVersionResource_explicitStages: with version_stages set, rotation and moves by
// hand are drift that apply repairs in place; a change of the stages is applied in place; a
// version AWS deleted is replaced by a new one; destroy releases the configured labels but
// AWSCURRENT.
func TestAccSecretVersionResource_explicitStages(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	rotate := svRotation(t, env)
	arn := svCreateSecret(t, env, "blue-green")
	config := func(stages string) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_version" "test" {
  secret_id      = %q
  secret_string  = "labelled-value-Pk4"
  version_stages = %s
}
`, arn, stages)
	}
	var v1, other, v2 string
	update := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(svAddr, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: config(`["AWSCURRENT", "blue"]`),
				Check: resource.ComposeAggregateTestCheckFunc(
					captureAttr(svAddr, "version_id", &v1),
					svExpectStages(env, arn, func() map[string][]string { return map[string][]string{v1: {"AWSCURRENT", "blue"}} }),
				),
			},
			{
				// Rotation takes AWSCURRENT away: drift, repaired by moving it back.
				PreConfig:        func() { rotate(arn, 1) },
				Config:           config(`["AWSCURRENT", "blue"]`),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(svAddr, "version_id", &v1),
					svExpectStages(env, arn, func() map[string][]string { return map[string][]string{v1: {"AWSCURRENT", "blue"}} }),
				),
			},
			{
				// Someone moves "blue" to another version by hand.
				PreConfig: func() {
					other = svPut(t, env, arn, "other", "staging")
					_, err := env.SM.UpdateSecretVersionStage(context.Background(), &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(arn),
						VersionStage: aws.String("blue"), MoveToVersionId: aws.String(other), RemoveFromVersionId: aws.String(v1)})
					if err != nil {
						t.Fatal(err)
					}
				},
				Config:           config(`["AWSCURRENT", "blue"]`),
				ConfigPlanChecks: update,
				Check: svExpectStages(env, arn, func() map[string][]string {
					return map[string][]string{v1: {"AWSCURRENT", "blue"}, other: {"staging"}}
				}),
			},
			{
				// Changing the stages: green added, blue released, in place.
				Config:           config(`["AWSCURRENT", "green"]`),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(svAddr, "version_id", &v1),
					svExpectStages(env, arn, func() map[string][]string {
						return map[string][]string{v1: {"AWSCURRENT", "green"}, other: {"staging"}}
					}),
				),
			},
			{
				// AWS deleted the version: only a new version can hold the labels.
				PreConfig: func() {
					svPut(t, env, arn, "elsewhere", "AWSCURRENT", "green")
					svRemoveVersion(t, env, arn, v1)
				},
				Config: config(`["AWSCURRENT", "green"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(svAddr, plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					captureAttr(svAddr, "version_id", &v2),
					svExpectStages(env, arn, func() map[string][]string { return map[string][]string{v2: {"AWSCURRENT", "green"}} }),
					func(*terraform.State) error {
						if v2 == v1 {
							return fmt.Errorf("no new version")
						}
						str, _, err := svGetVersionValue(context.Background(), env, arn, v2)
						if err != nil || str != "labelled-value-Pk4" {
							return fmt.Errorf("new version holds %q (%v)", str, err)
						}
						return nil
					},
				),
			},
		},
		// Destroy releases green; AWSCURRENT can only move, so it stays.
		CheckDestroy: svExpectStages(env, arn, func() map[string][]string { return map[string][]string{v2: {"AWSCURRENT"}} }),
	})
}

// TestAccSecretVersionResource_writeOnly: a write-only value reaches AWS and never the state
// file, the saved plan or their JSON; changing it alone plans nothing; bumping
// secret_string_wo_version writes a new version. The values come from an ephemeral read of a
// source secret written through the SDK, so they appear in no file and no log of the test
// harness (a literal would: Terraform keeps a copy of the configuration in the saved plan).
// A plain secret_string fed from the data source is the control that proves the greps find
// values.
func TestAccSecretVersionResource_writeOnly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, woAttr, readAttr string
		v1, v2                 []byte
		put                    func(t *testing.T, env *testEnv, secret string, v []byte) string
		stored                 func(str string, bin []byte) []byte
	}{
		{"string", "secret_string_wo", "secret_string", []byte("wo-value-Vb93kq"), []byte("wo-value-Tm28zx"),
			func(t *testing.T, env *testEnv, secret string, v []byte) string {
				return svPut(t, env, secret, string(v))
			},
			func(str string, _ []byte) []byte { return []byte(str) }},
		{"binary", "secret_binary_wo", "secret_binary", []byte("wo-binary-Yc41"), []byte("wo-binary-Ln77"),
			svPutBinary,
			func(_ string, bin []byte) []byte { return bin }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t)
			source := svCreateSecret(t, env, "wo-source-"+tc.name)
			tc.put(t, env, source, tc.v1)
			arn := svCreateSecret(t, env, "wo-"+tc.name)
			controlSource := svCreateSecret(t, env, "plain-source-"+tc.name)
			const control = "plain-control-Jd52"
			svPut(t, env, controlSource, control)
			controlARN := svCreateSecret(t, env, "plain-"+tc.name)
			dir := t.TempDir()
			config := func(n int) string {
				return env.providerConfig("") + fmt.Sprintf(`
ephemeral "secretsmanager_secret_version" "source" {
  secret_id = %[1]q
}

resource "secretsmanager_secret_version" "test" {
  secret_id                = %[2]q
  %[3]s = ephemeral.secretsmanager_secret_version.source.%[4]s
  secret_string_wo_version = %[5]d
}

data "secretsmanager_secret_version" "control" {
  secret_id = %[6]q
}

resource "secretsmanager_secret_version" "control" {
  secret_id     = %[7]q
  secret_string = data.secretsmanager_secret_version.control.secret_string
}
`, source, arn, tc.woAttr, tc.readAttr, n, controlSource, controlARN)
			}
			// Every form the value could take in a file: raw, base64, and JSON-escaped base64.
			var secrets []string
			for _, v := range [][]byte{tc.v1, tc.v2} {
				b64 := base64.StdEncoding.EncodeToString(v)
				secrets = append(secrets, string(v), b64)
			}
			var v1, v2 string
			inAWS := func(version *string, want []byte) resource.TestCheckFunc {
				return func(*terraform.State) error {
					str, bin, err := svGetVersionValue(context.Background(), env, arn, *version)
					if err != nil {
						return err
					}
					if got := tc.stored(str, bin); !bytes.Equal(got, want) {
						return fmt.Errorf("AWS holds %q for version %s, want %q", got, *version, want)
					}
					return nil
				}
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
				WorkingDir:               dir,
				Steps: []resource.TestStep{
					{
						Config: config(1),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							svPlanLacks(secrets...),
							plancheck.ExpectResourceAction(svAddr, plancheck.ResourceActionCreate),
						}},
						Check: resource.ComposeAggregateTestCheckFunc(
							captureAttr(svAddr, "version_id", &v1),
							inAWS(&v1, tc.v1),
							resource.TestCheckNoResourceAttr(svAddr, tc.woAttr),
							svDirCheck(dir, []string{control}, secrets...),
						),
						ConfigStateChecks: []statecheck.StateCheck{
							svStateHas([]string{control}, secrets...),
							svKnown(tc.woAttr, knownvalue.Null()),
							svKnown("secret_string_wo_version", knownvalue.Int64Exact(1)),
						},
					},
					{
						// A new write-only value without a new trigger: Terraform cannot see it.
						PreConfig: func() { tc.put(t, env, source, tc.v2) },
						Config:    config(1),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectEmptyPlan(), svPlanLacks(secrets...),
						}},
						Check: resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttrPtr(svAddr, "version_id", &v1), inAWS(&v1, tc.v1)),
					},
					{
						Config: config(2),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(svAddr, plancheck.ResourceActionUpdate),
							svPlanLacks(secrets...),
						}},
						Check: resource.ComposeAggregateTestCheckFunc(
							captureAttr(svAddr, "version_id", &v2),
							inAWS(&v2, tc.v2),
							svExpectStages(env, arn, func() map[string][]string {
								return map[string][]string{v1: {"AWSPREVIOUS"}, v2: {"AWSCURRENT"}}
							}),
							svDirCheck(dir, []string{control}, secrets...),
						),
						ConfigStateChecks: []statecheck.StateCheck{svStateHas([]string{control}, secrets...)},
					},
					{
						ResourceName:            svAddr,
						ImportState:             true,
						ImportStateVerify:       true,
						ImportStateIdFunc:       func(s *terraform.State) (string, error) { return stateAttr(s, svAddr, "id") },
						ImportStateVerifyIgnore: []string{"secret_string_wo_version"},
					},
				},
			})
		})
	}
}

// svPutBinary writes a binary version out of band.
func svPutBinary(t *testing.T, env *testEnv, secret string, v []byte) string {
	t.Helper()
	out, err := env.SM.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(secret), SecretBinary: v})
	if err != nil {
		t.Fatalf("PutSecretValue %s: %v", secret, err)
	}
	return aws.ToString(out.VersionId)
}

// TestAccSecretVersionResource_importAdopts: after import, the first apply compares the
// configured value with the version's and writes nothing when they match; a different value
// then writes a new version.
func TestAccSecretVersionResource_importAdopts(t *testing.T) {
	t.Parallel()
	for _, attr := range []string{"secret_string", "secret_string_wo"} {
		t.Run(attr, func(t *testing.T) {
			env := newTestEnv(t)
			arn := svCreateSecret(t, env, "imported-"+attr)
			v0 := svPut(t, env, arn, "existing-value-Rw6")
			config := func(v string, n int) string {
				trigger := ""
				if attr == "secret_string_wo" {
					trigger = fmt.Sprintf("secret_string_wo_version = %d", n)
				}
				return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_version" "test" {
  secret_id = %q
  %s = %q
  %s
}
`, arn, attr, v, trigger)
			}
			var v2 string
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
				Steps: []resource.TestStep{
					{
						Config:             config("existing-value-Rw6", 1),
						ResourceName:       svAddr,
						ImportState:        true,
						ImportStateId:      arn + "|" + v0,
						ImportStatePersist: true,
						ImportStateCheck: func(is []*terraform.InstanceState) error {
							if len(is) != 1 || is[0].Attributes["version_stages.#"] != "1" || is[0].Attributes["arn"] != arn {
								return fmt.Errorf("imported %+v", is)
							}
							if _, ok := is[0].Attributes["secret_string"]; ok && is[0].Attributes["secret_string"] != "" {
								return fmt.Errorf("import read the value into state")
							}
							return nil
						},
					},
					{
						PreConfig: func() { env.resetCalls(t) },
						Config:    config("existing-value-Rw6", 1),
						Check: resource.ComposeAggregateTestCheckFunc(
							resource.TestCheckResourceAttr(svAddr, "version_id", v0),
							func(*terraform.State) error {
								calls, err := env.smCalls(context.Background())
								if err != nil {
									return err
								}
								if calls["PutSecretValue"] != 0 || calls["GetSecretValue"] != 1 {
									return fmt.Errorf("adoption made calls %v, want one GetSecretValue and no PutSecretValue", calls)
								}
								if n := len(svMustVersions(t, env, arn)); n != 1 {
									return fmt.Errorf("%d versions, want 1", n)
								}
								return nil
							},
						),
					},
					{
						Config: config("new-value-Xe2", 2),
						Check: resource.ComposeAggregateTestCheckFunc(
							captureAttr(svAddr, "version_id", &v2),
							func(*terraform.State) error {
								if v2 == v0 {
									return fmt.Errorf("no new version written")
								}
								str, _, err := svGetVersionValue(context.Background(), env, arn, v2)
								if err != nil || str != "new-value-Xe2" {
									return fmt.Errorf("new version holds %q (%v)", str, err)
								}
								return nil
							},
						),
					},
				},
			})
		})
	}
}

// TestAccSecretVersionResource_secretIDForms: switching secret_id between the name and the ARN
// of the same secret changes nothing in AWS; another secret replaces the version.
func TestAccSecretVersionResource_secretIDForms(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	arn := svCreateSecret(t, env, "app/db-password")
	otherARN := svCreateSecret(t, env, "app/other")
	config := func(id string) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_version" "test" {
  secret_id     = %q
  secret_string = "forms-value-Ub1"
}
`, id)
	}
	var v1 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: config("app/db-password"), Check: resource.ComposeAggregateTestCheckFunc(
				captureAttr(svAddr, "version_id", &v1), resource.TestCheckResourceAttr(svAddr, "arn", arn))},
			{
				PreConfig: func() { env.resetCalls(t) },
				Config:    config(arn),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(svAddr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(svAddr, "version_id", &v1),
					func(*terraform.State) error {
						calls, err := env.smCalls(context.Background())
						if err != nil {
							return err
						}
						delete(calls, "ListSecretVersionIds")
						if len(calls) != 0 {
							return fmt.Errorf("renaming secret_id made calls %v", calls)
						}
						return nil
					}),
			},
			{
				Config: config(otherARN),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(svAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.TestCheckResourceAttr(svAddr, "arn", otherARN),
			},
		},
	})
}

// TestAccSecretVersionResource_invalid: bad input fails at plan time with a message naming the
// attribute and the fix, and nothing is written.
func TestAccSecretVersionResource_invalid(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	arn := svCreateSecret(t, env, "invalid")
	cases := []struct {
		name, body string
		want       string
	}{
		{"none", ``, `(?s)Missing secret value.*Set exactly one of secret_string`},
		{"string and wo", `secret_string = "a"
  secret_string_wo = "b"
  secret_string_wo_version = 1`, `(?s)secret_string and secret_string_wo are both set.*Keep secret_string_wo`},
		{"string and binary", `secret_string = "a"
  secret_binary = "YQ=="`, `(?s)Keep secret_string for text or secret_binary`},
		{"wo without version", `secret_string_wo = "b"`, `(?s)Add secret_string_wo_version = 1`},
		{"version without wo", `secret_string = "a"
  secret_string_wo_version = 1`, `(?s)Remove secret_string_wo_version, or move the value`},
		{"not base64", `secret_binary = "not base64!"`, `(?s)secret_binary must be standard base64.*filebase64`},
		{"empty stages", `secret_string = "a"
  version_stages = []`, `(?s)Remove version_stages to get AWSCURRENT`},
		{"first version not current", `secret_string = "a"
  version_stages = ["blue"]`, `(?s)no current version yet.*Add "AWSCURRENT" to version_stages`},
		{"too long", fmt.Sprintf(`secret_string = %q`, strings.Repeat("x", 65537)), `(?s)65537 bytes.*at most 65536`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config: env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_version" "test" {
  secret_id = %q
  %s
}
`, arn, tc.body),
			PlanOnly: true,
			// Terraform wraps messages: any space may be a line break.
			ExpectError: regexp.MustCompile(strings.ReplaceAll(tc.want, " ", `\s+`)),
		})
	}
	steps = append(steps, resource.TestStep{
		Config: env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_version" "test" {
  secret_id     = %q
  secret_string = "a"
}
`, arn),
		ResourceName:  svAddr,
		ImportState:   true,
		ImportStateId: arn,
		ExpectError:   regexp.MustCompile(`(?s)is not\s+<secret ARN or name>\|<version id>`),
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			if n := len(svMustVersions(t, env, arn)); n != 0 {
				return fmt.Errorf("%d versions written by invalid configurations", n)
			}
			return nil
		},
	})
}

// TestAccSecretVersionResource_throttled: throttling of PutSecretValue is retried, and the retries
// write one version only (same ClientRequestToken).
func TestAccSecretVersionResource_throttled(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	arn := svCreateSecret(t, env, "throttled")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if err := env.Control.InjectFault(context.Background(), emulator.Fault{Operation: "secretsmanager.PutSecretValue", Count: 2, ErrorCode: "ThrottlingException"}); err != nil {
					t.Fatal(err)
				}
			},
			Config: env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_version" "test" {
  secret_id     = %q
  secret_string = "throttled-value"
}
`, arn),
			Check: func(*terraform.State) error {
				if n := len(svMustVersions(t, env, arn)); n != 1 {
					return fmt.Errorf("%d versions, want 1", n)
				}
				return nil
			},
		}},
	})
}

// TestAccSecretVersion_noSecretsInLogs runs the resource (plain and write-only, text and
// binary), the data source and the ephemeral resource with TRACE logs of Terraform and of the
// provider captured in one file, and greps it for the values. The values exist only in the
// emulator (written through the SDK), never in the configuration, which the test harness logs.
func TestAccSecretVersion_noSecretsInLogs(t *testing.T) {
	env := newTestEnv(t)
	const (
		woValue    = "log-wo-value-Gm47"
		plainValue = "log-plain-value-Ws55"
		binValue   = "log-binary-value-Kp09"
	)
	srcWO := svCreateSecret(t, env, "log-source-wo")
	svPut(t, env, srcWO, woValue)
	srcPlain := svCreateSecret(t, env, "log-source-plain")
	svPut(t, env, srcPlain, plainValue)
	srcBin := svCreateSecret(t, env, "log-source-binary")
	svPutBinary(t, env, srcBin, []byte(binValue))
	dst := svCreateSecret(t, env, "log-dest")
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("TF_LOG", "TRACE")
	secrets := []string{woValue, plainValue, binValue, base64.StdEncoding.EncodeToString([]byte(binValue))}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		Steps: []resource.TestStep{{
			Config: env.providerConfig("") + fmt.Sprintf(`
ephemeral "secretsmanager_secret_version" "wo" {
  secret_id = %[1]q
}

ephemeral "secretsmanager_secret_version" "bin" {
  secret_id = %[3]q
}

data "secretsmanager_secret_version" "plain" {
  secret_id = %[2]q
}

resource "secretsmanager_secret_version" "wo" {
  secret_id                = %[4]q
  secret_string_wo         = ephemeral.secretsmanager_secret_version.wo.secret_string
  secret_string_wo_version = 1
}

resource "secretsmanager_secret_version" "bin" {
  secret_id                = %[4]q
  secret_binary_wo         = ephemeral.secretsmanager_secret_version.bin.secret_binary
  secret_string_wo_version = 1
  depends_on               = [secretsmanager_secret_version.wo]
}

resource "secretsmanager_secret_version" "test" {
  secret_id     = %[4]q
  secret_string = data.secretsmanager_secret_version.plain.secret_string
  depends_on    = [secretsmanager_secret_version.bin]
}
`, srcWO, srcPlain, srcBin, dst),
			Check: func(s *terraform.State) error {
				for addr, want := range map[string]string{"secretsmanager_secret_version.wo": woValue, svAddr: plainValue} {
					id, err := stateAttr(s, addr, "version_id")
					if err != nil {
						return err
					}
					if str, _, err := svGetVersionValue(context.Background(), env, dst, id); err != nil || str != want {
						return fmt.Errorf("%s: AWS holds %q (%v), want %q", addr, str, err, want)
					}
				}
				id, err := stateAttr(s, "secretsmanager_secret_version.bin", "version_id")
				if err != nil {
					return err
				}
				if _, bin, err := svGetVersionValue(context.Background(), env, dst, id); err != nil || string(bin) != binValue {
					return fmt.Errorf("binary: AWS holds %q (%v)", bin, err)
				}
				return nil
			},
		}},
	})
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	// Controls: the log holds the TRACE output of both Terraform and the provider.
	for _, want := range []string{srcWO, srcBin, "OpenEphemeralResource", "ApplyResourceChange", "writing secret version", "reading secret version"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Fatalf("the log (%d bytes) lacks %q: it does not capture what the test needs", len(b), want)
		}
	}
	for _, s := range secrets {
		if i := bytes.Index(b, []byte(s)); i >= 0 {
			lo, hi := max(0, i-300), min(len(b), i+100)
			t.Errorf("secret value %q in the TRACE log:\n%s", s, b[lo:hi])
		}
	}
}

func TestSecretVersionHelpers(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf"
	for _, tc := range []struct {
		id   string
		same bool
	}{
		{arn, true}, {"app/db", true}, {"app/d", false}, {"app/db-AbCdEf", false}, {"other", false},
	} {
		if got := svSameSecret(types.StringValue(tc.id), types.StringValue(arn)); got != tc.same {
			t.Errorf("svSameSecret(%q) = %v, want %v", tc.id, got, tc.same)
		}
	}
	seen := map[string]bool{}
	for range 100 {
		tok, err := svNewToken()
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(tok) || seen[tok] {
			t.Fatalf("token %q is not a fresh UUID v4", tok)
		}
		seen[tok] = true
	}
	for _, tc := range []struct {
		set  []string
		keep string
	}{
		{[]string{"secret_string", "secret_string_wo"}, "Keep secret_string_wo"},
		{[]string{"secret_binary", "secret_binary_wo"}, "Keep secret_binary_wo"},
		{[]string{"secret_string", "secret_binary"}, "Keep secret_string for text or secret_binary"},
		{[]string{"secret_string", "secret_binary", "secret_string_wo"}, "Keep secret_string_wo"},
	} {
		if got := svConflictAdvice(tc.set); !strings.Contains(got, tc.keep) {
			t.Errorf("svConflictAdvice(%v) = %q, want it to say %q", tc.set, got, tc.keep)
		}
	}
}
