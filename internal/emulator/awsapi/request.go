package awsapi

import (
	"net/http"
	"regexp"
	"strings"
)

// DefaultRegion is the region of a request that carries no SigV4 credential scope.
const DefaultRegion = "us-east-1"

// credentialScope matches the SigV4 scope: Credential=AKID/DATE/REGION/SERVICE/aws4_request.
var credentialScope = regexp.MustCompile(`Credential=[^/,\s]*/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request`)

// RequestRegion returns the region the request was signed for, or DefaultRegion.
// Signatures are not checked.
func RequestRegion(r *http.Request) string {
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	if c := r.URL.Query().Get("X-Amz-Credential"); c != "" {
		if parts := strings.Split(c, "/"); len(parts) == 5 {
			return parts[2]
		}
	}
	return DefaultRegion
}

// RegionPattern is what a region name looks like (us-east-1, ap-southeast-2).
var RegionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
