package rotation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Secret is the decoded value of one secret version: a JSON object. Fields are kept as raw
// JSON, so a field the rotator does not know about survives a rotation unchanged (numbers,
// nested objects and all); the typed accessors convert on demand.
//
// A Secret never prints its values: fmt verbs and log/slog show only its field names.
// A Secret is not safe for concurrent mutation; Run hands out copies.
type Secret struct {
	fields    map[string]json.RawMessage
	versionID string
	stages    []string
}

// FieldError reports a secret field that is missing or has the wrong type or value. Its
// message names the field and never contains the field's value.
type FieldError struct {
	Field   string
	Problem string // "is missing", "must be a string, not a number", ...
}

func (e *FieldError) Error() string { return fmt.Sprintf("secret field %q %s", e.Field, e.Problem) }

// ErrMissingField is matched by errors.Is for every FieldError about an absent field.
var ErrMissingField = errors.New("secret field is missing")

// Is makes errors.Is(err, ErrMissingField) true for a missing field.
func (e *FieldError) Is(target error) bool {
	return target == ErrMissingField && e.Problem == problemMissing
}

const problemMissing = "is missing"

// NewSecret returns an empty secret.
func NewSecret() *Secret { return &Secret{fields: map[string]json.RawMessage{}} }

// ParseSecret decodes a SecretString. It must be a JSON object.
func ParseSecret(data []byte) (*Secret, error) {
	s := NewSecret()
	if err := s.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return s, nil
}

// UnmarshalJSON implements json.Unmarshaler. The error never quotes the input.
func (s *Secret) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&fields); err != nil {
		// json errors quote offending input only for syntax in field names and literals;
		// report the kind of problem without the text.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("secret value is not valid JSON (syntax error at byte %d)", se.Offset)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("secret value must be a JSON object, not a JSON %s", te.Value)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("secret value is not valid JSON (it ends too early)")
		}
		if errors.Is(err, io.EOF) {
			return errors.New("secret value is empty; it must be a JSON object")
		}
		return errors.New("secret value is not a JSON object")
	}
	if dec.More() {
		return errors.New("secret value has data after its JSON object")
	}
	if fields == nil {
		return errors.New("secret value must be a JSON object, not null")
	}
	s.fields = fields
	return nil
}

// MarshalJSON implements json.Marshaler: the fields in key order, raw values unchanged.
func (s *Secret) MarshalJSON() ([]byte, error) {
	if s == nil || s.fields == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(s.fields)
}

// VersionID is the Secrets Manager version the secret was read from; empty for a secret
// built by the rotator.
func (s *Secret) VersionID() string { return s.versionID }

// Stages are the staging labels of the version when it was read.
func (s *Secret) Stages() []string { return slices.Clone(s.stages) }

// Clone returns a deep copy.
func (s *Secret) Clone() *Secret {
	c := &Secret{fields: make(map[string]json.RawMessage, len(s.fields)), versionID: s.versionID, stages: slices.Clone(s.stages)}
	for k, v := range s.fields {
		c.fields[k] = slices.Clone(v)
	}
	return c
}

// Has reports whether the field is present (even if it is JSON null).
func (s *Secret) Has(key string) bool {
	_, ok := s.fields[key]
	return ok
}

// Keys returns the field names, sorted.
func (s *Secret) Keys() []string { return slices.Sorted(maps.Keys(s.fields)) }

// Raw returns the field's JSON text.
func (s *Secret) Raw(key string) (json.RawMessage, bool) {
	v, ok := s.fields[key]
	return slices.Clone(v), ok
}

// Decode unmarshals the field into v.
func (s *Secret) Decode(key string, v any) error {
	raw, ok := s.fields[key]
	if !ok {
		return &FieldError{Field: key, Problem: problemMissing}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &FieldError{Field: key, Problem: fmt.Sprintf("must be a %s, not a JSON %s", te.Type, te.Value)}
		}
		return &FieldError{Field: key, Problem: "cannot be decoded"}
	}
	return nil
}

