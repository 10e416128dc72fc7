package instagram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testToken = "EAAGtestTOKEN123secretVALUE"

// testT0 is the fake clock's start.
func testT0() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }

func testConn() Conn {
	return Conn{ID: "conn-1", IGUserID: "17841400000000001", AccessToken: testToken}
}

// fakeClock is an injectable Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeSleep records retry waits and returns at once.
type fakeSleep struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *fakeSleep) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *fakeSleep) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

// fakeMeta starts an httptest server answering like the Graph API with h,
// counting hits.
func fakeMeta(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	hits := new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

type testEnv struct {
	c     *Client
	clock *fakeClock
	sleep *fakeSleep
}

func newTestClient(t *testing.T, baseURL string, mods ...func(*Config)) testEnv {
	t.Helper()
	env := testEnv{clock: &fakeClock{now: testT0()}, sleep: &fakeSleep{}}
	cfg := Config{BaseURL: baseURL, Now: env.clock.Now, Sleep: env.sleep.Sleep}
	for _, m := range mods {
		m(&cfg)
	}
	env.c = NewClient(cfg)
	return env
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func graphErrorBody(code, subcode int, msg string) string {
	return fmt.Sprintf(`{"error":{"message":%q,"type":"OAuthException","code":%d,"error_subcode":%d,"fbtrace_id":"AbCdEf"}}`, msg, code, subcode)
}

// checkRequest asserts the method, path, fields and token of a Graph call.
func checkRequest(t *testing.T, r *http.Request, method, path, fields string) {
	t.Helper()
	if r.Method != method {
		t.Errorf("method = %s, want %s", r.Method, method)
	}
	if r.URL.Path != path {
		t.Errorf("path = %s, want %s", r.URL.Path, path)
	}
	if fields != "" {
		if got := r.URL.Query().Get("fields"); got != fields {
			t.Errorf("fields = %s\nwant %s", got, fields)
		}
	}
	if got := r.URL.Query().Get("access_token"); got != testToken {
		t.Errorf("access_token = %q", got)
	}
}

func intp(i int) *int    { return &i }
func boolp(b bool) *bool { return &b }

func eqIntp(a, b *int) bool   { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
func eqBoolp(a, b *bool) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func TestMentionedMedia(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer string
		want   Media
	}{
		{
			name: "reel with counts",
			answer: `{"mentioned_media":{"caption":"love brand","media_type":"VIDEO","media_product_type":"REELS",
				"media_url":"https://cdn/x.mp4","permalink":"https://www.instagram.com/reel/abc/","username":"fan1",
				"timestamp":"2025-02-28T10:11:12+0000","like_count":42,"comments_count":"7","id":"17918195224117851"},
				"id":"17841400000000001"}`,
			want: Media{ID: "17918195224117851", Caption: "love brand", MediaType: "VIDEO", MediaProductType: "REELS",
				MediaURL: "https://cdn/x.mp4", Permalink: "https://www.instagram.com/reel/abc/", Username: "fan1",
				Timestamp: time.Date(2025, 2, 28, 10, 11, 12, 0, time.UTC), LikeCount: intp(42), CommentsCount: intp(7)},
		},
		{
			name:   "omitted counts and url stay unset",
			answer: `{"mentioned_media":{"caption":"c","media_type":"IMAGE","id":17918195224117851},"id":"17841400000000001"}`,
			want:   Media{ID: "17918195224117851", Caption: "c", MediaType: "IMAGE"},
		},
		{
			name:   "null counts stay unset and id falls back",
			answer: `{"mentioned_media":{"media_type":"IMAGE","like_count":null,"timestamp":"garbage"}}`,
			want:   Media{ID: "17918195224117851", MediaType: "IMAGE"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
				checkRequest(t, r, http.MethodGet, "/v21.0/17841400000000001",
					"mentioned_media.media_id(17918195224117851){caption,media_type,media_product_type,media_url,permalink,username,timestamp,like_count,comments_count,id}")
				writeJSON(w, 200, tt.answer)
			})
			env := newTestClient(t, srv.URL)
			m, err := env.c.MentionedMedia(context.Background(), testConn(), "17918195224117851")
			if err != nil {
				t.Fatal(err)
			}
			if hits.Load() != 1 {
				t.Errorf("hits = %d", hits.Load())
			}
			got, want := *m, tt.want
			if !eqIntp(got.LikeCount, want.LikeCount) || !eqIntp(got.CommentsCount, want.CommentsCount) || !got.Timestamp.Equal(want.Timestamp) {
				t.Fatalf("got %+v (likes %v, comments %v)", got, got.LikeCount, got.CommentsCount)
			}
			got.LikeCount, got.CommentsCount, want.LikeCount, want.CommentsCount = nil, nil, nil, nil
			got.Timestamp, want.Timestamp = time.Time{}, time.Time{}
			if got != want {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestMentionedMediaMissingIsNotFound(t *testing.T) {
	t.Parallel()
	srv, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":"17841400000000001"}`)
	})
	env := newTestClient(t, srv.URL)
	_, err := env.c.MentionedMedia(context.Background(), testConn(), "1")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestMentionedComment(t *testing.T) {
	t.Parallel()
	srv, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, http.MethodGet, "/v21.0/17841400000000001",
			"mentioned_comment.comment_id(17894227972186120){id,timestamp,like_count,text,username,media{id,media_url,permalink}}")
		writeJSON(w, 200, `{"mentioned_comment":{"timestamp":"2025-02-28T10:11:12+0100","text":"@brand yes","id":"17894227972186120",
			"media":{"id":"17918195224117851","media_url":"https://cdn/y.jpg"}},"id":"17841400000000001"}`)
	})
	env := newTestClient(t, srv.URL)
	c, err := env.c.MentionedComment(context.Background(), testConn(), "17894227972186120")
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "17894227972186120" || c.Text != "@brand yes" || c.LikeCount != nil ||
		!c.Timestamp.Equal(time.Date(2025, 2, 28, 9, 11, 12, 0, time.UTC)) ||
		c.Media == nil || c.Media.ID != "17918195224117851" || c.Media.MediaURL != "https://cdn/y.jpg" {
		t.Fatalf("got %+v media %+v", c, c.Media)
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	const fields = "id,username,caption,media_type,media_product_type,media_url,permalink,timestamp,like_count,comments_count"
	srv, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, http.MethodGet, "/v21.0/17841400000000001/tags", fields)
		q := r.URL.Query()
		switch q.Get("after") {
		case "":
			if q.Get("limit") != "2" {
				t.Errorf("limit = %q", q.Get("limit"))
			}
			writeJSON(w, 200, `{"data":[
				{"id":"1","username":"a","caption":"x","media_type":"VIDEO","media_product_type":"REELS","like_count":3,"timestamp":"2025-01-01T00:00:00+0000"},
				{"id":"2","username":"b","media_type":"VIDEO"}],
				"paging":{"cursors":{"before":"B1","after":"A1"},"next":"https://graph.facebook.com/v21.0/x/tags?after=A1"}}`)
		case "A1":
			writeJSON(w, 200, `{"data":[{"id":"3","media_type":"IMAGE","media_product_type":"FEED"}],"paging":{"cursors":{"before":"B2","after":"A2"}}}`)
		default:
			t.Errorf("after = %q", q.Get("after"))
		}
	})
	env := newTestClient(t, srv.URL)
	p1, err := env.c.Tags(context.Background(), testConn(), TagsQuery{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Data) != 2 || !p1.HasNext || p1.After != "A1" || p1.Before != "B1" {
		t.Fatalf("page 1 = %+v", p1)
	}
	if p1.Data[0].Kind() != "reel" || p1.Data[1].Kind() != "post" || !eqIntp(p1.Data[0].LikeCount, intp(3)) || p1.Data[1].LikeCount != nil {
		t.Fatalf("page 1 data = %+v", p1.Data)
	}
	p2, err := env.c.Tags(context.Background(), testConn(), TagsQuery{After: p1.After})
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Data) != 1 || p2.HasNext || p2.Data[0].ID != "3" {
		t.Fatalf("page 2 = %+v", p2)
	}
}

