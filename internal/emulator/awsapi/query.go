package awsapi

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
)

// IsQueryRequest reports whether r uses the query protocol: an Action in the form body or URL.
func IsQueryRequest(r *http.Request) bool {
	if r.URL.Query().Get("Action") != "" {
		return true
	}
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// ResponseMetadata ends every query-protocol answer.
type ResponseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// NewMetadata is the metadata of a new answer.
func NewMetadata() ResponseMetadata { return ResponseMetadata{RequestID: NewUUID()} }

type queryError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// WriteQueryError writes err as the query protocol's ErrorResponse. Errors that are not
// *Error are internal faults; their text is not sent.
func WriteQueryError(w http.ResponseWriter, xmlns string, err error) {
	var ae *Error
	if !errors.As(err, &ae) {
		ae = &Error{Type: "InternalFailure", Message: "An internal error occurred in the emulator.", Status: http.StatusInternalServerError}
	}
	var e queryError
	e.Xmlns = xmlns
	e.Error.Type = "Sender"
	if ae.Status >= 500 {
		e.Error.Type = "Receiver"
	}
	e.Error.Code, e.Error.Message, e.RequestID = ae.Type, ae.Message, NewUUID()
	body, _ := xml.Marshal(e)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(ae.Status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// WriteXML writes a query-protocol answer.
func WriteXML(w http.ResponseWriter, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		WriteQueryError(w, "", err)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
