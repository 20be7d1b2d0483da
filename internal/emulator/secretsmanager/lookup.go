package secretsmanager

import (
	"strings"
)

// ---- lookup ----

func (s *Service) smRegion(region string) *smRegion {
	r := s.regions[region]
	if r == nil {
		r = &smRegion{byName: map[string]*smSecret{}}
		s.regions[region] = r
	}
	return r
}

// lookupSecret finds a secret by name, full ARN or partial ARN (the ARN without its random
// suffix). A secret whose recovery window has ended is purged first and not found.
func (s *Service) lookupSecret(region, id string) *smSecret {
	reg := s.smRegion(region)
	sec := s.findByID(reg, region, id)
	if sec != nil && sec.isDeleted() && !s.now().Before(sec.DeletionDate) {
		s.purge(sec)
		return nil
	}
	return sec
}

func (s *Service) findByID(reg *smRegion, region, id string) *smSecret {
	rest, isARN := strings.CutPrefix(id, "arn:")
	if !isARN {
		return reg.byName[id]
	}
	parts := strings.SplitN(rest, ":", 6) // aws, secretsmanager, region, account, "secret", name
	if len(parts) != 6 || parts[1] != "secretsmanager" || parts[2] != region || parts[3] != s.account || parts[4] != "secret" {
		return nil
	}
	name := parts[5]
	if len(name) > 7 && name[len(name)-7] == '-' {
		if sec := reg.byName[name[:len(name)-7]]; sec != nil && sec.ARN == id {
			return sec
		}
	}
	return reg.byName[name]
}

// secretForRead returns an existing secret that is not scheduled for deletion.
func (s *Service) secretForRead(region string, id *string) (*smSecret, error) {
	sec, err := s.secretAny(region, id)
	if err != nil {
		return nil, err
	}
	if sec.isDeleted() {
		return nil, invalidRequest(msgMarkedDeleted)
	}
	return sec, nil
}

// secretForWrite is secretForRead, and refuses replicas, which change only through their primary.
func (s *Service) secretForWrite(region string, id *string) (*smSecret, error) {
	sec, err := s.secretForRead(region, id)
	if err != nil {
		return nil, err
	}
	if sec.isReplica() {
		return nil, invalidParameter(msgReplicaWrite)
	}
	return sec, nil
}

// secretAny returns an existing secret, deleted or not.
func (s *Service) secretAny(region string, id *string) (*smSecret, error) {
	if err := checkSecretID(id); err != nil {
		return nil, err
	}
	sec := s.lookupSecret(region, *id)
	if sec == nil {
		return nil, errSecretNotFound()
	}
	return sec, nil
}

func checkSecretID(id *string) error {
	if id == nil {
		return validationError("secretId", "Member must not be null", nil)
	}
	if len(*id) < 1 || len(*id) > 2048 {
		return validationError("secretId", "Member must have length between 1 and 2048", *id)
	}
	// An id that is not an ARN is a name, and one with characters a name cannot have is
	// refused before any lookup, by every operation (LocalStack's aws_validated
	// test_invalid_secret_name).
	if !strings.HasPrefix(*id, "arn:") && !secretNamePattern.MatchString(*id) {
		return errInvalidName()
	}
	return nil
}

func errInvalidName() error {
	return newError("ValidationException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
}

// purge removes a secret for good, with its replicas.
func (s *Service) purge(sec *smSecret) {
	delete(s.smRegion(sec.Region).byName, sec.Name)
	for _, r := range sec.Replicas {
		if rep := s.smRegion(r.Region).byName[sec.Name]; rep != nil && rep.PrimaryRegion == sec.Region {
			delete(s.smRegion(r.Region).byName, sec.Name)
		}
	}
}

// changed records a change to a primary secret and copies it to its replicas.
func (s *Service) changed(sec *smSecret) {
	sec.LastChanged = s.now()
	s.syncReplicas(sec)
}

func (s *Service) syncReplicas(sec *smSecret) {
	for _, r := range sec.Replicas {
		if r.Status != "InSync" {
			continue
		}
		reg := s.smRegion(r.Region)
		old := reg.byName[sec.Name]
		c := sec.cloneFor(r.Region, r)
		if old != nil && old.PrimaryRegion == sec.Region {
			c.ARN = old.ARN
			c.LastAccessed = old.LastAccessed
		}
		// Each replica holds its values under its own region's key.
		if err := s.encryptReplica(sec, c); err != nil {
			r.Status = "Failed"
			r.StatusMessage = "Replication failed: " + apiErrorMessage(err)
			continue
		}
		reg.byName[sec.Name] = c
	}
}

// ---- validation shared by several operations ----

func checkName(name *string) error {
	if name == nil {
		return validationError("name", "Member must not be null", nil)
	}
	if len(*name) < 1 || len(*name) > maxNameLen {
		return validationError("name", "Member must have length between 1 and 512", *name)
	}
	if !secretNamePattern.MatchString(*name) {
		return errInvalidName()
	}
	return nil
}

func checkToken(token *string) error {
	if token == nil {
		return nil
	}
	if n := len(*token); n < minTokenLen || n > maxTokenLen {
		return invalidParameter("ClientRequestToken must be 32-64 characters long.")
	}
	return nil
}

func checkDescription(d *string) error {
	if d != nil && len(*d) > maxDescriptionLen {
		return sensitiveValidationError("description", "Member must have length less than or equal to 2048")
	}
	return nil
}

// checkValue validates a secret value. Values never appear in errors.
func checkValue(str *string, bin []byte) error {
	if str != nil && bin != nil {
		return invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	if str != nil && len(*str) > maxSecretValueBytes {
		return sensitiveValidationError("secretString", "Member must have length less than or equal to 65536")
	}
	if bin != nil && len(bin) > maxSecretValueBytes {
		return sensitiveValidationError("secretBinary", "Member must have length less than or equal to 65536")
	}
	return nil
}

func checkTags(tags []tag) error {
	if len(tags) > maxTags {
		return validationError("tags", "Member must have length less than or equal to 50", len(tags))
	}
	for _, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > maxTagKeyLen {
			return validationError("tags.member.key", "Member must have length between 1 and 128", t.Key)
		}
		if len(t.Value) > maxTagValueLen {
			return validationError("tags.member.value", "Member must have length less than or equal to 256", t.Value)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidParameter("Invalid tag key. The prefix aws: is reserved for AWS use and can't be used in tag keys.")
		}
	}
	return nil
}

func checkStages(stages []string) error {
	if len(stages) > maxStagesPerVersion {
		return validationError("versionStages", "Member must have length less than or equal to 20", len(stages))
	}
	for _, st := range stages {
		if len(st) < 1 || len(st) > maxStageLen {
			return validationError("versionStages.member", "Member must have length between 1 and 256", st)
		}
	}
	return nil
}