func TestBusinessDiscovery(t *testing.T) {
	t.Parallel()
	srv, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, http.MethodGet, "/v21.0/17841400000000001",
			"business_discovery.username(fan.one_1){id,username,name,biography,profile_picture_url,followers_count,follows_count,media_count}")
		writeJSON(w, 200, `{"business_discovery":{"id":"17841400000000009","username":"fan.one_1","biography":"hi",
			"followers_count":1200,"media_count":0},"id":"17841400000000001"}`)
	})
	env := newTestClient(t, srv.URL)
	p, err := env.c.BusinessDiscovery(context.Background(), testConn(), "@fan.one_1")
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "17841400000000009" || p.Username != "fan.one_1" || p.Biography != "hi" || p.Name != "" ||
		!eqIntp(p.FollowersCount, intp(1200)) || p.FollowsCount != nil || !eqIntp(p.MediaCount, intp(0)) {
		t.Fatalf("got %+v", p)
	}
}

func TestUserProfile(t *testing.T) {
	t.Parallel()
	srv, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, http.MethodGet, "/v21.0/6000000000000001",
			"name,username,profile_pic,follower_count,is_user_follow_business,is_business_follow_user,is_verified_user")
		writeJSON(w, 200, `{"name":"Fan One","username":"fan1","profile_pic":"https://cdn/p.jpg","follower_count":12,
			"is_user_follow_business":true,"is_business_follow_user":false,"id":"6000000000000001"}`)
	})
	env := newTestClient(t, srv.URL)
	conn := testConn()
	conn.IGUserID = "" // not needed for this call
	p, err := env.c.UserProfile(context.Background(), conn, "6000000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "6000000000000001" || p.Name != "Fan One" || p.Username != "fan1" || p.ProfilePic != "https://cdn/p.jpg" ||
		!eqIntp(p.FollowerCount, intp(12)) || !eqBoolp(p.IsUserFollowBusiness, boolp(true)) ||
		!eqBoolp(p.IsBusinessFollowUser, boolp(false)) || p.IsVerifiedUser != nil {
		t.Fatalf("got %+v", p)
	}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	const userToken = "EAAGuserTOKENsecret"
	srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v21.0/me/accounts" || r.URL.Query().Get("access_token") != userToken ||
			r.URL.Query().Get("fields") != "id,name,access_token,instagram_business_account{id,username}" {
			t.Errorf("request %s", r.URL)
		}
		if r.URL.Query().Get("after") == "" {
			writeJSON(w, 200, `{"data":[{"id":"111","name":"Brand","access_token":"PAGE1",
				"instagram_business_account":{"id":"17841400000000001","username":"brand"}}],
				"paging":{"cursors":{"before":"b","after":"c1"},"next":"https://graph.facebook.com/next"}}`)
			return
		}
		writeJSON(w, 200, `{"data":[{"id":"222","name":"No IG","access_token":"PAGE2"}],"paging":{"cursors":{"before":"b","after":"c2"}}}`)
	})
	env := newTestClient(t, srv.URL)
	pages, err := env.c.Accounts(context.Background(), userToken)
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 || len(pages) != 2 {
		t.Fatalf("hits %d pages %v", hits.Load(), pages)
	}
	if pages[0].ID != "111" || pages[0].AccessToken != "PAGE1" || pages[0].Instagram == nil ||
		pages[0].Instagram.ID != "17841400000000001" || pages[0].Instagram.Username != "brand" || pages[1].Instagram != nil {
		t.Fatalf("pages = %v", pages)
	}
	if s := fmt.Sprintf("%v %+v %#v", pages[0], pages[0], pages[0]); strings.Contains(s, "PAGE1") {
		t.Fatalf("page token printed: %s", s)
	}
}

