package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MaxDepth bounds the nesting of an expression, so that a hostile criteria
// body cannot exhaust the stack of the server evaluating it.
const MaxDepth = 128

// exprKind tells the three node shapes of a JsonLogic tree apart.
type exprKind int

const (
	exprLiteral exprKind = iota // a JSON scalar, or {} (JsonLogic data, always truthy)
	exprArray                   // an array whose items are themselves rules
	exprOp                      // {"op": [args...]}
)

// Expr is a compiled criteria or constraint: a JsonLogic tree, whether it came
// from JSON (Compile) or from the text form (ParseExpression). It is
// immutable and safe for concurrent use.
type Expr struct {
	kind exprKind
	op   string
	args []*Expr
	// val holds a literal: nil, bool, json.Number (kept as written, so that
	// stored rules round-trip byte for byte), string or an empty
	// map[string]any.
	val any
}

// arity gives each supported operator's argument count bounds (max -1 means
// unbounded); ok is false for an operator outside the subset. A function,
// not a map, because the package keeps no globals.
func arity(op string) (minArgs, maxArgs int, ok bool) {
	switch op {
	case "var":
		return 0, 2, true
	case "missing":
		return 0, -1, true
	case "==", "!=", "===", "!==", "in":
		return 2, 2, true
	case ">", ">=", "<", "<=":
		return 2, 3, true
	case "!", "!!":
		return 1, 1, true
	case "and", "or", "if":
		return 1, -1, true
	}
	return 0, 0, false
}

// Compile parses a JsonLogic rule. The supported operators are var,
// missing, ==, !=, ===, !==, >, >=, <, <= (the last four also in the
// three-argument "between" form), !, !!, and, or, in and if; any other
// operator is an error naming it and matching ErrUnknownOperator. As in
// JsonLogic, a non-array argument is shorthand for a one-element list
// ({"var": "x"}), arrays are lists of rules, and {} is data. Unlike
// json-logic-js, an object with several keys and a wrong argument count are
// errors rather than silently evaluated, since they are always mistakes.
// Every error matches ErrInvalidExpression.
func Compile(raw json.RawMessage) (*Expr, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: not valid JSON: %w", ErrInvalidExpression, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: unexpected data after the rule", ErrInvalidExpression)
	}
	return compileValue(v, 1)
}

// compileValue turns a decoded JSON value into a node.
func compileValue(v any, depth int) (*Expr, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d levels", ErrInvalidExpression, MaxDepth)
	}
	switch x := v.(type) {
	case nil, bool, json.Number, string:
		return &Expr{kind: exprLiteral, val: x}, nil
	case []any:
		items, err := compileList(x, depth)
		if err != nil {
			return nil, err
		}
		return &Expr{kind: exprArray, args: items}, nil
	case map[string]any:
		if len(x) == 0 {
			return &Expr{kind: exprLiteral, val: map[string]any{}}, nil
		}
		if len(x) != 1 {
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			return nil, fmt.Errorf("%w: an operation must be an object with exactly one key, got %q", ErrInvalidExpression, keys)
		}
		for op, a := range x {
			return compileOp(op, a, depth)
		}
	}
	return nil, fmt.Errorf("%w: unexpected JSON value of type %T", ErrInvalidExpression, v)
}

