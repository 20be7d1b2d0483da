package kms_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func xksStoreInput(name, path string) *kms.CreateCustomKeyStoreInput {
	return &kms.CreateCustomKeyStoreInput{
		CustomKeyStoreName: aws.String(name), CustomKeyStoreType: types.CustomKeyStoreTypeExternalKeyStore,
		XksProxyUriEndpoint: aws.String("https://xks.example.com"), XksProxyUriPath: aws.String(path),
		XksProxyConnectivity: types.XksProxyConnectivityTypePublicEndpoint,
		XksProxyAuthenticationCredential: &types.XksProxyAuthenticationCredentialType{
			AccessKeyId: aws.String("ABCDEFGHIJKLMNOPQRST"), RawSecretAccessKey: aws.String("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")},
	}
}

// An external key store's life, as the KMS API reference describes it: created
// disconnected, keys only while connected, XksKeyId once per store, keys unusable while
// disconnected, deleted only when disconnected and empty.
func TestExternalKeyStore(t *testing.T) {
	env := emulatortest.Start(t)
	c, ctx := env.KMS(), t.Context()
	created, err := c.CreateCustomKeyStore(ctx, xksStoreInput("xks-1", "/kms/xks/v1"))
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.CustomKeyStoreId)
	_, err = c.CreateCustomKeyStore(ctx, xksStoreInput("xks-1", "/other/kms/xks/v1"))
	wantCode(t, err, "CustomKeyStoreNameInUseException")
	_, err = c.CreateCustomKeyStore(ctx, xksStoreInput("xks-2", "/kms/xks/v1"))
	wantCode(t, err, "XksProxyUriInUseException")

	stores, err := c.DescribeCustomKeyStores(ctx, &kms.DescribeCustomKeyStoresInput{CustomKeyStoreId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	st := stores.CustomKeyStores[0]
	if st.ConnectionState != types.ConnectionStateTypeDisconnected || st.CustomKeyStoreType != types.CustomKeyStoreTypeExternalKeyStore ||
		aws.ToString(st.XksProxyConfiguration.UriPath) != "/kms/xks/v1" || aws.ToString(st.XksProxyConfiguration.AccessKeyId) != "ABCDEFGHIJKLMNOPQRST" ||
		st.CreationDate == nil || aws.ToString(st.CustomKeyStoreName) != "xks-1" {
		t.Fatalf("DescribeCustomKeyStores = %+v", st)
	}

	keyIn := &kms.CreateKeyInput{CustomKeyStoreId: aws.String(id), Origin: types.OriginTypeExternalKeyStore, XksKeyId: aws.String("ext-key-1")}
	_, err = c.CreateKey(ctx, keyIn)
	wantCode(t, err, "CustomKeyStoreInvalidStateException")
	if _, err := c.ConnectCustomKeyStore(ctx, &kms.ConnectCustomKeyStoreInput{CustomKeyStoreId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{CustomKeyStoreId: aws.String(id), Origin: types.OriginTypeExternalKeyStore})
	wantCode(t, err, "ValidationException")
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{CustomKeyStoreId: aws.String(id), XksKeyId: aws.String("ext-key-1")})
	wantCode(t, err, "UnsupportedOperationException") // Origin AWS_KMS in an external key store
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{CustomKeyStoreId: aws.String("cks-00000000000000000"), Origin: types.OriginTypeExternalKeyStore, XksKeyId: aws.String("k")})
	wantCode(t, err, "CustomKeyStoreNotFoundException")

	key, err := c.CreateKey(ctx, keyIn)
	if err != nil {
		t.Fatal(err)
	}
	m := key.KeyMetadata
	if aws.ToString(m.CustomKeyStoreId) != id || m.Origin != types.OriginTypeExternalKeyStore || m.XksKeyConfiguration == nil ||
		aws.ToString(m.XksKeyConfiguration.Id) != "ext-key-1" || m.KeySpec != types.KeySpecSymmetricDefault {
		t.Fatalf("CreateKey metadata = %+v", m)
	}
	_, err = c.CreateKey(ctx, keyIn)
	wantCode(t, err, "XksKeyAlreadyInUseException")

	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("data")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DisconnectCustomKeyStore(ctx, &kms.DisconnectCustomKeyStoreInput{CustomKeyStoreId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantCode(t, err, "KMSInvalidStateException")
	_, err = c.DeleteCustomKeyStore(ctx, &kms.DeleteCustomKeyStoreInput{CustomKeyStoreId: aws.String(id)})
	wantCode(t, err, "CustomKeyStoreHasCMKsException")
	if _, err := c.ConnectCustomKeyStore(ctx, &kms.ConnectCustomKeyStoreInput{CustomKeyStoreId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteCustomKeyStore(ctx, &kms.DeleteCustomKeyStoreInput{CustomKeyStoreId: aws.String(id)})
	wantCode(t, err, "CustomKeyStoreInvalidStateException")
	if dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil || string(dec.Plaintext) != "data" {
		t.Fatalf("Decrypt once connected again: %v", err)
	}
	described, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: m.KeyId})
	if err != nil || aws.ToString(described.KeyMetadata.XksKeyConfiguration.Id) != "ext-key-1" {
		t.Fatalf("DescribeKey: %+v %v", described, err)
	}
}

func TestCustomKeyStoreValidation(t *testing.T) {
	env := emulatortest.Start(t)
	c, ctx := env.KMS(), t.Context()
	bad := xksStoreInput("x", "/kms/xks/v1")
	bad.XksProxyUriEndpoint = aws.String("http://plain.example.com")
	_, err := c.CreateCustomKeyStore(ctx, bad)
	wantCode(t, err, "ValidationException")
	bad = xksStoreInput("x", "/not/a/xks/path")
	_, err = c.CreateCustomKeyStore(ctx, bad)
	wantCode(t, err, "ValidationException")
	bad = xksStoreInput("x", "/kms/xks/v1")
	bad.XksProxyConnectivity = types.XksProxyConnectivityTypeVpcEndpointService
	_, err = c.CreateCustomKeyStore(ctx, bad)
	wantCode(t, err, "ValidationException") // no VPC endpoint service name
	_, err = c.CreateCustomKeyStore(ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("hsm")})
	wantCode(t, err, "ValidationException") // CloudHSM without its cluster
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternalKeyStore, XksKeyId: aws.String("k")})
	wantCode(t, err, "ValidationException") // no CustomKeyStoreId
	_, err = c.DescribeCustomKeyStores(ctx, &kms.DescribeCustomKeyStoresInput{CustomKeyStoreName: aws.String("nope")})
	wantCode(t, err, "CustomKeyStoreNotFoundException")

	hsm, err := c.CreateCustomKeyStore(ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("hsm"),
		CloudHsmClusterId: aws.String("cluster-1234567890a"), TrustAnchorCertificate: aws.String("-----BEGIN CERTIFICATE-----"), KeyStorePassword: aws.String("kmsuser-password")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConnectCustomKeyStore(ctx, &kms.ConnectCustomKeyStoreInput{CustomKeyStoreId: hsm.CustomKeyStoreId}); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateKey(ctx, &kms.CreateKeyInput{CustomKeyStoreId: hsm.CustomKeyStoreId, Origin: types.OriginTypeAwsCloudhsm})
	if err != nil || aws.ToString(key.KeyMetadata.CloudHsmClusterId) != "cluster-1234567890a" || key.KeyMetadata.Origin != types.OriginTypeAwsCloudhsm {
		t.Fatalf("CreateKey in a CloudHSM key store: %+v %v", key, err)
	}
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{CustomKeyStoreId: hsm.CustomKeyStoreId, Origin: types.OriginTypeAwsCloudhsm, KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify})
	wantCode(t, err, "UnsupportedOperationException")
}

