// Package instagram is the Instagram side of shoutout: a pure webhook parser
// and a Graph API client (Facebook Login flavour, graph.facebook.com).
//
// The package knows Instagram only. It never stores anything and never talks
// to a loyalty engine: callers persist raw webhook bodies, turn the normalized
// [Item] values into activity, and persist connection state such as
// "needs re-authorisation" that the [Client] reports through its errors.
//
// Webhooks: call [VerifySignature] on the raw body before anything else, then
// [ParseWebhook]. Every recognisable piece of a notification becomes one
// [Item]; nothing recognisable is dropped (unknown things are [KindOther]).
// Deduplicate with [Item.DedupKey], because Meta delivers at least once.
//
// Graph API: [NewClient] returns a client that is safe for concurrent use.
// It pauses a connection after throttling, stops calling a connection whose
// token was rejected (until [Client.ResetConnection]), retries transient
// failures, and never puts an access token into an error message.
package instagram
