package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/rds"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/secretsmanager"
)

// The control API, under /_emulator/ (not an AWS API). Tests and benchmarks use it through
// the Control client in control_client.go. JSON in and out:
//
//	GET    /_emulator/calls           call counts per operation, e.g. {"secretsmanager.GetSecretValue": 3}
//	DELETE /_emulator/calls           reset the counts
//	POST   /_emulator/faults          add a Fault: the next Count calls of Operation fail or wait
//	DELETE /_emulator/faults          remove every fault
//	GET    /_emulator/rotations       rotation history, oldest first, with each step's outcome
//	GET    /_emulator/clock           {"now": "...", "offset": "..."}
//	POST   /_emulator/clock           {"advance": "25h"}: move the clock forward; due rotations start
//	POST   /_emulator/reset           forget every secret, key, count, fault and rotation
//	POST   /_emulator/rds/instances   register a DBInstance for DescribeDBInstances
//	POST   /_emulator/rds/clusters    register a DBCluster for DescribeDBClusters

// Fault makes calls of one operation fail with an AWS error, or wait first, or both.
type Fault struct {
	// Operation is "service.Op", e.g. "secretsmanager.GetSecretValue", "kms.Decrypt",
	// "lambda.Invoke", "rds.DescribeDBInstances".
	Operation string `json:"operation"`
	// Count is how many calls the fault applies to; 0 means 1.
	Count int `json:"count,omitempty"`
	// ErrorCode is the AWS exception name to return; empty means the call only waits.
	ErrorCode string `json:"errorCode,omitempty"`
	Message   string `json:"message,omitempty"`
	// Status is the HTTP status; 400 by default, 500 for InternalServiceError and
	// InternalFailure, 503 for ServiceUnavailable.
	Status int `json:"status,omitempty"`
	// Delay is waited before the call proceeds or fails, e.g. "200ms".
	Delay string `json:"delay,omitempty"`
}

// RotationStep and RotationRecord are the rotation history (package secretsmanager).
type (
	RotationStep   = secretsmanager.RotationStep
	RotationRecord = secretsmanager.RotationRecord
)

type fault struct {
	Fault
	remaining int
	delay     time.Duration
}

// control holds the state of the control API. Its mutex is separate from Server.mu so that
// counting and fault checks never wait for a service operation.
type control struct {
	mu        sync.Mutex
	calls     map[string]int64
	faults    []*fault
	rotations []*RotationRecord
	// offset is added to the base clock (nanoseconds), so the control API can move time.
	offset atomic.Int64
}

func newControl() *control {
	return &control{calls: map[string]int64{}}
}

