package kms

import (
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// ---- rotation ----

type kmsEnableKeyRotationInput struct {
	KeyID                *string `json:"KeyId"`
	RotationPeriodInDays *int64  `json:"RotationPeriodInDays"`
}

// rotatableKey applies the rules EnableKeyRotation and DisableKeyRotation share.
func (s *Service) rotatableKey(region string, id *string, action string) (*kmsKey, error) {
	k, err := s.findKey(region, id, false)
	if err != nil {
		return nil, err
	}
	if err := s.customerManaged(k, action); err != nil {
		return nil, err
	}
	if err := s.usable(k); err != nil {
		return nil, err
	}
	if k.Spec != specSymmetric {
		return nil, newError("UnsupportedOperationException", "%s key spec is %s; automatic rotation is only for symmetric encryption keys.", s.keyARN(k), k.Spec)
	}
	if k.isReplica() {
		return nil, newError("UnsupportedOperationException", "%s is a multi-Region replica key; rotation is set on its primary key.", s.keyARN(k))
	}
	return k, nil
}

func (s *Service) kmsEnableKeyRotation(region string, in *kmsEnableKeyRotationInput) (any, error) {
	days := int64(defaultRotationDays)
	if in.RotationPeriodInDays != nil {
		days = *in.RotationPeriodInDays
		if days < minRotationDays {
			return nil, validationError("rotationPeriodInDays", "Member must have value greater than or equal to 90", days)
		}
		if days > maxRotationDays {
			return nil, validationError("rotationPeriodInDays", "Member must have value less than or equal to 2560", days)
		}
	}
	k, err := s.rotatableKey(region, in.KeyID, "EnableKeyRotation")
	if err != nil {
		return nil, err
	}
	if !k.RotationEnabled || k.RotationDays != int(days) {
		k.RotationEnabled, k.RotationDays, k.NextRotation = true, int(days), s.now().AddDate(0, 0, int(days))
	}
	s.syncRotation(k)
	return empty{}, nil
}

func (s *Service) kmsDisableKeyRotation(region string, in *kmsKeyIDInput) (any, error) {
	k, err := s.rotatableKey(region, in.KeyID, "DisableKeyRotation")
	if err != nil {
		return nil, err
	}
	k.RotationEnabled, k.RotationDays, k.NextRotation = false, 0, time.Time{}
	s.syncRotation(k)
	return empty{}, nil
}

// syncRotation copies the rotation settings of a primary key to its replicas: rotation is a
// shared property of multi-Region keys.
func (s *Service) syncRotation(p *kmsKey) {
	for _, r := range p.Replicas {
		if rk := s.kmsRegion(r).Keys[p.ID]; rk != nil {
			rk.RotationEnabled, rk.RotationDays, rk.NextRotation = p.RotationEnabled, p.RotationDays, p.NextRotation
		}
	}
}

func (s *Service) kmsGetKeyRotationStatus(region string, in *kmsKeyIDInput) (any, error) {
	k, err := s.findKey(region, in.KeyID, false)
	if err != nil {
		return nil, err
	}
	if k.Spec != specSymmetric {
		return nil, newError("UnsupportedOperationException", "%s key spec is %s; automatic rotation is only for symmetric encryption keys.", s.keyARN(k), k.Spec)
	}
	out := struct {
		KeyID                string        `json:"KeyId"`
		KeyRotationEnabled   bool          `json:"KeyRotationEnabled"`
		RotationPeriodInDays *int          `json:"RotationPeriodInDays,omitempty"`
		NextRotationDate     *awsapi.Epoch `json:"NextRotationDate,omitempty"`
	}{KeyID: k.ID, KeyRotationEnabled: k.RotationEnabled}
	if k.RotationEnabled {
		days := k.RotationDays
		next := k.NextRotation
		// No material is rotated here; the date rolls forward as AWS's would.
		for !next.IsZero() && !next.After(s.now()) {
			next = next.AddDate(0, 0, days)
		}
		out.RotationPeriodInDays, out.NextRotationDate = &days, awsapi.EpochPtr(next)
	}
	return out, nil
}
