package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

const (
	concWorkers      = 16
	concOpsPerWorker = 200
	concSecrets      = 4
	// concMaxPuts keeps every secret under 100 versions, the count above which Secrets
	// Manager may prune deprecated versions: no version may disappear in this test.
	concMaxPuts = 90
)

// concStages are the labels the workers move around; AWSCURRENT and AWSPREVIOUS have rules
// of their own, the others are plain labels.
var concStages = []string{"AWSCURRENT", "AWSPREVIOUS", "AWSPENDING", "BLUE", "GREEN"}

// concLedger records what was written: the value of every version by id, recorded before
// the request is sent, so that any version a reader sees can be checked.
type concLedger struct {
	mu     sync.Mutex
	values map[string]string   // version id -> value
	puts   map[string][]string // secret -> ids of versions whose PutSecretValue succeeded
	// tags[secret][worker] is the value of the worker's last successful TagResource.
	tags map[string]map[string]string
}

func (l *concLedger) intend(id, value string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.values[id] = value
}

func (l *concLedger) value(id string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.values[id]
	return v, ok
}

func (l *concLedger) putDone(secret, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.puts[secret] = append(l.puts[secret], id)
}

func (l *concLedger) putIDs(secret string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.puts[secret])
}

func (l *concLedger) tagged(secret, key, value string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tags[secret][key] = value
}

// concToken is the ClientRequestToken (and so the version id) of put i of worker w.
func concToken(w, i int) string { return fmt.Sprintf("c0c0c0c0-%04d-4000-8000-%012d", w, i) }

func concErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// concCheckLabels checks one consistent view of a secret's versions: no label on two
// versions, no label twice on one version, exactly one AWSCURRENT, every version one that
// a PutSecretValue (or CreateSecret) asked for.
func concCheckLabels(ledger *concLedger, where string, versions map[string][]string) []string {
	var problems []string
	holder := map[string]string{}
	for id, stages := range versions {
		if _, ok := ledger.value(id); !ok {
			problems = append(problems, fmt.Sprintf("%s: version %s was never written", where, id))
		}
		seen := map[string]bool{}
		for _, st := range stages {
			if seen[st] {
				problems = append(problems, fmt.Sprintf("%s: version %s has label %s twice: %v", where, id, st, stages))
			}
			seen[st] = true
			if other, ok := holder[st]; ok {
				problems = append(problems, fmt.Sprintf("%s: label %s is on versions %s and %s", where, st, other, id))
			}
			holder[st] = id
		}
	}
	if _, ok := holder["AWSCURRENT"]; !ok {
		problems = append(problems, fmt.Sprintf("%s: no version is AWSCURRENT: %v", where, versions))
	}
	return problems
}

func concListVersions(ctx context.Context, sm *secretsmanager.Client, secret string) (map[string][]string, error) {
	out := map[string][]string{}
	var next *string
	for {
		page, err := sm.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{
			SecretId: aws.String(secret), IncludeDeprecated: aws.Bool(true), NextToken: next,
		})
		if err != nil {
			return nil, err
		}
		for _, v := range page.Versions {
			if _, dup := out[aws.ToString(v.VersionId)]; dup {
				return nil, fmt.Errorf("version %s listed twice", aws.ToString(v.VersionId))
			}
			out[aws.ToString(v.VersionId)] = v.VersionStages
		}
		if page.NextToken == nil {
			return out, nil
		}
		next = page.NextToken
	}
}

