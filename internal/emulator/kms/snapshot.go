package kms

import (
	"cmp"
	"slices"
	"time"
)

// Snapshot is the KMS part of the state file, by region. Its JSON is the file format
// (format 2, persist.go); the model (kmsKey, kmsAlias) can change without changing it.
type Snapshot map[string]*RegionSnapshot

// RegionSnapshot is the KMS state of one region.
type RegionSnapshot struct {
	Keys    map[string]*KeySnapshot   `json:"keys"`    // by key id
	Aliases map[string]*AliasSnapshot `json:"aliases"` // by alias name
	// Stores are the custom key stores, by id (absent from files of before them).
	Stores map[string]*CustomKeyStoreSnapshot `json:"customKeyStores,omitempty"`
}

// CustomKeyStoreSnapshot is one custom key store.
type CustomKeyStoreSnapshot struct {
	ID                        string    `json:"id"`
	Name                      string    `json:"name"`
	Type                      string    `json:"type"`
	State                     string    `json:"state"`
	Created                   time.Time `json:"created"`
	CloudHsmClusterID         string    `json:"cloudHsmClusterId,omitempty"`
	TrustAnchorCertificate    string    `json:"trustAnchorCertificate,omitempty"`
	XksURIEndpoint            string    `json:"xksUriEndpoint,omitempty"`
	XksURIPath                string    `json:"xksUriPath,omitempty"`
	XksVpcEndpointServiceName string    `json:"xksVpcEndpointServiceName,omitempty"`
	XksConnectivity           string    `json:"xksConnectivity,omitempty"`
	XksAccessKeyID            string    `json:"xksAccessKeyId,omitempty"`
}

// KeySnapshot is one key. Material is the key itself: the state file is as sensitive as
// the keys it holds.
type KeySnapshot struct {
	ID              string        `json:"id"`
	Region          string        `json:"region"`
	Created         time.Time     `json:"created"`
	Description     string        `json:"description"`
	Usage           string        `json:"usage"`
	Spec            string        `json:"spec"`
	Manager         string        `json:"manager"`
	State           string        `json:"state"`
	DeletionDate    time.Time     `json:"deletionDate,omitzero"`
	PendingDays     int           `json:"pendingDays,omitempty"`
	MultiRegion     bool          `json:"multiRegion,omitempty"`
	PrimaryRegion   string        `json:"primaryRegion,omitempty"`
	Replicas        []string      `json:"replicas,omitempty"`
	Policy          string        `json:"policy"`
	Tags            []TagSnapshot `json:"tags,omitempty"`
	RotationEnabled bool          `json:"rotationEnabled,omitempty"`
	RotationDays    int           `json:"rotationDays,omitempty"`
	NextRotation    time.Time     `json:"nextRotation,omitzero"`
	Material        []byte        `json:"material,omitempty"`
	MaterialID      string        `json:"materialId,omitempty"`
	// Origin is empty for AWS_KMS, as in files of before custom key stores.
	Origin           string `json:"origin,omitempty"`
	CustomKeyStoreID string `json:"customKeyStoreId,omitempty"`
	XksKeyID         string `json:"xksKeyId,omitempty"`
}

// TagSnapshot is a key's tag, named as KMS's API names it.
type TagSnapshot struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

// AliasSnapshot is one alias.
type AliasSnapshot struct {
	Name        string    `json:"name"`
	TargetKeyID string    `json:"targetKeyId"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// snapshot copies the state; s.mu is held.
func (s *Service) snapshot() Snapshot {
	out := Snapshot{}
	for region, reg := range s.regions {
		rs := &RegionSnapshot{Keys: map[string]*KeySnapshot{}, Aliases: map[string]*AliasSnapshot{}}
		for id, k := range reg.Keys {
			ks := &KeySnapshot{
				ID: k.ID, Region: k.Region, Created: k.Created, Description: k.Description, Usage: k.Usage, Spec: k.Spec,
				Manager: k.Manager, State: k.State, DeletionDate: k.DeletionDate, PendingDays: k.PendingDays,
				MultiRegion: k.MultiRegion, PrimaryRegion: k.PrimaryRegion, Replicas: slices.Clone(k.Replicas), Policy: k.Policy,
				RotationEnabled: k.RotationEnabled, RotationDays: k.RotationDays, NextRotation: k.NextRotation,
				Material: slices.Clone(k.Material), MaterialID: k.MaterialID, CustomKeyStoreID: k.CustomKeyStoreID, XksKeyID: k.XksKeyID,
			}
			if k.Origin != originKMS {
				ks.Origin = k.Origin
			}
			for _, t := range k.Tags {
				ks.Tags = append(ks.Tags, TagSnapshot(t))
			}
			rs.Keys[id] = ks
		}
		for id, st := range reg.Stores {
			c := CustomKeyStoreSnapshot(*st)
			if rs.Stores == nil {
				rs.Stores = map[string]*CustomKeyStoreSnapshot{}
			}
			rs.Stores[id] = &c
		}
		for name, a := range reg.Aliases {
			rs.Aliases[name] = &AliasSnapshot{Name: a.Name, TargetKeyID: a.TargetKeyID, Created: a.Created, Updated: a.Updated}
		}
		out[region] = rs
	}
	return out
}

// restore builds the model of a snapshot.
func (snap Snapshot) restore() map[string]*kmsRegion {
	out := map[string]*kmsRegion{}
	for region, rs := range snap {
		if rs == nil {
			out[region] = nil
			continue
		}
		var reg kmsRegion
		if rs.Keys != nil {
			reg.Keys = map[string]*kmsKey{}
		}
		if rs.Aliases != nil {
			reg.Aliases = map[string]*kmsAlias{}
		}
		for id, ks := range rs.Keys {
			if ks == nil {
				reg.Keys[id] = nil
				continue
			}
			k := &kmsKey{
				ID: ks.ID, Region: ks.Region, Created: ks.Created, Description: ks.Description, Usage: ks.Usage, Spec: ks.Spec,
				Manager: ks.Manager, State: ks.State, DeletionDate: ks.DeletionDate, PendingDays: ks.PendingDays,
				MultiRegion: ks.MultiRegion, PrimaryRegion: ks.PrimaryRegion, Replicas: ks.Replicas, Policy: ks.Policy,
				RotationEnabled: ks.RotationEnabled, RotationDays: ks.RotationDays, NextRotation: ks.NextRotation,
				Material: ks.Material, MaterialID: ks.MaterialID, Origin: cmp.Or(ks.Origin, originKMS),
				CustomKeyStoreID: ks.CustomKeyStoreID, XksKeyID: ks.XksKeyID,
			}
			for _, t := range ks.Tags {
				k.Tags = append(k.Tags, kmsTag(t))
			}
			reg.Keys[id] = k
		}
		if rs.Stores != nil {
			reg.Stores = map[string]*customKeyStore{}
		}
		for id, cs := range rs.Stores {
			if cs == nil {
				reg.Stores[id] = nil
				continue
			}
			st := customKeyStore(*cs)
			reg.Stores[id] = &st
		}
		for name, as := range rs.Aliases {
			if as == nil {
				reg.Aliases[name] = nil
				continue
			}
			reg.Aliases[name] = &kmsAlias{Name: as.Name, TargetKeyID: as.TargetKeyID, Created: as.Created, Updated: as.Updated}
		}
		out[region] = &reg
	}
	return out
}
