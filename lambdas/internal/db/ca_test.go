package db

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

// TestEmbeddedRDSBundle: every certificate of the embedded RDS bundle parses, is a CA, and
// has not expired.
func TestEmbeddedRDSBundle(t *testing.T) {
	rest := RDSCABundle()
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("certificate %d: %v", n+1, err)
		}
		if !c.IsCA || time.Now().After(c.NotAfter) {
			t.Errorf("%s: CA %v, valid until %s", c.Subject.CommonName, c.IsCA, c.NotAfter)
		}
		n++
	}
	if n < 50 {
		t.Errorf("the bundle holds %d certificates", n)
	}
}
