package emulator

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/rds"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/sts"
)

// Routing of the query protocol (form-encoded Action=..., XML answers) to the services that
// speak it: STS (package sts) and the RDS describe calls (package rds).

// DBInstance and DBCluster are the RDS resources tests register (package rds).
type (
	DBInstance = rds.DBInstance
	DBCluster  = rds.DBCluster
)

// serveQuery answers query-protocol requests.
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		awsapi.WriteQueryError(w, "", err)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		awsapi.WriteQueryError(w, "", newError("MalformedQueryString", "The request body is not a valid form-encoded query."))
		return
	}
	for k, v := range r.URL.Query() {
		form[k] = append(form[k], v...)
	}
	action := form.Get("Action")
	service, xmlns := "sts", sts.XMLNS
	handle := (&sts.Service{Account: s.account, Now: s.now}).Handler(action)
	if handle == nil {
		service, xmlns = "rds", rds.XMLNS
		handle = (&rds.Service{Account: s.account, Registry: &s.rds}).Handler(action)
	}
	if handle == nil {
		awsapi.WriteQueryError(w, "", &apiError{Type: "InvalidAction", Message: fmt.Sprintf("The action %s is not valid for this endpoint.", action), Status: http.StatusBadRequest})
		return
	}
	if err := s.beforeOperation(r.Context(), service+"."+action); err != nil {
		awsapi.WriteQueryError(w, xmlns, err)
		return
	}
	out, err := handle(requestRegion(r), form)
	if err != nil {
		awsapi.WriteQueryError(w, xmlns, err)
		return
	}
	awsapi.WriteXML(w, out)
}
