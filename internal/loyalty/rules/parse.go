package rules

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntaxError is a ParseExpression failure, with the position so that an
// editor can point at it.
type SyntaxError struct {
	// Pos is the 1-based position, in characters (not bytes), where the
	// problem was found; the length of the input plus one means "at the end".
	Pos int
	// Msg says what was expected or found there.
	Msg string
}

// Error renders "position N: message".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at position %d: %s", e.Pos, e.Msg)
}

// Unwrap makes every syntax error match ErrInvalidExpression, the one
// sentinel callers check for bad criteria whichever form they came in.
func (e *SyntaxError) Unwrap() error { return ErrInvalidExpression }

// tokenKind classifies the tokens of the text form.
type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokNumber
	tokString
	tokTrue
	tokFalse
	tokNull
	tokAnd
	tokOr
	tokNot
	tokLParen
	tokRParen
	tokCompare
)

// token is one lexeme; text is the operator, identifier or decoded string,
// off its byte offset (turned into a character position only for an error,
// so that long input does not cost quadratic time).
type token struct {
	kind tokenKind
	text string
	off  int
}

// describe names a token for "expected X, found Y" messages.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return strconv.Quote(t.text)
	case tokLParen, tokRParen, tokCompare:
		return "\"" + t.text + "\""
	default:
		return t.text
	}
}

// ParseExpression parses the readable criteria form, for example
//
//	instagram_followers >= 1000 AND instagram_verified = true
//	tiktok_handle != null OR (instagram_follows_you = true AND NOT dm_keyword = "summer")
//
// into the same tree Compile builds, so MarshalJSON stores it as JsonLogic.
//
// Identifiers are var paths (a letter or _, then letters, digits, _ and .,
// e.g. stats.likes or items.0.n); literals are numbers (-12, 1.5, 1e3),
// double-quoted strings with JSON escapes, and true, false, null. = and ==
// both mean JsonLogic's loose == (so "1000" equals 1000), and != < <= > >=
// map to their JsonLogic namesakes. AND, OR and NOT are case-insensitive,
// as are true, false and null; NOT binds tighter than AND, which binds
// tighter than OR, and a comparison binds tighter than all three, so
// "NOT a = 1" is NOT (a = 1). A bare identifier is a truthiness test
// ("instagram_verified AND points > 0"). Comparisons do not chain: "a < b <
// c" is an error, since it would not mean what it reads as.
//
// Errors are *SyntaxError values carrying the position and match
// ErrInvalidExpression.
func ParseExpression(s string) (*Expr, error) {
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return nil, &SyntaxError{Pos: utf8.RuneCountInString(s[:i]) + 1, Msg: "invalid UTF-8"}
	}
	p := &parser{lex: lexer{src: s}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	e, err := p.parseOr(1)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.errorf(p.tok.off, "unexpected %s; expected AND, OR or end of input", p.tok.describe())
	}
	// The tree can be deeper than the parentheses; Compile's bound applies
	// so that every stored expression compiles again.
	if e.depth() > MaxDepth {
		return nil, p.errorf(0, "expression nested more than %d levels deep", MaxDepth)
	}
	return e, nil
}

// lexer splits the text form into tokens.
type lexer struct {
	src string
	i   int // byte offset of the next unread byte
}

// posAt turns a byte offset into the 1-based character position users see.
func (l *lexer) posAt(off int) int { return utf8.RuneCountInString(l.src[:off]) + 1 }

func (l *lexer) errorf(off int, format string, args ...any) error {
	return &SyntaxError{Pos: l.posAt(off), Msg: fmt.Sprintf(format, args...)}
}

// next reads one token.
func (l *lexer) next() (token, error) {
	for l.i < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.i:])
		if !unicode.IsSpace(r) {
			break
		}
		l.i += size
	}
	start := l.i
	if l.i >= len(l.src) {
		return token{kind: tokEOF, off: start}, nil
	}
	c := l.src[l.i]
	switch {
	case c == '(':
		l.i++
		return token{kind: tokLParen, text: "(", off: start}, nil
	case c == ')':
		l.i++
		return token{kind: tokRParen, text: ")", off: start}, nil
	case c == '=':
		l.i++
		if l.peekByte('=') {
			l.i++
		}
		return token{kind: tokCompare, text: "==", off: start}, nil
	case c == '!':
		if l.i+1 < len(l.src) && l.src[l.i+1] == '=' {
			l.i += 2
			return token{kind: tokCompare, text: "!=", off: start}, nil
		}
		return token{}, l.errorf(start, "unexpected \"!\"; use != or NOT")
	case c == '<' || c == '>':
		l.i++
		op := string(c)
		if l.peekByte('=') {
			l.i++
			op += "="
		}
		return token{kind: tokCompare, text: op, off: start}, nil
	case c == '"':
		return l.lexString(start)
	case c == '\'':
		return token{}, l.errorf(start, "strings are written in double quotes")
	case isDigit(c) || (c == '-' || c == '.') && l.i+1 < len(l.src) && (isDigit(l.src[l.i+1]) || l.src[l.i+1] == '.'):
		return l.lexNumber(start)
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.i:])
	if r == '_' || unicode.IsLetter(r) {
		return l.lexIdent(start)
	}
	return token{}, l.errorf(start, "unexpected character %q", r)
}

