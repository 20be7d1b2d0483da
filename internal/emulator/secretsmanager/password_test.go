package secretsmanager

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

func pwTestBool(b bool) *bool { return &b }

// pwClassOf names the class of a generated character, for per-class assertions.
func pwClassOf(c byte) string {
	switch {
	case strings.IndexByte(passwordLowercase, c) >= 0:
		return "lower"
	case strings.IndexByte(passwordUppercase, c) >= 0:
		return "upper"
	case strings.IndexByte(passwordDigits, c) >= 0:
		return "digit"
	case strings.IndexByte(passwordPunctuation, c) >= 0:
		return "punct"
	case c == ' ':
		return "space"
	}
	return "other"
}

// pwWantInvalidParameter fails unless err is exactly what invalidParameter produces for msg.
func pwWantInvalidParameter(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want InvalidParameter %q", msg)
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *apiError", err, err)
	}
	if want := invalidParameter("%s", msg).Error(); err.Error() != want {
		t.Fatalf("error = %q, want %q", err.Error(), want)
	}
}

func TestPasswordPunctuationSet(t *testing.T) {
	// The documented set is exactly the printable ASCII characters that are not letters,
	// digits or space; derive it independently to catch a typo in the constant.
	var want []byte
	for c := byte('!'); c <= '~'; c++ {
		if !pwIsAlnum(c) {
			want = append(want, c)
		}
	}
	if string(want) != passwordPunctuation {
		t.Fatalf("punctuation = %q, want %q", passwordPunctuation, want)
	}
	if len(passwordPunctuation) != 32 {
		t.Fatalf("punctuation has %d characters, want 32", len(passwordPunctuation))
	}
}

func pwIsAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func TestPasswordFlags(t *testing.T) {
	tests := []struct {
		name        string
		spec        passwordSpec
		wantLen     int
		wantClasses []string // every password contains each of these and nothing else
	}{
		{"defaults", passwordSpec{}, 32, []string{"lower", "upper", "digit", "punct"}},
		{"exclude numbers", passwordSpec{ExcludeNumbers: true}, 32, []string{"lower", "upper", "punct"}},
		{"exclude punctuation", passwordSpec{ExcludePunctuation: true}, 32, []string{"lower", "upper", "digit"}},
		{"exclude uppercase", passwordSpec{ExcludeUppercase: true}, 32, []string{"lower", "digit", "punct"}},
		{"exclude lowercase", passwordSpec{ExcludeLowercase: true}, 32, []string{"upper", "digit", "punct"}},
		{"include space", passwordSpec{IncludeSpace: true, Length: 20}, 20, []string{"lower", "upper", "digit", "punct", "space"}},
		{"digits only", passwordSpec{ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true, Length: 6}, 6, []string{"digit"}},
		{"space only", passwordSpec{ExcludeLowercase: true, ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true, IncludeSpace: true, Length: 3}, 3, []string{"space"}},
		{"length one", passwordSpec{Length: 1, RequireEachIncludedType: pwTestBool(false)}, 1, nil},
		{"maximum length", passwordSpec{Length: 4096}, 4096, []string{"lower", "upper", "digit", "punct"}},
		{"class emptied by ExcludeCharacters is not required", passwordSpec{ExcludeCharacters: passwordDigits, Length: 3}, 3, []string{"lower", "upper", "punct"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 200 {
				pw, err := generatePassword(rand.Reader, tt.spec)
				if err != nil {
					t.Fatalf("generatePassword: %v", err)
				}
				if len(pw) != tt.wantLen {
					t.Fatalf("len(%q) = %d, want %d", pw, len(pw), tt.wantLen)
				}
				seen := map[string]bool{}
				for i := range len(pw) {
					seen[pwClassOf(pw[i])] = true
				}
				if tt.wantClasses == nil {
					if seen["other"] || seen["space"] {
						t.Fatalf("password %q has a character outside the default classes", pw)
					}
					continue
				}
				for _, c := range tt.wantClasses {
					if !seen[c] {
						t.Fatalf("password %q lacks a %s character", pw, c)
					}
					delete(seen, c)
				}
				if len(seen) != 0 {
					t.Fatalf("password %q has characters of unexpected classes %v", pw, seen)
				}
			}
		})
	}
}

