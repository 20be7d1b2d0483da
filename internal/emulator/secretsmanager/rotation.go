package secretsmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/schedule"
)

// Rotation as Secrets Manager runs it: RotateSecret stores the configuration, puts AWSPENDING
// on a placeholder version for the token, and then, asynchronously, invokes the rotation
// function for createSecret, setSecret, testSecret and finishSecret, stopping at the first
// failure. Due rotations start when the clock passes NextRotationDate.

var rotationSteps = []string{"createSecret", "setSecret", "testSecret", "finishSecret"}

const msgRotationIncomplete = "A previous rotation isn't complete. That rotation will be reattempted."

type rotateSecretInput struct {
	SecretID           *string        `json:"SecretId"`
	ClientRequestToken *string        `json:"ClientRequestToken"`
	RotationLambdaARN  *string        `json:"RotationLambdaARN"`
	RotationRules      *rotationRules `json:"RotationRules"`
	RotateImmediately  *bool          `json:"RotateImmediately"`
}

type rotateSecretOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionID string `json:"VersionId,omitempty"`
}

func (r *rotationRules) schedule() schedule.Rules {
	var out schedule.Rules
	if r == nil {
		return out
	}
	if r.AutomaticallyAfterDays != nil {
		out.AutomaticallyAfterDays = *r.AutomaticallyAfterDays
	}
	if r.ScheduleExpression != nil {
		out.ScheduleExpression = *r.ScheduleExpression
	}
	if r.Duration != nil {
		out.Duration = *r.Duration
	}
	return out
}

// maxRotationLambdaARNLen is RotationLambdaARNType's length limit (botocore model).
const maxRotationLambdaARNLen = 2048

