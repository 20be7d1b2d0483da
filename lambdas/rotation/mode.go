package rotation

import (
	"errors"
	"fmt"
	"strings"
)

// EnvStrategy names the environment variable that chooses a rotator's Mode (all four
// rotators: the function's configuration, not the secret, decides whether a master
// credential is used).
const EnvStrategy = "ROTATION_STRATEGY"

// Mode is how a database rotator changes a password: the user itself, or a master user
// alternating between two users so the current credentials keep working throughout. It
// comes from the function's configuration, never from the secret: whoever can write a
// user secret must not be able to make the function use a master secret.
type Mode string

// The modes.
const (
	// ModeSingle (also the zero Mode, and an unset ROTATION_STRATEGY): the user changes its
	// own password. Only the secret's own credentials are used; a masterarn is ignored.
	ModeSingle Mode = "single"
	// ModeAlternating: the master user (masterarn) sets the password of the user that is
	// not current, alternating between username and username_clone. A secret without a
	// masterarn is refused.
	ModeAlternating Mode = "alternating"
	// ModeAuto (ROTATION_STRATEGY=auto, an explicit opt-in) rotates alternating users when
	// the secret has a masterarn, else a single user, as the AWS samples' choice of
	// function does. Then whoever can write the secret chooses the strategy, and any
	// master secret the function may read: every rotation logs a warning.
	ModeAuto Mode = "auto"
)

// ParseMode reads a ROTATION_STRATEGY value; the AWS samples' names are accepted too. An
// empty value is ModeSingle.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "single", "single-user", "single_user":
		return ModeSingle, nil
	case "alternating", "alternating-users", "alternating_users", "multi-user", "multi_user", "multiuser":
		return ModeAlternating, nil
	case "auto":
		return ModeAuto, nil
	}
	return "", fmt.Errorf("%s=%q: want single, alternating or auto (auto lets the secret's masterarn choose alternating users)", EnvStrategy, s)
}

// Check refuses a Mode that is none of the modes.
func (m Mode) Check() error {
	switch m {
	case "", ModeSingle, ModeAlternating, ModeAuto:
		return nil
	}
	return fmt.Errorf("unknown rotation mode %q: want %q, %q or %q", string(m), ModeSingle, ModeAlternating, ModeAuto)
}

// ErrAutoMode is the warning logged by every rotation in ModeAuto.
var ErrAutoMode = errors.New(EnvStrategy + "=auto: the secret's masterarn chooses alternating users; whoever can write the secret can make the function use any master secret it may read. Set " + EnvStrategy + "=single or alternating")

// For is the strategy for a secret with (or without) a masterarn. In ModeAuto it also
// returns ErrAutoMode, to be logged as a warning. ModeAlternating refuses a secret without
// a masterarn.
func (m Mode) For(hasMasterARN bool) (mode Mode, warning error, err error) {
	switch m {
	case ModeAlternating:
		if !hasMasterARN {
			return "", nil, fmt.Errorf("refused: %s=alternating needs the master secret's ARN in the secret's %q field; add it, or set %s=single to rotate the user's own password",
				EnvStrategy, FieldMasterARN, EnvStrategy)
		}
		return ModeAlternating, nil, nil
	case ModeAuto:
		if hasMasterARN {
			return ModeAlternating, ErrAutoMode, nil
		}
		return ModeSingle, ErrAutoMode, nil
	}
	return ModeSingle, nil, nil
}

// StrategyFromEnv reads ROTATION_STRATEGY with lookup (os.LookupEnv); unset is ModeSingle.
func StrategyFromEnv(lookup func(string) (string, bool)) (Mode, error) {
	v, _ := lookup(EnvStrategy)
	return ParseMode(v)
}
