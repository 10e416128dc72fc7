package igsandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const mediaFields = "caption,media_type,media_product_type,media_url,permalink,username,timestamp,like_count,comments_count,id"

func seedMention(t *testing.T, s *Server) {
	t.Helper()
	s.AddMedia(Media{
		ID: "17918195224117851", OwnerUsername: "jane", Caption: "love @acme", MediaType: "VIDEO",
		MediaProductType: "REELS", MediaURL: "https://cdn.example/v.mp4", Permalink: "https://instagram.com/reel/x",
		Timestamp: time.Date(2025, 2, 28, 9, 30, 0, 0, time.FixedZone("CET", 3600)), LikeCount: 12, CommentsCount: 3,
	})
	// Copyrighted media: no media_url; older media: no media_product_type.
	s.AddMedia(Media{ID: "17918195224117852", OwnerUsername: "joe", MediaType: "IMAGE", Timestamp: testNow})
	mustNil(t, s.MentionMedia(brandID, "17918195224117851"))
	mustNil(t, s.MentionMedia(brandID, "17918195224117852"))
}

func TestMentionedMedia(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	seedMention(t, f.s)
	tests := []struct {
		name   string
		fields string
		want   string
	}{
		{
			"all fields in request order, id of the brand last",
			"mentioned_media.media_id(17918195224117851){" + mediaFields + "}",
			`{"mentioned_media":{"caption":"love @acme","media_type":"VIDEO","media_product_type":"REELS","media_url":"https://cdn.example/v.mp4","permalink":"https://instagram.com/reel/x","username":"jane","timestamp":"2025-02-28T08:30:00+0000","like_count":12,"comments_count":3,"id":"17918195224117851"},"id":"17841400000000001"}`,
		},
		{
			"empty values omitted, media id appended",
			"mentioned_media.media_id(17918195224117852){caption,media_url,media_product_type,media_type}",
			`{"mentioned_media":{"media_type":"IMAGE","id":"17918195224117852"},"id":"17841400000000001"}`,
		},
		{
			"no nested fields answers the id",
			"mentioned_media.media_id(17918195224117852)",
			`{"mentioned_media":{"id":"17918195224117852"},"id":"17841400000000001"}`,
		},
		{
			"alias", "mentioned_media.media_id(17918195224117852).as(m){like_count},username",
			`{"m":{"like_count":0,"id":"17918195224117852"},"username":"acme","id":"17841400000000001"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := f.get(t, brandID, brandToken, tt.fields)
			if a.status != http.StatusOK || a.raw != tt.want {
				t.Fatalf("status %d body\n%s\nwant\n%s", a.status, a.raw, tt.want)
			}
		})
	}
}

func TestGraphErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	seedMention(t, f.s)
	f.s.AddMedia(Media{ID: "999", OwnerUsername: "x", Timestamp: testNow}) // exists, not mentioned
	f.s.AddMedia(Media{ID: "555", OwnerUsername: "acme", Caption: "own post", Timestamp: testNow})
	f.s.ExpireToken("tok-expired")
	tests := []struct {
		name          string
		path, token   string
		fields        string
		status        int
		code, subcode int
	}{
		{"unknown media", brandID, brandToken, "mentioned_media.media_id(404){id}", 400, 100, 0},
		{"media not mentioning the brand", brandID, brandToken, "mentioned_media.media_id(999){id}", 400, 100, 0},
		{"mentioned for another brand only", otherID, otherToken, "mentioned_media.media_id(17918195224117851){id}", 400, 100, 0},
		{"missing media_id", brandID, brandToken, "mentioned_media{id}", 400, 100, 0},
		{"nonexisting field", brandID, brandToken, "mentioned_media.media_id(17918195224117851){colour}", 400, 100, 0},
		{"syntax error", brandID, brandToken, "mentioned_media{id", 400, 2500, 0},
		{"another brand's node", otherID, brandToken, "id", 400, 100, 33},
		{"unknown node", "123", brandToken, "id", 400, 100, 33},
		{"unknown edge", brandID + "/likes", brandToken, "", 400, 100, 0},
		{"too many path parts", brandID + "/tags/x", brandToken, "", 400, 2500, 0},
		{"missing token", brandID, "", "id", 400, 190, 0},
		{"unknown token", brandID, "nope", "id", 400, 190, 0},
		{"expired token", brandID, "tok-expired", "id", 400, 190, 463},
		{"own media is readable", "555", brandToken, "caption", 200, -1, -1},
		{"others' media is not", "999", brandToken, "caption", 400, 100, 33},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := f.get(t, tt.path, tt.token, tt.fields)
			code, sub := a.graphErr()
			if a.status != tt.status || code != tt.code || sub != tt.subcode {
				t.Fatalf("got %d %d/%d, want %d %d/%d: %s", a.status, code, sub, tt.status, tt.code, tt.subcode, a.raw)
			}
			if tt.status == 200 {
				return
			}
			e := a.body["error"].(map[string]any)
			for _, k := range []string{"message", "type", "code", "error_subcode", "fbtrace_id"} {
				if _, ok := e[k]; !ok {
					t.Errorf("error body lacks %q: %s", k, a.raw)
				}
			}
			if code == 190 && a.header.Get("WWW-Authenticate") == "" {
				t.Error("190 answers carry WWW-Authenticate, as Meta's do")
			}
		})
	}
}

func TestTokenSources(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	for _, h := range []string{"Bearer " + brandToken, "bearer " + brandToken, "OAuth " + brandToken} {
		a := f.do(t, http.MethodGet, "/v21.0/"+brandID, url.Values{"fields": {"username"}}, http.Header{"Authorization": {h}})
		if a.status != 200 || a.body["username"] != "acme" {
			t.Errorf("Authorization %q: %d %s", h, a.status, a.raw)
		}
	}
	f.s.ExpireToken(brandToken)
	a := f.do(t, http.MethodGet, "/v21.0/"+brandID, nil, http.Header{"Authorization": {"Bearer " + brandToken}})
	if code, sub := a.graphErr(); code != 190 || sub != 463 || a.body["error"].(map[string]any)["type"] != "OAuthException" {
		t.Fatalf("expired token: %s", a.raw)
	}
}

func TestVersionPrefix(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{Version: "v22.0"})
	if a := f.do(t, http.MethodGet, "/v22.0/"+brandID, url.Values{"access_token": {brandToken}}, nil); a.status != 200 {
		t.Fatalf("configured version: %d %s", a.status, a.raw)
	}
	a := f.get(t, brandID, brandToken, "") // the helper calls v21.0
	if code, _ := a.graphErr(); code != 2500 {
		t.Fatalf("other version should fail loudly: %s", a.raw)
	}
}

func TestMentionedComment(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	seedMention(t, f.s)
	f.s.AddMedia(Media{ID: "m-off", OwnerUsername: "z", CommentsDisabled: true, Timestamp: testNow})
	mustNil(t, f.s.AddComment(Comment{ID: "c1", MediaID: "17918195224117851", Text: "@acme yes", Username: "bob",
		Timestamp: time.Date(2025, 2, 28, 10, 0, 0, 0, time.UTC), LikeCount: 2}))
	mustNil(t, f.s.AddComment(Comment{ID: "c2", MediaID: "m-off", Text: "@acme", Timestamp: testNow}))
	mustNil(t, f.s.MentionComment(brandID, "c1"))
	mustNil(t, f.s.MentionComment(brandID, "c2"))

	a := f.get(t, brandID, brandToken, "mentioned_comment.comment_id(c1){timestamp,like_count,text,username,media{id,media_url,permalink}}")
	want := `{"mentioned_comment":{"timestamp":"2025-02-28T10:00:00+0000","like_count":2,"text":"@acme yes","username":"bob","media":{"id":"17918195224117851","media_url":"https://cdn.example/v.mp4","permalink":"https://instagram.com/reel/x"},"id":"c1"},"id":"17841400000000001"}`
	if a.raw != want {
		t.Fatalf("got\n%s\nwant\n%s", a.raw, want)
	}
	for _, id := range []string{"c2", "nope"} {
		a = f.get(t, brandID, brandToken, "mentioned_comment.comment_id("+id+"){text}")
		if code, _ := a.graphErr(); a.status != 400 || code != 100 {
			t.Errorf("comment %s: %d %s", id, a.status, a.raw)
		}
	}
	if err := f.s.AddComment(Comment{ID: "c3", MediaID: "missing"}); err == nil {
		t.Error("a comment on unknown media should be refused")
	}
}

func TestBusinessDiscovery(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	f.s.AddAccount(Account{ID: "17841401441775531", Username: "Jane.Doe", Business: true, FollowersCount: 1200,
		FollowsCount: 80, MediaCount: 41, Biography: "Runner", Name: "Jane", ProfilePictureURL: "https://cdn.example/j.jpg"})
	f.s.AddAccount(Account{Username: "private.person", FollowersCount: 5})
	f.s.AddAccount(Account{Username: "acme", Business: true, FollowersCount: 9000})

	bd := "{followers_count,follows_count,media_count,biography,name,profile_picture_url,username}"
	a := f.get(t, brandID, brandToken, "business_discovery.username(jane.doe)"+bd)
	want := `{"business_discovery":{"followers_count":1200,"follows_count":80,"media_count":41,"biography":"Runner","name":"Jane","profile_picture_url":"https://cdn.example/j.jpg","username":"Jane.Doe","id":"17841401441775531"},"id":"17841400000000001"}`
	if a.raw != want {
		t.Fatalf("got\n%s\nwant\n%s", a.raw, want)
	}
	for _, u := range []string{"private.person", "nobody"} {
		a := f.get(t, brandID, brandToken, "business_discovery.username("+u+")"+bd)
		code, sub := a.graphErr()
		if a.status != 400 || code != 110 || sub != 2207013 {
			t.Errorf("%s: %d %s", u, a.status, a.raw)
		}
	}
	// The brand's own profile fields come from its account.
	a = f.get(t, brandID, brandToken, "username,followers_count,website")
	if a.raw != `{"username":"acme","followers_count":9000,"id":"17841400000000001"}` {
		t.Fatalf("brand profile: %s", a.raw)
	}
}

func TestUserProfile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	f.s.AddUser(User{IGSID: "6000000000000001", Name: "Jane Doe", Username: "jane", ProfilePic: "https://cdn.example/p.jpg",
		FollowerCount: 321, IsUserFollowBusiness: true, Consent: true})
	f.s.AddUser(User{IGSID: "6000000000000002", Username: "shy"})
	fields := "name,username,profile_pic,follower_count,is_user_follow_business,is_business_follow_user,is_verified_user"

	a := f.get(t, "6000000000000001", brandToken, fields)
	want := `{"name":"Jane Doe","username":"jane","profile_pic":"https://cdn.example/p.jpg","follower_count":321,"is_user_follow_business":true,"is_business_follow_user":false,"is_verified_user":false,"id":"6000000000000001"}`
	if a.raw != want {
		t.Fatalf("got\n%s\nwant\n%s", a.raw, want)
	}
	a = f.get(t, "6000000000000002", brandToken, fields)
	code, _ := a.graphErr()
	msg, _ := a.body["error"].(map[string]any)["message"].(string)
	if a.status != 400 || code != 230 || !strings.Contains(msg, "User consent is required to access user profile") {
		t.Fatalf("no consent: %d %s", a.status, a.raw)
	}
}

func TestTagsPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	// Tagged in insertion order m0..m7, m3 private; m5 and m6 share a timestamp.
	stamps := []int{1, 2, 3, 4, 5, 6, 6, 7}
	for i, h := range stamps {
		id := fmt.Sprintf("m%d", i)
		f.s.AddMedia(Media{ID: id, OwnerUsername: "fan", MediaType: "IMAGE", Caption: "#acme",
			Timestamp: base.Add(time.Duration(h) * time.Hour), Private: i == 3})
		mustNil(t, f.s.TagBrand(brandID, id))
	}
	mustNil(t, f.s.TagBrand(brandID, "m1")) // tagging twice is a no-op
	want := []string{"m7", "m6", "m5", "m4", "m2", "m1", "m0"}

	var got []string
	var nexts []string
	u := f.ts.URL + "/v21.0/" + brandID + "/tags?" + url.Values{
		"access_token": {brandToken}, "limit": {"3"},
		"fields": {"id,username,caption,media_type,media_product_type,media_url,permalink,timestamp,like_count,comments_count"},
	}.Encode()
	for page := 0; u != ""; page++ {
		if page > 3 {
			t.Fatal("too many pages")
		}
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		a := doRequest(t, req)
		if a.status != 200 {
			t.Fatalf("page %d: %d %s", page, a.status, a.raw)
		}
		var body struct {
			Data []struct {
				ID, Timestamp, Username string
				LikeCount               *int `json:"like_count"`
			}
			Paging struct {
				Cursors        struct{ Before, After string }
				Next, Previous string
			}
		}
		mustNil(t, json.Unmarshal([]byte(a.raw), &body))
		for _, d := range body.Data {
			got = append(got, d.ID)
			if d.Username != "fan" || d.LikeCount == nil || !strings.HasSuffix(d.Timestamp, "+0000") {
				t.Errorf("item shape: %+v", d)
			}
		}
		if body.Paging.Cursors.Before == "" || body.Paging.Cursors.After == "" {
			t.Errorf("page %d lacks cursors: %s", page, a.raw)
		}
		if (page == 0) != (body.Paging.Previous == "") {
			t.Errorf("page %d previous link %q", page, body.Paging.Previous)
		}
		u = body.Paging.Next
		nexts = append(nexts, u)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("order %v, want %v", got, want)
	}
	if len(nexts) != 3 || nexts[2] != "" || !strings.HasPrefix(nexts[0], f.ts.URL+"/v21.0/"+brandID+"/tags?") {
		t.Fatalf("next links: %q", nexts)
	}

	// A previous link goes back to the page before.
	a := f.get(t, brandID+"/tags", brandToken, "id", "limit", "3")
	after := a.body["paging"].(map[string]any)["cursors"].(map[string]any)["after"].(string)
	a = f.get(t, brandID+"/tags", brandToken, "id", "limit", "2", "after", after)
	before := a.body["paging"].(map[string]any)["cursors"].(map[string]any)["before"].(string)
	a = f.get(t, brandID+"/tags", brandToken, "id", "limit", "2", "before", before)
	if ids := dataIDs(a); ids != "m6,m5" {
		t.Fatalf("before page = %s", ids)
	}
}

func dataIDs(a answer) string {
	var ids []string
	data, _ := a.body["data"].([]any)
	for _, d := range data {
		ids = append(ids, d.(map[string]any)["id"].(string))
	}
	return strings.Join(ids, ",")
}

func TestTagsEdgeCases(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	for i := range 30 {
		id := fmt.Sprintf("t%02d", i)
		f.s.AddMedia(Media{ID: id, OwnerUsername: "fan", Timestamp: testNow.Add(time.Duration(i) * time.Minute)})
		mustNil(t, f.s.TagBrand(brandID, id))
	}
	tests := []struct {
		name   string
		extra  []string
		fields string
		count  int
		code   int
	}{
		{"default limit 25", nil, "", 25, 0},
		{"limit clamped to 100", []string{"limit", "500"}, "", 30, 0},
		{"bad limit", []string{"limit", "zero"}, "", 0, 100},
		{"bad cursor", []string{"after", "!!"}, "", 0, 100},
		{"no fields answers ids", []string{"limit", "1"}, "", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := f.get(t, brandID+"/tags", brandToken, tt.fields, tt.extra...)
			if code, _ := a.graphErr(); tt.code != 0 {
				if code != tt.code {
					t.Fatalf("code %d, want %d: %s", code, tt.code, a.raw)
				}
				return
			}
			if n := len(a.body["data"].([]any)); n != tt.count {
				t.Fatalf("%d items, want %d", n, tt.count)
			}
		})
	}
	// A newer timestamp moves a media to the top.
	f.s.AddMedia(Media{ID: "t00", OwnerUsername: "fan", Timestamp: testNow.Add(time.Hour)})
	if ids := dataIDs(f.get(t, brandID+"/tags", brandToken, "id", "limit", "2")); ids != "t00,t29" {
		t.Fatalf("after re-timestamp: %s", ids)
	}
	// Field expansion on the brand node pages the same way, linking to the edge.
	a := f.get(t, brandID, brandToken, "tags.limit(2){id,caption}")
	tags := a.body["tags"].(map[string]any)
	next := tags["paging"].(map[string]any)["next"].(string)
	if len(tags["data"].([]any)) != 2 || !strings.Contains(next, "/v21.0/"+brandID+"/tags?") || !strings.Contains(next, "limit=2") {
		t.Fatalf("expansion: %s", a.raw)
	}
	// The other brand has no tags: empty data, no paging.
	if a := f.get(t, otherID+"/tags", otherToken, "id"); a.raw != `{"data":[]}` {
		t.Fatalf("empty tags: %s", a.raw)
	}
}

func TestConnectFlow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{AppID: "app1", AppSecret: "s3cret"})
	f.s.AddUserToken("user-short", brandID, otherID)

	// Exchange the short-lived user token.
	a := f.get(t, "oauth/access_token", "", "", "grant_type", "fb_exchange_token",
		"client_id", "app1", "client_secret", "s3cret", "fb_exchange_token", "user-short")
	long, _ := a.body["access_token"].(string)
	if a.status != 200 || long == "" || a.body["token_type"] != "bearer" || a.body["expires_in"] != float64(5183944) {
		t.Fatalf("exchange: %s", a.raw)
	}
	for _, tt := range []struct{ name, id, secret, token string }{
		{"bad secret", "app1", "wrong", "user-short"},
		{"bad app", "app2", "s3cret", "user-short"},
		{"unknown token", "app1", "s3cret", "nope"},
	} {
		a := f.get(t, "oauth/access_token", "", "", "grant_type", "fb_exchange_token",
			"client_id", tt.id, "client_secret", tt.secret, "fb_exchange_token", tt.token)
		if a.status != 400 {
			t.Errorf("%s: %d %s", tt.name, a.status, a.raw)
		}
	}

	// List the Pages with the long-lived token.
	a = f.get(t, "me/accounts", long, "")
	want := `{"data":[{"access_token":"tok-acme","name":"acme","id":"100000000000001","instagram_business_account":{"id":"17841400000000001"}},` +
		`{"access_token":"tok-other","name":"Other Co","id":"100000000000002","instagram_business_account":{"id":"17841400000000002"}}],` +
		`"paging":{"cursors":{"before":"MTAwMDAwMDAwMDAwMDAx","after":"MTAwMDAwMDAwMDAwMDAy"}}}`
	if a.raw != want {
		t.Fatalf("me/accounts:\n%s\nwant\n%s", a.raw, want)
	}
	a = f.get(t, "me/accounts", long, "id,instagram_business_account{id,username}")
	first := a.body["data"].([]any)[0].(map[string]any)
	if first["instagram_business_account"].(map[string]any)["username"] != "acme" {
		t.Fatalf("nested page fields: %s", a.raw)
	}

	// Subscribe the app with the Page token; a user token is refused as by Meta.
	post := func(token, fields string) answer {
		q := url.Values{"access_token": {token}, "appsecret_proof": {proof("s3cret", token)}}
		if fields != "" {
			q.Set("subscribed_fields", fields)
		}
		return f.do(t, http.MethodPost, "/v21.0/"+brandPage+"/subscribed_apps", q, nil)
	}
	if a := post(brandToken, "mentions,messages, messaging_referral"); a.raw != `{"success":true}` {
		t.Fatalf("subscribe: %s", a.raw)
	}
	if got := strings.Join(f.s.SubscribedFields(brandPage), ","); got != "mentions,messages,messaging_referral" {
		t.Fatalf("subscribed fields %q", got)
	}
	if code, _ := post(long, "mentions").graphErr(); code != 210 {
		t.Error("user token should need a Page token")
	}
	if code, _ := post(brandToken, "").graphErr(); code != 100 {
		t.Error("subscribed_fields is required")
	}
	if code, _ := post(otherToken, "mentions").graphErr(); code != 100 {
		t.Error("another brand's token must not subscribe this Page")
	}
	a = f.get(t, brandPage+"/subscribed_apps", brandToken, "")
	if !strings.Contains(a.raw, `"subscribed_fields":["mentions","messages","messaging_referral"]`) {
		t.Fatalf("GET subscribed_apps: %s", a.raw)
	}
}

func proof(secret, token string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

func TestAppSecretProof(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{AppSecret: "s3cret", RequireAppSecretProof: true})
	tests := []struct {
		name  string
		proof string
		ok    bool
	}{
		{"valid", proof("s3cret", brandToken), true},
		{"wrong", proof("other", brandToken), false},
		{"missing", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := f.get(t, brandID, brandToken, "id", "appsecret_proof", tt.proof)
			if (a.status == 200) != tt.ok {
				t.Fatalf("%d %s", a.status, a.raw)
			}
		})
	}
}

func TestUsageHeadersAndAccounting(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{UsageBudget: 10})
	var last int
	for i := range 12 {
		a := f.get(t, brandID, brandToken, "id")
		var app appUsage
		mustNil(t, json.Unmarshal([]byte(a.header.Get("X-App-Usage")), &app))
		var buc map[string][]bucUsage
		mustNil(t, json.Unmarshal([]byte(a.header.Get("X-Business-Use-Case-Usage")), &buc))
		b := buc[brandID]
		if len(b) != 1 || b[0].Type != "instagram" {
			t.Fatalf("business usage header: %s", a.header.Get("X-Business-Use-Case-Usage"))
		}
		if b[0].CallCount < last || app.CallCount < b[0].CallCount || b[0].CallCount > 100 {
			t.Fatalf("call %d: usage %+v / %+v after %d", i, app, b[0], last)
		}
		last = b[0].CallCount
	}
	if last != 100 {
		t.Fatalf("12 calls on a budget of 10 should read 100%%, got %d", last)
	}
	f.get(t, otherID, otherToken, "id")
	f.get(t, "oauth/access_token", "", "")
	if got := f.s.Calls(); got != 14 {
		t.Errorf("Calls = %d", got)
	}
	if got := f.s.CallsForToken(brandToken); got != 12 {
		t.Errorf("CallsForToken = %d", got)
	}
	if a, b := f.s.CallsMatching("/v21.0/"+brandID), f.s.CallsMatching("/"+brandID); a != 12 || b != 12 {
		t.Errorf("CallsMatching = %d, %d", a, b)
	}
	if got := f.s.CallsMatching("/oauth"); got != 1 {
		t.Errorf("CallsMatching(/oauth) = %d", got)
	}
	f.s.ResetCounters()
	a := f.get(t, brandID, brandToken, "id")
	if f.s.Calls() != 1 || f.s.CallsForToken(otherToken) != 0 || !strings.Contains(a.header.Get("X-App-Usage"), `"call_count":10`) {
		t.Fatalf("after reset: calls %d, usage %s", f.s.Calls(), a.header.Get("X-App-Usage"))
	}
}

func TestUsageWindow(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	clock := func() time.Time { return testNow.Add(time.Duration(offset.Load())) }
	f := newFixture(t, Config{UsageBudget: 2, UsageWindow: time.Minute, Now: clock})
	f.get(t, brandID, brandToken, "id")
	f.get(t, brandID, brandToken, "id")
	offset.Store(int64(2 * time.Minute))
	a := f.get(t, brandID, brandToken, "id")
	if !strings.Contains(a.header.Get("X-App-Usage"), `"call_count":50`) {
		t.Fatalf("a new window starts afresh: %s", a.header.Get("X-App-Usage"))
	}
}
