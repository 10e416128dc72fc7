package rules

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode"
)

// kind is the JSON type a Go value stands for. Comparisons follow
// JavaScript's rules, which dispatch on the JSON type rather than on the Go
// type, so values from encoding/json (float64, json.Number) and values built
// by Go callers (int, []string, map[string]string) must compare alike.
type kind int

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// canon reduces v to nil, bool, float64, string or (for arrays and objects)
// v itself, together with its kind.
func canon(v any) (any, kind) {
	switch x := v.(type) {
	case nil:
		return nil, kindNull
	case bool:
		return x, kindBool
	case string:
		return x, kindString
	case float64:
		return x, kindNumber
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !isRangeErr(err) {
			return math.NaN(), kindNumber
		}
		return f, kindNumber
	case int:
		return float64(x), kindNumber
	case int64:
		return float64(x), kindNumber
	case []any:
		return x, kindArray
	case map[string]any:
		return x, kindObject
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool:
		return rv.Bool(), kindBool
	case reflect.String:
		return rv.String(), kindString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), kindNumber
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), kindNumber
	case reflect.Float32, reflect.Float64:
		return rv.Float(), kindNumber
	case reflect.Slice, reflect.Array:
		return v, kindArray
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, kindNull
		}
		return canon(rv.Elem().Interface())
	default:
		return v, kindObject
	}
}

// isRangeErr tells overflow (which JavaScript reads as Infinity or 0) from
// malformed input.
func isRangeErr(err error) bool { return errors.Is(err, strconv.ErrRange) }

// elements lists an array value's items, whatever Go slice type holds them.
func elements(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

// truthy is JsonLogic's truthiness: JavaScript's, except that an empty array
// is false (json-logic-js special-cases it so that {"missing": ...} results
// can be tested directly).
func truthy(v any) bool {
	c, k := canon(v)
	switch k {
	case kindNull:
		return false
	case kindBool:
		return c.(bool)
	case kindNumber:
		f := c.(float64)
		return f != 0 && !math.IsNaN(f)
	case kindString:
		return c.(string) != ""
	case kindArray:
		return len(elements(c)) > 0
	default:
		return true
	}
}

// toPrimitive is JavaScript's ToPrimitive for the values JSON can hold:
// arrays become their comma-joined string, objects "[object Object]".
func toPrimitive(v any) (any, kind) {
	c, k := canon(v)
	switch k {
	case kindArray, kindObject:
		return jsString(c), kindString
	}
	return c, k
}

// toNumber is JavaScript's Number(v); NaN means "not a number", which makes
// every relational comparison false.
func toNumber(v any) float64 {
	c, k := toPrimitive(v)
	switch k {
	case kindNull:
		return 0
	case kindBool:
		if c.(bool) {
			return 1
		}
		return 0
	case kindNumber:
		return c.(float64)
	case kindString:
		return parseJSNumber(c.(string))
	}
	return math.NaN()
}

// jsString is JavaScript's String(v), used where JsonLogic turns values into
// text: substring "in" and computed var paths.
func jsString(v any) string {
	c, k := canon(v)
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return strconv.FormatBool(c.(bool))
	case kindNumber:
		return formatJSNumber(c.(float64))
	case kindString:
		return c.(string)
	case kindArray:
		items := elements(c)
		parts := make([]string, len(items))
		for i, it := range items {
			if _, ik := canon(it); ik != kindNull {
				parts[i] = jsString(it)
			}
		}
		return strings.Join(parts, ",")
	default:
		return "[object Object]"
	}
}

// formatJSNumber prints a float the way JavaScript does (no ".0", exponent
// only beyond 1e21 or below 1e-6), so that "1 in 'a1'" and text-parsed
// literals read as the user wrote them.
func formatJSNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e-07, JavaScript e-7.
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[:1]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + sign + exp
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// parseJSNumber is JavaScript's StringToNumber: surrounding white space is
// ignored, "" is 0, "Infinity" and 0x/0o/0b integers are read, anything else
// that is not a decimal literal is NaN.
func parseJSNumber(s string) float64 {
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
	if s == "" {
		return 0
	}
	switch s {
	case "Infinity", "+Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			digits := s[2:]
			if strings.ContainsAny(digits, "_+-") {
				return math.NaN()
			}
			n, err := strconv.ParseUint(digits, base, 64)
			if err != nil {
				if !isRangeErr(err) {
					return math.NaN()
				}
				return math.Inf(1)
			}
			return float64(n)
		}
	}
	if !isDecimalLiteral(s) {
		return math.NaN()
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return math.NaN()
	}
	return f
}

