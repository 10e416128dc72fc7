package social

import "testing"

func TestFindKeyword(t *testing.T) {
	t.Parallel()
	kws := []string{"summer sale", "VIP", "café"}
	cases := []struct{ text, want string }{
		{"Is the SUMMER SALE on?", "summer sale"},
		{"vip please", "VIP"},
		{"I'm a VIPer", ""},
		{"novip", ""},
		{"summer sales", ""},
		{"Un café!", "café"},
		{"cafés", ""},
		{"", ""},
		{"(vip)", "VIP"},
	}
	for _, c := range cases {
		if got := FindKeyword(c.text, kws); got != c.want {
			t.Errorf("FindKeyword(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func FuzzFindKeyword(f *testing.F) {
	f.Add("Is the summer sale on?", "summer sale")
	f.Add("é vip", "é")
	f.Fuzz(func(t *testing.T, text, kw string) {
		got := FindKeyword(text, []string{kw})
		if got != "" && got != kw {
			t.Fatalf("returned %q, not the keyword %q", got, kw)
		}
	})
}
