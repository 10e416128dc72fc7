package rules

import (
	"fmt"
	"time"
)

// dateLayout is the reference's "format: date".
const dateLayout = "2006-01-02"

// Effectivity is the window in which a reactor is active, mirroring the
// reference schema Effectivity. Each bound is a date ("2024-06-01", read as
// UTC) or an RFC 3339 date-time.
type Effectivity struct {
	// Start is the first moment the reactor is active; required. A date
	// means midnight UTC at the start of that day.
	Start string `json:"start"`
	// End is the last moment the reactor is active; empty means open-ended.
	// A date means the whole of that day (UTC), because "until 2024-06-30"
	// is meant to include the 30th; a date-time is inclusive to the instant.
	End string `json:"end,omitempty"`
}

// bound is a parsed Start or End.
type bound struct {
	t        time.Time
	dateOnly bool
}

// parseBound reads a date or RFC 3339 date-time.
func parseBound(s string) (bound, error) {
	if t, err := time.Parse(dateLayout, s); err == nil {
		return bound{t: t, dateOnly: true}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return bound{}, fmt.Errorf("%q is neither a date (YYYY-MM-DD) nor an RFC 3339 date-time: %w", s, err)
	}
	return bound{t: t}, nil
}

// endExclusive is the first instant after the window, or zero when there is
// no end; one day past a date-only end, one nanosecond past a date-time.
func (b bound) endExclusive() time.Time {
	if b.dateOnly {
		return b.t.AddDate(0, 0, 1)
	}
	return b.t.Add(time.Nanosecond)
}

// bounds parses both ends, reporting which field is wrong.
func (e *Effectivity) bounds() (start bound, end *bound, err error) {
	if e.Start == "" {
		return bound{}, nil, fieldErr("start", "is required")
	}
	start, err = parseBound(e.Start)
	if err != nil {
		return bound{}, nil, &FieldError{Field: "start", Message: err.Error(), err: err}
	}
	if e.End == "" {
		return start, nil, nil
	}
	eb, err := parseBound(e.End)
	if err != nil {
		return bound{}, nil, &FieldError{Field: "end", Message: err.Error(), err: err}
	}
	return start, &eb, nil
}

// Validate checks that Start is present and both bounds parse, and that End
// is after Start (a date-only End on the Start day is a valid one-day
// window). Field is "start" or "end".
func (e *Effectivity) Validate() error {
	if e == nil {
		return nil
	}
	start, end, err := e.bounds()
	if err != nil {
		return err
	}
	if end == nil {
		return nil
	}
	// A date-only end stands for its whole day, so it only has to reach past
	// start; a date-time end must be strictly later, as a window of a
	// single instant is a mistake rather than an intent.
	last := end.t
	if end.dateOnly {
		last = end.endExclusive()
	}
	if !last.After(start.t) {
		return fieldErr("end", fmt.Sprintf("must be after start (%s)", e.Start))
	}
	return nil
}

// Contains reports whether t falls inside the window: from Start inclusive
// to End inclusive (the whole End day when End is a date). A nil
// *Effectivity contains every moment, as a reactor without an effectivity is
// always active. An unparseable bound returns its *FieldError.
func (e *Effectivity) Contains(t time.Time) (bool, error) {
	if e == nil {
		return true, nil
	}
	start, end, err := e.bounds()
	if err != nil {
		return false, err
	}
	if t.Before(start.t) {
		return false, nil
	}
	if end != nil && !t.Before(end.endExclusive()) {
		return false, nil
	}
	return true, nil
}
