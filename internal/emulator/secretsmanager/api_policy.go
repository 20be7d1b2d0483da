package secretsmanager

import (
	"crypto/rand"
)

// ---- GetRandomPassword ----

type getRandomPasswordInput struct {
	PasswordLength          *int64  `json:"PasswordLength"`
	ExcludeCharacters       *string `json:"ExcludeCharacters"`
	ExcludeNumbers          bool    `json:"ExcludeNumbers"`
	ExcludePunctuation      bool    `json:"ExcludePunctuation"`
	ExcludeUppercase        bool    `json:"ExcludeUppercase"`
	ExcludeLowercase        bool    `json:"ExcludeLowercase"`
	IncludeSpace            bool    `json:"IncludeSpace"`
	RequireEachIncludedType *bool   `json:"RequireEachIncludedType"`
}

func (s *Service) smGetRandomPassword(_ string, in *getRandomPasswordInput) (any, error) {
	spec := passwordSpec{
		ExcludeNumbers: in.ExcludeNumbers, ExcludePunctuation: in.ExcludePunctuation,
		ExcludeUppercase: in.ExcludeUppercase, ExcludeLowercase: in.ExcludeLowercase,
		IncludeSpace: in.IncludeSpace, RequireEachIncludedType: in.RequireEachIncludedType,
	}
	if in.PasswordLength != nil {
		if *in.PasswordLength < 1 || *in.PasswordLength > 4096 {
			return nil, validationError("passwordLength", "Member must have value between 1 and 4096", *in.PasswordLength)
		}
		spec.Length = *in.PasswordLength
	}
	if in.ExcludeCharacters != nil {
		spec.ExcludeCharacters = *in.ExcludeCharacters
	}
	pw, err := generatePassword(rand.Reader, spec)
	if err != nil {
		return nil, err
	}
	return struct {
		RandomPassword string `json:"RandomPassword"`
	}{pw}, nil
}

// ---- resource policies ----

type putResourcePolicyInput struct {
	SecretID          *string `json:"SecretId"`
	ResourcePolicy    *string `json:"ResourcePolicy"`
	BlockPublicPolicy *bool   `json:"BlockPublicPolicy"`
}

func (s *Service) smPutResourcePolicy(region string, in *putResourcePolicyInput) (any, error) {
	if in.ResourcePolicy == nil {
		return nil, validationError("resourcePolicy", "Member must not be null", nil)
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	findings, public := CheckPolicy(*in.ResourcePolicy)
	if len(findings) > 0 {
		return nil, newError("MalformedPolicyDocumentException", "This policy has invalid syntax.")
	}
	if public && in.BlockPublicPolicy != nil && *in.BlockPublicPolicy {
		return nil, newError("PublicPolicyException", "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.")
	}
	sec.Policy = *in.ResourcePolicy
	s.changed(sec)
	return &arnNameOutput{ARN: sec.ARN, Name: sec.Name}, nil
}

func (s *Service) smGetResourcePolicy(region string, in *secretIDInput) (any, error) {
	sec, err := s.secretForRead(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	return struct {
		ARN            string `json:"ARN"`
		Name           string `json:"Name"`
		ResourcePolicy string `json:"ResourcePolicy,omitempty"`
	}{sec.ARN, sec.Name, sec.Policy}, nil
}

func (s *Service) smDeleteResourcePolicy(region string, in *secretIDInput) (any, error) {
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	if sec.Policy != "" {
		sec.Policy = ""
		s.changed(sec)
	}
	return &arnNameOutput{ARN: sec.ARN, Name: sec.Name}, nil
}

type validateResourcePolicyInput struct {
	SecretID       *string `json:"SecretId"`
	ResourcePolicy *string `json:"ResourcePolicy"`
}

type validationErrorEntry struct {
	CheckName    string `json:"CheckName"`
	ErrorMessage string `json:"ErrorMessage"`
}

func (s *Service) smValidateResourcePolicy(region string, in *validateResourcePolicyInput) (any, error) {
	if in.ResourcePolicy == nil {
		return nil, validationError("resourcePolicy", "Member must not be null", nil)
	}
	if in.SecretID != nil {
		if _, err := s.secretAny(region, in.SecretID); err != nil {
			return nil, err
		}
	}
	// ValidateResourcePolicy also checks that the policy does not grant broad access.
	findings, public := CheckPolicy(*in.ResourcePolicy)
	if public {
		findings = append(findings, PolicyFinding{CheckName: CheckPublic,
			ErrorMessage: "The resource policy grants public access: an Allow statement applies to every principal without a condition that limits it to known accounts, organizations, networks or resources."})
	}
	entries := make([]validationErrorEntry, 0, len(findings))
	for _, f := range findings {
		entries = append(entries, validationErrorEntry{CheckName: f.CheckName, ErrorMessage: f.ErrorMessage})
	}
	return struct {
		PolicyValidationPassed bool                   `json:"PolicyValidationPassed"`
		ValidationErrors       []validationErrorEntry `json:"ValidationErrors"`
	}{len(findings) == 0, entries}, nil
}