func (s *Service) smRotateSecret(region string, in *rotateSecretInput) (any, error) {
	// The request's own checks come before any lookup of the secret or the function: the
	// token (LocalStack's provider, made to pass its aws_validated tests), then the ARN's
	// length (moto: "RotationLambdaARN must <= 2048 characters long.").
	if in.ClientRequestToken == nil {
		return nil, errNoToken()
	}
	if err := checkToken(in.ClientRequestToken); err != nil {
		return nil, err
	}
	if err := checkSecretID(in.SecretID); err != nil {
		return nil, err
	}
	if in.RotationLambdaARN != nil && len(*in.RotationLambdaARN) > maxRotationLambdaARNLen {
		return nil, invalidParameter("RotationLambdaARN must <= 2048 characters long.")
	}
	if in.RotationRules != nil {
		// The emulator's own rules (package secretsmanager), not the provider's.
		if err := CheckRotationRules(RotationRules{
			AutomaticallyAfterDays: in.RotationRules.AutomaticallyAfterDays,
			ScheduleExpression:     in.RotationRules.ScheduleExpression,
			Duration:               in.RotationRules.Duration,
		}); err != nil {
			return nil, ruleError(err)
		}
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	fn := sec.RotationLambdaARN
	if in.RotationLambdaARN != nil {
		fn = *in.RotationLambdaARN
	}
	if fn == "" {
		return nil, invalidRequest("No Lambda rotation function ARN is associated with this secret.")
	}
	if !s.functions.Exists(region, fn) {
		return nil, newError("AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.")
	}
	if sec.stuckPending() != nil {
		return nil, invalidRequest(msgRotationIncomplete)
	}
	token := *in.ClientRequestToken
	if v := sec.Versions[token]; v != nil {
		return nil, newError("ResourceExistsException", "You can't use ClientRequestToken %s because that value is already in use for a version of secret %s.", token, sec.ARN)
	}
	sec.RotationEnabled = true
	sec.RotationLambdaARN = fn
	if in.RotationRules != nil {
		sec.RotationRules = in.RotationRules
	}
	immediately := in.RotateImmediately == nil || *in.RotateImmediately
	s.placeholder(sec, token)
	if immediately {
		s.startRotation(sec, token, rotationSteps)
	} else {
		// Without RotateImmediately, AWS only runs testSecret against a pending version it
		// removes afterwards, and the first rotation waits for the schedule.
		s.startRotation(sec, token, []string{"testSecret"})
		s.scheduleNext(sec, s.now())
	}
	s.changed(sec)
	return &rotateSecretOutput{ARN: sec.ARN, Name: sec.Name, VersionID: token}, nil
}

// placeholder creates the value-less version that carries AWSPENDING during a rotation:
// the rotation function finds the token in VersionIdsToStages before createSecret.
func (s *Service) placeholder(sec *smSecret, token string) {
	v := &smVersion{ID: token, Created: s.now(), KmsKeyIDs: sec.kmsKeyIDsForVersion()}
	sec.addVersion(v)
	sec.moveStage(stagePending, v)
}

// stuckPending is the version holding AWSPENDING when that is not the current version: a
// rotation in progress, or one that stopped part-way.
func (sec *smSecret) stuckPending() *smVersion {
	if v := sec.versionByStage(stagePending); v != nil && !v.hasStage(stageCurrent) {
		return v
	}
	return nil
}

// hasValue is false for the placeholder version a rotation creates before createSecret.
func (v *smVersion) hasValue() bool { return v.String != nil || v.Binary != nil }

// scheduleNext computes the next rotation window from the rules, counting from last.
// NextRotationDate is the end of the window, as AWS reports it ("on or before this date");
// the emulator rotates when the window opens, so tests know when it happens.
func (s *Service) scheduleNext(sec *smSecret, last time.Time) {
	sec.NextRotation, sec.RotationDue = time.Time{}, time.Time{}
	if !sec.RotationEnabled || sec.RotationRules == nil {
		return
	}
	start, length, err := sec.RotationRules.schedule().Window(last)
	if err != nil {
		s.log.Warn("cannot schedule rotation", "secret", sec.ARN, "error", err)
		return
	}
	sec.RotationDue = start
	sec.NextRotation = start.Add(length - time.Second)
}

// rotationJob is one rotation in flight; the goroutine running it holds no lock while the
// function runs, since the function calls back into the emulator.
type rotationJob struct {
	region, secretARN, name, function, token string
	steps                                    []string
	record                                   *RotationRecord
}

// startRotation runs steps for token in the background. s.mu is held.
func (s *Service) startRotation(sec *smSecret, token string, steps []string) {
	job := &rotationJob{region: sec.Region, secretARN: sec.ARN, name: sec.Name, function: sec.RotationLambdaARN, token: token, steps: steps}
	job.record = &RotationRecord{SecretARN: sec.ARN, Token: token, Function: job.function, Outcome: "running", Started: s.now()}
	s.history.RecordRotation(job.record)
	if s.bgCtx.Err() != nil {
		// Closing: a rotation started now could outlive the server.
		s.history.UpdateRotation(job.record, func(r *RotationRecord) { r.Outcome, r.Error = "failed", "emulator closing" })
		return
	}
	s.rotations[sec.ARN] = job
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.runRotation(s.bgCtx, job)
	}()
}

