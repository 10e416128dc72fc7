package igsandbox

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []field
	}{
		{"empty", "", nil},
		{"flat", "id,caption", []field{{name: "id"}, {name: "caption"}}},
		{"spaces and empty items", " id , ,caption ,", []field{{name: "id"}, {name: "caption"}}},
		{
			"mentioned media", "mentioned_media.media_id(17918195224117851){caption,media_type}",
			[]field{{name: "mentioned_media", mods: []modifier{{"media_id", "17918195224117851"}},
				children: []field{{name: "caption"}, {name: "media_type"}}}},
		},
		{
			"nested braces", "mentioned_comment.comment_id(1){text,media{id,media_url}},id",
			[]field{
				{name: "mentioned_comment", mods: []modifier{{"comment_id", "1"}}, children: []field{
					{name: "text"}, {name: "media", children: []field{{name: "id"}, {name: "media_url"}}},
				}},
				{name: "id"},
			},
		},
		{
			"username with dots", "business_discovery.username( some.user_1 ){followers_count}",
			[]field{{name: "business_discovery", mods: []modifier{{"username", "some.user_1"}},
				children: []field{{name: "followers_count"}}}},
		},
		{
			"modifiers after braces", "tags{id}.limit(2).as(t)",
			[]field{{name: "tags", mods: []modifier{{"limit", "2"}, {"as", "t"}}, children: []field{{name: "id"}}}},
		},
		{"empty braces", "media{}", []field{{name: "media"}}},
		{"deep", "a{b{c{d}}}", []field{{name: "a", children: []field{{name: "b", children: []field{{name: "c", children: []field{{name: "d"}}}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseFields(tt.in)
			if err != nil {
				t.Fatalf("parseFields(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parseFields(%q) =\n%#v\nwant\n%#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseFieldsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in string }{
		{"unclosed brace", "a{b"},
		{"stray closing brace", "a}"},
		{"unclosed modifier", "a.limit(2"},
		{"modifier without name", "a.(1)"},
		{"modifier without parens", "a.limit"},
		{"leading dot", ".a"},
		{"two brace groups", "a{b}{c}"},
		{"missing comma", "a b"},
		{"bad character", "a,b-c"},
		{"too deep", strings.Repeat("a{", maxFieldsDepth+2) + "b" + strings.Repeat("}", maxFieldsDepth+2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseFields(tt.in)
			var se *syntaxError
			if !errors.As(err, &se) {
				t.Fatalf("parseFields(%q) error = %v, want a syntax error", tt.in, err)
			}
			if !strings.HasPrefix(err.Error(), "Syntax error") {
				t.Fatalf("message %q does not read like Meta's", err)
			}
		})
	}
}

func TestFieldKeyAndArg(t *testing.T) {
	t.Parallel()
	fs, err := parseFields("tags.limit(1).limit(5).as(recent)")
	mustNil(t, err)
	if l, _ := fs[0].arg("limit"); l != "5" {
		t.Errorf("last modifier should win, got %q", l)
	}
	if fs[0].key() != "recent" {
		t.Errorf("key = %q, want alias", fs[0].key())
	}
}

func TestFormatFieldsRoundTrip(t *testing.T) {
	t.Parallel()
	in := " mentioned_media.media_id( 1 ) { caption , media{id}.as(m) } , id "
	fs, err := parseFields(in)
	mustNil(t, err)
	out := formatFields(fs)
	if want := "mentioned_media.media_id(1){caption,media.as(m){id}},id"; out != want {
		t.Fatalf("formatFields = %q, want %q", out, want)
	}
	again, err := parseFields(out)
	mustNil(t, err)
	if !reflect.DeepEqual(fs, again) {
		t.Fatalf("round trip changed the fields: %#v vs %#v", fs, again)
	}
}

func FuzzParseFields(f *testing.F) {
	for _, s := range []string{
		"id,caption",
		"mentioned_media.media_id(17918195224117851){caption,media_type,media_url,permalink,username,timestamp,like_count,comments_count,id}",
		"mentioned_comment.comment_id(1){timestamp,like_count,text,username,media{id,media_url,permalink}}",
		"business_discovery.username(some.user){followers_count,media_count}",
		"tags{id}.limit(2)", "a{b{c{d}}}", "a{", "a.b(", " , ", "a.as(x){y}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := parseFields(s)
		if err != nil {
			var se *syntaxError
			if !errors.As(err, &se) {
				t.Fatalf("non-syntax error %T: %v", err, err)
			}
			return
		}
		// A parsed value formats to a canonical string that parses back to it.
		canon := formatFields(fs)
		again, err := parseFields(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if !reflect.DeepEqual(fs, again) {
			t.Fatalf("round trip of %q via %q changed %#v into %#v", s, canon, fs, again)
		}
		if formatFields(again) != canon {
			t.Fatalf("canonical form not stable for %q", s)
		}
	})
}
