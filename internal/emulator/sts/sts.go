// Package sts is the emulator's STS: GetCallerIdentity and AssumeRole over the query
// protocol. Its model is a fixed identity in the emulator's account; AssumeRole hands out
// throwaway credentials, since the emulator checks no signatures.
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

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
			Expiration      string `xml:"Expiration"`
		} `xml:"Credentials"`
		AssumedRoleUser struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string `xml:"Arn"`
		} `xml:"AssumedRoleUser"`
	} `xml:"AssumeRoleResult"`
	Metadata awsapi.ResponseMetadata `xml:"ResponseMetadata"`
}

// assumeRole hands out throwaway credentials, so that the provider's assume_role settings
// can be exercised without IAM.
func (s *Service) assumeRole(_ string, form url.Values) (any, error) {
	roleARN, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	if roleARN == "" {
		return nil, awsapi.ValidationError("roleArn", "Member must not be null", nil)
	}
	if session == "" {
		return nil, awsapi.ValidationError("roleSessionName", "Member must not be null", nil)
	}
	secs := int64(3600)
	if d := form.Get("DurationSeconds"); d != "" {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || n < 900 || n > 43200 {
			return nil, awsapi.ValidationError("durationSeconds", "Member must have value between 900 and 43200", d)
		}
		secs = n
	}
	role := roleARN[strings.LastIndex(roleARN, "/")+1:]
	out := &assumeRoleResponse{Xmlns: XMLNS, Metadata: awsapi.NewMetadata()}
	c := &out.Result.Credentials
	c.AccessKeyID = "ASIAEMULATOR" + strings.ToUpper(awsapi.RandomString(8))
	c.SecretAccessKey = awsapi.RandomString(40)
	c.SessionToken = awsapi.RandomString(64)
	c.Expiration = s.Now().Add(time.Duration(secs) * time.Second).UTC().Format("2006-01-02T15:04:05Z")
	out.Result.AssumedRoleUser.AssumedRoleID = "AROAEMULATOR:" + session
	out.Result.AssumedRoleUser.Arn = "arn:aws:sts::" + s.Account + ":assumed-role/" + role + "/" + session
	return out, nil
}
