// Package apikey rotates API keys of HTTP services on the rotation engine
// (lambdas/rotation): a documented, configurable HTTP contract that needs no code, and a
// Go interface (Service) for services that need their own.
//
// # The secret
//
//	{
//	  "api_key": "sk_live_...",          // the key clients use (required)
//	  "key_id": "key_123",               // the service's id for it (required: revoking needs it)
//	  "previous_key_id": "key_122",      // written by the rotator: the key this one replaced
//	  "masterarn": "arn:aws:secretsmanager:...",  // ROTATION_STRATEGY=alternating: manage keys with the master secret's credential
//	  "rotation": { ... settings ... },  // optional: per-secret settings (below)
//	  "anything": "else"                 // other fields are kept, byte for byte
//	}
//
// # A rotation
//
//   - createSecret: revokes previous_key_id if set (see Revoke modes); then creates a key,
//     authenticated with the current api_key, or, when the function's ROTATION_STRATEGY is
//     alternating, with the master secret's credential (field master_key_field of the
//     master secret, "api_key" by default), sent only to the hosts APIKEY_ALLOWED_HOSTS
//     lists. The pending secret is the current one with api_key, key_id and
//     previous_key_id (the current key_id) replaced.
//   - setSecret: nothing; the service made and activated the key in createSecret.
//   - testSecret: the new key is presented to the test URL; any 2xx answer passes.
//   - finishSecret: after AWSCURRENT moved, in immediate mode, previous_key_id is revoked,
//     authenticated with the new key (or the master credential).
//
// # Revoke modes
//
// revoke_mode "immediate" (the default) revokes the replaced key at finishSecret: two keys
// are active only during a rotation. "overlap" keeps it working until the next rotation,
// whose createSecret revokes it before creating its own key, so clients that cached the
// previous key (AWSPREVIOUS) keep working for a whole rotation period, and no more than two
// keys are ever active (services often allow exactly two). In immediate mode, createSecret
// also revokes previous_key_id: normally it is already gone (404, which counts as success),
// but if the last finishSecret could not revoke it, this repeats the cleanup (a failure is
// then only logged).
//
// # The HTTP contract
//
// Every setting is read from the secret's "rotation" object, else from the environment
// variable APIKEY_<SETTING IN UPPER CASE> (create_url: APIKEY_CREATE_URL), else its
// default. URLs must be https. Placeholders are filled in escaped: as one path segment or
// query value in URLs, as JSON string content in bodies (a body given as a string must be
// JSON once they are filled in, so `{"id": {id}}` works for numeric ids).
//
//	create_url         required  POST here to create a key; {key_id} (current key), {token}
//	create_method      POST      or PUT
//	create_body        none      JSON body (object in the secret, or a string); {token}, {key_id}
//	key_path           key       where the new key is in the JSON answer
//	key_id_path        id        where its id is (a string or a number)
//	test_url           required  request with the new key; 2xx passes; {key_id} (new key)
//	test_method        GET       or HEAD, POST
//	revoke_url         required  revoke a key; {id}; 2xx, 404 and 410 pass
//	revoke_method      DELETE    or POST, PUT, PATCH
//	revoke_body        none      JSON body; {id} (then revoke_url need not have it)
//	auth_header        Authorization   header carrying a key
//	auth_scheme        Bearer {key}    its value; "{key}" alone for X-API-Key style
//	master_auth_header auth_header     header carrying the master credential
//	master_auth_scheme auth_scheme     its value
//	idempotency_header Idempotency-Key header holding the rotation token on create; "none": not sent
//	list_url           none      GET; keys named with this rotation's token are revoked before create
//	list_items_path    $         where the array of keys is in the list answer
//	list_id_path       id        a listed key's id
//	list_name_path     name      a listed key's name (matched against the token)
//	timeout            10s       per attempt
//	max_attempts       5         per request, with exponential backoff and jitter
//	retry_base_delay   250ms     first backoff, doubled each retry
//	retry_max_delay    20s       longest backoff; a longer Retry-After gives up at once
//	revoke_mode        immediate or overlap
//	master_key_field   api_key   field of the master secret holding its credential
//
// JSON paths are field names separated by dots, with array indexes in brackets or as
// numbers ("data.keys[0].secret", "data.keys.0.secret"); "$" is the whole answer.
//
// Two variables can only be set in the environment, because they decide whom the rotator
// trusts: APIKEY_CA_BUNDLE (a PEM file or PEM text) adds certificate authorities to the
// system roots, and APIKEY_ALLOWED_HOSTS (comma-separated host or host:port) restricts the
// hosts every URL may point to, so that a secret's settings cannot send a key or the
// master credential elsewhere. TLS is always verified; redirects are never followed.
//
// Retries: 429 answers and failed connections are always retried (the service did not act
// on them); 500, 502, 503, 504 and timeouts are retried for test, revoke and list, and for
// create only when an idempotency header is sent. Retry-After (seconds or a date) is
// honoured. No retry outlives the function's deadline.
//
// # Keys that a crash would leak
//
// Secrets Manager retries createSecret, and the engine calls NewPending only while the
// pending version has no value; but if the function dies (or PutSecretValue fails) after
// the service made a key, the next attempt would make another. The rotation token (the
// ClientRequestToken, the same for every attempt of one rotation) prevents that: it is sent
// as the Idempotency-Key header, so a service that honours it answers the retried create
// with the key it made before. For services that do not, name keys with the token
// (create_body {"name": "rotation {token}"}) and set list_url: createSecret then revokes
// keys whose name holds the token before creating one. Without either, a crash can leave
// an unused key behind.
//
// # Service-specific rotators
//
// A Service has three methods (Create, Test, Revoke); NewWithService runs it with everything
// above except the HTTP settings: secret fields, master credential, revoke modes, the
// rotation token, logging. See the example. A Service that also implements Binder gets the
// secret of each step (for settings of its own); one that implements OrphanReclaimer is
// asked to clean up after crashed attempts.
//
// # Logs and errors
//
// The engine logs one JSON line per step; the rotator adds a line per created or revoked
// key (ids only) and per retried request (operation, URL, attempt, reason, delay). No key
// value and no master credential is ever logged or put in an error: error answers are
// quoted (200 bytes at most) with the credential that was sent removed, and the engine
// scrubs every known secret value on top.
package apikey
