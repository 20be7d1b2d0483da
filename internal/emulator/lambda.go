package emulator

import "net/http"

// serveLambdaInvoke answers the Lambda Invoke REST operation.
func (s *Server) serveLambdaInvoke(w http.ResponseWriter, r *http.Request) {
	writeJSONError(w, &apiError{Type: "ResourceNotFoundException", Message: "Function not found: " + r.URL.Path, Status: http.StatusNotFound})
}
