package instagram

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Sentinel errors of the Graph API client. Every error the Client returns
// matches at most one of them with errors.Is (ErrInvalidArgument aside); an
// error matching none is permanent: retrying the same call will not help.
var (
	// ErrTokenInvalid: the access token is expired, revoked or otherwise
	// rejected (Graph codes 190 and 102). The client stops calling the
	// connection until ResetConnection; the caller should persist
	// needs_reauth and tell the operator.
	ErrTokenInvalid = errors.New("instagram: access token invalid")
	// ErrThrottled: a rate limit was hit (codes 4, 17, 32, 613, 80000-80014,
	// HTTP 429) or the usage headers say a budget is spent. Errors matching
	// it are *ThrottledError when they come from the client, with the time
	// to wait.
	ErrThrottled = errors.New("instagram: throttled")
	// ErrNoConsent: the person has not messaged the brand, so their profile
	// may not be read (code 230).
	ErrNoConsent = errors.New("instagram: user consent required")
	// ErrNotFound: the object does not exist or is not visible (code 100
	// with subcode 33 or "does not exist", code 803, and code 110 "invalid
	// user id", which business discovery answers for unknown and personal
	// accounts), or the answer lacked the requested object.
	ErrNotFound = errors.New("instagram: not found")
	// ErrTransient: a failure that may go away on its own: HTTP 5xx, Graph
	// codes 1 and 2 or is_transient, a network failure, or the per-call
	// timeout. The client already retried it MaxRetries times.
	ErrTransient = errors.New("instagram: transient failure")
	// ErrInvalidArgument: the call was refused before any network traffic
	// because an argument was empty or unsafe to put into a Graph path or
	// field expansion (ids must be [A-Za-z0-9_.-]+, usernames [A-Za-z0-9_.]
	// of at most 30 characters).
	ErrInvalidArgument = errors.New("instagram: invalid argument")
)

// GraphError is an error answered by the Graph API, from its
// {"error":{...}} body, or a non-2xx answer without such a body (then Code
// is 0 and Message describes the body). Messages never contain the access
// token. errors.Is maps it to the sentinel errors above.
type GraphError struct {
	// HTTPStatus is the HTTP status code of the answer.
	HTTPStatus int
	// Code and Subcode are error.code and error.error_subcode.
	Code, Subcode int
	// Type is error.type, e.g. "OAuthException".
	Type string
	// Message is error.message.
	Message string
	// FBTraceID is error.fbtrace_id, which Meta support asks for.
	FBTraceID string
	// IsTransient is error.is_transient, Meta's own hint that a retry may
	// succeed.
	IsTransient bool
}

// Error describes the error without any secret.
func (e *GraphError) Error() string {
	var b strings.Builder
	b.WriteString("graph API error")
	if e.Code != 0 {
		fmt.Fprintf(&b, " %d", e.Code)
		if e.Subcode != 0 {
			fmt.Fprintf(&b, "/%d", e.Subcode)
		}
	}
	b.WriteString(" (")
	if e.Type != "" {
		b.WriteString(e.Type)
		b.WriteString(", ")
	}
	fmt.Fprintf(&b, "HTTP %d)", e.HTTPStatus)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.FBTraceID != "" {
		fmt.Fprintf(&b, " [fbtrace_id %s]", e.FBTraceID)
	}
	return b.String()
}

// Is reports whether the error belongs to the class target (one of
// ErrTokenInvalid, ErrNoConsent, ErrThrottled, ErrNotFound, ErrTransient).
// Each GraphError belongs to at most one class, checked in that order, so
// e.g. a 500 with code 190 is a token error, not a transient one.
func (e *GraphError) Is(target error) bool {
	c := e.class()
	return c != nil && c == target
}

func (e *GraphError) class() error {
	switch {
	case e.Code == 190 || e.Code == 102:
		return ErrTokenInvalid
	case e.Code == 230:
		return ErrNoConsent
	case isThrottleCode(e.Code) || e.HTTPStatus == 429:
		return ErrThrottled
	case e.Code == 100 && (e.Subcode == 33 || strings.Contains(strings.ToLower(e.Message), "does not exist")),
		e.Code == 803, e.Code == 110:
		return ErrNotFound
	case e.HTTPStatus >= 500 || e.Code == 1 || e.Code == 2 || e.IsTransient:
		return ErrTransient
	}
	return nil
}

// isThrottleCode reports Graph rate-limit codes: 4 (app), 17 (user), 32
// (page), 613 (custom) and the business use case codes 80000-80014 (80002 is
// Instagram's).
func isThrottleCode(code int) bool {
	switch code {
	case 4, 17, 32, 613:
		return true
	}
	return code >= 80000 && code <= 80014
}

// ThrottledError is returned for a throttled connection: either the call was
// throttled by Meta (Cause is the *GraphError) or the connection was already
// paused and no request was sent (Cause is nil). It matches ErrThrottled.
type ThrottledError struct {
	// ConnID is the throttled connection.
	ConnID string
	// Until is when calls for the connection are allowed again.
	Until time.Time
	// Cause is the Graph error that caused the pause, if this call got one.
	Cause error

	wait time.Duration
}

// RetryAfter is how long to wait, from when the error was created, before
// calling again for this connection; a job queue can snooze for it.
func (e *ThrottledError) RetryAfter() time.Duration { return e.wait }

// Error says which connection is paused and for how long.
func (e *ThrottledError) Error() string {
	who := "throttled"
	if e.ConnID != "" {
		who = fmt.Sprintf("connection %q throttled", e.ConnID)
	}
	msg := fmt.Sprintf("%s, paused until %s (retry after %s)",
		who, e.Until.UTC().Format(time.RFC3339), e.wait.Round(time.Second))
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Is makes every ThrottledError match ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// Unwrap returns the Graph error that caused the pause, if any.
func (e *ThrottledError) Unwrap() error { return e.Cause }

// Retryable reports whether the same call may succeed later without anyone
// changing anything: transient failures (already retried by the client,
// so retry later, e.g. in a later job run) and throttling (retry after
// ThrottledError.RetryAfter). Invalid tokens, missing consent, not found,
// invalid arguments, malformed answers, other Graph errors and the caller's
// own cancellation are not retryable.
func Retryable(err error) bool {
	return errors.Is(err, ErrTransient) || errors.Is(err, ErrThrottled)
}

// transportError is a failure to get an answer at all (network error,
// timeout, unreadable body). It is transient, and its message has been
// scrubbed of secrets; the wrapped *url.Error carries a redacted URL.
type transportError struct {
	msg string
	err error
}

func (e *transportError) Error() string        { return e.msg }
func (e *transportError) Unwrap() error        { return e.err }
func (e *transportError) Is(target error) bool { return target == ErrTransient }

// newTransportError wraps err from an HTTP exchange whose URL held secrets.
// A *url.Error is rebuilt with the redacted URL, so that even a caller that
// digs it out with errors.As cannot print the token.
func newTransportError(err error, redactedURL string, secrets []string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = &url.Error{Op: ue.Op, URL: redactedURL, Err: ue.Err}
	}
	return &transportError{msg: scrub(err.Error(), secrets), err: err}
}

// scrub replaces every occurrence of each secret (raw and URL-escaped) in s.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		s = strings.ReplaceAll(s, sec, "[REDACTED]")
		if esc := url.QueryEscape(sec); esc != sec {
			s = strings.ReplaceAll(s, esc, "[REDACTED]")
		}
		if esc := url.PathEscape(sec); esc != sec {
			s = strings.ReplaceAll(s, esc, "[REDACTED]")
		}
	}
	return s
}
