package rules

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Derivation operations, argument types and rounding directions, as the
// reference's enums spell them.
const (
	// OperationSum adds the arguments.
	OperationSum = "SUM"
	// OperationProduct multiplies the arguments.
	OperationProduct = "PRODUCT"

	// ArgumentNumber is a fixed Value.
	ArgumentNumber = "NUMBER"
	// ArgumentPayloadQuery reads a number from the event payload at Query.
	ArgumentPayloadQuery = "PAYLOAD_QUERY"

	// RoundingUp rounds toward +∞ to a multiple of the unit.
	RoundingUp = "UP"
	// RoundingDown rounds toward −∞ to a multiple of the unit.
	RoundingDown = "DOWN"
)

// Derivation computes a number of points from an event, mirroring the
// reference schema Derivation field for field.
type Derivation struct {
	// Operation combines the arguments: SUM or PRODUCT.
	Operation string `json:"operation"`
	// Arguments are the terms or factors; at least one is required.
	Arguments []Argument `json:"arguments"`
	// Max caps the result before rounding; nil means no cap.
	Max *float64 `json:"max,omitempty"`
	// RoundingDirection is UP (ceiling) or DOWN (floor); empty rounds to the
	// nearest unit, halves away from zero.
	RoundingDirection string `json:"roundingDirection,omitempty"`
	// RoundingUnit is the step the result is rounded to; nil means 1, so
	// derived points are whole numbers unless a caller asks otherwise.
	RoundingUnit *int `json:"roundingUnit,omitempty"`
}

// Argument is one term of a Derivation: a fixed NUMBER or a PAYLOAD_QUERY
// that reads a number from the event payload.
type Argument struct {
	// Type is NUMBER or PAYLOAD_QUERY.
	Type string `json:"type"`
	// Value is the fixed number of a NUMBER argument.
	Value *float64 `json:"value,omitempty"`
	// Query is the dotted payload path of a PAYLOAD_QUERY argument, such as
	// "like_count", "stats.likes" or "items.0.n" (array indexes allowed).
	Query string `json:"query,omitempty"`
}

// Validate checks the derivation against the reference schema, returning a
// *FieldError whose Field is relative to the derivation ("operation",
// "arguments[1].query").
func (d *Derivation) Validate() error {
	if d == nil {
		return fieldErr("", "is required")
	}
	switch d.Operation {
	case OperationSum, OperationProduct:
	case "":
		return fieldErr("operation", "is required (SUM or PRODUCT)")
	default:
		return fieldErr("operation", fmt.Sprintf("must be SUM or PRODUCT, got %q", d.Operation))
	}
	if len(d.Arguments) == 0 {
		return fieldErr("arguments", "must contain at least one argument")
	}
	for i := range d.Arguments {
		if err := d.Arguments[i].Validate(); err != nil {
			return prefixed(fmt.Sprintf("arguments[%d]", i), err)
		}
	}
	if d.Max != nil && !isFinite(*d.Max) {
		return fieldErr("max", "must be a finite number")
	}
	switch d.RoundingDirection {
	case "", RoundingUp, RoundingDown:
	default:
		return fieldErr("roundingDirection", fmt.Sprintf("must be UP or DOWN, got %q", d.RoundingDirection))
	}
	if d.RoundingUnit != nil && *d.RoundingUnit < 1 {
		return fieldErr("roundingUnit", "must be at least 1")
	}
	return nil
}

// Validate checks one argument, with Field relative to it ("type", "value",
// "query").
func (a *Argument) Validate() error {
	switch a.Type {
	case ArgumentNumber:
		if a.Value == nil {
			return fieldErr("value", "is required for a NUMBER argument")
		}
		if !isFinite(*a.Value) {
			return fieldErr("value", "must be a finite number")
		}
	case ArgumentPayloadQuery:
		if err := validQuery(a.Query); err != nil {
			return fieldErr("query", err.Error())
		}
	case "":
		return fieldErr("type", "is required (NUMBER or PAYLOAD_QUERY)")
	default:
		return fieldErr("type", fmt.Sprintf("must be NUMBER or PAYLOAD_QUERY, got %q", a.Type))
	}
	return nil
}

