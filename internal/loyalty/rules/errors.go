package rules

import "errors"

// Sentinel errors, so that callers can map failures to HTTP statuses with
// errors.Is without parsing messages.
var (
	// ErrInvalidExpression marks every error from Compile and ParseExpression:
	// a client sent a criteria or constraint that cannot be evaluated.
	ErrInvalidExpression = errors.New("invalid expression")
	// ErrUnknownOperator marks a JsonLogic operator outside the supported
	// subset; it is always wrapped together with ErrInvalidExpression.
	ErrUnknownOperator = errors.New("unknown operator")
	// ErrUnsupportedReaction marks a reaction type that the reference enum
	// allows but the embedded engine does not run (HANDLER, REWARD,
	// POINTS_CAP, BADGE), so the API can say "not supported" rather than
	// "invalid".
	ErrUnsupportedReaction = errors.New("unsupported reaction type")
	// ErrNonFinite is returned when a derivation overflows or otherwise
	// yields no finite number, since awarding Inf or NaN points would corrupt
	// a wallet.
	ErrNonFinite = errors.New("derivation result is not a finite number")
	// ErrNilExpr is returned when a nil *Expr is evaluated: a silent false
	// would make a reactor never fire, a silent true would make it always
	// fire, and neither is safe to guess.
	ErrNilExpr = errors.New("nil expression")
)

// FieldError reports which field of a definition is wrong, with Field as a
// JSON path (for example "reactions[0].points.operation") so that the API can
// point the client at the offending input.
type FieldError struct {
	// Field is the JSON path of the offending field, relative to the value
	// whose Validate method returned the error.
	Field string
	// Message says what is wrong, in words meant for the API client.
	Message string

	// err is the underlying cause, kept so that errors.Is/As still find
	// sentinels (ErrUnsupportedReaction) or a *SyntaxError.
	err error
}

// Error renders "field: message", the form API error bodies use.
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Unwrap exposes the cause so that errors.Is(err, ErrUnsupportedReaction) and
// errors.As(err, &syntaxErr) work through a FieldError.
func (e *FieldError) Unwrap() error { return e.err }

// fieldErr builds a FieldError without a cause.
func fieldErr(field, msg string) *FieldError {
	return &FieldError{Field: field, Message: msg}
}

// prefixed re-roots a nested object's error under its parent's path, so each
// type can validate itself with paths relative to itself.
func prefixed(prefix string, err error) error {
	if err == nil {
		return nil
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		return &FieldError{Field: prefix, Message: err.Error(), err: err}
	}
	field := prefix
	if fe.Field != "" {
		field = prefix + "." + fe.Field
	}
	return &FieldError{Field: field, Message: fe.Message, err: fe.err}
}
