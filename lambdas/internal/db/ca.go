package db

// The certificate authorities of Amazon RDS (see the header of rds-ca-bundle.pem), so that
// the database rotators verify RDS servers' certificates in full without a file beside the
// function, and SSL_ROOT_CERT.

import (
	"crypto/x509"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed rds-ca-bundle.pem
var bundle []byte

// EnvRootCert names PEM files (separated by ':') of certificate authorities to trust in
// addition to the system's roots and the embedded RDS bundle.
const EnvRootCert = "SSL_ROOT_CERT"

// RDSCABundle returns the PEM certificates of the Amazon RDS certificate authorities.
func RDSCABundle() []byte { return append([]byte(nil), bundle...) }

// RootCertFilesFromEnv reads SSL_ROOT_CERT with lookup (os.LookupEnv).
func RootCertFilesFromEnv(lookup func(string) (string, bool)) []string {
	v, _ := lookup(EnvRootCert)
	var files []string
	for _, f := range filepath.SplitList(v) {
		if f != "" {
			files = append(files, f)
		}
	}
	return files
}

// CheckRootCertFiles opens each file, so that a missing one is a configuration error at
// start; they are parsed only at the first connection (RootPool).
func CheckRootCertFiles(files []string) error {
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return fmt.Errorf("%s: read the CA certificates: %w", EnvRootCert, err)
		}
		_ = fh.Close()
	}
	return nil
}

// RootPool returns the system's roots plus the RDS bundle plus the PEM certificates in
// files (SSL_ROOT_CERT). It parses hundreds of certificates: call it lazily.
func RootPool(files []string) (*x509.CertPool, error) {
	setting := EnvRootCert
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(bundle) {
		return nil, errors.New("the embedded RDS CA bundle holds no certificate")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: read the CA certificates: %w", setting, err)
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("%s: %s holds no PEM certificate", setting, f)
		}
	}
	return pool, nil
}
