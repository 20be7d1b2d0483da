package secretcache_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// fakeSM is a one-secret Secrets Manager for unit tests that need exact control: scripted
// failures, calls that block, answers AWS would not give. Tests that check behaviour
// against the service use the emulator instead.
type fakeSM struct {
	mu       sync.Mutex
	arn      string
	name     string
	seq      int
	versions map[string]*fakeVersion
	calls    map[string]int
	// fail makes every call of an operation fail while set.
	fail map[string]error
	// block, when set, makes calls wait until it is closed (or their context ends);
	// entered receives one value per blocked call.
	block   chan struct{}
	entered chan string
	// lie makes GetSecretValue answer a read of stage with this version regardless.
	lie string
	// absent makes the secret unknown, as before it is created.
	absent bool

	rotationEnabled bool
	nextRotation    time.Time
	lastRotated     time.Time
	rules           *types.RotationRulesType
}

type fakeVersion struct {
	value  *string
	binary []byte
	stages []string
}

func newFakeSM(name, value string) *fakeSM {
	f := &fakeSM{
		name:     name,
		arn:      "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf",
		versions: map[string]*fakeVersion{},
		calls:    map[string]int{},
		fail:     map[string]error{},
	}
	f.put(value)
	return f
}

func apiErr(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "injected " + code}
}

func (f *fakeSM) newID() string {
	f.seq++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", f.seq)
}

// put stores a new AWSCURRENT version; the old current becomes AWSPREVIOUS.
func (f *fakeSM) put(value string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.newID()
	f.versions[id] = &fakeVersion{value: aws.String(value)}
	f.moveStage("AWSCURRENT", id)
	return id
}

// putBinary stores a new binary AWSCURRENT version.
func (f *fakeSM) putBinary(b []byte) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.newID()
	f.versions[id] = &fakeVersion{binary: b}
	f.moveStage("AWSCURRENT", id)
	return id
}

// addPending stores a version labelled AWSPENDING only, as createSecret does.
func (f *fakeSM) addPending(value string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.newID()
	f.versions[id] = &fakeVersion{value: aws.String(value)}
	f.setStage("AWSPENDING", id)
	return id
}

// promote moves AWSCURRENT to id, as finishSecret does.
func (f *fakeSM) promote(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.moveStage("AWSCURRENT", id)
	f.setStage("AWSPENDING", "")
}

func (f *fakeSM) moveStage(stage, id string) {
	if stage == "AWSCURRENT" {
		if old := f.holder("AWSCURRENT"); old != "" && old != id {
			f.setStage("AWSPREVIOUS", old)
		}
	}
	f.setStage(stage, id)
}

func (f *fakeSM) setStage(stage, id string) {
	for vid, v := range f.versions {
		v.stages = slices.DeleteFunc(v.stages, func(s string) bool { return s == stage })
		if vid == id {
			v.stages = append(v.stages, stage)
		}
	}
}

func (f *fakeSM) holder(stage string) string {
	for id, v := range f.versions {
		if slices.Contains(v.stages, stage) {
			return id
		}
	}
	return ""
}

func (f *fakeSM) setFail(op string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.fail, op)
	} else {
		f.fail[op] = err
	}
}

func (f *fakeSM) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeSM) total() int { return f.count("GetSecretValue") + f.count("DescribeSecret") }

func (f *fakeSM) setBlock(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if on {
		f.block, f.entered = make(chan struct{}), make(chan string, 1000)
	} else if f.block != nil {
		close(f.block)
		f.block = nil
	}
}

func (f *fakeSM) enter(ctx context.Context, op, id string) error {
	f.mu.Lock()
	f.calls[op]++
	block, entered, err, absent := f.block, f.entered, f.fail[op], f.absent
	f.mu.Unlock()
	if block != nil {
		entered <- op
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err != nil {
		return err
	}
	if absent || (id != f.name && id != f.arn) {
		return &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	}
	return nil
}

func (f *fakeSM) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if err := f.enter(ctx, "GetSecretValue", aws.ToString(in.SecretId)); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := aws.ToString(in.VersionId)
	stage := aws.ToString(in.VersionStage)
	if id == "" {
		if stage == "" {
			stage = "AWSCURRENT"
		}
		id = f.holder(stage)
		if f.lie != "" {
			id = f.lie
		}
	}
	v := f.versions[id]
	if v == nil || (stage != "" && f.lie == "" && !slices.Contains(v.stages, stage)) {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value for staging label: " + stage)}
	}
	return &secretsmanager.GetSecretValueOutput{ARN: aws.String(f.arn), Name: aws.String(f.name), VersionId: aws.String(id),
		SecretString: v.value, SecretBinary: slices.Clone(v.binary), VersionStages: slices.Clone(v.stages),
		CreatedDate: aws.Time(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}, nil
}

func (f *fakeSM) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	if err := f.enter(ctx, "DescribeSecret", aws.ToString(in.SecretId)); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &secretsmanager.DescribeSecretOutput{ARN: aws.String(f.arn), Name: aws.String(f.name), VersionIdsToStages: map[string][]string{}}
	for id, v := range f.versions {
		if len(v.stages) > 0 {
			out.VersionIdsToStages[id] = slices.Clone(v.stages)
		}
	}
	if f.rotationEnabled {
		out.RotationEnabled = aws.Bool(true)
		out.RotationRules = f.rules
		if !f.nextRotation.IsZero() {
			out.NextRotationDate = aws.Time(f.nextRotation)
		}
		if !f.lastRotated.IsZero() {
			out.LastRotatedDate = aws.Time(f.lastRotated)
		}
	}
	return out, nil
}

func (f *fakeSM) setAbsent(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.absent = on
}