// GetString returns a string field. A missing field, or one that is not a JSON string, is
// a *FieldError.
func (s *Secret) GetString(key string) (string, error) {
	raw, ok := s.fields[key]
	if !ok {
		return "", &FieldError{Field: key, Problem: problemMissing}
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", &FieldError{Field: key, Problem: "must be a string, not " + jsonKind(raw)}
	}
	return v, nil
}

// StringOr returns a string field, or def when the field is absent or null.
func (s *Secret) StringOr(key, def string) (string, error) {
	if raw, ok := s.fields[key]; !ok || isNull(raw) {
		return def, nil
	}
	return s.GetString(key)
}

// GetInt returns an integer field, given as a JSON number or as a string of digits (the AWS
// samples accept both for "port").
func (s *Secret) GetInt(key string) (int, error) {
	raw, ok := s.fields[key]
	if !ok {
		return 0, &FieldError{Field: key, Problem: problemMissing}
	}
	var text string
	switch raw = bytes.TrimSpace(raw); {
	case len(raw) > 0 && raw[0] == '"':
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, &FieldError{Field: key, Problem: "cannot be decoded"}
		}
		text = strings.TrimSpace(text)
	case len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9'):
		text = string(raw)
	default:
		return 0, &FieldError{Field: key, Problem: "must be an integer, not " + jsonKind(raw)}
	}
	n, err := strconv.Atoi(text)
	if err != nil {
		// A JSON number like 5432.0 is still an integer.
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil || f != float64(int(f)) {
			return 0, &FieldError{Field: key, Problem: "must be an integer"}
		}
		n = int(f)
	}
	return n, nil
}

// GetBool returns a boolean field, given as a JSON boolean or as the string "true" or
// "false" in any case.
func (s *Secret) GetBool(key string) (bool, error) {
	raw, ok := s.fields[key]
	if !ok {
		return false, &FieldError{Field: key, Problem: problemMissing}
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, nil
	}
	var text string
	if json.Unmarshal(raw, &text) == nil {
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, &FieldError{Field: key, Problem: `must be true or false`}
	}
	return false, &FieldError{Field: key, Problem: "must be a boolean, not " + jsonKind(raw)}
}

// Set stores v, encoded as JSON, in the field.
func (s *Secret) Set(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("secret field %q: encode: %w", key, err)
	}
	if s.fields == nil {
		s.fields = map[string]json.RawMessage{}
	}
	s.fields[key] = raw
	return nil
}

// SetString stores a string field.
func (s *Secret) SetString(key, v string) {
	// Marshalling a string cannot fail.
	_ = s.Set(key, v)
}

// Delete removes the field.
func (s *Secret) Delete(key string) { delete(s.fields, key) }

// Format implements fmt.Formatter: the field names only, never the values.
// (A value receiver, so that a Secret printed by value does not show its fields either.)
func (s Secret) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "rotation.Secret{%s}", strings.Join(s.Keys(), ","))
}

// LogValue implements slog.LogValuer: the field names only, never the values.
func (s Secret) LogValue() slog.Value {
	return slog.GroupValue(slog.String("version", s.versionID), slog.Any("fields", s.Keys()))
}

// mergeMissing copies every field of from that s lacks.
func (s *Secret) mergeMissing(from *Secret) {
	if s.fields == nil {
		s.fields = map[string]json.RawMessage{}
	}
	for k, v := range from.fields {
		if _, ok := s.fields[k]; !ok {
			s.fields[k] = slices.Clone(v)
		}
	}
}

// stringValues returns the values of string fields whose names are sensitive, for redaction.
func (s *Secret) stringValues(sensitive func(string) bool) []string {
	var out []string
	for k, raw := range s.fields {
		if !sensitive(k) {
			continue
		}
		var v string
		if json.Unmarshal(raw, &v) == nil {
			out = append(out, v)
		} else {
			// Not a string: an object holding credentials; redact its text as well.
			out = append(out, string(raw))
		}
	}
	return out
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// jsonKind names the JSON type of raw, for error messages that must not show the value.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "empty"
	}
	switch c := raw[0]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return "a number"
	}
}
