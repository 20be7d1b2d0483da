package secretsmanager

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Bounds of GetRandomPassword, from the Secrets Manager API model
// (PasswordLengthType: long 1..4096; ExcludeCharactersType: string 0..4096).
const (
	passwordDefaultLength    = 32
	passwordMinLength        = 1
	passwordMaxLength        = 4096
	passwordMaxExcludeLength = 4096
)

// Character classes. The punctuation set is the one the GetRandomPassword reference lists:
// every printable ASCII character that is not a letter, digit or space (32 characters).
const (
	passwordLowercase   = "abcdefghijklmnopqrstuvwxyz"
	passwordUppercase   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	passwordDigits      = "0123456789"
	passwordPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// passwordSpec is a decoded GetRandomPassword request.
type passwordSpec struct {
	// Length is PasswordLength; 0 means the AWS default of 32, because the request decoder
	// cannot tell an absent member from zero. Valid values are 1..4096.
	Length             int64
	ExcludeCharacters  string
	ExcludeNumbers     bool
	ExcludePunctuation bool
	ExcludeUppercase   bool
	ExcludeLowercase   bool
	IncludeSpace       bool
	// RequireEachIncludedType is nil when absent, which AWS treats as true.
	RequireEachIncludedType *bool
}

// passwordClass is one character type; required-type checks work per class.
type passwordClass struct {
	name  string
	chars string
}

// generatePassword returns a password drawn with crypto-quality randomness from r
// (crypto/rand.Reader in production). Invalid specs yield invalidParameter errors;
// a failing r yields a wrapped read error.
func generatePassword(r io.Reader, spec passwordSpec) (string, error) {
	length := spec.Length
	if length == 0 {
		length = passwordDefaultLength
	}
	if length < passwordMinLength || length > passwordMaxLength {
		return "", invalidParameter("PasswordLength must be between %d and %d.", passwordMinLength, passwordMaxLength)
	}
	if utf8.RuneCountInString(spec.ExcludeCharacters) > passwordMaxExcludeLength {
		return "", invalidParameter("ExcludeCharacters must be at most %d characters long.", passwordMaxExcludeLength)
	}

	classes := spec.includedClasses()
	if len(classes) == 0 {
		return "", invalidParameter("Every character class was excluded, so no password can be generated: " +
			"include at least one of lowercase letters, uppercase letters, numbers, punctuation or space, " +
			"and do not exclude all of its characters with ExcludeCharacters.")
	}
	require := spec.RequireEachIncludedType == nil || *spec.RequireEachIncludedType
	if require && int64(len(classes)) > length {
		return "", invalidParameter(
			"PasswordLength %d is too short to include at least one character of each of the %d included character types (%s); "+
				"increase PasswordLength or set RequireEachIncludedType to false.",
			length, len(classes), passwordClassNames(classes))
	}

	var pool strings.Builder
	for _, c := range classes {
		pool.WriteString(c.chars)
	}
	all := pool.String()

	rnd := &passwordRand{r: bufio.NewReader(r)}
	out := make([]byte, length)
	next := 0
	if require {
		// One character from each class first; the shuffle below moves them to uniformly
		// random positions so the password has no predictable structure.
		for _, c := range classes {
			i, err := rnd.intn(len(c.chars))
			if err != nil {
				return "", err
			}
			out[next] = c.chars[i]
			next++
		}
	}
	for ; next < len(out); next++ {
		i, err := rnd.intn(len(all))
		if err != nil {
			return "", err
		}
		out[next] = all[i]
	}
	if require {
		// Fisher-Yates; only needed when the leading characters were forced.
		for i := len(out) - 1; i > 0; i-- {
			j, err := rnd.intn(i + 1)
			if err != nil {
				return "", err
			}
			out[i], out[j] = out[j], out[i]
		}
	}
	return string(out), nil
}

// includedClasses returns the classes the spec allows, minus ExcludeCharacters, dropping
// classes left empty: a class the caller emptied cannot be required.
func (s passwordSpec) includedClasses() []passwordClass {
	candidates := []struct {
		excluded bool
		class    passwordClass
	}{
		{s.ExcludeLowercase, passwordClass{"lowercase letters", passwordLowercase}},
		{s.ExcludeUppercase, passwordClass{"uppercase letters", passwordUppercase}},
		{s.ExcludeNumbers, passwordClass{"numbers", passwordDigits}},
		{s.ExcludePunctuation, passwordClass{"punctuation", passwordPunctuation}},
		{!s.IncludeSpace, passwordClass{"space", " "}},
	}
	var out []passwordClass
	for _, c := range candidates {
		if c.excluded {
			continue
		}
		kept := strings.Map(func(r rune) rune {
			if strings.ContainsRune(s.ExcludeCharacters, r) {
				return -1
			}
			return r
		}, c.class.chars)
		if kept != "" {
			out = append(out, passwordClass{name: c.class.name, chars: kept})
		}
	}
	return out
}

func passwordClassNames(classes []passwordClass) string {
	names := make([]string, len(classes))
	for i, c := range classes {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// passwordRand draws unbiased integers from a byte stream.
type passwordRand struct {
	r   io.Reader
	buf [4]byte
}

// intn returns a uniform integer in [0, n) for 0 < n <= 1<<31. It rejects the top
// (2^32 mod n) values of each 32-bit draw, so a plain modulo introduces no bias.
func (p *passwordRand) intn(n int) (int, error) {
	if n <= 0 || n > 1<<31 {
		return 0, fmt.Errorf("random index bound %d out of range", n)
	}
	const span = uint64(1) << 32
	limit := span - span%uint64(n)
	for {
		if _, err := io.ReadFull(p.r, p.buf[:]); err != nil {
			return 0, fmt.Errorf("reading randomness for password: %w", err)
		}
		v := uint64(binary.BigEndian.Uint32(p.buf[:]))
		if v < limit {
			return int(v % uint64(n)), nil
		}
	}
}
