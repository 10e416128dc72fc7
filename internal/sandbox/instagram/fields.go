package igsandbox

import (
	"fmt"
	"strings"
)

// maxFieldsDepth bounds brace nesting in a fields parameter, so a hostile
// request cannot make the parser recurse without limit.
const maxFieldsDepth = 16

// field is one item of a Graph API fields parameter: a name, modifiers such
// as .limit(5) or .media_id(123), and nested fields between braces, as in
// mentioned_media.media_id(1){caption,media_type}.
type field struct {
	name     string
	mods     []modifier
	children []field // nil when the field has no (or empty) braces
}

// modifier is a .name(arg) suffix of a field.
type modifier struct{ name, arg string }

// arg answers the argument of the last modifier with that name.
func (f field) arg(name string) (string, bool) {
	for i := len(f.mods) - 1; i >= 0; i-- {
		if f.mods[i].name == name {
			return f.mods[i].arg, true
		}
	}
	return "", false
}

// key is the name the field is answered under: its .as(alias) or its name.
func (f field) key() string {
	if a, ok := f.arg("as"); ok && a != "" {
		return a
	}
	return f.name
}

// syntaxError is a malformed fields parameter; Meta answers these with
// code 2500 and a message naming the character position.
type syntaxError struct {
	msg string
	pos int
	src string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("Syntax error %q at character %d: %s", e.msg, e.pos, e.src)
}

// parseFields parses a fields parameter. Whitespace around names and
// punctuation is ignored, empty items ("a,,b") are skipped, modifiers may come
// before or after the braces, and a modifier argument is everything up to the
// next ')' (usernames contain dots), trimmed.
func parseFields(s string) ([]field, error) {
	p := fieldsParser{src: s}
	fs, err := p.list(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return nil, p.errorf("Expected end of string instead of %q.", string(p.src[p.pos]))
	}
	return fs, nil
}

type fieldsParser struct {
	src string
	pos int
}

func (p *fieldsParser) errorf(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...), pos: p.pos, src: p.src}
}

func (p *fieldsParser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *fieldsParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

// list parses comma-separated fields up to the end or a closing brace, which
// it leaves for the caller.
func (p *fieldsParser) list(depth int) ([]field, error) {
	if depth > maxFieldsDepth {
		return nil, p.errorf("Fields nested deeper than %d levels.", maxFieldsDepth)
	}
	var fs []field
	for {
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case 0, '}':
			return fs, nil
		}
		f, err := p.item(depth)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
		p.skipSpace()
		if p.peek() != ',' {
			return fs, nil
		}
	}
}

func (p *fieldsParser) item(depth int) (field, error) {
	f := field{name: p.name()}
	if f.name == "" {
		return field{}, p.errorf("Expected field name instead of %q.", string(p.peek()))
	}
	braces := false
	for {
		p.skipSpace()
		switch p.peek() {
		case '.':
			p.pos++
			p.skipSpace()
			m, err := p.modifier()
			if err != nil {
				return field{}, err
			}
			f.mods = append(f.mods, m)
		case '{':
			if braces {
				return field{}, p.errorf("Expected \",\" instead of \"{\".")
			}
			braces = true
			p.pos++
			children, err := p.list(depth + 1)
			if err != nil {
				return field{}, err
			}
			if p.peek() != '}' {
				return field{}, p.errorf("Expected \"}\".")
			}
			p.pos++
			f.children = children
		default:
			return f, nil
		}
	}
}

func (p *fieldsParser) modifier() (modifier, error) {
	m := modifier{name: p.name()}
	if m.name == "" {
		return modifier{}, p.errorf("Expected modifier name instead of %q.", string(p.peek()))
	}
	p.skipSpace()
	if p.peek() != '(' {
		return modifier{}, p.errorf("Expected \"(\" after modifier %s.", m.name)
	}
	p.pos++
	end := strings.IndexByte(p.src[p.pos:], ')')
	if end < 0 {
		return modifier{}, p.errorf("Expected \")\".")
	}
	m.arg = strings.TrimSpace(p.src[p.pos : p.pos+end])
	p.pos += end + 1
	return m, nil
}

func (p *fieldsParser) name() string {
	start := p.pos
	for p.pos < len(p.src) && isNameByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// formatFields writes fields back in canonical form (modifiers before braces,
// no spaces); parseFields(formatFields(fs)) equals fs. It builds the fields
// parameter of paging links for field expansions.
func formatFields(fs []field) string {
	var b strings.Builder
	writeFields(&b, fs)
	return b.String()
}

func writeFields(b *strings.Builder, fs []field) {
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f.name)
		for _, m := range f.mods {
			b.WriteByte('.')
			b.WriteString(m.name)
			b.WriteByte('(')
			b.WriteString(m.arg)
			b.WriteByte(')')
		}
		if len(f.children) > 0 {
			b.WriteByte('{')
			writeFields(b, f.children)
			b.WriteByte('}')
		}
	}
}
