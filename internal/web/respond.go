package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/shoutout-loyalty/shoutout/internal/loyalty"
)

// httpError is an error with its HTTP answer.
type httpError struct {
	status  int
	code    string
	message string
	field   string
}

func (e *httpError) Error() string { return e.message }

// Errorf makes an error answered with status and code.
func Errorf(status int, code, format string, args ...any) error {
	return &httpError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// WriteJSON answers v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError answers err as {"error": {"code", "message", "field"}} with the
// status its type calls for. Internal errors are logged by the caller's
// middleware and answered without detail.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	he := toHTTPError(err)
	body := map[string]any{"code": he.code, "message": he.message}
	if he.field != "" {
		body["field"] = he.field
	}
	if id := RequestID(r.Context()); id != "" {
		body["requestId"] = id
	}
	WriteJSON(w, he.status, map[string]any{"error": body})
}

func toHTTPError(err error) *httpError {
	var he *httpError
	var ve *loyalty.ValidationError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &mbe):
		return &httpError{status: http.StatusRequestEntityTooLarge, code: "body_too_large", message: fmt.Sprintf("request body exceeds %d bytes", mbe.Limit)}
	case errors.As(err, &ve):
		return &httpError{status: http.StatusBadRequest, code: "invalid_request", message: ve.Error(), field: ve.Field}
	case errors.Is(err, loyalty.ErrUnauthorized):
		return &httpError{status: http.StatusUnauthorized, code: "unauthorized", message: unwrapMessage(err)}
	case errors.Is(err, loyalty.ErrNotFound):
		return &httpError{status: http.StatusNotFound, code: "not_found", message: unwrapMessage(err)}
	case errors.Is(err, loyalty.ErrConflict):
		return &httpError{status: http.StatusConflict, code: "conflict", message: unwrapMessage(err)}
	case errors.Is(err, loyalty.ErrUnknownSubject):
		return &httpError{status: http.StatusUnprocessableEntity, code: "unknown_subject", message: unwrapMessage(err), field: "subject"}
	case errors.Is(err, loyalty.ErrInsufficientPoints):
		return &httpError{status: http.StatusUnprocessableEntity, code: "insufficient_points", message: unwrapMessage(err), field: "points"}
	case errors.Is(err, loyalty.ErrUnsupported):
		return &httpError{status: http.StatusUnprocessableEntity, code: "unsupported", message: unwrapMessage(err)}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &httpError{status: http.StatusServiceUnavailable, code: "timeout", message: "the request was cancelled or timed out"}
	default:
		return &httpError{status: http.StatusInternalServerError, code: "internal", message: "internal error"}
	}
}

func unwrapMessage(err error) string { return err.Error() }

// DecodeJSON reads a JSON body of at most MaxBodyBytes into v. Errors name
// the field that is wrong, or say the body is too large.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return Errorf(http.StatusBadRequest, "invalid_request", "cannot read body: %v", err)
	}
	if len(body) == 0 {
		return &httpError{status: http.StatusBadRequest, code: "invalid_request", message: "body: a JSON object is required", field: "body"}
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &httpError{status: http.StatusBadRequest, code: "invalid_request", field: te.Field,
				message: fmt.Sprintf("%s: must be of type %s, not %s", te.Field, goTypeToJSON(te.Type.Kind().String()), te.Value)}
		}
		return &httpError{status: http.StatusBadRequest, code: "invalid_json", field: "body", message: "body: malformed JSON: " + err.Error()}
	}
	return nil
}

func goTypeToJSON(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	case "ptr", "interface":
		return "value"
	default:
		return "number"
	}
}
