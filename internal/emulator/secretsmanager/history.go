package secretsmanager

import "time"

// RotationStep is one invocation of a rotation function.
type RotationStep struct {
	Step     string        `json:"step"`
	Outcome  string        `json:"outcome"` // succeeded, failed
	Error    string        `json:"error,omitempty"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration"`
}

// RotationRecord is one rotation started by RotateSecret or by the schedule.
type RotationRecord struct {
	SecretARN string         `json:"secretArn"`
	Token     string         `json:"token"`
	Function  string         `json:"function"`
	Steps     []RotationStep `json:"steps"`
	Outcome   string         `json:"outcome"` // running, succeeded, failed
	Error     string         `json:"error,omitempty"`
	Started   time.Time      `json:"started"`
	Finished  time.Time      `json:"finished,omitzero"`
}
