package secretsmanager

import (
	"slices"
	"time"
)

// Snapshot is Secrets Manager's part of the state file: region -> name -> secret. Its JSON
// is the file format (format 2, persist.go); the model (smSecret, smVersion) can change
// without changing it.
type Snapshot map[string]map[string]*SecretSnapshot

// SecretSnapshot is one secret in one region.
type SecretSnapshot struct {
	ARN               string                      `json:"arn"`
	Name              string                      `json:"name"`
	Region            string                      `json:"region"`
	Description       *string                     `json:"description,omitempty"`
	KmsKeyID          string                      `json:"kmsKeyId,omitempty"`
	Tags              []TagSnapshot               `json:"tags"` // null: never tagged; []: tags removed
	Policy            string                      `json:"policy,omitempty"`
	Versions          map[string]*VersionSnapshot `json:"versions"`
	VersionSeq        int64                       `json:"versionSeq"`
	Created           time.Time                   `json:"created"`
	LastChanged       time.Time                   `json:"lastChanged"`
	LastAccessed      time.Time                   `json:"lastAccessed,omitzero"`
	Deleted           time.Time                   `json:"deleted,omitzero"`
	DeletionDate      time.Time                   `json:"deletionDate,omitzero"`
	RotationEnabled   bool                        `json:"rotationEnabled,omitempty"`
	RotationLambdaARN string                      `json:"rotationLambdaArn,omitempty"`
	RotationRules     *RotationRulesSnapshot      `json:"rotationRules,omitempty"`
	LastRotated       time.Time                   `json:"lastRotated,omitzero"`
	NextRotation      time.Time                   `json:"nextRotation,omitzero"`
	RotationDue       time.Time                   `json:"rotationDue,omitzero"`
	OwningService     string                      `json:"owningService,omitempty"`
	PrimaryRegion     string                      `json:"primaryRegion,omitempty"`
	Replicas          []*ReplicaSnapshot          `json:"replicas,omitempty"`
}

// VersionSnapshot is one version; its value stays encrypted under its KMS key.
type VersionSnapshot struct {
	ID           string    `json:"id"`
	Seq          int64     `json:"seq"`
	String       []byte    `json:"stringCiphertext,omitempty"`
	Binary       []byte    `json:"binaryCiphertext,omitempty"`
	Stages       []string  `json:"stages,omitempty"`
	Created      time.Time `json:"created"`
	LastAccessed time.Time `json:"lastAccessed,omitzero"`
	KmsKeyIDs    []string  `json:"kmsKeyIds,omitempty"`
}

// ReplicaSnapshot is the primary's record of one replica region.
type ReplicaSnapshot struct {
	Region        string    `json:"region"`
	KmsKeyID      string    `json:"kmsKeyId,omitempty"`
	Status        string    `json:"status"`
	StatusMessage string    `json:"statusMessage,omitempty"`
	LastAccessed  time.Time `json:"lastAccessed,omitzero"`
}

// TagSnapshot is a tag of a secret.
type TagSnapshot struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// RotationRulesSnapshot is a secret's rotation schedule, as RotateSecret took it.
type RotationRulesSnapshot struct {
	AutomaticallyAfterDays *int64  `json:"AutomaticallyAfterDays,omitempty"`
	Duration               *string `json:"Duration,omitempty"`
	ScheduleExpression     *string `json:"ScheduleExpression,omitempty"`
}

// snapshot copies the secrets; s.mu is held.
func (s *Service) snapshot() Snapshot {
	out := Snapshot{}
	for region, reg := range s.regions {
		if len(reg.byName) == 0 {
			continue
		}
		secrets := map[string]*SecretSnapshot{}
		for name, sec := range reg.byName {
			secrets[name] = sec.snapshot()
		}
		out[region] = secrets
	}
	return out
}