func (l *lexer) peekByte(b byte) bool { return l.i < len(l.src) && l.src[l.i] == b }

// lexNumber reads -?digits[.digits][e[+-]digits] and normalises it, so the
// stored JsonLogic holds a valid JSON number whatever the user typed
// ("007", "1.", ".5").
func (l *lexer) lexNumber(start int) (token, error) {
	if l.src[l.i] == '-' {
		l.i++
	}
	digits := 0
	for l.i < len(l.src) && isDigit(l.src[l.i]) {
		l.i++
		digits++
	}
	if l.peekByte('.') {
		l.i++
		for l.i < len(l.src) && isDigit(l.src[l.i]) {
			l.i++
			digits++
		}
	}
	if digits == 0 {
		return token{}, l.errorf(start, "malformed number %q", l.src[start:l.i])
	}
	if l.peekByte('e') || l.peekByte('E') {
		l.i++
		if l.peekByte('+') || l.peekByte('-') {
			l.i++
		}
		exp := 0
		for l.i < len(l.src) && isDigit(l.src[l.i]) {
			l.i++
			exp++
		}
		if exp == 0 {
			return token{}, l.errorf(start, "malformed number %q: exponent has no digits", l.src[start:l.i])
		}
	}
	if l.i < len(l.src) {
		if r, _ := utf8.DecodeRuneInString(l.src[l.i:]); r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return token{}, l.errorf(start, "malformed number %q", l.src[start:l.i+utf8.RuneLen(r)])
		}
	}
	f, err := strconv.ParseFloat(l.src[start:l.i], 64)
	if err != nil {
		return token{}, l.errorf(start, "number %s is out of range", l.src[start:l.i])
	}
	return token{kind: tokNumber, text: formatJSNumber(f), off: start}, nil
}

// lexIdent reads an identifier or keyword; identifiers are dotted paths and
// must not have empty segments.
func (l *lexer) lexIdent(start int) (token, error) {
	for l.i < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.i:])
		if r != '_' && r != '.' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		l.i += size
	}
	text := l.src[start:l.i]
	switch strings.ToLower(text) {
	case "and":
		return token{kind: tokAnd, text: "AND", off: start}, nil
	case "or":
		return token{kind: tokOr, text: "OR", off: start}, nil
	case "not":
		return token{kind: tokNot, text: "NOT", off: start}, nil
	case "true":
		return token{kind: tokTrue, text: "true", off: start}, nil
	case "false":
		return token{kind: tokFalse, text: "false", off: start}, nil
	case "null":
		return token{kind: tokNull, text: "null", off: start}, nil
	}
	if i := strings.Index(text, ".."); i >= 0 {
		return token{}, l.errorf(start+i+1, "empty path segment in %q", text)
	}
	if strings.HasSuffix(text, ".") {
		return token{}, l.errorf(l.i-1, "path %q ends with a dot", text)
	}
	return token{kind: tokIdent, text: text, off: start}, nil
}

// lexString reads a double-quoted string with JSON escapes.
func (l *lexer) lexString(start int) (token, error) {
	l.i++ // opening quote
	var b strings.Builder
	for {
		if l.i >= len(l.src) {
			return token{}, l.errorf(start, "unterminated string")
		}
		c := l.src[l.i]
		switch {
		case c == '"':
			l.i++
			return token{kind: tokString, text: b.String(), off: start}, nil
		case c < 0x20:
			return token{}, l.errorf(l.i, "control character in string; use an escape such as \\n")
		case c != '\\':
			b.WriteByte(c)
			l.i++
			continue
		}
		escAt := l.i
		l.i++
		if l.i >= len(l.src) {
			return token{}, l.errorf(start, "unterminated string")
		}
		e := l.src[l.i]
		l.i++
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, err := l.hex4(escAt)
			if err != nil {
				return token{}, err
			}
			if r >= 0xD800 && r < 0xDC00 {
				// A high surrogate must be followed by a low one.
				if !strings.HasPrefix(l.src[l.i:], "\\u") {
					return token{}, l.errorf(escAt, "unpaired surrogate \\u%04X", r)
				}
				l.i += 2
				lo, err := l.hex4(escAt)
				if err != nil {
					return token{}, err
				}
				if lo < 0xDC00 || lo > 0xDFFF {
					return token{}, l.errorf(escAt, "unpaired surrogate \\u%04X", r)
				}
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
			} else if r >= 0xDC00 && r <= 0xDFFF {
				return token{}, l.errorf(escAt, "unpaired surrogate \\u%04X", r)
			}
			b.WriteRune(r)
		default:
			return token{}, l.errorf(escAt, "unknown escape \\%c", e)
		}
	}
}

