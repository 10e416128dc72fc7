package igsandbox

import (
	"fmt"
	"net/http"
	"time"
)

// graphError is a Graph API error answer. It is an error so resolvers can
// return it up to ServeHTTP, which writes it with its HTTP status.
type graphError struct {
	status int

	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	IsTransient bool   `json:"is_transient"`
	UserTitle   string `json:"error_user_title,omitempty"`
	UserMsg     string `json:"error_user_msg,omitempty"`
	FBTraceID   string `json:"fbtrace_id"`
}

func (e *graphError) Error() string {
	return fmt.Sprintf("graph error %d/%d: %s", e.Code, e.Subcode, e.Message)
}

const (
	typeOAuth  = "OAuthException"
	typeMethod = "GraphMethodException"
)

func oauthError(code, subcode int, msg string) *graphError {
	return &graphError{status: http.StatusBadRequest, Type: typeOAuth, Code: code, Subcode: subcode, Message: msg}
}

// errNoToken: Meta answers 104 here; the sandbox answers 190 so a client has a
// single "re-authorise" path (see the package doc).
func errNoToken() *graphError {
	return oauthError(190, 0, "An access token is required to request this resource.")
}

func errBadToken() *graphError {
	return oauthError(190, 0, "Invalid OAuth access token - Cannot parse access token")
}

func errExpiredToken(now time.Time) *graphError {
	const layout = "Monday, 02-Jan-06 15:04:05 MST"
	expired := now.Add(-time.Hour).UTC()
	return oauthError(190, 463, fmt.Sprintf(
		"Error validating access token: Session has expired on %s. The current time is %s.",
		expired.Format(layout), now.UTC().Format(layout)))
}

func errConsent() *graphError {
	return oauthError(230, 0, "(#230) User consent is required to access user profile")
}

func errPageTokenRequired() *graphError {
	return oauthError(210, 0, "(#210) This call requires a Page access token.")
}

// errNoObject is Meta's answer for an id that does not exist, is not visible
// to the token, or does not support the method.
func errNoObject(method, id string) *graphError {
	return &graphError{
		status: http.StatusBadRequest, Type: typeMethod, Code: 100, Subcode: 33,
		Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", method, id),
	}
}

func errNoField(name, nodeType string) *graphError {
	return oauthError(100, 0, fmt.Sprintf("(#100) Tried accessing nonexisting field (%s) on node type (%s)", name, nodeType))
}

func errParam(msg string) *graphError {
	return oauthError(100, 0, "(#100) "+msg)
}

func errPath(path string) *graphError {
	return oauthError(2500, 0, "Unknown path components: "+path)
}

func errSyntax(err error) *graphError {
	return oauthError(2500, 0, err.Error())
}

// errNotBusiness is what Meta answers for business_discovery on a personal
// or unknown account.
func errNotBusiness(username string) *graphError {
	e := oauthError(110, 2207013, "Invalid user id")
	e.UserTitle = "Cannot find User"
	e.UserMsg = fmt.Sprintf("The user with username: %s cannot be found.", username)
	return e
}

// errNotMentioned answers mentioned_media / mentioned_comment for an id that
// does not exist or does not mention the brand. Meta's exact wording is not
// documented; the code (100) is what clients should rely on.
func errNotMentioned(kind, id string) *graphError {
	return oauthError(100, 0, fmt.Sprintf("(#100) The %s %s does not exist or does not mention this account", kind, id))
}

// errCommentsDisabled: Meta documents that mentioned_comment fails when
// comments are disabled on the media but not the exact error; the sandbox
// answers code 100.
func errCommentsDisabled(mediaID string) *graphError {
	return oauthError(100, 0, fmt.Sprintf("(#100) Comments are disabled for media %s", mediaID))
}

func errInternal(err error) *graphError {
	return &graphError{status: http.StatusInternalServerError, Type: typeOAuth, Code: 1,
		Message: "An unknown error has occurred. (" + err.Error() + ")"}
}

// serverError is the answer of FaultServerError: code 1 (unknown error) or
// 2 (service temporarily unavailable, transient), HTTP 500.
func serverError(code int) *graphError {
	e := &graphError{status: http.StatusInternalServerError, Type: typeOAuth, Code: code}
	switch code {
	case 1:
		e.Message = "An unknown error has occurred."
	default:
		e.Message = "An unexpected error has occurred. Please retry your request later."
		e.IsTransient = true
	}
	return e
}

// throttleError is the answer of FaultThrottle for Meta's rate-limit codes.
func throttleError(code int) *graphError {
	msgs := map[int]string{
		4:     "(#4) Application request limit reached",
		17:    "(#17) User request limit reached",
		32:    "(#32) Page request limit reached",
		613:   "(#613) Calls to this api have exceeded the rate limit.",
		80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
	}
	msg, ok := msgs[code]
	if !ok {
		msg = fmt.Sprintf("(#%d) Rate limit reached", code)
	}
	e := oauthError(code, 0, msg)
	e.IsTransient = true
	return e
}