// isDecimalLiteral checks JavaScript's StrDecimalLiteral grammar, narrower
// than strconv.ParseFloat (which also takes "inf", "nan", hex floats and
// underscores).
func isDecimalLiteral(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// looseEqual is JavaScript's == (Abstract Equality) over JSON values.
// Arrays and objects are equal to nothing of their own kind, as in
// JavaScript, where they compare by reference and a rule never shares one.
func looseEqual(a, b any) bool {
	ca, ka := canon(a)
	cb, kb := canon(b)
	if ka == kindNull || kb == kindNull {
		return ka == kb
	}
	if ka == kb {
		switch ka {
		case kindNumber:
			return ca.(float64) == cb.(float64)
		case kindString:
			return ca.(string) == cb.(string)
		case kindBool:
			return ca.(bool) == cb.(bool)
		default:
			return false
		}
	}
	switch {
	case ka == kindBool:
		return looseEqual(toNumber(ca), cb)
	case kb == kindBool:
		return looseEqual(ca, toNumber(cb))
	case ka == kindNumber && kb == kindString:
		return ca.(float64) == parseJSNumber(cb.(string))
	case ka == kindString && kb == kindNumber:
		return parseJSNumber(ca.(string)) == cb.(float64)
	case isComposite(ka) && !isComposite(kb):
		pa, _ := toPrimitive(ca)
		return looseEqual(pa, cb)
	case isComposite(kb) && !isComposite(ka):
		pb, _ := toPrimitive(cb)
		return looseEqual(ca, pb)
	}
	return false
}

// strictEqual is JavaScript's === over JSON values: same type and value, with
// every number type counting as one type.
func strictEqual(a, b any) bool {
	ca, ka := canon(a)
	cb, kb := canon(b)
	if ka != kb {
		return false
	}
	switch ka {
	case kindNull:
		return true
	case kindNumber:
		return ca.(float64) == cb.(float64)
	case kindString:
		return ca.(string) == cb.(string)
	case kindBool:
		return ca.(bool) == cb.(bool)
	}
	return false
}

func isComposite(k kind) bool { return k == kindArray || k == kindObject }

// compare is JavaScript's Abstract Relational Comparison: two strings compare
// by code point, anything else numerically; ok is false when either side is
// NaN, which makes <, <=, > and >= all false.
func compare(a, b any) (cmp int, ok bool) {
	pa, ka := toPrimitive(a)
	pb, kb := toPrimitive(b)
	if ka == kindString && kb == kindString {
		return strings.Compare(pa.(string), pb.(string)), true
	}
	fa, fb := toNumber(pa), toNumber(pb)
	switch {
	case math.IsNaN(fa) || math.IsNaN(fb):
		return 0, false
	case fa < fb:
		return -1, true
	case fa > fb:
		return 1, true
	}
	return 0, true
}

// lookupPath resolves a dotted path ("stats.likes", "items.0.n") against
// data. found is false when some step does not exist, so that var can tell a
// missing key (default applies) from a present null (it does not).
func lookupPath(data any, path string) (v any, found bool) {
	if path == "" {
		return data, true
	}
	cur := data
	for seg := range strings.SplitSeq(path, ".") {
		if _, k := canon(cur); k == kindNull {
			return nil, false
		}
		next, ok := child(cur, seg)
		if !ok {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

// child steps one path segment into an object or array.
func child(v any, key string) (any, bool) {
	switch c := v.(type) {
	case map[string]any:
		x, ok := c[key]
		return x, ok
	case []any:
		i, ok := arrayIndex(key, len(c))
		if !ok {
			return nil, false
		}
		return c[i], true
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil, false
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Map:
		kt := rv.Type().Key()
		if kt.Kind() != reflect.String {
			return nil, false
		}
		x := rv.MapIndex(reflect.ValueOf(key).Convert(kt))
		if !x.IsValid() {
			return nil, false
		}
		return x.Interface(), true
	case reflect.Slice, reflect.Array:
		i, ok := arrayIndex(key, rv.Len())
		if !ok {
			return nil, false
		}
		return rv.Index(i).Interface(), true
	}
	return nil, false
}

// arrayIndex accepts only canonical indexes ("0", "12"), as JavaScript does:
// items["01"] is not items[1].
func arrayIndex(key string, n int) (int, bool) {
	if key == "" || (len(key) > 1 && key[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(key); i++ {
		if !isDigit(key[i]) {
			return 0, false
		}
	}
	i, err := strconv.Atoi(key)
	if err != nil || i >= n {
		return 0, false
	}
	return i, true
}
