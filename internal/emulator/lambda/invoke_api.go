package lambda

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// ---- names and ARNs ----

// functionNamePattern is the constraint AWS states for Invoke's FunctionName.
const functionNamePattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`

var functionNameArgRE = regexp.MustCompile(`^` + functionNamePattern + `$`)

var qualifierRE = regexp.MustCompile(`^(\$LATEST|[a-zA-Z0-9-_]+)$`)

var partialARNRE = regexp.MustCompile(`^(\d{12}):function:([^:]+)(?::([^:]+))?$`)

// resolveFunction finds the function that a name, ARN or partial ARN designates in region,
// with qualifier from the request (empty when none). It returns the ARN the function was
// invoked as, which the function sees as its invoked function ARN.
func (s *Service) resolveFunction(region, ref, qualifier string) (*function, string, error) {
	if len(ref) > 170 || !functionNameArgRE.MatchString(ref) {
		return nil, "", awsapi.ValidationError("functionName", "Member must satisfy regular expression pattern: "+functionNamePattern, ref)
	}
	if qualifier != "" && (len(qualifier) > 128 || !qualifierRE.MatchString(qualifier)) {
		return nil, "", awsapi.ValidationError("qualifier", `Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)`, qualifier)
	}
	fnRegion, account, name, derived := region, s.account, ref, ""
	if rest, ok := strings.CutPrefix(ref, "arn:"); ok {
		parts := strings.Split(rest, ":")
		if len(parts) < 6 || len(parts) > 7 || parts[1] != "lambda" || parts[4] != "function" {
			return nil, "", awsapi.ValidationError("functionName", "Member must satisfy regular expression pattern: "+functionNamePattern, ref)
		}
		fnRegion, account, name = parts[2], parts[3], parts[5]
		if len(parts) == 7 {
			derived = parts[6]
		}
	} else if m := partialARNRE.FindStringSubmatch(ref); m != nil {
		account, name, derived = m[1], m[2], m[3]
	} else if n, q, ok := strings.Cut(ref, ":"); ok {
		name, derived = n, q
	}
	if len(name) > 64 {
		return nil, "", awsapi.ValidationError("functionName", "Member must have length less than or equal to 64", name)
	}
	if derived != "" && qualifier != "" && derived != qualifier {
		return nil, "", awsapi.NewError("InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
	}
	if qualifier == "" {
		qualifier = derived
	}
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", fnRegion, account, name)
	invoked := arn
	if qualifier != "" {
		invoked += ":" + qualifier
	}
	notFound := &awsapi.Error{Type: "ResourceNotFoundException", Message: "Function not found: " + invoked, Status: http.StatusNotFound}
	if fnRegion != region || account != s.account || (qualifier != "" && qualifier != latestVersion) {
		return nil, "", notFound
	}
	s.mu.Lock()
	fn := s.fns[arn]
	s.mu.Unlock()
	if fn == nil {
		return nil, "", notFound
	}
	return fn, invoked, nil
}

// ---- the Invoke REST operation ----

func errPayloadTooLarge(limit int, operation string) error {
	// Lambda's front end answers an oversized body with this type and a capitalised Message,
	// not with the RequestTooLargeException of the API model.
	return &awsapi.Error{Type: "RequestEntityTooLargeException",
		Message: fmt.Sprintf("Request must be smaller than %d bytes for the %s operation", limit, operation),
		Status:  http.StatusRequestEntityTooLarge}
}

// ServeInvoke answers the Lambda Invoke REST operation.
func (s *Service) ServeInvoke(w http.ResponseWriter, r *http.Request) {
	requestID := awsapi.NewUUID()
	w.Header().Set("X-Amzn-Requestid", requestID)
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/2015-03-31/functions/")
	escName, tail, _ := strings.Cut(rest, "/")
	if tail != "invocations" || r.Method != http.MethodPost {
		writeLambdaError(w, &awsapi.Error{Type: "UnknownOperationException",
			Message: fmt.Sprintf("The emulator implements only Invoke of the Lambda API, not %s %s.", r.Method, r.URL.Path),
			Status:  http.StatusNotFound})
		return
	}
	ref, err := url.PathUnescape(escName)
	if err != nil {
		writeLambdaError(w, awsapi.ValidationError("functionName", "Member must satisfy regular expression pattern: "+functionNamePattern, escName))
		return
	}
	if err := s.before(r.Context(), "lambda.Invoke"); err != nil {
		writeLambdaError(w, err)
		return
	}
	invType := r.Header.Get("X-Amz-Invocation-Type")
	if invType == "" {
		invType = "RequestResponse"
	}
	if !slices.Contains([]string{"Event", "RequestResponse", "DryRun"}, invType) {
		writeLambdaError(w, awsapi.ValidationError("invocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]", invType))
		return
	}
	logType := r.Header.Get("X-Amz-Log-Type")
	if logType != "" && logType != "None" && logType != "Tail" {
		writeLambdaError(w, awsapi.ValidationError("logType", "Member must satisfy enum value set: [None, Tail]", logType))
		return
	}
	fn, invoked, err := s.resolveFunction(awsapi.RequestRegion(r), ref, r.URL.Query().Get("Qualifier"))
	if err != nil {
		writeLambdaError(w, err)
		return
	}
	limit, opName := maxSyncPayload, "InvokeFunction"
	if invType == "Event" {
		limit, opName = maxAsyncPayload, "InvokeAsync"
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		writeLambdaError(w, awsapi.NewError("InvalidRequestContentException", "The request body could not be read."))
		return
	}
	if len(payload) > limit {
		writeLambdaError(w, errPayloadTooLarge(limit, opName))
		return
	}
	if len(bytes.TrimSpace(payload)) > 0 {
		var v any
		if err := json.Unmarshal(payload, &v); err != nil {
			writeLambdaError(w, awsapi.NewError("InvalidRequestContentException", "Could not parse request body into json: Could not parse payload into json: %v", err))
			return
		}
	}
	var clientContext string
	if cc := r.Header.Get("X-Amz-Client-Context"); cc != "" {
		raw, err := base64.StdEncoding.DecodeString(cc)
		if err != nil || len(cc) > 3583 || !json.Valid(raw) {
			writeLambdaError(w, awsapi.NewError("InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object of at most 3583 bytes."))
			return
		}
		clientContext = string(raw)
	}
	inv := &invocation{id: requestID, payload: payload, invokedARN: invoked, clientContext: clientContext}
	switch invType {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
	case "Event":
		l := s
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			writeLambdaError(w, &awsapi.Error{Type: "ServiceException", Message: "The emulator is shutting down.", Status: http.StatusServiceUnavailable})
			return
		}
		l.initLocked()
		ctx := l.ctx
		l.async.Add(1)
		l.mu.Unlock()
		go func() {
			defer l.async.Done()
			res := s.invoke(ctx, fn, inv)
			if res.err == nil && res.functionError != "" {
				fn.log.Info("asynchronous invocation failed; Lambda would retry it", "request_id", inv.id, "payload", string(truncate(res.payload, 512)))
			}
		}()
		w.WriteHeader(http.StatusAccepted)
	default:
		res := s.invoke(r.Context(), fn, inv)
		if res.err != nil {
			if r.Context().Err() != nil {
				return // the client has gone
			}
			writeLambdaError(w, &awsapi.Error{Type: "ServiceException", Message: "The invocation could not complete: the emulator is shutting down.", Status: http.StatusServiceUnavailable})
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Amz-Executed-Version", latestVersion)
		if res.functionError != "" {
			h.Set("X-Amz-Function-Error", res.functionError)
		}
		if logType == "Tail" {
			h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(res.logTail))
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(res.payload)
	}
}

// writeLambdaError writes err as Lambda's REST API does: the type in X-Amzn-ErrorType, and
// {"Type": "User", "message": ...} as the body.
func writeLambdaError(w http.ResponseWriter, err error) {
	var ae *awsapi.Error
	if !errors.As(err, &ae) {
		ae = &awsapi.Error{Type: "ServiceException", Message: "An internal error occurred in the emulator.", Status: http.StatusInternalServerError}
	}
	status := ae.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	var body any
	switch {
	case ae.Type == "RequestEntityTooLargeException":
		body = map[string]string{"Message": ae.Message}
	case status >= 500:
		body = map[string]string{"Type": "Service", "message": ae.Message}
	default:
		body = map[string]string{"Type": "User", "message": ae.Message}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", ae.Type)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
