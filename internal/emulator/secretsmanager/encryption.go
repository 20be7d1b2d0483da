package secretsmanager

import (
	"crypto/subtle"
	"errors"
	"slices"
)

// Secrets Manager keeps each version's value encrypted under the secret's KMS key: the
// secret's KmsKeyId (key id, key ARN, alias or alias ARN) or, when it has none, the AWS
// managed key aws/secretsmanager of its region. Values are encrypted with the encryption
// context Secrets Manager uses, {"SecretARN": ..., "SecretVersionId": ...}, so a blob
// cannot be read as another secret's or another version's.

func smEncryptionContext(secretARN, versionID string) map[string]string {
	return map[string]string{"SecretARN": secretARN, "SecretVersionId": versionID}
}

// smKMSError words a KMS failure as Secrets Manager reports it: DecryptionFailure or
// EncryptionFailure around the KMS message and code, in the Java SDK's format, e.g.
// "Secrets Manager can't decrypt the secret value: arn:aws:kms:...:key/... is disabled.
// (Service: AWSKMS; Status Code: 400; Error Code: DisabledException; Request ID: ...;
// Proxy: null)" (AWS GovCloud (US) user guide, root user access keys, troubleshooting).
func smKMSError(typ, verb string, err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	msg := ae.Message
	if msg != "" {
		msg += " "
	}
	return newError(typ, "Secrets Manager can't %s the secret value: %s(Service: AWSKMS; Status Code: 400; Error Code: %s; Request ID: %s; Proxy: null)",
		verb, msg, ae.Type, newUUID())
}

// sealValue encrypts a value for version versionID of sec under keyRef ("" for the AWS
// managed key) in sec's region. Exactly one of the results is set.
func (s *Service) sealValue(sec *smSecret, keyRef, versionID string, str *string, bin []byte) (strCT, binCT []byte, err error) {
	pt, isString := bin, false
	if str != nil {
		pt, isString = []byte(*str), true
	}
	blob, err := s.keys.Encrypt(sec.Region, keyRef, pt, smEncryptionContext(sec.ARN, versionID))
	if err != nil {
		// A key that does not exist is a bad parameter (InvalidParameterException for an
		// unknown KmsKeyId, boto3 issue 1533); an unusable one an EncryptionFailure.
		typ := "EncryptionFailure"
		if ae, ok := err.(*apiError); ok && ae.Type == "NotFoundException" {
			typ = "InvalidParameterException"
		}
		return nil, nil, smKMSError(typ, "encrypt", err)
	}
	if isString {
		return blob, nil, nil
	}
	return nil, blob, nil
}

// openValue decrypts the value of v.
func (s *Service) openValue(sec *smSecret, v *smVersion) (*string, []byte, error) {
	blob := v.String
	if blob == nil {
		blob = v.Binary
	}
	pt, err := s.keys.Decrypt(sec.Region, blob, smEncryptionContext(sec.ARN, v.ID))
	if err != nil {
		return nil, nil, smKMSError("DecryptionFailure", "decrypt", err)
	}
	if v.String != nil {
		str := string(pt)
		return &str, nil, nil
	}
	return nil, pt, nil
}

// holdsValue tells whether v holds exactly str or bin, for retried requests that reuse a
// ClientRequestToken. It decrypts v and compares in constant time; nothing of either value
// reaches an error.
func (s *Service) holdsValue(sec *smSecret, v *smVersion, str *string, bin []byte) (bool, error) {
	if (v.String != nil) != (str != nil) {
		return false, nil
	}
	have, haveBin, err := s.openValue(sec, v)
	if err != nil {
		return false, err
	}
	if str != nil {
		return subtle.ConstantTimeCompare([]byte(*have), []byte(*str)) == 1, nil
	}
	return subtle.ConstantTimeCompare(haveBin, bin) == 1, nil
}

// reencryptLabelled re-encrypts the AWSCURRENT, AWSPENDING and AWSPREVIOUS versions of sec
// under its (new) KmsKeyId. Other versions stay under their old key, and a version whose old
// key cannot decrypt any more is left as it is (Change the encryption key for a secret, user
// guide). The new key must work, or nothing changes.
func (s *Service) reencryptLabelled(sec *smSecret) error {
	type update struct {
		v        *smVersion
		str, bin []byte
	}
	var updates []update
	for _, v := range sec.Versions {
		if v.String == nil && v.Binary == nil {
			continue
		}
		if !v.hasStage(stageCurrent) && !v.hasStage(stagePending) && !v.hasStage(stagePrevious) {
			continue
		}
		str, bin, err := s.openValue(sec, v)
		if err != nil {
			continue
		}
		strCT, binCT, err := s.sealValue(sec, sec.KmsKeyID, v.ID, str, bin)
		if err != nil {
			return err
		}
		updates = append(updates, update{v, strCT, binCT})
	}
	if len(updates) == 0 {
		// Even with nothing to re-encrypt, AWS checks the new key can encrypt.
		if _, _, err := s.sealValue(sec, sec.KmsKeyID, newUUID(), nil, []byte{0}); err != nil {
			return err
		}
	}
	for _, u := range updates {
		u.v.String, u.v.Binary, u.v.KmsKeyIDs = u.str, u.bin, sec.kmsKeyIDsForVersion()
	}
	return nil
}

// encryptReplica re-encrypts the versions of replica, a fresh copy of primary, under the
// replica's own key in its region: Secrets Manager decrypts in the primary region and
// encrypts again in the replica's.
func (s *Service) encryptReplica(primary, replica *smSecret) error {
	for id, v := range replica.Versions {
		pv := primary.Versions[id]
		if pv == nil || (pv.String == nil && pv.Binary == nil) {
			continue
		}
		str, bin, err := s.openValue(primary, pv)
		if err != nil {
			return err
		}
		strCT, binCT, err := s.sealValue(replica, replica.KmsKeyID, id, str, bin)
		if err != nil {
			return err
		}
		v.String, v.Binary = strCT, binCT
		v.KmsKeyIDs = slices.Clone(replica.kmsKeyIDsForVersion())
	}
	return nil
}

// apiErrorMessage is the message of an AWS error, without its type.
func apiErrorMessage(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Message
	}
	return "An internal error occurred in the emulator."
}
