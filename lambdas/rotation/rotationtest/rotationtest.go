// Package rotationtest runs a rotation strategy on the engine against the test kit's
// emulator: the one way every rotator's tests build their in-process engine.
package rotationtest

import (
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// Engine is an engine for s talking to env's emulator (3 attempts per call, retried at
// once), logging JSON to logs, and seeing only the environment variables in vars (nothing
// from the process environment). Later opts override these.
func Engine(env *emulatortest.Env, s rotation.Strategy, logs *emulatortest.LogBuffer, vars map[string]string, opts ...rotation.Option) *rotation.Engine {
	base := []rotation.Option{
		rotation.WithClient(env.SecretsManager(3)),
		rotation.WithAWSConfig(env.AWSConfig(3)),
		rotation.WithLogger(logs.Logger()),
		rotation.WithLookupEnv(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }),
	}
	return rotation.New(s, append(base, opts...)...)
}