func TestSubscribeApp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		answer  string
		wantErr bool
	}{
		{"success", `{"success":true}`, false},
		{"no success", `{"success":false}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
				checkRequest(t, r, http.MethodPost, "/v21.0/111/subscribed_apps", "")
				if got := r.URL.Query().Get("subscribed_fields"); got != "mentions,messages,messaging_referral" {
					t.Errorf("subscribed_fields = %q", got)
				}
				writeJSON(w, 200, tt.answer)
			})
			env := newTestClient(t, srv.URL)
			err := env.c.SubscribeApp(context.Background(), testConn(), "111", []string{"mentions", "messages", "messaging_referral"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestAppSecretProof(t *testing.T) {
	t.Parallel()
	srv, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("appsecret_proof") == "" {
			t.Error("no appsecret_proof")
		}
		writeJSON(w, 400, graphErrorBody(100, 0, "bad "+r.URL.Query().Get("appsecret_proof")))
	})
	env := newTestClient(t, srv.URL, func(c *Config) { c.AppSecret = "s3cret" })
	_, err := env.c.MentionedMedia(context.Background(), testConn(), "1")
	if err == nil || strings.Contains(err.Error(), Sign("s3cret", []byte(testToken))[7:]) {
		t.Fatalf("err = %v", err)
	}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	sentinels := []error{ErrTokenInvalid, ErrThrottled, ErrNoConsent, ErrNotFound, ErrTransient}
	tests := []struct {
		name      string
		status    int
		body      string
		want      error // nil: permanent
		retryable bool
	}{
		{"190 expired", 400, graphErrorBody(190, 463, "Error validating access token: Session has expired"), ErrTokenInvalid, false},
		{"190 revoked", 400, graphErrorBody(190, 460, "password changed"), ErrTokenInvalid, false},
		{"102 session", 400, graphErrorBody(102, 0, "API Session"), ErrTokenInvalid, false},
		{"4 app", 403, graphErrorBody(4, 0, "Application request limit reached"), ErrThrottled, true},
		{"17 user", 400, graphErrorBody(17, 0, "User request limit reached"), ErrThrottled, true},
		{"32 page", 400, graphErrorBody(32, 0, "Page request limit reached"), ErrThrottled, true},
		{"613 custom", 400, graphErrorBody(613, 0, "Calls to this api have exceeded the rate limit"), ErrThrottled, true},
		{"80002 instagram BUC", 400, graphErrorBody(80002, 0, "too many calls to this Instagram account"), ErrThrottled, true},
		{"80001 page BUC", 400, graphErrorBody(80001, 0, "too many calls"), ErrThrottled, true},
		{"429 no body", 429, ``, ErrThrottled, true},
		{"230 consent", 400, graphErrorBody(230, 0, "User consent is required to access user profile"), ErrNoConsent, false},
		{"100/33 missing object", 400, graphErrorBody(100, 33, "Unsupported get request."), ErrNotFound, false},
		{"100 does not exist", 400, graphErrorBody(100, 0, "Object with ID '1' Does Not Exist"), ErrNotFound, false},
		{"110 invalid user", 400, graphErrorBody(110, 2207013, "Invalid user id"), ErrNotFound, false},
		{"100 other", 400, graphErrorBody(100, 0, "Tried accessing nonexisting field (x)"), nil, false},
		{"10 permission", 403, graphErrorBody(10, 0, "Application does not have permission"), nil, false},
		{"1 unknown", 500, graphErrorBody(1, 0, "An unknown error occurred"), ErrTransient, true},
		{"2 service", 400, graphErrorBody(2, 0, "Service temporarily unavailable"), ErrTransient, true},
		{"is_transient", 400, `{"error":{"message":"x","code":9999,"is_transient":true}}`, ErrTransient, true},
		{"502 html", 502, `<html>Bad Gateway</html>`, ErrTransient, true},
		{"400 not json", 400, `nope`, nil, false},
		{"string codes", 400, `{"error":{"message":"x","code":"190"}}`, ErrTokenInvalid, false},
		{"200 with error object", 200, graphErrorBody(100, 33, "x"), ErrNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, tt.status, tt.body)
			})
			env := newTestClient(t, srv.URL)
			_, err := env.c.MentionedMedia(context.Background(), testConn(), "1")
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(err, %v) = %v; err = %v", s, got, err)
				}
			}
			if got := Retryable(err); got != tt.retryable {
				t.Errorf("Retryable = %v", got)
			}
			var ge *GraphError
			if !errors.As(err, &ge) || ge.HTTPStatus != tt.status {
				t.Errorf("no *GraphError with status %d in %v", tt.status, err)
			}
			wantHits := int64(1)
			if tt.want == ErrTransient {
				wantHits = DefaultMaxRetries + 1
			}
			if hits.Load() != wantHits {
				t.Errorf("hits = %d, want %d", hits.Load(), wantHits)
			}
			if tt.want == ErrThrottled {
				var te *ThrottledError
				if !errors.As(err, &te) || te.RetryAfter() <= 0 || te.ConnID != "conn-1" {
					t.Errorf("no ThrottledError with a wait: %v", err)
				}
			}
		})
	}
}

func TestTokenInvalidStopsCalls(t *testing.T) {
	t.Parallel()
	var broken atomic.Bool
	broken.Store(true)
	srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() && r.URL.Path == "/v21.0/17841400000000001" {
			writeJSON(w, 400, graphErrorBody(190, 460, "Error validating access token"))
			return
		}
		writeJSON(w, 200, `{"mentioned_media":{"id":"1","media_type":"IMAGE"}}`)
	})
	env := newTestClient(t, srv.URL)
	ctx := context.Background()
	conn := testConn()
	if _, err := env.c.MentionedMedia(ctx, conn, "1"); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("first call: %v", err)
	}
	if !env.c.NeedsReauth(conn.ID) {
		t.Fatal("NeedsReauth = false")
	}
	for range 3 {
		_, err := env.c.Tags(ctx, conn, TagsQuery{})
		if !errors.Is(err, ErrTokenInvalid) || Retryable(err) {
			t.Fatalf("blocked call: %v", err)
		}
		if _, err := env.c.MentionedMedia(ctx, conn, "1"); !errors.Is(err, ErrTokenInvalid) {
			t.Fatalf("blocked call: %v", err)
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1: a 190 must stop calls", hits.Load())
	}
	// Another connection is unaffected.
	other := Conn{ID: "conn-2", IGUserID: "17841400000000002", AccessToken: testToken}
	if _, err := env.c.MentionedMedia(ctx, other, "1"); err != nil {
		t.Fatalf("other connection: %v", err)
	}
	// A new token: the operator resets the connection.
	broken.Store(false)
	env.c.ResetConnection(conn.ID)
	if env.c.NeedsReauth(conn.ID) {
		t.Fatal("NeedsReauth after reset")
	}
	if _, err := env.c.MentionedMedia(ctx, conn, "1"); err != nil {
		t.Fatalf("after reset: %v", err)
	}
	if hits.Load() != 3 {
		t.Fatalf("hits = %d, want 3", hits.Load())
	}
}

func TestThrottlePausesOnlyThatConnection(t *testing.T) {
	t.Parallel()
	srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v21.0/17841400000000001" {
			w.Header().Set("X-Business-Use-Case-Usage",
				`{"17841400000000001":[{"type":"instagram","call_count":100,"total_cputime":4,"total_time":6,"estimated_time_to_regain_access":5}]}`)
			writeJSON(w, 400, graphErrorBody(80002, 2446079, "There have been too many calls to this Instagram account"))
			return
		}
		writeJSON(w, 200, `{"mentioned_media":{"id":"1"}}`)
	})
	env := newTestClient(t, srv.URL)
	ctx := context.Background()
	a := testConn()
	b := Conn{ID: "conn-b", IGUserID: "17841400000000002", AccessToken: testToken}

	_, err := env.c.MentionedMedia(ctx, a, "1")
	var te *ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, ErrThrottled) || te.RetryAfter() != 5*time.Minute || !te.Until.Equal(testT0().Add(5*time.Minute)) {
		t.Fatalf("first call: %v", err)
	}
	if until, ok := env.c.PausedUntil(a.ID); !ok || !until.Equal(testT0().Add(5*time.Minute)) {
		t.Fatalf("PausedUntil = %v, %v", until, ok)
	}
	if hits.Load() != 1 {
		t.Fatalf("throttling must not retry: hits = %d", hits.Load())
	}

	env.clock.Advance(2 * time.Minute)
	_, err = env.c.Tags(ctx, a, TagsQuery{})
	if !errors.As(err, &te) || te.RetryAfter() != 3*time.Minute || te.Cause != nil || !Retryable(err) {
		t.Fatalf("paused call: %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("a paused connection made a request: hits = %d", hits.Load())
	}
	if _, ok := env.c.PausedUntil(b.ID); ok {
		t.Fatal("other connection paused")
	}
	if _, err := env.c.MentionedMedia(ctx, b, "1"); err != nil {
		t.Fatalf("other connection: %v", err)
	}
	if hits.Load() != 2 {
		t.Fatalf("hits = %d, want 2", hits.Load())
	}

	env.clock.Advance(3 * time.Minute)
	if _, ok := env.c.PausedUntil(a.ID); ok {
		t.Fatal("still paused after the regain time")
	}
	if _, err := env.c.MentionedMedia(ctx, a, "1"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("after regain: %v", err)
	}
	if hits.Load() != 3 {
		t.Fatalf("the call after the regain time was not sent: hits = %d", hits.Load())
	}
}

func TestThrottleDefaultBackoffGrows(t *testing.T) {
	t.Parallel()
	var ok atomic.Bool
	srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		if ok.Load() {
			writeJSON(w, 200, `{"mentioned_media":{"id":"1"}}`)
			return
		}
		writeJSON(w, 400, graphErrorBody(17, 0, "User request limit reached"))
	})
	env := newTestClient(t, srv.URL)
	ctx := context.Background()
	conn := testConn()
	for _, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
		_, err := env.c.MentionedMedia(ctx, conn, "1")
		var te *ThrottledError
		if !errors.As(err, &te) || te.RetryAfter() != want {
			t.Fatalf("want pause %v, got %v", want, err)
		}
		env.clock.Advance(want)
	}
	ok.Store(true)
	if _, err := env.c.MentionedMedia(ctx, conn, "1"); err != nil {
		t.Fatal(err)
	}
	// Success resets the backoff.
	ok.Store(false)
	_, err := env.c.MentionedMedia(ctx, conn, "1")
	var te *ThrottledError
	if !errors.As(err, &te) || te.RetryAfter() != time.Minute {
		t.Fatalf("after success: %v", err)
	}
	if hits.Load() != 5 {
		t.Fatalf("hits = %d", hits.Load())
	}
}

func TestUsageHeadersPauseAfterSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header, value string
		want                time.Duration
	}{
		{"app usage at 100%", "X-App-Usage", `{"call_count":100,"total_time":20,"total_cputime":20}`, time.Minute},
		{"app usage over 100% as strings", "X-App-Usage", `{"call_count":"12","total_time":"103"}`, time.Minute},
		{"business use case regain", "X-Business-Use-Case-Usage", `{"1":[{"type":"instagram","call_count":40,"estimated_time_to_regain_access":3}]}`, 3 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set(tt.header, tt.value)
				writeJSON(w, 200, `{"mentioned_media":{"id":"1"}}`)
			})
			env := newTestClient(t, srv.URL)
			if _, err := env.c.MentionedMedia(context.Background(), testConn(), "1"); err != nil {
				t.Fatalf("the call itself must succeed: %v", err)
			}
			until, ok := env.c.PausedUntil("conn-1")
			if !ok || !until.Equal(testT0().Add(tt.want)) {
				t.Fatalf("PausedUntil = %v, %v; want %v", until, ok, testT0().Add(tt.want))
			}
			if _, err := env.c.MentionedMedia(context.Background(), testConn(), "1"); !errors.Is(err, ErrThrottled) {
				t.Fatalf("next call: %v", err)
			}
			if hits.Load() != 1 {
				t.Fatalf("hits = %d", hits.Load())
			}
		})
	}
}

func TestUsageHeadersBelowLimitDoNotPause(t *testing.T) {
	t.Parallel()
	srv, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-App-Usage", `{"call_count":99,"total_time":5,"total_cputime":5}`)
		w.Header().Set("X-Business-Use-Case-Usage", `{"1":[{"type":"instagram","call_count":10,"estimated_time_to_regain_access":0}]}`)
		writeJSON(w, 200, `{"mentioned_media":{"id":"1"}}`)
	})
	env := newTestClient(t, srv.URL)
	if _, err := env.c.MentionedMedia(context.Background(), testConn(), "1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := env.c.PausedUntil("conn-1"); ok {
		t.Fatal("paused below the limit")
	}
}

func TestRetryOn500ThenSuccess(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			writeJSON(w, 500, graphErrorBody(1, 0, "An unknown error occurred"))
			return
		}
		writeJSON(w, 200, `{"mentioned_media":{"id":"1","media_type":"IMAGE"}}`)
	})
	env := newTestClient(t, srv.URL)
	m, err := env.c.MentionedMedia(context.Background(), testConn(), "1")
	if err != nil || m.MediaType != "IMAGE" {
		t.Fatalf("got %+v, %v", m, err)
	}
	if hits.Load() != 3 {
		t.Fatalf("hits = %d, want 3", hits.Load())
	}
	waits := env.sleep.waits()
	if len(waits) != 2 {
		t.Fatalf("waits = %v", waits)
	}
	for i, w := range waits {
		d := DefaultRetryBackoff << i
		if w < d/2 || w > d {
			t.Errorf("wait %d = %v, want in [%v, %v]", i, w, d/2, d)
		}
	}
}

func TestRetriesExhausted(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		maxRetries int
		wantHits   int64
	}{
		{"default", 0, 4},
		{"two", 2, 3},
		{"disabled", -1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 503, `Service Unavailable`)
			})
			env := newTestClient(t, srv.URL, func(c *Config) { c.MaxRetries = tt.maxRetries })
			_, err := env.c.MentionedMedia(context.Background(), testConn(), "1")
			if !errors.Is(err, ErrTransient) || !Retryable(err) {
				t.Fatalf("err = %v", err)
			}
			if hits.Load() != tt.wantHits {
				t.Fatalf("hits = %d, want %d", hits.Load(), tt.wantHits)
			}
		})
	}
}

func TestNoRetryOnPermanentErrors(t *testing.T) {
	t.Parallel()
	for _, code := range []int{230, 190, 4, 100, 10} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 400, graphErrorBody(code, 0, "no"))
			})
			env := newTestClient(t, srv.URL)
			conn := testConn()
			if _, err := env.c.UserProfile(context.Background(), conn, "6000000000000001"); err == nil {
				t.Fatal("no error")
			}
			if hits.Load() != 1 || len(env.sleep.waits()) != 0 {
				t.Fatalf("hits = %d, waits = %v", hits.Load(), env.sleep.waits())
			}
		})
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	t.Parallel()
	srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	env := newTestClient(t, srv.URL, func(c *Config) {
		c.Timeout = 30 * time.Millisecond
		c.MaxRetries = 1
	})
	_, err := env.c.MentionedMedia(context.Background(), testConn(), "1")
	if !errors.Is(err, ErrTransient) {
		t.Fatalf("err = %v", err)
	}
	if hits.Load() != 2 {
		t.Fatalf("hits = %d, want 2", hits.Load())
	}
	if strings.Contains(err.Error(), testToken) {
		t.Fatalf("token in %q", err)
	}
}

func TestCallerCancellationIsNotTransient(t *testing.T) {
	t.Parallel()
	srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	env := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := env.c.MentionedMedia(ctx, testConn(), "1")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTransient) || Retryable(err) {
		t.Fatalf("err = %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("hits = %d", hits.Load())
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	t.Parallel()
	echo := func(status int, asGraph bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			tok := r.URL.Query().Get("access_token")
			if asGraph {
				writeJSON(w, status, fmt.Sprintf(`{"error":{"message":"bad token %s in %s","type":"OAuthException %s","code":190,"fbtrace_id":"%s"}}`,
					tok, r.URL.String(), tok, url.QueryEscape(tok)))
				return
			}
			writeJSON(w, status, "proxy error for "+r.URL.String())
		}
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name string
		base func(t *testing.T) string
		mods func(*Config)
	}{
		{"graph error echoing the token", func(t *testing.T) string { s, _ := fakeMeta(t, echo(400, true)); return s.URL }, nil},
		{"html error echoing the URL", func(t *testing.T) string { s, _ := fakeMeta(t, echo(502, false)); return s.URL }, nil},
		{"400 text echoing the URL", func(t *testing.T) string { s, _ := fakeMeta(t, echo(400, false)); return s.URL }, nil},
		{"connection refused", func(*testing.T) string { return closedURL }, nil},
		{"timeout", func(t *testing.T) string {
			s, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
			return s.URL
		}, func(c *Config) { c.Timeout = 20 * time.Millisecond }},
		{"bad JSON", func(t *testing.T) string {
			s, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"mentioned_media":`) })
			return s.URL
		}, nil},
		{"redirect loop", func(t *testing.T) string {
			s, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.String(), http.StatusFound) })
			return s.URL
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t, tt.base(t), func(c *Config) {
				if tt.mods != nil {
					tt.mods(c)
				}
			})
			_, err := env.c.MentionedMedia(context.Background(), testConn(), "1")
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if strings.Contains(s, testToken) {
					t.Fatalf("token leaked: %s", s)
				}
			}
			var ue *url.Error
			if errors.As(err, &ue) && strings.Contains(ue.URL, testToken) {
				t.Fatalf("token in url.Error.URL: %s", ue.URL)
			}
			// A second call for a connection whose token was rejected
			// repeats the first message: still no token.
			_, err = env.c.MentionedMedia(context.Background(), testConn(), "1")
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Fatalf("token leaked on the second call: %s", err)
			}
		})
	}
}

