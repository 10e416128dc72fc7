package igsandbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkServeHTTP measures the handler alone (no network) on the calls a
// load test makes most, from parallel goroutines.
func BenchmarkServeHTTP(b *testing.B) {
	s := New(Config{UsageBudget: 1 << 30})
	s.AddBrand(Brand{IGUserID: brandID, PageID: brandPage, Username: "acme", AccessToken: brandToken})
	for i := range 500 {
		m := Media{ID: fmt.Sprintf("t%03d", i), OwnerUsername: "fan", Caption: "@acme", MediaType: "IMAGE",
			Timestamp: time.Unix(int64(i), 0)}
		s.AddMedia(m)
		if err := s.TagBrand(brandID, m.ID); err != nil {
			b.Fatal(err)
		}
		if err := s.MentionMedia(brandID, m.ID); err != nil {
			b.Fatal(err)
		}
	}
	s.AddUser(User{IGSID: "600", Username: "jane", Consent: true})
	calls := []struct{ name, path string }{
		{"mentioned_media", "/v21.0/" + brandID + "?access_token=" + brandToken + "&fields=mentioned_media.media_id(t042){" + mediaFields + "}"},
		{"tags_page_25", "/v21.0/" + brandID + "/tags?access_token=" + brandToken + "&limit=25&fields=id,username,caption,timestamp,like_count"},
		{"user_profile", "/v21.0/600?access_token=" + brandToken + "&fields=name,username,is_user_follow_business"},
	}
	for _, c := range calls {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					w := httptest.NewRecorder()
					s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, c.path, nil))
					if w.Code != http.StatusOK {
						b.Fatalf("%d %s", w.Code, w.Body)
					}
				}
			})
		})
	}
}
