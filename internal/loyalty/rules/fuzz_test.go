package rules

import (
	"encoding/json"
	"testing"
)

// fuzzData is the fixed member the fuzz targets evaluate against: a mix of
// every JSON type, so that comparisons take all their paths.
func fuzzData() map[string]any {
	return map[string]any{
		"a":      1.0,
		"b":      json.Number("2.5"),
		"s":      "summer",
		"n":      "10",
		"t":      true,
		"f":      false,
		"z":      nil,
		"e":      "",
		"arr":    []any{1.0, "x", nil, []any{}},
		"obj":    map[string]any{"k": "v", "num": 3},
		"points": 0,
	}
}

// checkRoundTrip asserts that e's JsonLogic compiles again into an
// expression that gives the same answer on fuzzData.
func checkRoundTrip(t *testing.T, e *Expr) {
	t.Helper()
	out, err := e.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	again, err := Compile(out)
	if err != nil {
		t.Fatalf("Compile(MarshalJSON()) = %v for %s", err, out)
	}
	out2, err := again.MarshalJSON()
	if err != nil || string(out2) != string(out) {
		t.Fatalf("second round trip differs: %s vs %s (%v)", out, out2, err)
	}
	want, errA := e.Eval(fuzzData())
	got, errB := again.Eval(fuzzData())
	if (errA == nil) != (errB == nil) || !sameValue(got, want) {
		t.Fatalf("Eval differs after round trip of %s: %#v (%v) vs %#v (%v)", out, want, errA, got, errB)
	}
	if _, err := e.Truthy(fuzzData()); err != nil {
		t.Fatalf("Truthy: %v", err)
	}
	_ = e.Vars()
}

func FuzzParseExpression(f *testing.F) {
	for _, seed := range []string{
		`instagram_followers >= 1000 AND instagram_verified = true`,
		`points > 0`,
		`tiktok_handle != null OR (instagram_follows_you = true AND NOT dm_keyword = "summer")`,
		`NOT (a OR b) and c <= -1.5e3`,
		`s = "esc \" \\ \u00e9 \ud83d\ude00"`,
		`obj.k == "v" OR arr.1 != "x"`,
		`((a))`,
		`a < b < c`,
		`"unterminated`,
		`x = 1e999`,
		``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpression(s)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error %v is %T, want *SyntaxError", err, err)
			}
			return
		}
		checkRoundTrip(t, e)
	})
}

func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		`{"and": [{">=": [{"var": "a"}, 1]}, {"==": [{"var": "t"}, true]}]}`,
		`{"in": ["um", {"var": "s"}]}`,
		`{"in": [1, {"var": "arr"}]}`,
		`{"<": [0, {"var": "b"}, 3]}`,
		`{"if": [{"missing": ["a", "q"]}, "no", {"var": ["obj.k", "d"]}]}`,
		`{"!!": [[]]}`,
		`{"or": [{"===": ["1", 1]}, {"!==": [null, {"var": "z"}]}]}`,
		`[1, {"var": "n"}, {}]`,
		`{"var": {"var": "s"}}`,
		`{"regex": 1}`,
		`"x"`,
		`12e400`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := Compile(raw)
		if err != nil {
			return
		}
		checkRoundTrip(t, e)
	})
}