// beforeOperation counts a call and applies the first fault that matches it.
func (s *Server) beforeOperation(ctx context.Context, operation string) error {
	c := s.ctrl
	c.mu.Lock()
	c.calls[operation]++
	var f *fault
	for i, x := range c.faults {
		if x.Operation == operation {
			f = x
			f.remaining--
			if f.remaining <= 0 {
				c.faults = slices.Delete(c.faults, i, i+1)
			}
			break
		}
	}
	c.mu.Unlock()
	if f == nil {
		return nil
	}
	if f.delay > 0 {
		t := time.NewTimer(f.delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	if f.ErrorCode == "" {
		return nil
	}
	msg := f.Message
	if msg == "" {
		msg = "Fault injected by the emulator's control API."
	}
	return &apiError{Type: f.ErrorCode, Message: msg, Status: f.Status}
}

// RecordRotation adds a rotation to the history (secretsmanager.History).
func (c *control) RecordRotation(r *RotationRecord) {
	c.mu.Lock()
	c.rotations = append(c.rotations, r)
	c.mu.Unlock()
}

// UpdateRotation runs f on r under c.mu (secretsmanager.History).
func (c *control) UpdateRotation(r *RotationRecord, f func(r *RotationRecord)) {
	c.mu.Lock()
	f(r)
	c.mu.Unlock()
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/_emulator")
	route := r.Method + " " + path
	var out any
	var err error
	switch route {
	case "GET /calls":
		s.ctrl.mu.Lock()
		out = maps.Clone(s.ctrl.calls)
		s.ctrl.mu.Unlock()
	case "DELETE /calls":
		s.ctrl.mu.Lock()
		clear(s.ctrl.calls)
		s.ctrl.mu.Unlock()
	case "POST /faults":
		var f Fault
		if err = decodeControl(r, &f); err == nil {
			err = s.addFault(f)
		}
	case "DELETE /faults":
		s.ctrl.mu.Lock()
		s.ctrl.faults = nil
		s.ctrl.mu.Unlock()
	case "GET /rotations":
		out = s.rotationHistory()
	case "GET /clock":
		out = s.clockState()
	case "POST /clock":
		var in struct {
			Advance string `json:"advance"`
		}
		if err = decodeControl(r, &in); err == nil {
			var d time.Duration
			if d, err = time.ParseDuration(in.Advance); err != nil || d < 0 {
				err = fmt.Errorf("advance %q: want a positive Go duration such as \"25h\"", in.Advance)
			} else {
				s.ctrl.offset.Add(int64(d))
				s.sm.RunDueRotations()
				out = s.clockState()
			}
		}
	case "POST /reset":
		s.reset()
	case "POST /rds/instances":
		var db DBInstance
		if err = decodeControl(r, &db); err == nil {
			err = s.RegisterDBInstance(db)
		}
	case "POST /rds/clusters":
		var c DBCluster
		if err = decodeControl(r, &c); err == nil {
			err = s.RegisterDBCluster(c)
		}
	default:
		http.Error(w, "unknown control route "+route, http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if out == nil {
		out = struct{}{}
	}
	_ = json.NewEncoder(w).Encode(out)
}

func decodeControl(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, awsapi.MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("control request body: %w", err)
	}
	return nil
}

func (s *Server) addFault(f Fault) error {
	if !strings.Contains(f.Operation, ".") {
		return fmt.Errorf("fault operation %q: want service.Operation, e.g. secretsmanager.GetSecretValue", f.Operation)
	}
	x := &fault{Fault: f, remaining: max(f.Count, 1)}
	if f.Delay != "" {
		d, err := time.ParseDuration(f.Delay)
		if err != nil || d < 0 {
			return fmt.Errorf("fault delay %q: want a Go duration such as \"200ms\"", f.Delay)
		}
		x.delay = d
	}
	if x.Status == 0 {
		switch f.ErrorCode {
		case "InternalServiceError", "InternalFailure", "ServiceException":
			x.Status = http.StatusInternalServerError
		case "ServiceUnavailable", "ServiceUnavailableException":
			x.Status = http.StatusServiceUnavailable
		default:
			x.Status = http.StatusBadRequest
		}
	}
	s.ctrl.mu.Lock()
	s.ctrl.faults = append(s.ctrl.faults, x)
	s.ctrl.mu.Unlock()
	return nil
}

func (s *Server) rotationHistory() []RotationRecord {
	s.ctrl.mu.Lock()
	defer s.ctrl.mu.Unlock()
	out := make([]RotationRecord, 0, len(s.ctrl.rotations))
	for _, r := range s.ctrl.rotations {
		c := *r
		c.Steps = slices.Clone(r.Steps)
		out = append(out, c)
	}
	return out
}

func (s *Server) clockState() map[string]string {
	return map[string]string{
		"now":    s.now().UTC().Format(time.RFC3339Nano),
		"offset": time.Duration(s.ctrl.offset.Load()).String(),
	}
}

// reset forgets all service state; registered functions stay.
func (s *Server) reset() {
	s.sm.Reset()
	s.kms.Reset()
	s.markDirty()
	s.ctrl.mu.Lock()
	clear(s.ctrl.calls)
	s.ctrl.faults = nil
	s.ctrl.rotations = nil
	s.ctrl.mu.Unlock()
	s.rds.Reset()
}

// RegisterDBInstance makes DescribeDBInstances answer for db (region defaults to us-east-1).
// With MasterUserPassword it also creates the master user secret RDS would manage.
func (s *Server) RegisterDBInstance(db DBInstance) error {
	if err := rds.CheckInstance(db); err != nil {
		return err
	}
	if db.Region == "" {
		db.Region = DefaultRegion
	}
	if err := s.rds.CheckSource(db); err != nil {
		return err
	}
	if db.MasterUserPassword != "" && db.MasterUserSecretARN == "" {
		arn, err := s.sm.RDSMasterSecret(db.Region, "db", rds.InstanceARN(db.Region, s.account, db.Identifier), "aws:rds:primarydbinstancearn", db.MasterUsername, db.MasterUserPassword)
		if err != nil {
			return err
		}
		db.MasterUserSecretARN = arn
	}
	s.rds.PutInstance(db) // without the password, which lives only in the secret
	return nil
}

// RegisterDBCluster makes DescribeDBClusters answer for c (region defaults to us-east-1).
func (s *Server) RegisterDBCluster(c DBCluster) error {
	if err := rds.CheckCluster(c); err != nil {
		return err
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.MasterUserPassword != "" && c.MasterUserSecretARN == "" {
		arn, err := s.sm.RDSMasterSecret(c.Region, "cluster", rds.ClusterARN(c.Region, s.account, c.Identifier), "aws:rds:primarydbclusterarn", c.MasterUsername, c.MasterUserPassword)
		if err != nil {
			return err
		}
		c.MasterUserSecretARN = arn
	}
	s.rds.PutCluster(c)
	return nil
}
