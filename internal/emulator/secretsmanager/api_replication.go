package secretsmanager

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// ---- replication ----

var regionPattern = awsapi.RegionPattern

func checkReplicaRegions(primary string, regions []replicaRegionType) error {
	seen := map[string]bool{}
	for _, r := range regions {
		if r.Region == nil || !regionPattern.MatchString(*r.Region) {
			return invalidParameter("Invalid replica region.")
		}
		if *r.Region == primary {
			return invalidParameter("Invalid replica region.")
		}
		if seen[*r.Region] {
			return invalidParameter("Invalid replica region: %s appears more than once.", *r.Region)
		}
		seen[*r.Region] = true
	}
	return nil
}

// addReplicas creates replicas of sec. A region that already has a secret of that name
// fails for that region only, unless force replaces it.
func (s *Service) addReplicas(sec *smSecret, regions []replicaRegionType, force bool) {
	for _, r := range regions {
		region := *r.Region
		rs := sec.replica(region)
		if rs == nil {
			rs = &replicaState{Region: region}
			sec.Replicas = append(sec.Replicas, rs)
		}
		if r.KmsKeyID != nil {
			rs.KmsKeyID = *r.KmsKeyID
		}
		if other := s.lookupSecret(region, sec.Name); other != nil && other.PrimaryRegion != sec.Region {
			if other.isReplica() {
				// The name belongs to a replica of a secret in another region; overwriting it
				// would leave that primary replicating into a secret it no longer owns.
				rs.Status = "Failed"
				rs.StatusMessage = "Replication failed: Secret name " + sec.Name + " is a replica of a secret in " + other.PrimaryRegion + "."
				continue
			}
			if !force {
				rs.Status = "Failed"
				rs.StatusMessage = "Replication failed: Secret name " + sec.Name + " already exists in region " + region + "."
				continue
			}
			s.purge(other)
		}
		rs.Status = "InSync"
		rs.StatusMessage = "Replication succeeded"
	}
	s.syncReplicas(sec)
}

type replicateSecretToRegionsInput struct {
	SecretID                    *string             `json:"SecretId"`
	AddReplicaRegions           []replicaRegionType `json:"AddReplicaRegions"`
	ForceOverwriteReplicaSecret bool                `json:"ForceOverwriteReplicaSecret"`
}

type replicationOutput struct {
	ARN               string              `json:"ARN"`
	ReplicationStatus []replicationStatus `json:"ReplicationStatus"`
}

func (s *Service) smReplicateSecretToRegions(region string, in *replicateSecretToRegionsInput) (any, error) {
	if len(in.AddReplicaRegions) == 0 {
		return nil, validationError("addReplicaRegions", "Member must have length greater than or equal to 1", nil)
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	if err := checkReplicaRegions(sec.Region, in.AddReplicaRegions); err != nil {
		return nil, err
	}
	s.addReplicas(sec, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)
	sec.LastChanged = s.now()
	return &replicationOutput{ARN: sec.ARN, ReplicationStatus: replicationStatuses(sec)}, nil
}

type removeRegionsInput struct {
	SecretID             *string  `json:"SecretId"`
	RemoveReplicaRegions []string `json:"RemoveReplicaRegions"`
}

func (s *Service) smRemoveRegionsFromReplication(region string, in *removeRegionsInput) (any, error) {
	if len(in.RemoveReplicaRegions) == 0 {
		return nil, validationError("removeReplicaRegions", "Member must have length greater than or equal to 1", nil)
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	for _, r := range in.RemoveReplicaRegions {
		if sec.replica(r) == nil {
			return nil, invalidParameter("Invalid replica region.")
		}
	}
	for _, r := range in.RemoveReplicaRegions {
		if rep := s.smRegion(r).byName[sec.Name]; rep != nil && rep.PrimaryRegion == sec.Region {
			delete(s.smRegion(r).byName, sec.Name)
		}
		sec.Replicas = slices.DeleteFunc(sec.Replicas, func(x *replicaState) bool { return x.Region == r })
	}
	sec.LastChanged = s.now()
	return &replicationOutput{ARN: sec.ARN, ReplicationStatus: replicationStatuses(sec)}, nil
}

// smStopReplicationToReplica promotes a replica to a standalone secret in its region.
func (s *Service) smStopReplicationToReplica(region string, in *secretIDInput) (any, error) {
	sec, err := s.secretForRead(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	if !sec.isReplica() {
		return nil, invalidRequest("StopReplicationToReplica must be called in the region of a replica secret; %s is a primary secret.", sec.Name)
	}
	if primary := s.smRegion(sec.PrimaryRegion).byName[sec.Name]; primary != nil {
		primary.Replicas = slices.DeleteFunc(primary.Replicas, func(x *replicaState) bool { return x.Region == region })
		primary.LastChanged = s.now()
	}
	sec.PrimaryRegion = ""
	sec.LastChanged = s.now()
	return struct {
		ARN string `json:"ARN"`
	}{sec.ARN}, nil
}

// createServiceSecret creates a secret that an AWS service owns, such as the master user
// secret RDS manages: its name may use the "rds!" form and its tags the reserved "aws:"
// prefix, which callers of CreateSecret cannot. s.mu is held.
func (s *Service) createServiceSecret(region, name, owningService string, tags []tag, value string) (*smSecret, error) {
	if existing := s.lookupSecret(region, name); existing != nil {
		return nil, newError("ResourceExistsException", "The operation failed because the secret %s already exists.", name)
	}
	now := s.now()
	sec := &smSecret{
		ARN: secretARN(region, s.account, name), Name: name, Region: region, Tags: tags,
		OwningService: owningService, Versions: map[string]*smVersion{}, Created: now, LastChanged: now,
	}
	v, err := s.newVersion(sec, newUUID(), &value, nil)
	if err != nil {
		return nil, err
	}
	sec.moveStage(stageCurrent, v)
	s.smRegion(region).byName[name] = sec
	return sec, nil
}

// RDSMasterSecret creates the secret RDS keeps for a database's master user when
// ManageMasterUserPassword is on: named rds!<kind>-<uuid>, owned by rds, tagged with the
// database's ARN, holding {"username", "password"}.
func (s *Service) RDSMasterSecret(region, kind, dbARN, tagKey, username, password string) (string, error) {
	value, err := json.Marshal(map[string]string{"username": username, "password": password})
	if err != nil {
		return "", fmt.Errorf("encode the master secret: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.createServiceSecret(region, "rds!"+kind+"-"+newUUID(), "rds",
		[]tag{{Key: tagKey, Value: dbARN}, {Key: "aws:secretsmanager:owningService", Value: "rds"}}, string(value))
	if err != nil {
		return "", fmt.Errorf("create the RDS master secret: %w", err)
	}
	s.dirty()
	return sec.ARN, nil
}
