package sts

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

type assumeRoleWithWebIdentityResponse struct {
	XMLName xml.Name `xml:"AssumeRoleWithWebIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials                 credentials     `xml:"Credentials"`
		SubjectFromWebIdentityToken string          `xml:"SubjectFromWebIdentityToken,omitempty"`
		AssumedRoleUser             assumedRoleUser `xml:"AssumedRoleUser"`
		Provider                    string          `xml:"Provider,omitempty"`
		Audience                    string          `xml:"Audience,omitempty"`
	} `xml:"AssumeRoleWithWebIdentityResult"`
	Metadata awsapi.ResponseMetadata `xml:"ResponseMetadata"`
}

// assumeRoleWithWebIdentity validates the request as STS does and accepts any token: the
// emulator has no identity providers to verify it against. When the token is a JWT, the
// answer reports its sub, iss and aud claims, as STS does for an OpenID Connect ID token.
func (s *Service) assumeRoleWithWebIdentity(_ string, form url.Values) (any, error) {
	roleARN, session, token := field(form, "RoleArn"), field(form, "RoleSessionName"), field(form, "WebIdentityToken")
	providerID, policy := field(form, "ProviderId"), field(form, "Policy")
	var v violations
	v.checkRoleARN(roleARN)
	v.checkSessionName(session)
	if token == nil {
		v.add("webIdentityToken", nil, false, "Member must not be null")
	}
	v.checkLength("webIdentityToken", token, true, 4, 20000)
	v.checkLength("providerId", providerID, false, 4, 2048)
	v.checkLength("policy", policy, true, 1, 2048)
	secs := v.checkDuration(field(form, "DurationSeconds"))
	if err := v.err(); err != nil {
		return nil, err
	}
	account, role, err := parseRoleARN(*roleARN)
	if err != nil {
		return nil, err
	}
	out := &assumeRoleWithWebIdentityResponse{Xmlns: XMLNS, Metadata: awsapi.NewMetadata()}
	r := &out.Result
	r.Credentials, r.AssumedRoleUser = s.assume(role, *session, secs)
	c := jwtClaims(*token)
	r.SubjectFromWebIdentityToken, r.Audience = c.Subject, c.audience()
	switch {
	case providerID != nil:
		// An OAuth 2.0 access token names its provider by ProviderId.
		r.Provider = *providerID
	case c.Issuer != "":
		// STS names an OpenID Connect issuer by its IAM identity provider's ARN, in the
		// role's account: arn:aws:iam::ACCOUNT:oidc-provider/ISSUER-WITHOUT-SCHEME.
		r.Provider = "arn:aws:iam::" + account + ":oidc-provider/" + c.Issuer
	}
	return out, nil
}

// claims are the JWT claims the answer reports.
type claims struct {
	Subject  string          `json:"sub"`
	Issuer   string          `json:"iss"`
	Audience json.RawMessage `json:"aud"`
}

// audience is the aud claim: a string, or the first of a list.
func (c claims) audience() string {
	var one string
	if json.Unmarshal(c.Audience, &one) == nil {
		return one
	}
	var list []string
	if json.Unmarshal(c.Audience, &list) == nil && len(list) > 0 {
		return list[0]
	}
	return ""
}

// jwtClaims reads the claims of a JWT without verifying it; another token has none.
func jwtClaims(token string) claims {
	var c claims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return c
	}
	_ = json.Unmarshal(payload, &c) // a token that is not JSON just reports no claims
	c.Issuer = strings.TrimPrefix(c.Issuer, "https://")
	return c
}
