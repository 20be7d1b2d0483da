package kms

import (
	"encoding/hex"
	"regexp"
	"time"
)

// Custom key stores, minimally: their configuration and connection state, and keys created
// in them. The emulator talks to no CloudHSM cluster and no external key store proxy: a
// key in a custom key store has key material of the emulator's (as an XKS key has AWS KMS
// material besides its external key), and works while its key store is connected.

const (
	storeCloudHSM = "AWS_CLOUDHSM"
	storeExternal = "EXTERNAL_KEY_STORE"

	storeConnected    = "CONNECTED"
	storeDisconnected = "DISCONNECTED"

	originKMS      = "AWS_KMS"
	originExternal = "EXTERNAL"
	originCloudHSM = "AWS_CLOUDHSM"
	originXKS      = "EXTERNAL_KEY_STORE"
)

// customKeyStore is one custom key store of a region.
type customKeyStore struct {
	ID, Name, Type string
	State          string
	Created        time.Time
	// CloudHSM key stores.
	CloudHsmClusterID, TrustAnchorCertificate string
	// External key stores: the proxy's address and the access key id of its credential
	// (the secret key is never kept: nothing here calls the proxy).
	XksURIEndpoint, XksURIPath, XksVpcEndpointServiceName, XksConnectivity, XksAccessKeyID string
}

var (
	xksKeyIDPattern    = regexp.MustCompile(`^[a-zA-Z0-9-_.]+$`)
	xksEndpointPattern = regexp.MustCompile(`^https://[a-zA-Z0-9.-]+$`)
	xksPathPattern     = regexp.MustCompile(`^(/[a-zA-Z0-9/_-]+/kms/xks/v\d{1,2})$|^(/kms/xks/v\d{1,2})$`)
	xksAccessKeyRE     = regexp.MustCompile(`^[A-Z2-7]+$`)
	xksSecretKeyRE     = regexp.MustCompile(`^[a-zA-Z0-9/+=]+$`)
)

func newStoreID() string { return "cks-" + hex.EncodeToString(randomBytes(9))[:17] }

// store finds a custom key store of region by id; s.mu is held.
func (s *Service) store(region string, id *string) (*customKeyStore, error) {
	if id == nil {
		return nil, validationError("customKeyStoreId", "Member must not be null", nil)
	}
	if st := s.kmsRegion(region).Stores[*id]; st != nil {
		return st, nil
	}
	return nil, newError("CustomKeyStoreNotFoundException", "Custom key store %s does not exist in this account and region.", *id)
}

// keysIn counts the keys of region in store id; s.mu is held.
func (s *Service) keysIn(region, id string) int {
	n := 0
	for _, k := range s.kmsRegion(region).Keys {
		if k.CustomKeyStoreID == id {
			n++
		}
	}
	return n
}

// storeUsable refuses the use of a key whose custom key store is not connected, as AWS KMS
// does (KMSInvalidStateException); s.mu is held.
func (s *Service) storeUsable(k *kmsKey) error {
	if k.CustomKeyStoreID == "" {
		return nil
	}
	st := s.kmsRegion(k.Region).Stores[k.CustomKeyStoreID]
	if st == nil || st.State != storeConnected {
		return newError("KMSInvalidStateException", "%s is unavailable: its custom key store %s is not connected.", s.keyARN(k), k.CustomKeyStoreID)
	}
	return nil
}

// checkCustomKeyStoreKey checks CreateKey's Origin, CustomKeyStoreId and XksKeyId, and
// returns the origin; s.mu is held.
func (s *Service) checkCustomKeyStoreKey(region string, in *kmsCreateKeyInput, spec string) (string, error) {
	origin := originKMS
	if in.Origin != nil {
		origin = *in.Origin
	}
	switch origin {
	case originKMS, originCloudHSM, originXKS:
	case originExternal:
		return "", newError("UnsupportedOperationException", "The emulator does not import key material: Origin EXTERNAL is not supported.")
	default:
		return "", validationError("origin", "Member must satisfy enum value set: [AWS_CLOUDHSM, EXTERNAL, AWS_KMS, EXTERNAL_KEY_STORE]", origin)
	}
	if in.XksKeyID != nil && (len(*in.XksKeyID) > 128 || !xksKeyIDPattern.MatchString(*in.XksKeyID)) {
		return "", validationError("xksKeyId", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_.]+$", *in.XksKeyID)
	}
	if in.CustomKeyStoreID == nil {
		if origin != originKMS {
			return "", newError("ValidationException", "A KMS key with Origin %s must be created in a custom key store: specify CustomKeyStoreId.", origin)
		}
		if in.XksKeyID != nil {
			return "", newError("ValidationException", "XksKeyId is valid only for a KMS key in an external key store (Origin EXTERNAL_KEY_STORE).")
		}
		return origin, nil
	}
	st, err := s.store(region, in.CustomKeyStoreID)
	if err != nil {
		return "", err
	}
	want := originCloudHSM
	if st.Type == storeExternal {
		want = originXKS
	}
	if origin != want {
		return "", newError("UnsupportedOperationException", "A KMS key in custom key store %s (%s) must have Origin %s, not %s.", st.ID, st.Type, want, origin)
	}
	if spec != specSymmetric || (in.MultiRegion != nil && *in.MultiRegion) {
		return "", newError("UnsupportedOperationException", "A custom key store holds single-Region symmetric encryption keys (SYMMETRIC_DEFAULT) only.")
	}
	if st.State != storeConnected {
		return "", newError("CustomKeyStoreInvalidStateException", "Custom key store %s is %s; connect it (ConnectCustomKeyStore) before creating keys in it.", st.ID, st.State)
	}
	switch {
	case st.Type == storeExternal && in.XksKeyID == nil:
		return "", newError("ValidationException", "A KMS key in an external key store needs XksKeyId, the id of its external key.")
	case st.Type != storeExternal && in.XksKeyID != nil:
		return "", newError("ValidationException", "XksKeyId is valid only for a KMS key in an external key store (Origin EXTERNAL_KEY_STORE).")
	}
	if in.XksKeyID != nil {
		for _, k := range s.kmsRegion(region).Keys {
			if k.CustomKeyStoreID == st.ID && k.XksKeyID == *in.XksKeyID {
				return "", newError("XksKeyAlreadyInUseException", "External key %s is already associated with KMS key %s in custom key store %s.", *in.XksKeyID, s.keyARN(k), st.ID)
			}
		}
	}
	return origin, nil
}