// validQuery rejects paths with empty segments, which could never match and
// are almost certainly typos.
func validQuery(q string) error {
	if q == "" {
		return errors.New("is required for a PAYLOAD_QUERY argument")
	}
	for seg := range strings.SplitSeq(q, ".") {
		if seg == "" {
			return fmt.Errorf("%q has an empty path segment", q)
		}
	}
	return nil
}

// Evaluate derives the number of points for an event payload: the SUM or
// PRODUCT of the arguments, capped at Max, then rounded to RoundingUnit.
//
// A PAYLOAD_QUERY whose value is missing, null or not numeric counts as 0:
// it adds nothing to a SUM and makes a PRODUCT 0, so a malformed event earns
// nothing rather than failing the whole reaction. Numbers may be float64,
// json.Number, any Go integer type, or numeric strings as JavaScript's
// Number() reads them ("12", " 1.5 ", "1e3"); booleans are not numbers here.
//
// Rounding: UP is the ceiling and DOWN the floor to a multiple of the unit
// (toward +∞ and −∞, also for negative results); no direction rounds to the
// nearest multiple, halves away from zero. Quotients within 1e-9 of a whole
// multiple are snapped first, so float noise (0.1*3*10) cannot push UP a
// whole step. Max is a hard ceiling: if rounding would carry a capped result
// above Max, it is rounded DOWN instead.
//
// An invalid derivation returns its *FieldError; an overflowing one returns
// ErrNonFinite.
func (d *Derivation) Evaluate(payload map[string]any) (float64, error) {
	if err := d.Validate(); err != nil {
		return 0, err
	}
	result := 0.0
	if d.Operation == OperationProduct {
		result = 1
	}
	for _, a := range d.Arguments {
		v := a.value(payload)
		if d.Operation == OperationProduct {
			result *= v
		} else {
			result += v
		}
	}
	if !isFinite(result) {
		return 0, fmt.Errorf("%s of %d arguments: %w", d.Operation, len(d.Arguments), ErrNonFinite)
	}
	if d.Max != nil && result > *d.Max {
		result = *d.Max
	}
	unit := 1.0
	if d.RoundingUnit != nil {
		unit = float64(*d.RoundingUnit)
	}
	rounded := roundTo(result, unit, d.RoundingDirection)
	if d.Max != nil && rounded > *d.Max {
		rounded = roundTo(result, unit, RoundingDown)
	}
	if !isFinite(rounded) {
		return 0, fmt.Errorf("rounding %v to %v: %w", result, unit, ErrNonFinite)
	}
	return rounded + 0, nil // + 0 turns -0 into 0, which JSON would print as -0
}

// value is the argument's number for this payload, 0 when a query finds no
// usable number.
func (a *Argument) value(payload map[string]any) float64 {
	if a.Type == ArgumentNumber {
		return *a.Value
	}
	v, found := lookupPath(payload, a.Query)
	if !found {
		return 0
	}
	f, ok := payloadNumber(v)
	if !ok {
		return 0
	}
	return f
}

// payloadNumber reads v as a finite number, or reports that it is none.
func payloadNumber(v any) (float64, bool) {
	c, k := canon(v)
	var f float64
	switch k {
	case kindNumber:
		f = c.(float64)
	case kindString:
		s := c.(string)
		if strings.TrimSpace(s) == "" {
			return 0, false
		}
		f = parseJSNumber(s)
	default:
		return 0, false
	}
	return f, isFinite(f)
}

// roundTo rounds x to a multiple of unit in the given direction.
func roundTo(x, unit float64, direction string) float64 {
	q := x / unit
	if r := math.Round(q); math.Abs(q-r) <= 1e-9*math.Max(1, math.Abs(q)) {
		q = r
	}
	switch direction {
	case RoundingUp:
		q = math.Ceil(q)
	case RoundingDown:
		q = math.Floor(q)
	default:
		q = math.Round(q)
	}
	return q * unit
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
