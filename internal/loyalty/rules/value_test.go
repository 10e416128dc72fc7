package rules

import (
	"encoding/json"
	"math"
	"testing"
)

func TestParseJSNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64 // NaN means "not a number"
	}{
		{"", 0},
		{"  ", 0},
		{"12", 12},
		{" 12\n", 12},
		{"-1.5", -1.5},
		{"+3", 3},
		{".5", 0.5},
		{"5.", 5},
		{"1e3", 1000},
		{"1E-2", 0.01},
		{"0x1F", 31},
		{"0b101", 5},
		{"0o17", 15},
		{"Infinity", math.Inf(1)},
		{"-Infinity", math.Inf(-1)},
		{"1e999", math.Inf(1)},
		{"inf", math.NaN()},
		{"NaN", math.NaN()},
		{"1_000", math.NaN()},
		{"-0x10", math.NaN()},
		{"0xZZ", math.NaN()},
		{"12px", math.NaN()},
		{"e5", math.NaN()},
		{"1e", math.NaN()},
		{".", math.NaN()},
		{"true", math.NaN()},
	}
	for _, tt := range tests {
		got := parseJSNumber(tt.in)
		if math.IsNaN(tt.want) != math.IsNaN(got) || (!math.IsNaN(got) && got != tt.want) {
			t.Errorf("parseJSNumber(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestFormatJSNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1000, "1000"},
		{-2.5, "-2.5"},
		{1e21, "1e+21"},
		{1e-7, "1e-7"},
		{0.000001, "0.000001"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
	}
	for _, tt := range tests {
		if got := formatJSNumber(tt.in); got != tt.want {
			t.Errorf("formatJSNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type myInt int32
type myString string

func TestGoTypedData(t *testing.T) {
	t.Parallel()
	n := 7
	var nilPtr *int
	data := map[string]any{
		"u8":     uint8(3),
		"f32":    float32(1.5),
		"named":  myInt(4),
		"nstr":   myString("hi"),
		"ptr":    &n,
		"nilptr": nilPtr,
		"labels": map[string]string{"tier": "gold"},
		"counts": map[string]int{"likes": 9},
		"ints":   []int{1, 2, 3},
		"arr":    [2]string{"a", "b"},
		"jn":     json.Number("not a number"),
		"struct": struct{ A int }{1},
	}
	tests := []struct {
		rule string
		want bool
	}{
		{`{"==": [{"var": "u8"}, 3]}`, true},
		{`{"==": [{"var": "f32"}, 1.5]}`, true},
		{`{"===": [{"var": "named"}, 4]}`, true},
		{`{"===": [{"var": "nstr"}, "hi"]}`, true},
		{`{"==": [{"var": "ptr"}, 7]}`, true},
		{`{"==": [{"var": "nilptr"}, null]}`, true},
		{`{"==": [{"var": "labels.tier"}, "gold"]}`, true},
		{`{">": [{"var": "counts.likes"}, 8]}`, true},
		{`{"==": [{"var": ["counts.none", "d"]}, "d"]}`, true},
		{`{"==": [{"var": "ints.2"}, 3]}`, true},
		{`{"in": [2, {"var": "ints"}]}`, true},
		{`{"==": [{"var": "arr.1"}, "b"]}`, true},
		{`{"==": [{"var": "arr"}, "a,b"]}`, true},
		{`{"==": [{"var": ["ints.5", 0]}, 0]}`, true},
		{`{"==": [{"var": ["ptr.x", 0]}, 0]}`, true},
		{`{"!!": [{"var": "jn"}]}`, false}, // an invalid json.Number is NaN
		{`{"!!": [{"var": "struct"}]}`, true},
		{`{"==": [{"var": "struct"}, "[object Object]"]}`, true},
		{`{"in": ["ob", {"var": "struct"}]}`, false},
	}
	for _, tt := range tests {
		e, err := Compile(json.RawMessage(tt.rule))
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Truthy(data)
		if err != nil || got != tt.want {
			t.Errorf("%s = %v, %v; want %v", tt.rule, got, err, tt.want)
		}
	}
}

func TestFieldErrorString(t *testing.T) {
	t.Parallel()
	if got := (&FieldError{Field: "reactions[0].type", Message: "is required"}).Error(); got != "reactions[0].type: is required" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&FieldError{Message: "is required"}).Error(); got != "is required" {
		t.Errorf("Error() without field = %q", got)
	}
	if err := (*Derivation)(nil).Validate(); err == nil {
		t.Error("a nil derivation should not validate")
	}
}
