// Package igsandbox emulates the parts of Meta's Instagram Graph API
// (Facebook Login flavour, graph.facebook.com/vNN.0) and of Meta's webhook
// sender that shoutout uses, entirely in memory.
//
// It exists for tests, demos and load tests: point a Graph API client's base
// URL at an httptest.Server wrapping a [Server], seed it with brands, media,
// comments, DM senders and business-discovery targets, and drive webhooks at a
// receiver with a [Sender] and the payload builders. Production code never
// imports it.
//
// The emulation follows the documented shapes (see
// reference/platforms.md): field expansion with nested braces and
// .modifier(arg) syntax, Meta-style omission of unknown values, cursor
// pagination newest first, Graph error bodies with Meta's codes and HTTP
// statuses, the X-App-Usage and X-Business-Use-Case-Usage headers, and
// injectable faults (server errors, timeouts, throttling, expired tokens,
// missing consent).
//
// Choices where Meta's behaviour is undocumented or the sandbox is stricter
// or more lenient than Meta are noted on the relevant names; the main ones:
//
//   - A missing access token answers 190 (Meta answers 104) so that clients
//     have a single "re-authorise" path to exercise.
//   - Only the configured version prefix is served; any other answers error
//     2500, so a client built for another version fails loudly.
//   - Unknown field names answer error 100 "Tried accessing nonexisting
//     field", as Meta does; real fields that are not emulated are accepted
//     and omitted, like unknown values.
//   - business_discovery on an unknown or personal account answers
//     code 110, subcode 2207013 ("Invalid user id" / "Cannot find User").
//   - All throttling codes answer HTTP 400 (Meta's status for 80002 is not
//     documented; 400 is what integrators report).
package igsandbox