func (s *Service) runRotation(ctx context.Context, job *rotationJob) {
	var failure error
	for _, step := range job.steps {
		if s.rotationCancelled(job) {
			failure = fmt.Errorf("rotation cancelled by CancelRotateSecret")
			break
		}
		started := s.now()
		wall := time.Now()
		err := s.invokeStep(ctx, job, step)
		rs := RotationStep{Step: step, Outcome: "succeeded", Started: started, Duration: time.Since(wall)}
		if err != nil {
			rs.Outcome, rs.Error = "failed", err.Error()
		}
		s.history.UpdateRotation(job.record, func(r *RotationRecord) { r.Steps = append(r.Steps, rs) })
		if err != nil {
			failure = fmt.Errorf("%s: %w", step, err)
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rotations[job.secretARN] == job {
		delete(s.rotations, job.secretARN)
	}
	sec := s.lookupSecret(job.region, job.secretARN)
	testOnly := len(job.steps) == 1
	if sec != nil && testOnly {
		// The test of a new configuration leaves no version behind.
		if v := sec.Versions[job.token]; v != nil && v.String == nil && v.Binary == nil {
			delete(sec.Versions, job.token)
		} else if v != nil {
			sec.removeStage(stagePending, v)
		}
		s.changed(sec)
	}
	if sec != nil && !testOnly {
		now := s.now()
		if failure == nil {
			sec.LastRotated = now
		}
		// A failed rotation is reattempted with the same token at the next window, as AWS's
		// "A previous rotation isn't complete. That rotation will be reattempted." says.
		s.scheduleNext(sec, now)
		s.changed(sec)
	}
	s.dirty()
	s.history.UpdateRotation(job.record, func(r *RotationRecord) {
		r.Finished = s.now()
		r.Outcome = "succeeded"
		if failure != nil {
			r.Outcome, r.Error = "failed", failure.Error()
		}
	})
	if failure != nil {
		s.log.Info("rotation failed", "secret", job.secretARN, "token", job.token, "error", failure)
	}
}

func (s *Service) rotationCancelled(job *rotationJob) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rotations[job.secretARN] != job
}

// invokeStep invokes the function for one step, with the event Secrets Manager sends.
func (s *Service) invokeStep(ctx context.Context, job *rotationJob, step string) error {
	payload, _ := json.Marshal(map[string]string{
		"Step":               step,
		"SecretId":           job.secretARN,
		"ClientRequestToken": job.token,
		"RotationToken":      newUUID(),
	})
	result, functionError, err := s.functions.Invoke(ctx, job.region, job.function, payload)
	if err != nil {
		return err
	}
	if functionError != "" {
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		if json.Unmarshal(result, &fe) == nil && (fe.ErrorMessage != "" || fe.ErrorType != "") {
			return fmt.Errorf("%s: %s", fe.ErrorType, fe.ErrorMessage)
		}
		return fmt.Errorf("function error %s", functionError)
	}
	return nil
}

type cancelRotateSecretOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionID string `json:"VersionId,omitempty"`
}

// smCancelRotateSecret turns rotation off and stops a rotation in progress after its
// current step. As in AWS, the labels stay where the rotation left them.
func (s *Service) smCancelRotateSecret(region string, in *secretIDInput) (any, error) {
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	if sec.RotationLambdaARN == "" {
		// The CancelRotateSecret reference lists this InvalidRequestException case; moto answers it.
		return nil, invalidRequest("You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.")
	}
	out := &cancelRotateSecretOutput{ARN: sec.ARN, Name: sec.Name}
	if job := s.rotations[sec.ARN]; job != nil {
		out.VersionID = job.token
		delete(s.rotations, sec.ARN)
	} else if pending := sec.stuckPending(); pending != nil {
		out.VersionID = pending.ID
	}
	sec.RotationEnabled = false
	sec.NextRotation, sec.RotationDue = time.Time{}, time.Time{}
	s.changed(sec)
	return out, nil
}

// RunDueRotations starts the rotation of every secret whose NextRotationDate has passed. A
// secret whose last rotation stopped part-way is retried with the same token, as AWS
// reattempts it.
func (s *Service) RunDueRotations() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, reg := range s.regions {
		names := slices.Sorted(maps.Keys(reg.byName))
		for _, name := range names {
			sec := reg.byName[name]
			if !sec.RotationEnabled || sec.isDeleted() || sec.isReplica() || sec.RotationDue.IsZero() || now.Before(sec.RotationDue) {
				continue
			}
			if s.rotations[sec.ARN] != nil || !s.functions.Exists(sec.Region, sec.RotationLambdaARN) {
				continue
			}
			token := newUUID()
			if pending := sec.stuckPending(); pending != nil {
				token = pending.ID
			} else {
				s.placeholder(sec, token)
			}
			// Until this rotation finishes, the secret is not due again.
			sec.RotationDue = time.Time{}
			s.startRotation(sec, token, rotationSteps)
			s.changed(sec)
		}
	}
}

// ruleError turns a refusal of the model into the API error it is.
func ruleError(err error) error {
	var re *RuleError
	if errors.As(err, &re) {
		return newError(re.Type, "%s", re.Message)
	}
	return err
}
