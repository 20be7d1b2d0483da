package emulator

// kmsOperations is the KMS API (X-Amz-Target "TrentService.<Op>"). Handlers run with Server.mu held.
var kmsOperations = map[string]jsonOperation{}
