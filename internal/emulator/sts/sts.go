// Package sts is the emulator's STS: GetCallerIdentity, AssumeRole and
// AssumeRoleWithWebIdentity over the query protocol. Its model is a fixed identity in the
// emulator's account; the AssumeRole calls hand out throwaway credentials, since the
// emulator checks no signatures and trusts any identity provider.
package sts

import (
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// XMLNS is the namespace of STS answers.
const XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"

// Service answers STS actions for one account.
type Service struct {
	Account string
	Now     func() time.Time
}

// Handler returns the handler of an action, or nil when STS has no such action here.
func (s *Service) Handler(action string) func(region string, form url.Values) (any, error) {
	switch action {
	case "GetCallerIdentity":
		return s.getCallerIdentity
	case "AssumeRole":
		return s.assumeRole
	case "AssumeRoleWithWebIdentity":
		return s.assumeRoleWithWebIdentity
	}
	return nil
}

type getCallerIdentityResponse struct {
	XMLName xml.Name `xml:"GetCallerIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	Metadata awsapi.ResponseMetadata `xml:"ResponseMetadata"`
}

func (s *Service) getCallerIdentity(_ string, _ url.Values) (any, error) {
	out := &getCallerIdentityResponse{Xmlns: XMLNS, Metadata: awsapi.NewMetadata()}
	out.Result.Arn = "arn:aws:iam::" + s.Account + ":user/emulator"
	out.Result.UserID = "AIDAEMULATOR000000000"
	out.Result.Account = s.Account
	return out, nil
}

// credentials are the temporary credentials of an assumed role.
type credentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials     credentials     `xml:"Credentials"`
		AssumedRoleUser assumedRoleUser `xml:"AssumedRoleUser"`
	} `xml:"AssumeRoleResult"`
	Metadata awsapi.ResponseMetadata `xml:"ResponseMetadata"`
}

// assumeRole hands out throwaway credentials, so that the provider's assume_role settings
// can be exercised without IAM.
func (s *Service) assumeRole(_ string, form url.Values) (any, error) {
	roleARN, session := field(form, "RoleArn"), field(form, "RoleSessionName")
	var v violations
	v.checkRoleARN(roleARN)
	v.checkSessionName(session)
	secs := v.checkDuration(field(form, "DurationSeconds"))
	if err := v.err(); err != nil {
		return nil, err
	}
	_, role, err := parseRoleARN(*roleARN)
	if err != nil {
		return nil, err
	}
	out := &assumeRoleResponse{Xmlns: XMLNS, Metadata: awsapi.NewMetadata()}
	out.Result.Credentials, out.Result.AssumedRoleUser = s.assume(role, *session, secs)
	return out, nil
}

// assume issues credentials for session on role, valid for secs seconds.
func (s *Service) assume(role, session string, secs int64) (credentials, assumedRoleUser) {
	c := credentials{
		AccessKeyID:     "ASIAEMULATOR" + strings.ToUpper(awsapi.RandomString(8)),
		SecretAccessKey: awsapi.RandomString(40),
		SessionToken:    awsapi.RandomString(64),
		Expiration:      s.Now().Add(time.Duration(secs) * time.Second).UTC().Format("2006-01-02T15:04:05Z"),
	}
	u := assumedRoleUser{
		AssumedRoleID: "AROAEMULATOR:" + session,
		Arn:           "arn:aws:sts::" + s.Account + ":assumed-role/" + role + "/" + session,
	}
	return c, u
}

// checkDuration checks DurationSeconds (900 to 43200) and returns it, 3600 when absent.
func (v *violations) checkDuration(d *string) int64 {
	if d == nil {
		return 3600
	}
	n, err := strconv.ParseInt(*d, 10, 64)
	switch {
	case err != nil:
		v.add("durationSeconds", d, false, "Member must be an integer")
	case n < 900:
		v.add("durationSeconds", d, false, "Member must have value greater than or equal to 900")
	case n > 43200:
		v.add("durationSeconds", d, false, "Member must have value less than or equal to 43200")
	}
	return n
}
