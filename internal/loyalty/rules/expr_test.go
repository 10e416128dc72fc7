package rules

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// sameValue compares evaluation results by JSON meaning, so that
// json.Number("1") and 1.0 are the same.
func sameValue(got, want any) bool {
	g, gk := canon(got)
	w, wk := canon(want)
	if gk != wk {
		return false
	}
	switch gk {
	case kindArray:
		ge, we := elements(g), elements(w)
		if len(ge) != len(we) {
			return false
		}
		for i := range ge {
			if !sameValue(ge[i], we[i]) {
				return false
			}
		}
		return true
	case kindObject:
		return reflect.DeepEqual(g, w)
	}
	return g == w
}

func TestJSONLogic(t *testing.T) {
	t.Parallel()
	data := map[string]any{
		"n":       json.Number("5"),
		"f":       5.0,
		"i":       5,
		"s5":      "5",
		"zero":    0.0,
		"szero":   "0",
		"empty":   "",
		"t":       true,
		"fl":      false,
		"null":    nil,
		"name":    "Ada Lovelace",
		"tags":    []any{"a", "b", 3.0},
		"strs":    []string{"x", "y"},
		"none":    []any{},
		"obj":     map[string]any{"deep": map[string]any{"v": 42.0}},
		"emptyo":  map[string]any{},
		"items":   []any{map[string]any{"n": 1.0}, map[string]any{"n": 2.0}},
		"payload": map[string]any{"like_count": 12.0, "kind": "reel"},
	}
	tests := []struct {
		rule string
		want any
	}{
		// var
		{`{"var": "n"}`, 5},
		{`{"var": ["n"]}`, 5},
		{`{"var": "obj.deep.v"}`, 42},
		{`{"var": "items.1.n"}`, 2},
		{`{"var": "items.01.n"}`, nil},
		{`{"var": "strs.1"}`, "y"},
		{`{"var": "missing"}`, nil},
		{`{"var": ["missing", 7]}`, 7},
		{`{"var": ["null", 7]}`, nil}, // a present null is not missing
		{`{"var": ["null.x", 7]}`, 7},
		{`{"var": ["name.x", 7]}`, 7},
		{`{"var": ["payload.like_count", 0]}`, 12},
		{`{"var": [{"if": [true, "n", "f"]}]}`, 5},
		{`{"var": [1]}`, nil},
		// == loose
		{`{"==": [{"var": "n"}, 5]}`, true},
		{`{"==": [{"var": "i"}, {"var": "f"}]}`, true},
		{`{"==": [{"var": "s5"}, 5]}`, true},
		{`{"==": [5, "5.0"]}`, true},
		{`{"==": [1, true]}`, true},
		{`{"==": ["1", true]}`, true},
		{`{"==": ["true", true]}`, false},
		{`{"==": [0, false]}`, true},
		{`{"==": ["", 0]}`, true},
		{`{"==": [null, null]}`, true},
		{`{"==": [{"var": "missing"}, null]}`, true},
		{`{"==": [null, 0]}`, false},
		{`{"==": [null, false]}`, false},
		{`{"==": ["abc", "abc"]}`, true},
		{`{"==": ["abc", "ABC"]}`, false},
		{`{"==": [[1, 2], "1,2"]}`, true},
		{`{"==": [[1], [1]]}`, false},
		{`{"==": ["x", 0]}`, false},
		{`{"!=": [{"var": "n"}, 6]}`, true},
		{`{"!=": ["5", 5]}`, false},
		// === strict
		{`{"===": [{"var": "n"}, {"var": "i"}]}`, true},
		{`{"===": ["5", 5]}`, false},
		{`{"===": [1, true]}`, false},
		{`{"===": [null, null]}`, true},
		{`{"!==": ["5", 5]}`, true},
		{`{"!==": [5, 5]}`, false},
		// relational
		{`{">": [{"var": "n"}, 4]}`, true},
		{`{">": [{"var": "s5"}, 4]}`, true},
		{`{">": ["10", "9"]}`, false}, // two strings compare lexically
		{`{">": ["10", 9]}`, true},
		{`{"<": ["abc", "abd"]}`, true},
		{`{">=": [5, 5]}`, true},
		{`{"<=": [5, 4]}`, false},
		{`{"<": [{"var": "missing"}, 1]}`, true}, // null is 0, as in JavaScript
		{`{">": ["x", 0]}`, false},
		{`{"<=": ["x", 0]}`, false},
		{`{">": [true, 0]}`, true},
		{`{"<": [1, 2, 3]}`, true},
		{`{"<": [1, 1, 3]}`, false},
		{`{"<=": [1, 1, 3]}`, true},
		{`{"<=": [1, 4, 3]}`, false},
		{`{">": [3, 2, 1]}`, true},
		{`{">=": [3, 3, 4]}`, false},
		// ! and !! truthiness
		{`{"!": [true]}`, false},
		{`{"!": false}`, true},
		{`{"!!": [0]}`, false},
		{`{"!!": [-1]}`, true},
		{`{"!!": [""]}`, false},
		{`{"!!": ["0"]}`, true},
		{`{"!!": ["false"]}`, true},
		{`{"!!": [null]}`, false},
		{`{"!!": [[]]}`, false},
		{`{"!!": [[0]]}`, true},
		{`{"!!": [{}]}`, true},
		{`{"!!": [{"var": "none"}]}`, false},
		{`{"!!": [{"var": "emptyo"}]}`, true},
		{`{"!!": [{"var": "szero"}]}`, true},
		{`{"!!": [{"var": "zero"}]}`, false},
		{`{"!!": [{"var": "strs"}]}`, true},
		{`{"!": [{"var": "missing"}]}`, true},
		// and / or return the deciding value
		{`{"and": [true, 1, "x"]}`, "x"},
		{`{"and": [true, 0, "x"]}`, 0},
		{`{"and": [{"var": "t"}, {">": [{"var": "n"}, 1]}]}`, true},
		{`{"or": [false, 0, "", "y"]}`, "y"},
		{`{"or": [false, 0]}`, 0},
		{`{"or": [{"var": "missing"}, {"var": "fl"}]}`, false},
		{`{"and": [false, {"var": [{"missing": "zzz"}]}]}`, false},
		// in
		{`{"in": ["Love", {"var": "name"}]}`, true},
		{`{"in": ["love", {"var": "name"}]}`, false},
		{`{"in": ["b", {"var": "tags"}]}`, true},
		{`{"in": [3, {"var": "tags"}]}`, true},
		{`{"in": ["3", {"var": "tags"}]}`, false},
		{`{"in": ["y", {"var": "strs"}]}`, true},
		{`{"in": [5, "a5"]}`, true},
		{`{"in": ["a", {"var": "missing"}]}`, false},
		{`{"in": ["a", 123]}`, false},
		{`{"in": [{"var": "payload.kind"}, ["reel", "story"]]}`, true},
		// missing
		{`{"missing": ["n", "nope", "null", "empty", "zero"]}`, []any{"nope", "null", "empty"}},
		{`{"missing": [["n", "nope"]]}`, []any{"nope"}},
		{`{"missing": "n"}`, []any{}},
		{`{"!": {"missing": ["n", "f"]}}`, true},
		// if
		{`{"if": [true, "yes", "no"]}`, "yes"},
		{`{"if": [false, "yes", "no"]}`, "no"},
		{`{"if": [false, "a", false, "b"]}`, nil},
		{`{"if": [false, "a", true, "b", "c"]}`, "b"},
		{`{"if": [false, "a", 0, "b", "c"]}`, "c"},
		{`{"if": ["only"]}`, "only"},
		// literals
		{`true`, true},
		{`"text"`, "text"},
		{`3.5`, 3.5},
		{`null`, nil},
		{`[1, {"var": "n"}]`, []any{1.0, 5.0}},
		{`{}`, map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(json.RawMessage(tt.rule))
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := e.Eval(data)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if !sameValue(got, tt.want) {
				t.Fatalf("Eval = %#v, want %#v", got, tt.want)
			}
			ok, err := e.Truthy(data)
			if err != nil || ok != truthy(tt.want) {
				t.Fatalf("Truthy = %v, %v; want %v", ok, err, truthy(tt.want))
			}
		})
	}
}

