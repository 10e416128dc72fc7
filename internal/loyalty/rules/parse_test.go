package rules

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseExpressionJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`points > 0`, `{">":[{"var":["points"]},0]}`},
		{`instagram_followers >= 1000 AND instagram_verified = true`,
			`{"and":[{">=":[{"var":["instagram_followers"]},1000]},{"==":[{"var":["instagram_verified"]},true]}]}`},
		{`a = 1 OR b = 2 AND c = 3`,
			`{"or":[{"==":[{"var":["a"]},1]},{"and":[{"==":[{"var":["b"]},2]},{"==":[{"var":["c"]},3]}]}]}`},
		{`(a = 1 OR b = 2) AND c = 3`,
			`{"and":[{"or":[{"==":[{"var":["a"]},1]},{"==":[{"var":["b"]},2]}]},{"==":[{"var":["c"]},3]}]}`},
		{`NOT a = 1 AND b`, `{"and":[{"!":[{"==":[{"var":["a"]},1]}]},{"var":["b"]}]}`},
		{`NOT (a OR b)`, `{"!":[{"or":[{"var":["a"]},{"var":["b"]}]}]}`},
		{`not not a`, `{"!":[{"!":[{"var":["a"]}]}]}`},
		{`a and b Or c AND d`, `{"or":[{"and":[{"var":["a"]},{"var":["b"]}]},{"and":[{"var":["c"]},{"var":["d"]}]}]}`},
		{`a OR b OR c`, `{"or":[{"var":["a"]},{"var":["b"]},{"var":["c"]}]}`},
		{`tiktok_handle != null OR (instagram_follows_you = true AND NOT dm_keyword = "summer")`,
			`{"or":[{"!=":[{"var":["tiktok_handle"]},null]},{"and":[{"==":[{"var":["instagram_follows_you"]},true]},{"!":[{"==":[{"var":["dm_keyword"]},"summer"]}]}]}]}`},
		{`x == -1.5e2`, `{"==":[{"var":["x"]},-150]}`},
		{`x < 007`, `{"<":[{"var":["x"]},7]}`},
		{`x <= .5`, `{"<=":[{"var":["x"]},0.5]}`},
		{`stats.likes > 10`, `{">":[{"var":["stats.likes"]},10]}`},
		{`items.0.n = 1`, `{"==":[{"var":["items.0.n"]},1]}`},
		{`_private = FALSE`, `{"==":[{"var":["_private"]},false]}`},
		{`s = "a \"quoted\" \\ \u00e9\n\ud83d\ude00"`, `{"==":[{"var":["s"]},"a \"quoted\" \\ é\n😀"]}`},
		{`"lit" = "lit"`, `{"==":["lit","lit"]}`},
		{`((a))`, `{"var":["a"]}`},
		{`  a  `, `{"var":["a"]}`},
		{`énergie > 1`, `{">":[{"var":["énergie"]},1]}`},
		{`x = 1e21`, `{"==":[{"var":["x"]},1e+21]}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			e, err := ParseExpression(tt.in)
			if err != nil {
				t.Fatalf("ParseExpression: %v", err)
			}
			got, err := e.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseExpressionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		pos     int
		mention string
	}{
		{``, 1, "end of input"},
		{`   `, 4, "end of input"},
		{`a >`, 4, "end of input"},
		{`a > > 1`, 5, `">"`},
		{`a = 1 b = 2`, 7, "b"},
		{`(a = 1`, 7, `")"`},
		{`a = 1)`, 6, `")"`},
		{`a = 'x'`, 5, "double quotes"},
		{`a = "x`, 5, "unterminated"},
		{`a = "\q"`, 6, `\q`},
		{`a = "\u12"`, 6, "hex"},
		{`a = "\ud800"`, 6, "surrogate"},
		{"a = \"x\ny\"", 7, "control"},
		{`a ! b`, 3, "NOT"},
		{`a & b`, 3, `'&'`},
		{`a < b < c`, 7, "chained"},
		{`a..b = 1`, 3, "empty path segment"},
		{`a. = 1`, 2, "dot"},
		{`x = 12abc`, 5, "malformed number"},
		{`x = 1e`, 5, "exponent"},
		{`x = 1e999`, 5, "out of range"},
		{`AND a`, 1, "AND"},
		{`a AND`, 6, "end of input"},
		{`NOT`, 4, "end of input"},
		{`é = ("x"`, 9, `")"`}, // positions count characters, not bytes
		{"a = \"\xff\"", 6, "UTF-8"},
		// The parenthesis or NOT that goes one level too deep is named.
		{strings.Repeat("(", MaxDepth+2) + "a" + strings.Repeat(")", MaxDepth+2), MaxDepth, "deeply"},
		{strings.Repeat("NOT ", MaxDepth+1) + "a", 4*(MaxDepth-1) + 1, "deeply"},
		// Few parentheses, but a tree deeper than Compile accepts.
		{strings.Repeat("(x OR y AND a = ", 50) + "1" + strings.Repeat(")", 50), 1, "levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := ParseExpression(tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v (%T), want *SyntaxError", err, err)
			}
			if !errors.Is(err, ErrInvalidExpression) {
				t.Errorf("error does not match ErrInvalidExpression")
			}
			if se.Pos != tt.pos {
				t.Errorf("Pos = %d, want %d (%v)", se.Pos, tt.pos, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

// audienceData is a fixed member for evaluation tests.
func audienceData() map[string]any {
	return map[string]any{
		"instagram_followers":   json.Number("1500"),
		"instagram_verified":    true,
		"instagram_follows_you": true,
		"dm_keyword":            "winter",
		"tiktok_handle":         nil,
		"points":                0,
		"stats":                 map[string]any{"likes": 10.0},
		"followers_text":        "1000",
	}
}

func TestParseExpressionEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{`instagram_followers >= 1000 AND instagram_verified = true`, true},
		{`instagram_followers >= 2000 AND instagram_verified = true`, false},
		{`points > 0`, false},
		{`points = 0`, true},
		{`tiktok_handle != null`, false},
		{`tiktok_handle = null`, true},
		{`unknown_attribute = null`, true},
		{`tiktok_handle != null OR (instagram_follows_you = true AND NOT dm_keyword = "summer")`, true},
		{`tiktok_handle != null OR (instagram_follows_you = true AND NOT dm_keyword = "winter")`, false},
		{`NOT points`, true},
		{`instagram_verified`, true},
		{`NOT instagram_verified OR points >= 0`, true},
		{`false AND true OR true`, true},    // (false AND true) OR true
		{`false AND (true OR true)`, false}, // parentheses override
		{`NOT false AND false`, false},      // (NOT false) AND false
		{`stats.likes > 9.5`, true},
		{`followers_text = 1000`, true},   // loose equality
		{`followers_text > 999`, true},    // numeric string vs number
		{`followers_text > "999"`, false}, // two strings compare lexically
		{`dm_keyword < "x"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			e, err := ParseExpression(tt.in)
			if err != nil {
				t.Fatalf("ParseExpression: %v", err)
			}
			got, err := e.Truthy(audienceData())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("Truthy = %v, want %v (%s)", got, tt.want, e)
			}
		})
	}
}

// TestTextJSONRoundTrip checks that text → JSON → Compile gives the same
// tree and the same answers on several members.
func TestTextJSONRoundTrip(t *testing.T) {
	t.Parallel()
	members := []map[string]any{
		audienceData(),
		{},
		{"points": 12.0, "tiktok_handle": "@ada", "dm_keyword": "summer", "instagram_followers": "999"},
		{"instagram_followers": 1000, "instagram_verified": "true", "instagram_follows_you": 1},
	}
	exprs := []string{
		`instagram_followers >= 1000 AND instagram_verified = true`,
		`points > 0`,
		`tiktok_handle != null OR (instagram_follows_you = true AND NOT dm_keyword = "summer")`,
		`NOT (points <= 10 OR dm_keyword = "summer") AND tiktok_handle`,
		`instagram_follows_you == 1 or dm_keyword != "x\ty"`,
	}
	for _, text := range exprs {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			parsed, err := ParseExpression(text)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := json.Marshal(parsed)
			if err != nil {
				t.Fatal(err)
			}
			compiled, err := Compile(stored)
			if err != nil {
				t.Fatalf("Compile(%s): %v", stored, err)
			}
			again, _ := compiled.MarshalJSON()
			first, _ := parsed.MarshalJSON()
			if string(again) != string(first) {
				t.Fatalf("trees differ:\n%s\n%s", first, again)
			}
			if p, c := parsed.Vars(), compiled.Vars(); strings.Join(p, ",") != strings.Join(c, ",") {
				t.Fatalf("Vars differ: %q vs %q", p, c)
			}
			for i, m := range members {
				a, errA := parsed.Eval(m)
				b, errB := compiled.Eval(m)
				if errA != nil || errB != nil || !sameValue(a, b) {
					t.Fatalf("member %d: parsed = %v (%v), compiled = %v (%v)", i, a, errA, b, errB)
				}
			}
		})
	}
}
