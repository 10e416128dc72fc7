package rules

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestDerivationEvaluate(t *testing.T) {
	t.Parallel()
	payload := map[string]any{
		"like_count": float64(12),
		"views":      json.Number("250"),
		"shares":     "3",
		"padded":     " 4.5 ",
		"bad":        "lots",
		"empty":      "",
		"flag":       true,
		"nothing":    nil,
		"count":      7, // Go int, as a caller building payloads might pass
		"stats":      map[string]any{"likes": float64(40), "ratio": 1.25},
		"items":      []any{map[string]any{"n": float64(2)}, map[string]any{"n": json.Number("5")}},
	}
	tests := []struct {
		name string
		d    Derivation
		want float64
	}{
		{"fixed number", Derivation{Operation: OperationSum, Arguments: []Argument{num(10)}}, 10},
		{"sum of number and query", Derivation{Operation: OperationSum, Arguments: []Argument{num(5), query("like_count")}}, 17},
		{"json.Number payload", Derivation{Operation: OperationSum, Arguments: []Argument{query("views")}}, 250},
		{"numeric string payload", Derivation{Operation: OperationSum, Arguments: []Argument{query("shares")}}, 3},
		{"padded numeric string", Derivation{Operation: OperationSum, Arguments: []Argument{query("padded"), num(0.5)}}, 5},
		{"go int payload", Derivation{Operation: OperationSum, Arguments: []Argument{query("count")}}, 7},
		{"nested path", Derivation{Operation: OperationSum, Arguments: []Argument{query("stats.likes")}}, 40},
		{"array index path", Derivation{Operation: OperationSum, Arguments: []Argument{query("items.1.n"), query("items.0.n")}}, 7},
		{"product", Derivation{Operation: OperationProduct, Arguments: []Argument{num(2), query("like_count")}}, 24},
		{"sum missing counts 0", Derivation{Operation: OperationSum, Arguments: []Argument{num(5), query("nope")}}, 5},
		{"sum non-numeric counts 0", Derivation{Operation: OperationSum, Arguments: []Argument{num(5), query("bad"), query("empty"), query("flag"), query("nothing")}}, 5},
		{"sum index out of range counts 0", Derivation{Operation: OperationSum, Arguments: []Argument{num(1), query("items.9.n")}}, 1},
		{"sum path through scalar counts 0", Derivation{Operation: OperationSum, Arguments: []Argument{num(1), query("like_count.x")}}, 1},
		{"product missing is 0", Derivation{Operation: OperationProduct, Arguments: []Argument{num(5), query("nope")}}, 0},
		{"product non-numeric is 0", Derivation{Operation: OperationProduct, Arguments: []Argument{num(5), query("bad")}}, 0},
		{"max caps", Derivation{Operation: OperationProduct, Arguments: []Argument{num(10), query("like_count")}, Max: fp(100)}, 100},
		{"max not reached", Derivation{Operation: OperationSum, Arguments: []Argument{num(10)}, Max: fp(100)}, 10},
		{"default rounds to nearest", Derivation{Operation: OperationProduct, Arguments: []Argument{num(0.1), query("like_count")}}, 1},
		{"default rounds half away from zero", Derivation{Operation: OperationSum, Arguments: []Argument{num(2.5)}}, 3},
		{"default rounds negative half away from zero", Derivation{Operation: OperationSum, Arguments: []Argument{num(-2.5)}}, -3},
		{"up", Derivation{Operation: OperationSum, Arguments: []Argument{num(1.1)}, RoundingDirection: RoundingUp}, 2},
		{"down", Derivation{Operation: OperationSum, Arguments: []Argument{num(1.9)}, RoundingDirection: RoundingDown}, 1},
		{"up to unit", Derivation{Operation: OperationSum, Arguments: []Argument{query("like_count")}, RoundingDirection: RoundingUp, RoundingUnit: ip(5)}, 15},
		{"down to unit", Derivation{Operation: OperationSum, Arguments: []Argument{query("like_count")}, RoundingDirection: RoundingDown, RoundingUnit: ip(5)}, 10},
		{"nearest to unit", Derivation{Operation: OperationSum, Arguments: []Argument{num(14)}, RoundingUnit: ip(10)}, 10},
		{"exact multiple stays", Derivation{Operation: OperationSum, Arguments: []Argument{num(20)}, RoundingDirection: RoundingUp, RoundingUnit: ip(10)}, 20},
		{"up ignores float noise", Derivation{Operation: OperationProduct, Arguments: []Argument{num(0.1), num(3), num(10)}, RoundingDirection: RoundingUp}, 3},
		{"down ignores float noise", Derivation{Operation: OperationProduct, Arguments: []Argument{num(0.7), num(10)}, RoundingDirection: RoundingDown}, 7},
		{"up negative toward +inf", Derivation{Operation: OperationSum, Arguments: []Argument{num(-1.5)}, RoundingDirection: RoundingUp}, -1},
		{"down negative toward -inf", Derivation{Operation: OperationSum, Arguments: []Argument{num(-1.5)}, RoundingDirection: RoundingDown}, -2},
		{"negative zero normalised", Derivation{Operation: OperationSum, Arguments: []Argument{num(-0.3)}, RoundingDirection: RoundingUp}, 0},
		{"max before rounding", Derivation{Operation: OperationSum, Arguments: []Argument{num(57)}, Max: fp(50), RoundingDirection: RoundingDown, RoundingUnit: ip(20)}, 40},
		{"rounding never exceeds max", Derivation{Operation: OperationSum, Arguments: []Argument{num(12)}, Max: fp(15), RoundingDirection: RoundingUp, RoundingUnit: ip(10)}, 10},
		{"nearest never exceeds max", Derivation{Operation: OperationSum, Arguments: []Argument{num(30)}, Max: fp(10.5)}, 10},
		{"fractional query", Derivation{Operation: OperationProduct, Arguments: []Argument{query("stats.ratio"), num(10)}, RoundingDirection: RoundingDown}, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.d.Evaluate(payload)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			if got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
				t.Fatalf("Evaluate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDerivationEvaluateNilPayload(t *testing.T) {
	t.Parallel()
	d := Derivation{Operation: OperationSum, Arguments: []Argument{num(3), query("a.b")}}
	got, err := d.Evaluate(nil)
	if err != nil || got != 3 {
		t.Fatalf("Evaluate(nil) = %v, %v; want 3", got, err)
	}
}

func TestDerivationEvaluateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		d       Derivation
		payload map[string]any
		field   string
		sentry  error
	}{
		{name: "invalid derivation", d: Derivation{Operation: "AVG", Arguments: []Argument{num(1)}}, field: "operation"},
		{name: "overflow", d: Derivation{Operation: OperationProduct, Arguments: []Argument{num(1e308), num(1e308)}}, sentry: ErrNonFinite},
		{name: "overflow despite max", d: Derivation{Operation: OperationSum, Arguments: []Argument{query("big"), query("big")}, Max: fp(10)}, payload: map[string]any{"big": 1.7e308}, sentry: ErrNonFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.d.Evaluate(tt.payload)
			if tt.sentry != nil {
				if !errors.Is(err, tt.sentry) {
					t.Fatalf("error = %v, want %v", err, tt.sentry)
				}
				return
			}
			wantField(t, err, tt.field)
		})
	}
}

func TestDerivationJSON(t *testing.T) {
	t.Parallel()
	raw := `{"operation":"SUM","arguments":[{"type":"NUMBER","value":5},{"type":"PAYLOAD_QUERY","query":"like_count"}],"max":100,"roundingDirection":"DOWN","roundingUnit":5}`
	var d Derivation
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	got, err := d.Evaluate(map[string]any{"like_count": 23.0})
	if err != nil || got != 25 {
		t.Fatalf("Evaluate = %v, %v; want 25", got, err)
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != raw {
		t.Fatalf("round trip:\n got %s\nwant %s", out, raw)
	}
}