// Custom key stores and their keys survive a restart on the same state file.
func TestCustomKeyStorePersisted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	env, stop, err := emulatortest.StartServer(emulatortest.WithOptions(emulator.Options{StatePath: path}))
	if err != nil {
		t.Fatal(err)
	}
	c, ctx := env.KMS(), t.Context()
	created, err := c.CreateCustomKeyStore(ctx, xksStoreInput("xks", "/kms/xks/v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConnectCustomKeyStore(ctx, &kms.ConnectCustomKeyStoreInput{CustomKeyStoreId: created.CustomKeyStoreId}); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateKey(ctx, &kms.CreateKeyInput{CustomKeyStoreId: created.CustomKeyStoreId, Origin: types.OriginTypeExternalKeyStore, XksKeyId: aws.String("ext")})
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	env2 := emulatortest.Start(t, emulatortest.WithOptions(emulator.Options{StatePath: path}))
	c2 := env2.KMS()
	stores, err := c2.DescribeCustomKeyStores(ctx, &kms.DescribeCustomKeyStoresInput{})
	if err != nil || len(stores.CustomKeyStores) != 1 || stores.CustomKeyStores[0].ConnectionState != types.ConnectionStateTypeConnected {
		t.Fatalf("after a restart: %+v %v", stores, err)
	}
	d, err := c2.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: key.KeyMetadata.KeyId})
	if err != nil || d.KeyMetadata.Origin != types.OriginTypeExternalKeyStore || aws.ToString(d.KeyMetadata.XksKeyConfiguration.Id) != "ext" ||
		aws.ToString(d.KeyMetadata.CustomKeyStoreId) != aws.ToString(created.CustomKeyStoreId) {
		t.Fatalf("key after a restart: %+v %v", d, err)
	}
}
