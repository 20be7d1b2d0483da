package secretsmanager

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// Staging labels with a meaning of their own.
const (
	stageCurrent  = "AWSCURRENT"
	stagePrevious = "AWSPREVIOUS"
	stagePending  = "AWSPENDING"
)

// Limits of Secrets Manager (API reference and the quotas page of the user guide).
const (
	maxNameLen          = 512
	maxDescriptionLen   = 2048
	maxSecretValueBytes = 65536
	maxTags             = 50
	maxTagKeyLen        = 128
	maxTagValueLen      = 256
	maxStagesPerVersion = 20
	maxStageLen         = 256
	minTokenLen         = 32
	maxTokenLen         = 64
	maxPolicyLen        = 20480
	// maxVersions is the count above which Secrets Manager removes deprecated versions; it
	// keeps those created in the last day (PutSecretValue in the API reference).
	maxVersions          = 100
	deprecatedMinimumAge = 24 * time.Hour
	defaultRecoveryDays  = 30
	minRecoveryDays      = 7
	maxRecoveryDays      = 30
)

// defaultEncryptionKey is how ListSecretVersionIds names the AWS managed key of a version.
const defaultEncryptionKey = "DefaultEncryptionKey"

var secretNamePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`)

// tag and rotationRules have the shape of the API, which the model keeps; the state file
// has types of its own (snapshot.go).
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// smVersion is one version of a secret. Its value never changes once created.
type smVersion struct {
	ID  string
	Seq int64 // creation order, for versions created at the same instant
	// String and Binary hold the value encrypted under the version's KMS key (a KMS
	// ciphertext blob, never plaintext): String for a SecretString, Binary for a
	// SecretBinary. A version without a value (a rotation's placeholder) has neither.
	String       []byte
	Binary       []byte
	Stages       []string
	Created      time.Time
	LastAccessed time.Time
	KmsKeyIDs    []string
}

func (v *smVersion) hasStage(stage string) bool { return slices.Contains(v.Stages, stage) }

// replicaState is the primary's record of one replica region.
type replicaState struct {
	Region        string
	KmsKeyID      string
	Status        string
	StatusMessage string
	LastAccessed  time.Time
}

type rotationRules struct {
	AutomaticallyAfterDays *int64  `json:"AutomaticallyAfterDays,omitempty"`
	Duration               *string `json:"Duration,omitempty"`
	ScheduleExpression     *string `json:"ScheduleExpression,omitempty"`
}

// smSecret is a secret in one region. A replica is a full copy kept in step by its primary.
type smSecret struct {
	ARN          string
	Name         string
	Region       string
	Description  *string
	KmsKeyID     string
	Tags         []tag // nil: never tagged; empty: tags removed
	Policy       string
	Versions     map[string]*smVersion
	VersionSeq   int64
	Created      time.Time
	LastChanged  time.Time
	LastAccessed time.Time
	// Deleted is when DeleteSecret was called; DeletionDate when the secret goes for good.
	Deleted      time.Time
	DeletionDate time.Time

	RotationEnabled   bool
	RotationLambdaARN string
	RotationRules     *rotationRules
	LastRotated       time.Time
	NextRotation      time.Time // as reported: the end of the window
	// RotationDue is when the next rotation window opens; the emulator rotates then.
	RotationDue time.Time

	OwningService string
	// PrimaryRegion is set on replicas only.
	PrimaryRegion string
	Replicas      []*replicaState
}

func (s *smSecret) isDeleted() bool { return !s.Deleted.IsZero() }
func (s *smSecret) isReplica() bool { return s.PrimaryRegion != "" }

// addVersion records v as the newest version of the secret.
func (s *smSecret) addVersion(v *smVersion) {
	s.VersionSeq++
	v.Seq = s.VersionSeq
	s.Versions[v.ID] = v
}

func (s *smSecret) versionByStage(stage string) *smVersion {
	for _, v := range s.Versions {
		if v.hasStage(stage) {
			return v
		}
	}
	return nil
}

// versionsNewestFirst orders versions by creation, newest first, ties broken by id so the
// order is stable.
func (s *smSecret) versionsNewestFirst() []*smVersion {
	vs := make([]*smVersion, 0, len(s.Versions))
	for _, v := range s.Versions {
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b *smVersion) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return cmp.Compare(b.Seq, a.Seq)
	})
	return vs
}

// moveStage attaches stage to v, taking it off the version that had it. Moving AWSCURRENT
// puts AWSPREVIOUS on the version that was current, as Secrets Manager does.
func (s *smSecret) moveStage(stage string, v *smVersion) {
	from := s.versionByStage(stage)
	if from == v {
		return
	}
	if from != nil {
		from.Stages = slices.DeleteFunc(from.Stages, func(x string) bool { return x == stage })
	}
	v.Stages = append(v.Stages, stage)
	if stage == stageCurrent && from != nil {
		if prev := s.versionByStage(stagePrevious); prev != nil {
			prev.Stages = slices.DeleteFunc(prev.Stages, func(x string) bool { return x == stagePrevious })
		}
		from.Stages = append(from.Stages, stagePrevious)
	}
}

func (s *smSecret) removeStage(stage string, v *smVersion) {
	v.Stages = slices.DeleteFunc(v.Stages, func(x string) bool { return x == stage })
}

// pruneVersions removes deprecated (unlabelled) versions, oldest first, while the secret has
// more than maxVersions of them in all; versions younger than a day are kept.
func (s *smSecret) pruneVersions(now time.Time) {
	if len(s.Versions) <= maxVersions {
		return
	}
	// Most calls find nothing old enough to remove; find that out without sorting.
	removable := false
	for _, v := range s.Versions {
		if len(v.Stages) == 0 && now.Sub(v.Created) >= deprecatedMinimumAge {
			removable = true
			break
		}
	}
	if !removable {
		return
	}
	vs := s.versionsNewestFirst()
	for i := len(vs) - 1; i >= 0 && len(s.Versions) > maxVersions; i-- {
		v := vs[i]
		if len(v.Stages) == 0 && now.Sub(v.Created) >= deprecatedMinimumAge {
			delete(s.Versions, v.ID)
		}
	}
}

// versionStages maps the id of each labelled version to its labels; deprecated versions are
// left out, as in DescribeSecret.
func (s *smSecret) versionStages() map[string][]string {
	m := make(map[string][]string, len(s.Versions))
	for id, v := range s.Versions {
		if len(v.Stages) > 0 {
			m[id] = slices.Clone(v.Stages)
		}
	}
	return m
}

func (s *smSecret) kmsKeyIDsForVersion() []string {
	if s.KmsKeyID == "" {
		return []string{defaultEncryptionKey}
	}
	return []string{s.KmsKeyID}
}

// cloneFor returns a deep copy of the secret as the replica in region sees it.
func (s *smSecret) cloneFor(region string, rs *replicaState) *smSecret {
	c := *s
	c.Region = region
	c.ARN = replaceARNRegion(s.ARN, region)
	c.KmsKeyID = rs.KmsKeyID
	c.PrimaryRegion = s.Region
	c.Replicas = nil
	c.Tags = slices.Clone(s.Tags)
	c.Versions = make(map[string]*smVersion, len(s.Versions))
	for id, v := range s.Versions {
		cv := *v
		cv.Stages = slices.Clone(v.Stages)
		cv.KmsKeyIDs = c.kmsKeyIDsForVersion()
		c.Versions[id] = &cv
	}
	return &c
}

func (s *smSecret) replica(region string) *replicaState {
	for _, r := range s.Replicas {
		if r.Region == region {
			return r
		}
	}
	return nil
}

// secretARN builds an ARN with the random six-character suffix Secrets Manager appends.
func secretARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, account, name, randomSuffix(6))
}

func randomSuffix(n int) string { return awsapi.RandomString(n) }

func replaceARNRegion(arn, region string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return arn
	}
	parts[3] = region
	return strings.Join(parts, ":")
}

// newUUID returns a random (version 4) UUID, the form Secrets Manager uses for version ids.
func newUUID() string { return awsapi.NewUUID() }

// dateOnly truncates t to midnight UTC: Secrets Manager records access dates, not times.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