func TestPasswordExcludeCharacters(t *testing.T) {
	tests := []struct {
		name    string
		exclude string
		spec    passwordSpec
	}{
		{"mixed classes", "abcXYZ019!\"\\`~", passwordSpec{}},
		{"with space", " aA0", passwordSpec{IncludeSpace: true}},
		{"non-ASCII is ignored", "é€aB", passwordSpec{}},
		{"all but one lowercase", passwordLowercase[1:], passwordSpec{ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			spec.ExcludeCharacters = tt.exclude
			spec.Length = 64
			for range 300 {
				pw, err := generatePassword(rand.Reader, spec)
				if err != nil {
					t.Fatalf("generatePassword: %v", err)
				}
				if i := strings.IndexAny(pw, tt.exclude); i >= 0 {
					t.Fatalf("password %q contains excluded %q", pw, pw[i])
				}
			}
		})
	}
}

func TestPasswordEachTypeAtRandomPositions(t *testing.T) {
	// With length equal to the class count, every password is a permutation of one
	// character per class; each class must land on each position about equally often.
	const draws = 4000
	var digitAt [4]int
	for range draws {
		pw, err := generatePassword(rand.Reader, passwordSpec{Length: 4})
		if err != nil {
			t.Fatalf("generatePassword: %v", err)
		}
		seen := map[string]int{}
		for i := range len(pw) {
			seen[pwClassOf(pw[i])]++
			if pwClassOf(pw[i]) == "digit" {
				digitAt[i]++
			}
		}
		for _, c := range []string{"lower", "upper", "digit", "punct"} {
			if seen[c] != 1 {
				t.Fatalf("password %q has %d %s characters, want 1", pw, seen[c], c)
			}
		}
	}
	// Expected 1000 per position, sd about 27; 800..1200 is over 7 sd wide.
	for pos, n := range digitAt {
		if n < 800 || n > 1200 {
			t.Errorf("digit at position %d in %d of %d passwords, want about %d", pos, n, draws, draws/4)
		}
	}
}

// pwChiSquare returns Pearson's statistic of counts against a uniform expectation.
func pwChiSquare(counts map[byte]int, alphabet string, total int) float64 {
	expected := float64(total) / float64(len(alphabet))
	var x2 float64
	for i := range len(alphabet) {
		d := float64(counts[alphabet[i]]) - expected
		x2 += d * d / expected
	}
	return x2
}

func TestPasswordDistribution(t *testing.T) {
	all := passwordLowercase + passwordUppercase + passwordDigits + passwordPunctuation
	tests := []struct {
		name     string
		spec     passwordSpec
		alphabet string
	}{
		{"all classes, no requirement", passwordSpec{Length: 100, RequireEachIncludedType: pwTestBool(false)}, all},
		// At length 4096 the four forced characters are negligible, so the output must
		// still look uniform after the shuffle.
		{"all classes, required, long", passwordSpec{Length: 4096}, all},
		{"digits only", passwordSpec{Length: 100, ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true}, passwordDigits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counts := map[byte]int{}
			total := 0
			for total < 12000 {
				pw, err := generatePassword(rand.Reader, tt.spec)
				if err != nil {
					t.Fatalf("generatePassword: %v", err)
				}
				for i := range len(pw) {
					counts[pw[i]]++
				}
				total += len(pw)
			}
			for c := range counts {
				if strings.IndexByte(tt.alphabet, c) < 0 {
					t.Fatalf("character %q outside the alphabet", c)
				}
			}
			// For k-1 degrees of freedom the statistic has mean k-1 and sd sqrt(2(k-1)).
			// Allow mean + 8 sd: a real bias (e.g. modulo bias on one byte, which
			// over-weights 68 of 94 characters by 50%) lands far beyond it.
			df := float64(len(tt.alphabet) - 1)
			limit := df + 8*math.Sqrt(2*df)
			if x2 := pwChiSquare(counts, tt.alphabet, total); x2 > limit {
				t.Errorf("chi-square = %.1f over %d characters, want <= %.1f", x2, total, limit)
			}
		})
	}
}

