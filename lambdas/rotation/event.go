package rotation

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Step is a rotation step, as Secrets Manager names it in the event.
type Step string

// The four steps, in the order Secrets Manager runs them.
const (
	StepCreate Step = "createSecret"
	StepSet    Step = "setSecret"
	StepTest   Step = "testSecret"
	StepFinish Step = "finishSecret"
)

// Steps lists the steps in order.
var Steps = []Step{StepCreate, StepSet, StepTest, StepFinish}

// The staging labels of a rotation.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// Event is what Secrets Manager sends the rotation function.
type Event struct {
	Step               Step   `json:"Step"`
	SecretID           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
	// RotationToken identifies the rotation to Secrets Manager; the engine passes it back
	// with PutSecretValue. AWS marks it sensitive: it is never logged.
	RotationToken string `json:"RotationToken,omitempty"`
}

// LogValue implements slog.LogValuer without the rotation token.
func (ev Event) LogValue() slog.Value {
	return slog.GroupValue(slog.String("step", string(ev.Step)), slog.String("secret", ev.SecretID), slog.String("token", ev.ClientRequestToken))
}

// Format implements fmt.Formatter without the rotation token.
func (ev Event) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "rotation.Event{Step:%s SecretId:%s ClientRequestToken:%s}", ev.Step, ev.SecretID, ev.ClientRequestToken)
}

// Errors of the event checks; match them with errors.Is.
var (
	// ErrInvalidEvent: a field of the event is missing or the step is unknown.
	ErrInvalidEvent = errors.New("invalid rotation event")
	// ErrRotationDisabled: DescribeSecret says rotation is not enabled for the secret.
	ErrRotationDisabled = errors.New("rotation is not enabled for the secret")
	// ErrUnknownVersion: the token is not a version of the secret (DescribeSecret lists no
	// staging label for it).
	ErrUnknownVersion = errors.New("the ClientRequestToken is not a version of the secret")
	// ErrNotPending: the token's version does not carry AWSPENDING.
	ErrNotPending = errors.New("the version is not staged AWSPENDING")
	// ErrNotFound: a secret version the rotator asked for does not exist (no AWSPREVIOUS,
	// no value yet for the pending version, ...).
	ErrNotFound = errors.New("secret version not found")
)

func (ev Event) validate() error {
	var missing []string
	if ev.Step == "" {
		missing = append(missing, "Step")
	}
	if ev.SecretID == "" {
		missing = append(missing, "SecretId")
	}
	if ev.ClientRequestToken == "" {
		missing = append(missing, "ClientRequestToken")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing %s", ErrInvalidEvent, strings.Join(missing, ", "))
	}
	switch ev.Step {
	case StepCreate, StepSet, StepTest, StepFinish:
		return nil
	}
	return fmt.Errorf("%w: unknown step %q (want createSecret, setSecret, testSecret or finishSecret)", ErrInvalidEvent, ev.Step)
}

// StepError is the error of a failed invocation. Its message says which step failed for
// which secret and version, what failed and why (the underlying error, unwrapped by
// errors.Is and errors.As), with every known secret value redacted.
type StepError struct {
	Step      Step
	SecretARN string // the ARN, or the event's SecretId when DescribeSecret did not answer
	Token     string
	Err       error
	msg       string
}

func (e *StepError) Error() string { return e.msg }

func (e *StepError) Unwrap() error { return e.Err }