func TestVarWholeData(t *testing.T) {
	t.Parallel()
	data := map[string]any{"a": 1.0}
	for _, rule := range []string{`{"var": ""}`, `{"var": []}`, `{"var": null}`} {
		e, err := Compile(json.RawMessage(rule))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := e.Eval(data)
		if !reflect.DeepEqual(got, data) {
			t.Errorf("%s = %v, want the data", rule, got)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule    string
		unknown bool
		mention string
	}{
		{``, false, "JSON"},
		{`{`, false, "JSON"},
		{`{"==": [1, 2]} x`, false, "after"},
		{`{"regex": ["a", "b"]}`, true, `"regex"`},
		{`{"and": [true, {"+": [1, 2]}]}`, true, `"+"`},
		{`{"==": [1]}`, false, `"=="`},
		{`{"==": [1, 2, 3]}`, false, "exactly 2"},
		{`{"<": [1, 2, 3, 4]}`, false, "2 to 3"},
		{`{"!": []}`, false, `"!"`},
		{`{"and": []}`, false, "at least 1"},
		{`{"var": ["a", 1, 2]}`, false, `"var"`},
		{`{"==": [1, 2], "!=": [1, 2]}`, false, "exactly one key"},
		{strings.Repeat(`{"!":`, MaxDepth+1) + "true" + strings.Repeat("}", MaxDepth+1), false, "deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(json.RawMessage(tt.rule))
			if err == nil {
				t.Fatal("Compile succeeded, want an error")
			}
			if !errors.Is(err, ErrInvalidExpression) {
				t.Errorf("error %v does not match ErrInvalidExpression", err)
			}
			if errors.Is(err, ErrUnknownOperator) != tt.unknown {
				t.Errorf("errors.Is(ErrUnknownOperator) = %v, want %v (%v)", !tt.unknown, tt.unknown, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestNilExpr(t *testing.T) {
	t.Parallel()
	var e *Expr
	if _, err := e.Eval(nil); !errors.Is(err, ErrNilExpr) {
		t.Errorf("Eval on nil = %v, want ErrNilExpr", err)
	}
	if _, err := e.Truthy(nil); !errors.Is(err, ErrNilExpr) {
		t.Errorf("Truthy on nil = %v, want ErrNilExpr", err)
	}
	if b, _ := e.MarshalJSON(); string(b) != "null" {
		t.Errorf("MarshalJSON on nil = %s", b)
	}
	if e.Vars() != nil {
		t.Error("Vars on nil should be nil")
	}
}

func TestVars(t *testing.T) {
	t.Parallel()
	e, err := Compile(json.RawMessage(`{"and": [
		{">=": [{"var": "instagram_followers"}, 1000]},
		{"==": [{"var": ["points", 0]}, {"var": "instagram_followers"}]},
		{"!": {"missing": ["tiktok_handle", "a.b"]}},
		{"missing": [["x"]]},
		{"var": ""},
		{"var": 2},
		{"var": {"var": "computed"}}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2", "a.b", "computed", "instagram_followers", "points", "tiktok_handle", "x"}
	if got := e.Vars(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Vars = %q, want %q", got, want)
	}
}

func TestMarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"var": "a"}`, `{"var":["a"]}`},
		{`{"<": [1, {"var": "x"}, 1e3]}`, `{"<":[1,{"var":["x"]},1e3]}`},
		{`{"in": ["a", ["a", "b"]]}`, `{"in":["a",["a","b"]]}`},
		{`{"!!": {}}`, `{"!!":[{}]}`},
		{`{"==": ["<&>", null]}`, `{"==":["<&>",null]}`},
	}
	for _, tt := range tests {
		e, err := Compile(json.RawMessage(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		// json.Marshal would re-escape < and & as \u003c; the bytes from
		// MarshalJSON itself keep them readable.
		got, err := e.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("Marshal(%s) = %s, want %s", tt.in, got, tt.want)
		}
		if e.String() != tt.want {
			t.Errorf("String() = %s, want %s", e, tt.want)
		}
	}
}

func TestExprInStruct(t *testing.T) {
	t.Parallel()
	var v struct {
		Criteria *Expr `json:"criteriaJsonLogic"`
	}
	if err := json.Unmarshal([]byte(`{"criteriaJsonLogic": {">": [{"var": "points"}, 0]}}`), &v); err != nil {
		t.Fatal(err)
	}
	ok, err := v.Criteria.Truthy(map[string]any{"points": 3})
	if err != nil || !ok {
		t.Fatalf("Truthy = %v, %v", ok, err)
	}
	err = json.Unmarshal([]byte(`{"criteriaJsonLogic": {"nope": []}}`), &v)
	if !errors.Is(err, ErrUnknownOperator) {
		t.Fatalf("Unmarshal of unknown operator = %v", err)
	}
}
