package postgres

// Internals the external tests check directly.
var (
	ScramVerifierWithSalt = scramVerifierWithSalt
	MD5Verifier           = md5Verifier
	SplitGUCList          = splitGUCList
	AlternateUsername     = alternateUsername
)
