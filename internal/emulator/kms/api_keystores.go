package kms

import (
	"slices"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// ---- CreateCustomKeyStore / DescribeCustomKeyStores / Connect / Disconnect / Delete ----

type xksCredential struct {
	AccessKeyID        *string `json:"AccessKeyId"`
	RawSecretAccessKey *string `json:"RawSecretAccessKey"`
}

type createCustomKeyStoreInput struct {
	CustomKeyStoreName             *string        `json:"CustomKeyStoreName"`
	CustomKeyStoreType             *string        `json:"CustomKeyStoreType"`
	CloudHsmClusterID              *string        `json:"CloudHsmClusterId"`
	TrustAnchorCertificate         *string        `json:"TrustAnchorCertificate"`
	KeyStorePassword               *string        `json:"KeyStorePassword"`
	XksProxyURIEndpoint            *string        `json:"XksProxyUriEndpoint"`
	XksProxyURIPath                *string        `json:"XksProxyUriPath"`
	XksProxyVpcEndpointServiceName *string        `json:"XksProxyVpcEndpointServiceName"`
	XksProxyAuthenticationCred     *xksCredential `json:"XksProxyAuthenticationCredential"`
	XksProxyConnectivity           *string        `json:"XksProxyConnectivity"`
}

func (s *Service) kmsCreateCustomKeyStore(region string, in *createCustomKeyStoreInput) (any, error) {
	if in.CustomKeyStoreName == nil {
		return nil, validationError("customKeyStoreName", "Member must not be null", nil)
	}
	if n := len(*in.CustomKeyStoreName); n < 1 || n > 256 {
		return nil, validationError("customKeyStoreName", "Member must have length between 1 and 256", *in.CustomKeyStoreName)
	}
	st := &customKeyStore{ID: newStoreID(), Name: *in.CustomKeyStoreName, Type: storeCloudHSM, State: storeDisconnected, Created: s.now()}
	if in.CustomKeyStoreType != nil {
		st.Type = *in.CustomKeyStoreType
	}
	reg := s.kmsRegion(region)
	var err error
	switch st.Type {
	case storeCloudHSM:
		err = checkCloudHSMStore(in, st, reg)
	case storeExternal:
		err = checkExternalStore(in, st, reg)
	default:
		err = validationError("customKeyStoreType", "Member must satisfy enum value set: [AWS_CLOUDHSM, EXTERNAL_KEY_STORE]", st.Type)
	}
	if err != nil {
		return nil, err
	}
	for _, other := range reg.Stores {
		if other.Name == st.Name {
			return nil, newError("CustomKeyStoreNameInUseException", "A custom key store named %s already exists in this account and region (%s).", st.Name, other.ID)
		}
	}
	reg.Stores[st.ID] = st
	return struct {
		CustomKeyStoreID string `json:"CustomKeyStoreId"`
	}{st.ID}, nil
}

func checkCloudHSMStore(in *createCustomKeyStoreInput, st *customKeyStore, reg *kmsRegion) error {
	for member, v := range map[string]*string{"CloudHsmClusterId": in.CloudHsmClusterID, "TrustAnchorCertificate": in.TrustAnchorCertificate, "KeyStorePassword": in.KeyStorePassword} {
		if v == nil || *v == "" {
			return newError("ValidationException", "%s is required for a custom key store of type AWS_CLOUDHSM.", member)
		}
	}
	if in.XksProxyURIEndpoint != nil || in.XksProxyURIPath != nil || in.XksProxyAuthenticationCred != nil || in.XksProxyConnectivity != nil || in.XksProxyVpcEndpointServiceName != nil {
		return newError("ValidationException", "The XksProxy parameters are valid only for a custom key store of type EXTERNAL_KEY_STORE.")
	}
	for _, other := range reg.Stores {
		if other.CloudHsmClusterID == *in.CloudHsmClusterID {
			return newError("CloudHsmClusterInUseException", "CloudHSM cluster %s is already associated with custom key store %s.", other.CloudHsmClusterID, other.ID)
		}
	}
	st.CloudHsmClusterID, st.TrustAnchorCertificate = *in.CloudHsmClusterID, *in.TrustAnchorCertificate
	return nil
}

func checkExternalStore(in *createCustomKeyStoreInput, st *customKeyStore, reg *kmsRegion) error {
	if in.CloudHsmClusterID != nil || in.TrustAnchorCertificate != nil || in.KeyStorePassword != nil {
		return newError("ValidationException", "CloudHsmClusterId, TrustAnchorCertificate and KeyStorePassword are valid only for a custom key store of type AWS_CLOUDHSM.")
	}
	st.XksConnectivity = "PUBLIC_ENDPOINT"
	if in.XksProxyConnectivity != nil {
		st.XksConnectivity = *in.XksProxyConnectivity
	}
	switch {
	case st.XksConnectivity != "PUBLIC_ENDPOINT" && st.XksConnectivity != "VPC_ENDPOINT_SERVICE":
		return validationError("xksProxyConnectivity", "Member must satisfy enum value set: [PUBLIC_ENDPOINT, VPC_ENDPOINT_SERVICE]", st.XksConnectivity)
	case in.XksProxyURIEndpoint == nil || in.XksProxyURIPath == nil || in.XksProxyAuthenticationCred == nil:
		return newError("ValidationException", "XksProxyUriEndpoint, XksProxyUriPath and XksProxyAuthenticationCredential are required for a custom key store of type EXTERNAL_KEY_STORE.")
	case st.XksConnectivity == "VPC_ENDPOINT_SERVICE" && in.XksProxyVpcEndpointServiceName == nil:
		return newError("ValidationException", "XksProxyVpcEndpointServiceName is required when XksProxyConnectivity is VPC_ENDPOINT_SERVICE.")
	case st.XksConnectivity == "PUBLIC_ENDPOINT" && in.XksProxyVpcEndpointServiceName != nil:
		return newError("ValidationException", "XksProxyVpcEndpointServiceName is valid only when XksProxyConnectivity is VPC_ENDPOINT_SERVICE.")
	case len(*in.XksProxyURIEndpoint) > 128 || !xksEndpointPattern.MatchString(*in.XksProxyURIEndpoint):
		return validationError("xksProxyUriEndpoint", "Member must satisfy regular expression pattern: ^https://[a-zA-Z0-9.-]+$", *in.XksProxyURIEndpoint)
	case len(*in.XksProxyURIPath) > 128 || !xksPathPattern.MatchString(*in.XksProxyURIPath):
		return validationError("xksProxyUriPath", `Member must satisfy regular expression pattern: ^(/[a-zA-Z0-9\/_-]+/kms/xks/v\d{1,2})$|^(/kms/xks/v\d{1,2})$`, *in.XksProxyURIPath)
	}
	cred := in.XksProxyAuthenticationCred
	if cred.AccessKeyID == nil || len(*cred.AccessKeyID) < 20 || len(*cred.AccessKeyID) > 30 || !xksAccessKeyRE.MatchString(*cred.AccessKeyID) {
		return newError("ValidationException", "XksProxyAuthenticationCredential.AccessKeyId must be 20 to 30 characters of A-Z and 2-7.")
	}
	if cred.RawSecretAccessKey == nil || len(*cred.RawSecretAccessKey) < 43 || len(*cred.RawSecretAccessKey) > 64 || !xksSecretKeyRE.MatchString(*cred.RawSecretAccessKey) {
		// The secret access key is sensitive: the message never shows it.
		return newError("ValidationException", "XksProxyAuthenticationCredential.RawSecretAccessKey must be 43 to 64 characters of a-z, A-Z, 0-9, /, + and =.")
	}
	for _, other := range reg.Stores {
		if other.Type != storeExternal {
			continue
		}
		if other.XksURIEndpoint == *in.XksProxyURIEndpoint && other.XksURIPath == *in.XksProxyURIPath {
			return newError("XksProxyUriInUseException", "The proxy URI %s%s is already used by custom key store %s.", other.XksURIEndpoint, other.XksURIPath, other.ID)
		}
	}
	st.XksURIEndpoint, st.XksURIPath, st.XksAccessKeyID = *in.XksProxyURIEndpoint, *in.XksProxyURIPath, *cred.AccessKeyID
	if in.XksProxyVpcEndpointServiceName != nil {
		st.XksVpcEndpointServiceName = *in.XksProxyVpcEndpointServiceName
	}
	return nil
}

type describeCustomKeyStoresInput struct {
	CustomKeyStoreID   *string `json:"CustomKeyStoreId"`
	CustomKeyStoreName *string `json:"CustomKeyStoreName"`
	Limit              *int64  `json:"Limit"`
	Marker             *string `json:"Marker"`
}

type xksProxyConfiguration struct {
	Connectivity           string `json:"Connectivity"`
	AccessKeyID            string `json:"AccessKeyId"`
	URIEndpoint            string `json:"UriEndpoint"`
	URIPath                string `json:"UriPath"`
	VpcEndpointServiceName string `json:"VpcEndpointServiceName,omitempty"`
}

type customKeyStoreEntry struct {
	CustomKeyStoreID       string                 `json:"CustomKeyStoreId"`
	CustomKeyStoreName     string                 `json:"CustomKeyStoreName"`
	CustomKeyStoreType     string                 `json:"CustomKeyStoreType"`
	ConnectionState        string                 `json:"ConnectionState"`
	CreationDate           *awsapi.Epoch          `json:"CreationDate"`
	CloudHsmClusterID      string                 `json:"CloudHsmClusterId,omitempty"`
	TrustAnchorCertificate string                 `json:"TrustAnchorCertificate,omitempty"`
	XksProxyConfiguration  *xksProxyConfiguration `json:"XksProxyConfiguration,omitempty"`
}

func storeEntry(st *customKeyStore) customKeyStoreEntry {
	e := customKeyStoreEntry{CustomKeyStoreID: st.ID, CustomKeyStoreName: st.Name, CustomKeyStoreType: st.Type,
		ConnectionState: st.State, CreationDate: awsapi.EpochPtr(st.Created),
		CloudHsmClusterID: st.CloudHsmClusterID, TrustAnchorCertificate: st.TrustAnchorCertificate}
	if st.Type == storeExternal {
		e.XksProxyConfiguration = &xksProxyConfiguration{Connectivity: st.XksConnectivity, AccessKeyID: st.XksAccessKeyID,
			URIEndpoint: st.XksURIEndpoint, URIPath: st.XksURIPath, VpcEndpointServiceName: st.XksVpcEndpointServiceName}
	}
	return e
}

func (s *Service) kmsDescribeCustomKeyStores(region string, in *describeCustomKeyStoresInput) (any, error) {
	if in.CustomKeyStoreID != nil && in.CustomKeyStoreName != nil {
		return nil, newError("ValidationException", "Specify CustomKeyStoreId or CustomKeyStoreName, not both.")
	}
	var entries []customKeyStoreEntry
	for _, st := range s.kmsRegion(region).Stores {
		if (in.CustomKeyStoreID == nil || st.ID == *in.CustomKeyStoreID) && (in.CustomKeyStoreName == nil || st.Name == *in.CustomKeyStoreName) {
			entries = append(entries, storeEntry(st))
		}
	}
	switch {
	case len(entries) == 0 && in.CustomKeyStoreID != nil:
		return nil, newError("CustomKeyStoreNotFoundException", "Custom key store %s does not exist in this account and region.", *in.CustomKeyStoreID)
	case len(entries) == 0 && in.CustomKeyStoreName != nil:
		return nil, newError("CustomKeyStoreNotFoundException", "No custom key store named %s exists in this account and region.", *in.CustomKeyStoreName)
	}
	page, next, err := kmsPage(entries, func(e customKeyStoreEntry) string { return e.CustomKeyStoreID }, in.Limit, 1000, 100, in.Marker)
	if err != nil {
		return nil, err
	}
	out := struct {
		CustomKeyStores []customKeyStoreEntry `json:"CustomKeyStores"`
		NextMarker      string                `json:"NextMarker,omitempty"`
		Truncated       bool                  `json:"Truncated"`
	}{CustomKeyStores: slices.Clip(page), NextMarker: next, Truncated: next != ""}
	if out.CustomKeyStores == nil {
		out.CustomKeyStores = []customKeyStoreEntry{}
	}
	return out, nil
}

type customKeyStoreIDInput struct {
	CustomKeyStoreID *string `json:"CustomKeyStoreId"`
}

// kmsConnectCustomKeyStore connects at once: there is no cluster or proxy to reach.
func (s *Service) kmsConnectCustomKeyStore(region string, in *customKeyStoreIDInput) (any, error) {
	st, err := s.store(region, in.CustomKeyStoreID)
	if err != nil {
		return nil, err
	}
	st.State = storeConnected
	return empty{}, nil
}

func (s *Service) kmsDisconnectCustomKeyStore(region string, in *customKeyStoreIDInput) (any, error) {
	st, err := s.store(region, in.CustomKeyStoreID)
	if err != nil {
		return nil, err
	}
	st.State = storeDisconnected
	return empty{}, nil
}

// kmsDeleteCustomKeyStore deletes a disconnected key store that holds no keys, as AWS
// requires (DeleteCustomKeyStore in the API reference).
func (s *Service) kmsDeleteCustomKeyStore(region string, in *customKeyStoreIDInput) (any, error) {
	st, err := s.store(region, in.CustomKeyStoreID)
	if err != nil {
		return nil, err
	}
	if st.State != storeDisconnected {
		return nil, newError("CustomKeyStoreInvalidStateException", "Custom key store %s is %s; disconnect it (DisconnectCustomKeyStore) before deleting it.", st.ID, st.State)
	}
	if n := s.keysIn(region, st.ID); n > 0 {
		return nil, newError("CustomKeyStoreHasCMKsException", "Custom key store %s still has %d KMS keys; delete them (ScheduleKeyDeletion, then wait for the waiting period) first.", st.ID, n)
	}
	delete(s.kmsRegion(region).Stores, st.ID)
	return empty{}, nil
}
