// Package rules holds the storage-free logic of the embedded loyalty engine's
// reactors and audiences: the JSON shapes of the reference API
// (EventReactorDefinition, ReactionDefinition, Derivation, Effectivity,
// AttributeKeyValuePair), their validation, points derivation, effectivity
// windows, activation scopes, and the criteria language shared by reactor
// constraints and audiences.
//
// The criteria language is a subset of JsonLogic (https://jsonlogic.com),
// because the reference stores audience criteria as criteriaJsonLogic and
// clients written for it send JsonLogic constraints. Its comparison rules
// follow json-logic-js (JavaScript's loose and strict equality, relational
// comparison and truthiness) so that a rule means the same here as in the
// engine the clients were written for. A readable text form
// ("instagram_followers >= 1000 AND instagram_verified = true") is parsed
// into the same tree and stored as JsonLogic.
//
// Nothing here touches storage, clocks or the network: callers pass the event,
// the member's attributes and the current time in, and get answers back.
package rules