// TestConcurrentMixedOperations runs many goroutines of mixed reads and writes through the
// SDK against a few shared secrets, checks every answer as it comes, and then checks that
// nothing written was lost and the staging labels are consistent.
func TestConcurrentMixedOperations(t *testing.T) {
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("emulator Close: %v", err)
		}
	})
	sm := wireSDK(hs.URL, "us-east-1")
	ctx := context.Background()

	ledger := &concLedger{values: map[string]string{}, puts: map[string][]string{}, tags: map[string]map[string]string{}}
	secrets := make([]string, concSecrets)
	for i := range secrets {
		secrets[i] = fmt.Sprintf("conc/secret-%d", i)
		id := fmt.Sprintf("c0c0c0c0-init-4000-8000-%012d", i)
		ledger.intend(id, "initial-"+secrets[i])
		ledger.tags[secrets[i]] = map[string]string{}
		out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name: aws.String(secrets[i]), SecretString: aws.String("initial-" + secrets[i]), ClientRequestToken: aws.String(id),
		})
		if err != nil {
			t.Fatalf("CreateSecret %s: %v", secrets[i], err)
		}
		if aws.ToString(out.VersionId) != id {
			t.Fatalf("CreateSecret %s: VersionId %q, want %q", secrets[i], aws.ToString(out.VersionId), id)
		}
		ledger.putDone(secrets[i], id)
	}
	var puts [concSecrets]atomic.Int32
	var movesOK, movesRaced, putsOK atomic.Int32

	// Stop reporting after a while: one bug tends to show up hundreds of times.
	var failures atomic.Int32
	fail := func(format string, args ...any) {
		if failures.Add(1) <= 20 {
			t.Errorf(format, args...)
		}
	}

	var wg sync.WaitGroup
	for w := range concWorkers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 0x5eed))
			var mine []string // versions this worker put, for idempotent retries
			for i := range concOpsPerWorker {
				si := rng.IntN(concSecrets)
				secret := secrets[si]
				switch op := rng.IntN(10); op {
				case 0, 1: // PutSecretValue with a new token, sometimes with custom labels
					if puts[si].Add(1) > concMaxPuts {
						continue
					}
					id := concToken(w, i)
					value := fmt.Sprintf("value %s w%d i%d", secret, w, i)
					var stages []string
					switch rng.IntN(4) {
					case 1:
						stages = []string{concStages[rng.IntN(len(concStages))]}
					case 2:
						stages = []string{concStages[rng.IntN(len(concStages))], concStages[rng.IntN(len(concStages))]}
					}
					ledger.intend(id, value)
					out, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
						SecretId: aws.String(secret), SecretString: aws.String(value), ClientRequestToken: aws.String(id), VersionStages: stages,
					})
					if err != nil {
						fail("PutSecretValue %s %s %v: %v", secret, id, stages, err)
						continue
					}
					putsOK.Add(1)
					ledger.putDone(secret, id)
					mine = append(mine, secret+"\x00"+id)
					want := stages
					if want == nil {
						want = []string{"AWSCURRENT"}
					}
					for _, st := range want {
						// AWSPREVIOUS next to AWSCURRENT depends on their order in the request;
						// TestConcurrencyPutStagesOrder covers that on its own.
						if st == "AWSPREVIOUS" && slices.Contains(want, "AWSCURRENT") {
							continue
						}
						if !slices.Contains(out.VersionStages, st) {
							fail("PutSecretValue %s %s: VersionStages %v lacks requested %s", secret, id, out.VersionStages, st)
						}
					}
					if aws.ToString(out.VersionId) != id {
						fail("PutSecretValue %s: VersionId %q, want %q", secret, aws.ToString(out.VersionId), id)
					}
				case 2: // retry one of this worker's puts: same token, same value
					if len(mine) == 0 {
						continue
					}
					sec, id, _ := strings.Cut(mine[rng.IntN(len(mine))], "\x00")
					value, _ := ledger.value(id)
					out, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
						SecretId: aws.String(sec), SecretString: aws.String(value), ClientRequestToken: aws.String(id),
					})
					if err != nil {
						fail("retried PutSecretValue %s %s: %v", sec, id, err)
					} else if aws.ToString(out.VersionId) != id {
						fail("retried PutSecretValue %s: VersionId %q, want %q", sec, aws.ToString(out.VersionId), id)
					}
				case 3: // move a label to a random version
					versions, err := concListVersions(ctx, sm, secret)
					if err != nil {
						fail("ListSecretVersionIds %s: %v", secret, err)
						continue
					}
					ids := make([]string, 0, len(versions))
					for id := range versions {
						ids = append(ids, id)
					}
					slices.Sort(ids)
					stage := concStages[rng.IntN(len(concStages))]
					var holder *string
					for id, stages := range versions {
						if slices.Contains(stages, stage) {
							holder = aws.String(id)
						}
					}
					in := &secretsmanager.UpdateSecretVersionStageInput{
						SecretId: aws.String(secret), VersionStage: aws.String(stage), RemoveFromVersionId: holder,
						MoveToVersionId: aws.String(ids[rng.IntN(len(ids))]),
					}
					if holder != nil && stage != "AWSCURRENT" && rng.IntN(4) == 0 {
						in.MoveToVersionId = nil // remove the label
					}
					_, err = sm.UpdateSecretVersionStage(ctx, in)
					switch {
					case err == nil:
						movesOK.Add(1)
					case concErrorCode(err) == "InvalidParameterException":
						// Another worker moved the label after we listed: expected.
						movesRaced.Add(1)
					default:
						fail("UpdateSecretVersionStage %s %s: %v", secret, stage, err)
					}
				case 4: // GetSecretValue, by stage or by a version known to exist
					in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(secret)}
					if ids := ledger.putIDs(secret); rng.IntN(2) == 0 {
						in.VersionId = aws.String(ids[rng.IntN(len(ids))])
					}
					out, err := sm.GetSecretValue(ctx, in)
					if err != nil {
						fail("GetSecretValue %s %s: %v", secret, aws.ToString(in.VersionId), err)
						continue
					}
					id := aws.ToString(out.VersionId)
					want, ok := ledger.value(id)
					if !ok || aws.ToString(out.SecretString) != want {
						fail("GetSecretValue %s: version %s has value %q, want %q (known: %v)", secret, id, aws.ToString(out.SecretString), want, ok)
					}
					if in.VersionId == nil && !slices.Contains(out.VersionStages, "AWSCURRENT") {
						fail("GetSecretValue %s: AWSCURRENT answered version %s with stages %v", secret, id, out.VersionStages)
					}
					if in.VersionId != nil && id != *in.VersionId {
						fail("GetSecretValue %s by id %s answered version %s", secret, *in.VersionId, id)
					}
				case 5: // DescribeSecret
					out, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secret)})
					if err != nil {
						fail("DescribeSecret %s: %v", secret, err)
						continue
					}
					for _, p := range concCheckLabels(ledger, "DescribeSecret "+secret, out.VersionIdsToStages) {
						fail("%s", p)
					}
				case 6: // ListSecretVersionIds, deprecated versions included
					versions, err := concListVersions(ctx, sm, secret)
					if err != nil {
						fail("ListSecretVersionIds %s: %v", secret, err)
						continue
					}
					for _, p := range concCheckLabels(ledger, "ListSecretVersionIds "+secret, versions) {
						fail("%s", p)
					}
				case 7, 8: // TagResource: one key per worker
					key, value := fmt.Sprintf("worker-%02d", w), fmt.Sprintf("w%d-i%d", w, i)
					if _, err := sm.TagResource(ctx, &secretsmanager.TagResourceInput{
						SecretId: aws.String(secret), Tags: []types.Tag{{Key: aws.String(key), Value: aws.String(value)}},
					}); err != nil {
						fail("TagResource %s: %v", secret, err)
						continue
					}
					ledger.tagged(secret, key, value)
				case 9: // ListSecrets
					out, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{
						Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"conc/"}}},
					})
					if err != nil {
						fail("ListSecrets: %v", err)
						continue
					}
					var names []string
					for _, e := range out.SecretList {
						names = append(names, aws.ToString(e.Name))
						for _, p := range concCheckLabels(ledger, "ListSecrets "+aws.ToString(e.Name), e.SecretVersionsToStages) {
							fail("%s", p)
						}
					}
					slices.Sort(names)
					if !slices.Equal(names, secrets) {
						fail("ListSecrets: %v, want %v", names, secrets)
					}
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d puts, %d label moves, %d moves lost a race", putsOK.Load(), movesOK.Load(), movesRaced.Load())
	if putsOK.Load() == 0 || movesOK.Load() == 0 {
		t.Fatalf("the workload did not exercise writes: %d puts, %d label moves", putsOK.Load(), movesOK.Load())
	}

	// The end state.
	for _, secret := range secrets {
		versions, err := concListVersions(ctx, sm, secret)
		if err != nil {
			t.Fatalf("ListSecretVersionIds %s: %v", secret, err)
		}
		for _, p := range concCheckLabels(ledger, "final ListSecretVersionIds "+secret, versions) {
			t.Error(p)
		}
		written := ledger.putIDs(secret)
		if len(versions) != len(written) {
			t.Errorf("%s: %d versions listed, %d written", secret, len(versions), len(written))
		}
		for _, id := range written {
			if _, ok := versions[id]; !ok {
				t.Errorf("%s: version %s was written but is not listed: lost", secret, id)
			}
			out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secret), VersionId: aws.String(id)})
			if err != nil {
				t.Errorf("GetSecretValue %s %s: %v", secret, id, err)
				continue
			}
			if want, _ := ledger.value(id); aws.ToString(out.SecretString) != want {
				t.Errorf("GetSecretValue %s %s: %q, want %q", secret, id, aws.ToString(out.SecretString), want)
			}
			if !slices.Equal(concSorted(out.VersionStages), concSorted(versions[id])) {
				t.Errorf("%s %s: GetSecretValue stages %v, ListSecretVersionIds stages %v", secret, id, out.VersionStages, versions[id])
			}
		}
		cur, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secret)})
		if err != nil {
			t.Fatalf("GetSecretValue %s: %v", secret, err)
		}
		if !slices.Contains(written, aws.ToString(cur.VersionId)) {
			t.Errorf("%s: AWSCURRENT is version %s, which was never written", secret, aws.ToString(cur.VersionId))
		}
		if want, _ := ledger.value(aws.ToString(cur.VersionId)); aws.ToString(cur.SecretString) != want {
			t.Errorf("%s: AWSCURRENT value %q, want %q", secret, aws.ToString(cur.SecretString), want)
		}

		desc, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secret)})
		if err != nil {
			t.Fatalf("DescribeSecret %s: %v", secret, err)
		}
		gotTags := map[string]string{}
		for _, tg := range desc.Tags {
			if _, dup := gotTags[aws.ToString(tg.Key)]; dup {
				t.Errorf("%s: tag %s appears twice", secret, aws.ToString(tg.Key))
			}
			gotTags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		ledger.mu.Lock()
		wantTags := ledger.tags[secret]
		ledger.mu.Unlock()
		if fmt.Sprint(gotTags) != fmt.Sprint(wantTags) {
			t.Errorf("%s: tags %v, want each worker's last value %v", secret, gotTags, wantTags)
		}
	}
}

func concSorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// TestConcurrencyPutStagesOrder: the labels PutSecretValue attaches must not depend on the
// order of VersionStages. (Found by TestConcurrentMixedOperations, which sends random label
// pairs: with ["AWSPREVIOUS","AWSCURRENT"] the new version ends up without AWSPREVIOUS.)
func TestConcurrencyPutStagesOrder(t *testing.T) {
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close()
	})
	sm := wireSDK(hs.URL, "us-east-1")
	ctx := context.Background()
	const v1, v2 = "c0c0c0c0-0000-4000-8000-000000000001", "c0c0c0c0-0000-4000-8000-000000000002"

	results := map[string]map[string][]string{}
	for _, stages := range [][]string{{"AWSCURRENT", "AWSPREVIOUS"}, {"AWSPREVIOUS", "AWSCURRENT"}} {
		name := "order/" + strings.Join(stages, "-")
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name: aws.String(name), SecretString: aws.String("one"), ClientRequestToken: aws.String(v1),
		}); err != nil {
			t.Fatalf("CreateSecret: %v", err)
		}
		out, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
			SecretId: aws.String(name), SecretString: aws.String("two"), ClientRequestToken: aws.String(v2), VersionStages: stages,
		})
		if err != nil {
			t.Fatalf("PutSecretValue %v: %v", stages, err)
		}
		if got := concSorted(out.VersionStages); !slices.Equal(got, concSorted(stages)) {
			t.Errorf("PutSecretValue VersionStages %v: the new version has %v, want %v", stages, out.VersionStages, concSorted(stages))
		}
		versions, err := concListVersions(ctx, sm, name)
		if err != nil {
			t.Fatalf("ListSecretVersionIds: %v", err)
		}
		for id := range versions {
			versions[id] = concSorted(versions[id])
		}
		results[strings.Join(stages, ",")] = versions
	}
	if a, b := fmt.Sprint(results["AWSCURRENT,AWSPREVIOUS"]), fmt.Sprint(results["AWSPREVIOUS,AWSCURRENT"]); a != b {
		t.Errorf("labels depend on the order of VersionStages:\n[AWSCURRENT AWSPREVIOUS] gives %s\n[AWSPREVIOUS AWSCURRENT] gives %s", a, b)
	}
}