func (sec *smSecret) snapshot() *SecretSnapshot {
	ss := &SecretSnapshot{
		ARN: sec.ARN, Name: sec.Name, Region: sec.Region, Description: clonePtr(sec.Description), KmsKeyID: sec.KmsKeyID,
		Policy: sec.Policy, VersionSeq: sec.VersionSeq, Created: sec.Created, LastChanged: sec.LastChanged,
		LastAccessed: sec.LastAccessed, Deleted: sec.Deleted, DeletionDate: sec.DeletionDate,
		RotationEnabled: sec.RotationEnabled, RotationLambdaARN: sec.RotationLambdaARN, LastRotated: sec.LastRotated,
		NextRotation: sec.NextRotation, RotationDue: sec.RotationDue, OwningService: sec.OwningService, PrimaryRegion: sec.PrimaryRegion,
	}
	if sec.Tags != nil {
		ss.Tags = make([]TagSnapshot, 0, len(sec.Tags))
		for _, t := range sec.Tags {
			ss.Tags = append(ss.Tags, TagSnapshot(t))
		}
	}
	if sec.Versions != nil {
		ss.Versions = make(map[string]*VersionSnapshot, len(sec.Versions))
		for id, v := range sec.Versions {
			ss.Versions[id] = &VersionSnapshot{ID: v.ID, Seq: v.Seq, String: slices.Clone(v.String), Binary: slices.Clone(v.Binary),
				Stages: slices.Clone(v.Stages), Created: v.Created, LastAccessed: v.LastAccessed, KmsKeyIDs: slices.Clone(v.KmsKeyIDs)}
		}
	}
	if r := sec.RotationRules; r != nil {
		ss.RotationRules = &RotationRulesSnapshot{AutomaticallyAfterDays: clonePtr(r.AutomaticallyAfterDays),
			Duration: clonePtr(r.Duration), ScheduleExpression: clonePtr(r.ScheduleExpression)}
	}
	for _, r := range sec.Replicas {
		rs := ReplicaSnapshot(*r)
		ss.Replicas = append(ss.Replicas, &rs)
	}
	return ss
}

// restore builds the model of a secret; nil parts stay nil, for complete to refuse.
func (ss *SecretSnapshot) restore() *smSecret {
	if ss == nil {
		return nil
	}
	sec := &smSecret{
		ARN: ss.ARN, Name: ss.Name, Region: ss.Region, Description: ss.Description, KmsKeyID: ss.KmsKeyID,
		Policy: ss.Policy, VersionSeq: ss.VersionSeq, Created: ss.Created, LastChanged: ss.LastChanged,
		LastAccessed: ss.LastAccessed, Deleted: ss.Deleted, DeletionDate: ss.DeletionDate,
		RotationEnabled: ss.RotationEnabled, RotationLambdaARN: ss.RotationLambdaARN, LastRotated: ss.LastRotated,
		NextRotation: ss.NextRotation, RotationDue: ss.RotationDue, OwningService: ss.OwningService, PrimaryRegion: ss.PrimaryRegion,
	}
	if ss.Tags != nil {
		sec.Tags = make([]tag, 0, len(ss.Tags))
		for _, t := range ss.Tags {
			sec.Tags = append(sec.Tags, tag(t))
		}
	}
	if ss.Versions != nil {
		sec.Versions = make(map[string]*smVersion, len(ss.Versions))
		for id, vs := range ss.Versions {
			if vs == nil {
				sec.Versions[id] = nil
				continue
			}
			sec.Versions[id] = &smVersion{ID: vs.ID, Seq: vs.Seq, String: vs.String, Binary: vs.Binary, Stages: vs.Stages,
				Created: vs.Created, LastAccessed: vs.LastAccessed, KmsKeyIDs: vs.KmsKeyIDs}
		}
	}
	if r := ss.RotationRules; r != nil {
		sec.RotationRules = &rotationRules{AutomaticallyAfterDays: r.AutomaticallyAfterDays, Duration: r.Duration, ScheduleExpression: r.ScheduleExpression}
	}
	for _, rs := range ss.Replicas {
		if rs == nil {
			sec.Replicas = append(sec.Replicas, nil)
			continue
		}
		r := replicaState(*rs)
		sec.Replicas = append(sec.Replicas, &r)
	}
	return sec
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