// compileList compiles the items of an array or an argument list.
func compileList(items []any, depth int) ([]*Expr, error) {
	out := make([]*Expr, len(items))
	for i, it := range items {
		e, err := compileValue(it, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// compileOp compiles {"op": args}.
func compileOp(op string, rawArgs any, depth int) (*Expr, error) {
	minArgs, maxArgs, ok := arity(op)
	if !ok {
		return nil, fmt.Errorf("%w: %w %q", ErrInvalidExpression, ErrUnknownOperator, op)
	}
	list, isList := rawArgs.([]any)
	if !isList {
		list = []any{rawArgs}
	}
	if err := checkArity(op, len(list), minArgs, maxArgs); err != nil {
		return nil, err
	}
	args, err := compileList(list, depth)
	if err != nil {
		return nil, err
	}
	return &Expr{kind: exprOp, op: op, args: args}, nil
}

// checkArity names the operator and the expected count.
func checkArity(op string, n, minArgs, maxArgs int) error {
	if n >= minArgs && (maxArgs < 0 || n <= maxArgs) {
		return nil
	}
	var want string
	switch {
	case maxArgs < 0:
		want = fmt.Sprintf("at least %d", minArgs)
	case minArgs == maxArgs:
		want = fmt.Sprintf("exactly %d", minArgs)
	default:
		want = fmt.Sprintf("%d to %d", minArgs, maxArgs)
	}
	return fmt.Errorf("%w: operator %q takes %s arguments, got %d", ErrInvalidExpression, op, want, n)
}

// Eval evaluates the expression against data, resolving var paths in it:
// for reactor constraints the caller passes EventData, for audiences the
// member's attributes plus "points". The result is a JSON-like value (nil,
// bool, json.Number or another number type, string, []any, map[string]any).
//
// Semantics follow json-logic-js: == and != are JavaScript's loose equality
// (1 == "1", true == 1, null == null but null != 0), === and !== strict
// equality (numbers of any Go type compare as one type); <, <=, >, >=
// compare two strings by code point and anything else as numbers (null is
// 0, booleans 0 and 1, numeric strings their value, other strings never
// compare); in is substring search in a string or strict membership in an
// array; a var whose path is missing yields its default or null, but a
// present null stays null. Arrays and objects are equal to no other array
// or object, as JavaScript compares them by reference.
func (e *Expr) Eval(data map[string]any) (any, error) {
	if e == nil {
		return nil, ErrNilExpr
	}
	return e.eval(data), nil
}

// Truthy evaluates the expression and applies JsonLogic truthiness: false,
// null, 0, NaN, "" and the empty array are false; everything else, including
// "0", "false" and {}, is true.
func (e *Expr) Truthy(data map[string]any) (bool, error) {
	v, err := e.Eval(data)
	if err != nil {
		return false, err
	}
	return truthy(v), nil
}

// eval is Eval on a node; data is any so that {"var": ""} can return it
// whole.
func (e *Expr) eval(data any) any {
	switch e.kind {
	case exprLiteral:
		if _, ok := e.val.(map[string]any); ok {
			return map[string]any{} // fresh, so a caller cannot mutate the rule
		}
		return e.val
	case exprArray:
		out := make([]any, len(e.args))
		for i, a := range e.args {
			out[i] = a.eval(data)
		}
		return out
	}
	switch e.op {
	case "and":
		var v any
		for _, a := range e.args {
			if v = a.eval(data); !truthy(v) {
				return v
			}
		}
		return v
	case "or":
		var v any
		for _, a := range e.args {
			if v = a.eval(data); truthy(v) {
				return v
			}
		}
		return v
	case "if":
		i := 0
		for ; i+1 < len(e.args); i += 2 {
			if truthy(e.args[i].eval(data)) {
				return e.args[i+1].eval(data)
			}
		}
		if i < len(e.args) {
			return e.args[i].eval(data)
		}
		return nil
	}
	vals := make([]any, len(e.args))
	for i, a := range e.args {
		vals[i] = a.eval(data)
	}
	switch e.op {
	case "var":
		return evalVar(data, vals)
	case "missing":
		return evalMissing(data, vals)
	case "==":
		return looseEqual(vals[0], vals[1])
	case "!=":
		return !looseEqual(vals[0], vals[1])
	case "===":
		return strictEqual(vals[0], vals[1])
	case "!==":
		return !strictEqual(vals[0], vals[1])
	case "<":
		return chain(vals, func(c int) bool { return c < 0 })
	case "<=":
		return chain(vals, func(c int) bool { return c <= 0 })
	case ">":
		return chain(vals, func(c int) bool { return c > 0 })
	case ">=":
		return chain(vals, func(c int) bool { return c >= 0 })
	case "!":
		return !truthy(vals[0])
	case "!!":
		return truthy(vals[0])
	case "in":
		return evalIn(vals[0], vals[1])
	}
	// Unreachable: Compile and the parser only build the operators above.
	return nil
}

// chain applies a relational test to each neighbouring pair, which gives
// the two-argument form and the "between" form ({"<": [1, x, 10]}) at once.
func chain(vals []any, test func(int) bool) bool {
	for i := 0; i+1 < len(vals); i++ {
		c, ok := compare(vals[i], vals[i+1])
		if !ok || !test(c) {
			return false
		}
	}
	return true
}

// evalVar resolves {"var": [path, default]}.
func evalVar(data any, vals []any) any {
	var def any
	if len(vals) > 1 {
		def = vals[1]
	}
	if len(vals) == 0 {
		return data
	}
	p, k := canon(vals[0])
	if k == kindNull {
		return data
	}
	v, found := lookupPath(data, jsString(p))
	if !found {
		return def
	}
	return v
}

// evalMissing returns the keys among its arguments (or among the items of
// its first argument, when that is an array) whose value is absent, null or
// "", as json-logic-js does.
func evalMissing(data any, vals []any) any {
	keys := vals
	if len(vals) > 0 {
		if _, k := canon(vals[0]); k == kindArray {
			keys = elements(vals[0])
		}
	}
	out := []any{}
	for _, key := range keys {
		v := evalVar(data, []any{key})
		if c, k := canon(v); k == kindNull || (k == kindString && c.(string) == "") {
			out = append(out, key)
		}
	}
	return out
}

// evalIn is JsonLogic's in: substring for a string haystack, strict
// membership for an array, false otherwise.
func evalIn(needle, haystack any) bool {
	c, k := canon(haystack)
	switch k {
	case kindString:
		return strings.Contains(c.(string), jsString(needle))
	case kindArray:
		for _, it := range elements(c) {
			if strictEqual(needle, it) {
				return true
			}
		}
	}
	return false
}

// Vars lists, sorted and without duplicates, the data paths the expression
// reads with a literal var or missing, so that callers know which
// attributes an audience depends on. Paths computed at evaluation time
// cannot be known and are left out, as is "" (the whole data).
func (e *Expr) Vars() []string {
	if e == nil {
		return nil
	}
	var out []string
	e.collectVars(&out)
	slices.Sort(out)
	return slices.Compact(out)
}

func (e *Expr) collectVars(out *[]string) {
	if e.kind == exprOp {
		switch e.op {
		case "var":
			if len(e.args) > 0 {
				addLiteralPath(e.args[0], out)
			}
		case "missing":
			for _, a := range e.args {
				if a.kind == exprArray {
					for _, it := range a.args {
						addLiteralPath(it, out)
					}
				} else {
					addLiteralPath(a, out)
				}
			}
		}
	}
	for _, a := range e.args {
		a.collectVars(out)
	}
}

// addLiteralPath records a path given as a literal string or number.
func addLiteralPath(a *Expr, out *[]string) {
	if a.kind != exprLiteral {
		return
	}
	c, k := canon(a.val)
	if k != kindString && k != kindNumber {
		return
	}
	if p := jsString(c); p != "" {
		*out = append(*out, p)
	}
}

// MarshalJSON renders the JsonLogic form, so that an expression entered as
// text can be stored and returned as criteriaJsonLogic. Arguments are
// always written as arrays ({"var": ["x"]}), which Compile reads back into
// the same tree.
func (e *Expr) MarshalJSON() ([]byte, error) {
	if e == nil {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // rules are data, not HTML; keep "<" readable
	if err := enc.Encode(e.jsonValue()); err != nil {
		return nil, fmt.Errorf("encoding expression: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON compiles JsonLogic, so an *Expr can sit directly in a
// request or storage struct and be validated on decoding.
func (e *Expr) UnmarshalJSON(b []byte) error {
	c, err := Compile(b)
	if err != nil {
		return err
	}
	*e = *c
	return nil
}

// String is the JsonLogic form, for logs and error messages.
func (e *Expr) String() string {
	b, err := e.MarshalJSON()
	if err != nil {
		return "<invalid expression>"
	}
	return string(b)
}

// depth counts nesting the way Compile does: a literal is one level.
func (e *Expr) depth() int {
	d := 0
	for _, a := range e.args {
		d = max(d, a.depth())
	}
	return d + 1
}

// jsonValue converts the tree back into plain JSON values.
func (e *Expr) jsonValue() any {
	switch e.kind {
	case exprLiteral:
		return e.val
	case exprArray:
		items := make([]any, len(e.args))
		for i, a := range e.args {
			items[i] = a.jsonValue()
		}
		return items
	}
	args := make([]any, len(e.args))
	for i, a := range e.args {
		args[i] = a.jsonValue()
	}
	return map[string]any{e.op: args}
}
