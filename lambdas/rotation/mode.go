package rotation

import (
	"fmt"
	"strings"
)

// EnvStrategy names the environment variable that chooses a database rotator's Mode.
const EnvStrategy = "ROTATION_STRATEGY"

// Mode is how a database rotator changes a password: the user itself, or a master user
// alternating between two users so the current credentials keep working throughout.
type Mode string

// The modes.
const (
	// ModeAuto rotates alternating users when the secret has a masterarn, else single user.
	ModeAuto Mode = ""
	// ModeSingle: the user changes its own password (it logs in with the pending, current
	// or previous password).
	ModeSingle Mode = "single"
	// ModeAlternating: the master user (masterarn) sets the password of the user that is
	// not current, alternating between username and username_clone.
	ModeAlternating Mode = "alternating"
)

// ParseMode reads a ROTATION_STRATEGY value; the AWS samples' names are accepted too.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return ModeAuto, nil
	case "single", "single-user", "single_user":
		return ModeSingle, nil
	case "alternating", "alternating-users", "alternating_users", "multi-user", "multi_user", "multiuser":
		return ModeAlternating, nil
	}
	return "", fmt.Errorf("%s=%q: want single, alternating or auto", EnvStrategy, s)
}