func TestInvalidArgumentsSendNothing(t *testing.T) {
	t.Parallel()
	srv, hits := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{}`)
	})
	env := newTestClient(t, srv.URL)
	ctx := context.Background()
	good := testConn()
	noID := good
	noID.ID = ""
	noToken := good
	noToken.AccessToken = ""
	badIG := good
	badIG.IGUserID = "1/../me"
	calls := map[string]func() error{
		"empty conn id":          func() error { _, err := env.c.MentionedMedia(ctx, noID, "1"); return err },
		"empty token":            func() error { _, err := env.c.Tags(ctx, noToken, TagsQuery{}); return err },
		"bad ig user id":         func() error { _, err := env.c.Tags(ctx, badIG, TagsQuery{}); return err },
		"field injection":        func() error { _, err := env.c.MentionedMedia(ctx, good, "1){access_token}"); return err },
		"empty comment id":       func() error { _, err := env.c.MentionedComment(ctx, good, ""); return err },
		"username injection":     func() error { _, err := env.c.BusinessDiscovery(ctx, good, "a){b}"); return err },
		"username too long":      func() error { _, err := env.c.BusinessDiscovery(ctx, good, strings.Repeat("a", 31)); return err },
		"igsid with slash":       func() error { _, err := env.c.UserProfile(ctx, good, "../me"); return err },
		"negative limit":         func() error { _, err := env.c.Tags(ctx, good, TagsQuery{Limit: -1}); return err },
		"no subscribe fields":    func() error { return env.c.SubscribeApp(ctx, good, "111", nil) },
		"bad subscribe field":    func() error { return env.c.SubscribeApp(ctx, good, "111", []string{"mentions,x"}) },
		"empty user token":       func() error { _, err := env.c.Accounts(ctx, ""); return err },
		"dot dot media id":       func() error { _, err := env.c.UserProfile(ctx, good, ".."); return err },
		"unicode in username":    func() error { _, err := env.c.BusinessDiscovery(ctx, good, "fän"); return err },
		"page id with query":     func() error { return env.c.SubscribeApp(ctx, good, "1?x=y", []string{"mentions"}) },
		"media id with space":    func() error { _, err := env.c.MentionedMedia(ctx, good, "1 2"); return err },
		"comment id with braces": func() error { _, err := env.c.MentionedComment(ctx, good, "{1}"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrInvalidArgument) || Retryable(err) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("hits = %d", hits.Load())
	}
}

func TestInvalidBaseURL(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"ftp://x", "::", "graph.facebook.com"} {
		c := NewClient(Config{BaseURL: base})
		if _, err := c.MentionedMedia(context.Background(), testConn(), "1"); err == nil || errors.Is(err, ErrTransient) {
			t.Errorf("%q: err = %v", base, err)
		}
	}
}

func TestBaseURLWithPathAndVersion(t *testing.T) {
	t.Parallel()
	srv, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/sandbox/graph/v19.0/17841400000000001" {
			t.Errorf("path = %s", r.URL.Path)
		}
		writeJSON(w, 200, `{"mentioned_media":{"id":"1"}}`)
	})
	env := newTestClient(t, srv.URL+"/sandbox/graph/", func(c *Config) { c.Version = "v19.0" })
	if _, err := env.c.MentionedMedia(context.Background(), testConn(), "1"); err != nil {
		t.Fatal(err)
	}
}

func TestMediaKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mediaType, productType, want string
	}{
		{"VIDEO", "REELS", "reel"},
		{"VIDEO", "reels", "reel"},
		{"VIDEO", "", "post"}, // never guess a reel from VIDEO alone
		{"VIDEO", "FEED", "post"},
		{"IMAGE", "FEED", "post"},
		{"CAROUSEL_ALBUM", "", "post"},
		{"IMAGE", "STORY", "story"},
		{"VIDEO", "AD", "post"},
		{"", "", "post"},
	}
	for _, tt := range tests {
		if got := (Media{MediaType: tt.mediaType, MediaProductType: tt.productType}).Kind(); got != tt.want {
			t.Errorf("Kind(%s, %s) = %q, want %q", tt.mediaType, tt.productType, got, tt.want)
		}
	}
}

func TestParseMetaTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2025-02-28T10:11:12+0000", time.Date(2025, 2, 28, 10, 11, 12, 0, time.UTC)},
		{"2025-02-28T10:11:12-0700", time.Date(2025, 2, 28, 17, 11, 12, 0, time.UTC)},
		{"2025-02-28T10:11:12Z", time.Date(2025, 2, 28, 10, 11, 12, 0, time.UTC)},
		{"", time.Time{}},
		{"yesterday", time.Time{}},
	}
	for _, tt := range tests {
		if got := parseMetaTime(tt.in); !got.Equal(tt.want) {
			t.Errorf("parseMetaTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestConnStringRedactsToken(t *testing.T) {
	t.Parallel()
	c := testConn()
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%v", []Conn{c})} {
		if strings.Contains(s, testToken) || !strings.Contains(s, "conn-1") {
			t.Errorf("Conn printed as %s", s)
		}
	}
}

func TestConcurrentCallsAreSafe(t *testing.T) {
	t.Parallel()
	srv, _ := fakeMeta(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "2") {
			writeJSON(w, 400, graphErrorBody(4, 0, "limit"))
			return
		}
		writeJSON(w, 200, `{"mentioned_media":{"id":"1"}}`)
	})
	env := newTestClient(t, srv.URL)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			conn := Conn{ID: fmt.Sprintf("c%d", i%4), IGUserID: fmt.Sprintf("1784140000000000%d", i%4), AccessToken: testToken}
			_, _ = env.c.MentionedMedia(context.Background(), conn, "1")
			env.c.PausedUntil(conn.ID)
			env.c.NeedsReauth(conn.ID)
		})
	}
	wg.Wait()
	if _, ok := env.c.PausedUntil("c2"); !ok {
		t.Fatal("c2 not paused")
	}
	if _, ok := env.c.PausedUntil("c1"); ok {
		t.Fatal("c1 paused")
	}
}
