package secretcache

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Value is one version of a secret as the cache holds it. It is immutable and shared by
// every caller that reads it, so it is handed out without copying.
//
// Printing a Value with the fmt package, logging it with log/slog or marshalling it to JSON
// never shows the secret: only the ARN, the version id and the staging labels. The secret
// is read with SecretString, SecretBinary or Decode.
type Value struct {
	arn, name, versionID string
	stages               []string
	created              time.Time
	str                  string
	hasString            bool
	bin                  []byte
	// With a Hook, str and bin are empty: the secret is in sealed, as hook.Put made it.
	hook   Hook
	sealed any
}

// Hook transforms what the cache keeps in memory, to encrypt secrets at rest in the
// process, say (the Hook of aws-secretsmanager-caching-go): Put receives each
// GetSecretValue answer and returns what the cache stores; Get receives that and returns
// the answer again, on every read of the secret (so a read with a Hook allocates and costs
// what Get costs). Only the secret is stored through the hook; the ARN, name, version id and
// stages are kept as they are.
type Hook interface {
	Put(out *secretsmanager.GetSecretValueOutput) any
	Get(stored any) (*secretsmanager.GetSecretValueOutput, error)
}

// open returns the secret string (ok false for binary) and bytes, through the hook if any.
func (v *Value) open() (str string, bin []byte, err error) {
	if v.hook == nil {
		return v.str, v.bin, nil
	}
	out, err := v.hook.Get(v.sealed)
	if err != nil {
		return "", nil, fmt.Errorf("secretcache: the Hook could not restore secret %s version %s: %w", v.arn, v.versionID, err)
	}
	if out == nil {
		return "", nil, fmt.Errorf("secretcache: the Hook restored nothing for secret %s version %s", v.arn, v.versionID)
	}
	return aws.ToString(out.SecretString), out.SecretBinary, nil
}

func newValue(out *secretsmanager.GetSecretValueOutput, hook Hook) *Value {
	v := &Value{
		arn:       aws.ToString(out.ARN),
		name:      aws.ToString(out.Name),
		versionID: aws.ToString(out.VersionId),
		stages:    slices.Clone(out.VersionStages),
		created:   aws.ToTime(out.CreatedDate),
		bin:       out.SecretBinary,
	}
	if out.SecretString != nil {
		v.str, v.hasString = *out.SecretString, true
	}
	if hook != nil {
		v.hook, v.sealed = hook, hook.Put(out)
		v.str, v.bin = "", nil
	}
	return v
}

// withStages returns a copy of v carrying other staging labels; the secret is shared.
func (v *Value) withStages(stages []string) *Value {
	c := *v
	c.stages = slices.Clone(stages)
	return &c
}

// ARN is the secret's ARN.
func (v *Value) ARN() string { return v.arn }

// Name is the secret's name.
func (v *Value) Name() string { return v.name }

// VersionID identifies this version of the secret.
func (v *Value) VersionID() string { return v.versionID }

// VersionStages returns the staging labels the version had when the cache last checked.
func (v *Value) VersionStages() []string { return slices.Clone(v.stages) }

// CreatedDate is when this version was created.
func (v *Value) CreatedDate() time.Time { return v.created }

// HasSecretString reports whether the version holds a string (SecretString) rather than
// binary data (SecretBinary).
func (v *Value) HasSecretString() bool { return v.hasString }

// SecretString returns the secret string; it is empty when the version holds binary data.
func (v *Value) SecretString() string {
	s, _, _ := v.open()
	return s
}

// SecretBinary returns a copy of the binary secret, or nil when the version holds a string.
func (v *Value) SecretBinary() []byte {
	_, b, _ := v.open()
	return slices.Clone(b)
}

// Decode unmarshals the secret, which must be JSON, into dst (as json.Unmarshal does).
// A decoding error names the field and the JSON type at fault but never quotes the secret.
func (v *Value) Decode(dst any) error {
	str, data, err := v.open()
	if err != nil {
		return err
	}
	if v.hasString {
		data = []byte(str)
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return &DecodeError{SecretARN: v.arn, VersionID: v.versionID, msg: describeJSONError(err), err: err}
	}
	return nil
}

// describe is the redacted description used by String, Format and LogValue.
func (v Value) describe() string {
	kind := "string"
	if !v.hasString {
		kind = "binary"
	}
	return fmt.Sprintf("secretcache.Value{ARN: %q, VersionID: %q, VersionStages: %q, Secret: <redacted %s>}",
		v.arn, v.versionID, v.stages, kind)
}

// String describes the version without the secret.
func (v Value) String() string { return v.describe() }

// GoString describes the version without the secret.
func (v Value) GoString() string { return v.describe() }

// Format prints the same redacted description for every verb (%v, %+v, %#v, %s, %q, %x ...),
// so that a secret cannot leak through a format string.
func (v Value) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(v.describe())) }

// LogValue makes log/slog record the version's identity, never the secret.
func (v Value) LogValue() slog.Value {
	return slog.GroupValue(slog.String("arn", v.arn), slog.String("version_id", v.versionID),
		slog.Any("version_stages", v.stages))
}

// MarshalJSON encodes the identity of the version, never the secret.
func (v Value) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ARN           string
		Name          string
		VersionID     string   `json:"VersionId"`
		VersionStages []string `json:"VersionStages"`
	}{v.arn, v.name, v.versionID, v.stages})
}

// DecodeError is returned when a secret is not the JSON its caller expects. Its message
// says where and why decoding failed without quoting any part of the secret; the
// underlying encoding/json error, which may quote it, is kept for errors.As but not printed.
type DecodeError struct {
	SecretARN, VersionID string
	msg                  string
	err                  error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("secretcache: decode secret %s (version %s): %s", e.SecretARN, e.VersionID, e.msg)
}

// Unwrap returns the encoding/json error. Its text may contain part of the secret: do not
// log it.
func (e *DecodeError) Unwrap() error { return e.err }

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var inv *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON (syntax error at byte offset %d)", syn.Offset)
	case errors.As(err, &typ):
		// typ.Value is "string", "number 42", "bool"...: keep the kind, drop any literal.
		kind, _, _ := strings.Cut(typ.Value, " ")
		if typ.Field == "" {
			return fmt.Sprintf("a JSON %s cannot be stored in a Go %s", kind, typ.Type)
		}
		return fmt.Sprintf("field %q: a JSON %s cannot be stored in a Go %s", typ.Field, kind, typ.Type)
	case errors.As(err, &inv):
		return inv.Error() // about the destination's Go type only
	default:
		return "the destination's decoder rejected the secret"
	}
}
