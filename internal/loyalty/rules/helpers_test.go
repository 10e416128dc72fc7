package rules

import "testing"

func fp(f float64) *float64 { return &f }
func ip(i int) *int         { return &i }

func num(f float64) Argument  { return Argument{Type: ArgumentNumber, Value: fp(f)} }
func query(q string) Argument { return Argument{Type: ArgumentPayloadQuery, Query: q} }

// wantField asserts err is a *FieldError for field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	fe, ok := err.(*FieldError)
	if !ok {
		t.Fatalf("error = %v (%T), want *FieldError for %q", err, err, field)
	}
	if fe.Field != field {
		t.Fatalf("error field = %q (%v), want %q", fe.Field, fe, field)
	}
	if fe.Message == "" {
		t.Fatalf("error for %q has no message", field)
	}
}