// hex4 reads the four hex digits of a \u escape.
func (l *lexer) hex4(escAt int) (rune, error) {
	if l.i+4 > len(l.src) {
		return 0, l.errorf(escAt, "\\u needs four hex digits")
	}
	n, err := strconv.ParseUint(l.src[l.i:l.i+4], 16, 32)
	if err != nil {
		return 0, l.errorf(escAt, "\\u needs four hex digits")
	}
	l.i += 4
	return rune(n), nil
}

// parser is a recursive-descent parser over the lexer, one token ahead.
type parser struct {
	lex lexer
	tok token
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errorf(off int, format string, args ...any) error {
	return p.lex.errorf(off, format, args...)
}

// checkDepth bounds the parser's recursion on pathological nesting.
func (p *parser) checkDepth(depth int) error {
	if depth > MaxDepth {
		return p.errorf(p.tok.off, "expression nested too deeply")
	}
	return nil
}

// parseOr: and (OR and)*.
func (p *parser) parseOr(depth int) (*Expr, error) {
	return p.parseJoined(depth, tokOr, "or", p.parseAnd)
}

// parseAnd: not (AND not)*.
func (p *parser) parseAnd(depth int) (*Expr, error) {
	return p.parseJoined(depth, tokAnd, "and", p.parseNot)
}

// parseJoined parses operands separated by one keyword into a single
// n-ary node, which is both what JsonLogic allows and easier to read back.
func (p *parser) parseJoined(depth int, sep tokenKind, op string, operand func(int) (*Expr, error)) (*Expr, error) {
	first, err := operand(depth)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != sep {
		return first, nil
	}
	args := []*Expr{first}
	for p.tok.kind == sep {
		if err := p.advance(); err != nil {
			return nil, err
		}
		next, err := operand(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, next)
	}
	return &Expr{kind: exprOp, op: op, args: args}, nil
}

// parseNot: NOT not | comparison.
func (p *parser) parseNot(depth int) (*Expr, error) {
	if p.tok.kind != tokNot {
		return p.parseComparison(depth)
	}
	if err := p.checkDepth(depth + 1); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	inner, err := p.parseNot(depth + 1)
	if err != nil {
		return nil, err
	}
	return &Expr{kind: exprOp, op: "!", args: []*Expr{inner}}, nil
}

// parseComparison: operand [op operand].
func (p *parser) parseComparison(depth int) (*Expr, error) {
	left, err := p.parseOperand(depth)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokCompare {
		return left, nil
	}
	op := p.tok.text
	if err := p.advance(); err != nil {
		return nil, err
	}
	right, err := p.parseOperand(depth)
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tokCompare {
		return nil, p.errorf(p.tok.off, "comparisons cannot be chained; join them with AND")
	}
	return &Expr{kind: exprOp, op: op, args: []*Expr{left, right}}, nil
}

// parseOperand: identifier | literal | ( or ).
func (p *parser) parseOperand(depth int) (*Expr, error) {
	t := p.tok
	var e *Expr
	switch t.kind {
	case tokIdent:
		e = &Expr{kind: exprOp, op: "var", args: []*Expr{{kind: exprLiteral, val: t.text}}}
	case tokNumber:
		e = &Expr{kind: exprLiteral, val: json.Number(t.text)}
	case tokString:
		e = &Expr{kind: exprLiteral, val: t.text}
	case tokTrue:
		e = &Expr{kind: exprLiteral, val: true}
	case tokFalse:
		e = &Expr{kind: exprLiteral, val: false}
	case tokNull:
		e = &Expr{kind: exprLiteral, val: nil}
	case tokLParen:
		if err := p.checkDepth(depth + 1); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		inner, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.errorf(p.tok.off, "expected \")\" to close \"(\" at position %d, found %s", p.lex.posAt(t.off), p.tok.describe())
		}
		e = inner
	default:
		return nil, p.errorf(t.off, "expected a name, a value or \"(\", found %s", t.describe())
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return e, nil
}