func TestPasswordInvalidSpecs(t *testing.T) {
	allClasses := passwordLowercase + passwordUppercase + passwordDigits + passwordPunctuation
	tests := []struct {
		name string
		spec passwordSpec
		msg  string
	}{
		{"negative length", passwordSpec{Length: -1}, "PasswordLength must be between 1 and 4096."},
		{"length above maximum", passwordSpec{Length: 4097}, "PasswordLength must be between 1 and 4096."},
		{"exclude characters too long", passwordSpec{ExcludeCharacters: strings.Repeat("a", 4097)}, "ExcludeCharacters must be at most 4096 characters long."},
		{"every class flag excluded", passwordSpec{ExcludeLowercase: true, ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true},
			"Every character class was excluded, so no password can be generated: include at least one of lowercase letters, uppercase letters, numbers, punctuation or space, and do not exclude all of its characters with ExcludeCharacters."},
		{"every character excluded", passwordSpec{ExcludeCharacters: allClasses},
			"Every character class was excluded, so no password can be generated: include at least one of lowercase letters, uppercase letters, numbers, punctuation or space, and do not exclude all of its characters with ExcludeCharacters."},
		{"space included but excluded", passwordSpec{ExcludeCharacters: allClasses + " ", IncludeSpace: true},
			"Every character class was excluded, so no password can be generated: include at least one of lowercase letters, uppercase letters, numbers, punctuation or space, and do not exclude all of its characters with ExcludeCharacters."},
		{"too short for four types", passwordSpec{Length: 3},
			"PasswordLength 3 is too short to include at least one character of each of the 4 included character types (lowercase letters, uppercase letters, numbers, punctuation); increase PasswordLength or set RequireEachIncludedType to false."},
		{"too short for five types", passwordSpec{Length: 4, IncludeSpace: true, RequireEachIncludedType: pwTestBool(true)},
			"PasswordLength 4 is too short to include at least one character of each of the 5 included character types (lowercase letters, uppercase letters, numbers, punctuation, space); increase PasswordLength or set RequireEachIncludedType to false."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw, err := generatePassword(rand.Reader, tt.spec)
			if pw != "" {
				t.Errorf("password = %q alongside an error, want empty", pw)
			}
			pwWantInvalidParameter(t, err, tt.msg)
		})
	}
}

func TestPasswordShortLengthWithoutRequirement(t *testing.T) {
	// The same short length that fails with the requirement must succeed without it.
	pw, err := generatePassword(rand.Reader, passwordSpec{Length: 3, RequireEachIncludedType: pwTestBool(false)})
	if err != nil || len(pw) != 3 {
		t.Fatalf("generatePassword = %q, %v; want 3 characters, no error", pw, err)
	}
}

type pwFailingReader struct{ err error }

func (f pwFailingReader) Read([]byte) (int, error) { return 0, f.err }

func TestPasswordRandomnessFailure(t *testing.T) {
	sentinel := errors.New("entropy exhausted")
	tests := []struct {
		name    string
		r       io.Reader
		wantErr error
	}{
		{"reader error", pwFailingReader{sentinel}, sentinel},
		// Ten bytes cover two draws; the third hits a short read.
		{"reader runs dry", bytes.NewReader(make([]byte, 10)), io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw, err := generatePassword(tt.r, passwordSpec{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want one wrapping %v", err, tt.wantErr)
			}
			if pw != "" {
				t.Fatalf("password = %q alongside an error, want empty", pw)
			}
			var ae *apiError
			if errors.As(err, &ae) {
				t.Fatalf("randomness failure reported as client error %v", err)
			}
		})
	}
}

func TestPasswordRandIntnRejectsBiasedDraws(t *testing.T) {
	// 2^32 mod 94 = 42, so the 42 largest 32-bit values (0xFFFFFFD6 and up) must be
	// rejected for n = 94; accepting them would over-weight indices 0..41.
	tests := []struct {
		name   string
		stream []byte
		n      int
		want   int
	}{
		{"accepts below limit", []byte{0, 0, 0, 95}, 94, 1},
		{"rejects top value then accepts", []byte{0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 7}, 94, 7},
		{"rejects lowest biased value", []byte{0xFF, 0xFF, 0xFF, 0xD6, 0, 0, 0, 3}, 94, 3},
		{"accepts highest unbiased value", []byte{0xFF, 0xFF, 0xFF, 0xD5, 0, 0, 0, 3}, 94, 0xFFFFFFD5 % 94},
		{"power of two never rejects", []byte{0xFF, 0xFF, 0xFF, 0xFF}, 64, 63},
		{"n of one", []byte{0x12, 0x34, 0x56, 0x78}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &passwordRand{r: bytes.NewReader(tt.stream)}
			got, err := p.intn(tt.n)
			if err != nil {
				t.Fatalf("intn(%d): %v", tt.n, err)
			}
			if got != tt.want {
				t.Fatalf("intn(%d) = %d, want %d", tt.n, got, tt.want)
			}
		})
	}
}
