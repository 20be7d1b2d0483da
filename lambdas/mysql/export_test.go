package mysql

// Ed25519Hash is MariaDB's PASSWORD() for ed25519 accounts, for the tests.
var Ed25519Hash = ed25519Hash
