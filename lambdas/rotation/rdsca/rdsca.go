// Package rdsca holds the certificate authorities of Amazon RDS (see the header of
// rds-ca-bundle.pem), so that the database rotators verify RDS servers' certificates in
// full without a file beside the function.
package rdsca

import (
	"crypto/x509"
	_ "embed"
	"errors"
	"fmt"
	"os"
)

//go:embed rds-ca-bundle.pem
var bundle []byte

// Bundle returns the PEM certificates of the Amazon RDS certificate authorities.
func Bundle() []byte { return append([]byte(nil), bundle...) }

// Pool returns the system's roots plus the RDS bundle plus the PEM certificates in files
// (named by setting, e.g. SSL_ROOT_CERT, in errors).
func Pool(setting string, files []string) (*x509.CertPool, error) {
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
