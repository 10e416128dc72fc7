package instagram_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/app"
	"github.com/shoutout-loyalty/shoutout/internal/app/apptest"
	"github.com/shoutout-loyalty/shoutout/internal/instagram"
	igsandbox "github.com/shoutout-loyalty/shoutout/internal/sandbox/instagram"
	"github.com/shoutout-loyalty/shoutout/internal/secrets"
	"github.com/shoutout-loyalty/shoutout/internal/store/storetest"
)

const (
	appSecret = "test-app-secret"
	brandID   = "17841400000000001"
	pageID    = "100000000000001"
	pageToken = "EAAG-page-token-for-tests"
	operator  = "operator-token"
)

// bundle is a running shoutout connected to an emulated Instagram.
type bundle struct {
	env    *apptest.Env
	sb     *igsandbox.Server
	sender *igsandbox.Sender
	connID string
	seq    atomic.Int64
}

func setup(t testing.TB, dbURL string) *bundle {
	t.Helper()
	sb := igsandbox.New(igsandbox.Config{AppSecret: appSecret, UsageBudget: 1_000_000})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	sb.AddBrand(igsandbox.Brand{IGUserID: brandID, PageID: pageID, Username: "acme", AccessToken: pageToken})
	env := apptest.StartWith(t, app.Config{
		DatabaseURL: dbURL, OperatorToken: operator,
		Meta: app.MetaConfig{GraphURL: srv.URL, GraphVersion: sb.Version(), AppSecret: appSecret, VerifyToken: "verify-me",
			TagScheduleInterval: 100 * time.Millisecond},
	})
	conn := env.MustDo(t, "POST", "/v1/social/instagram/connections", map[string]any{"igUserId": brandID, "pageId": pageID, "accessToken": pageToken})
	for _, r := range []struct {
		event  string
		points int
	}{{"MENTIONED_YOU_SOCIAL", 10}, {"DM_YOU_SOCIAL", 5}, {"FOLLOWED_YOU_SOCIAL", 20}} {
		env.MustDo(t, "POST", "/v1/event_reactors", map[string]any{"name": "points for " + r.event, "eventType": r.event,
			"reactions": []any{map[string]any{"type": "POINTS", "points": map[string]any{"operation": "SUM", "arguments": []any{map[string]any{"type": "NUMBER", "value": r.points}}}}}})
	}
	return &bundle{env: env, sb: sb, sender: sb.Sender(env.URL + "/webhooks/instagram"), connID: conn["id"].(string)}
}

func (b *bundle) id(prefix string) string { return fmt.Sprintf("%s%d", prefix, 1000+b.seq.Add(1)) }

func (b *bundle) send(t testing.TB, body []byte) {
	t.Helper()
	st, err := b.sender.Send(context.Background(), body)
	if err != nil || st != http.StatusOK {
		t.Fatalf("webhook: %d %v", st, err)
	}
}

// events returns the tenant's events of a type for a member (all members
// when uid is "").
func (b *bundle) events(t *testing.T, uid, typ string) []map[string]any {
	t.Helper()
	path := "/v1/events?limit=1000&type=" + typ
	if uid != "" {
		path += "&subject=" + uid
	}
	var out []map[string]any
	for _, it := range b.env.MustDo(t, "GET", path, nil)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// waitEvents waits until a member has n events of a type.
func (b *bundle) waitEvents(t *testing.T, uid, typ string, n int, within time.Duration) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		evs := b.events(t, uid, typ)
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has %d %s events after %v, want %d", uid, len(evs), typ, within, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settle waits until the inbox has no pending delivery, so that "nothing
// happened" is a real observation.
func (b *bundle) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r := b.env.Do(t, apptest.Creds{AdminToken: operator}, "GET", "/v1/operator/webhooks?status=pending", nil)
		if r.Status != 200 {
			t.Fatalf("operator webhooks: %d %s", r.Status, r.Body)
		}
		if len(r.Map(t)["items"].([]any)) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("inbox did not drain")
}

func (b *bundle) attrs(t *testing.T, uid string) map[string]any {
	t.Helper()
	return b.env.MustDo(t, "GET", "/v1/users/"+uid, nil)["attributes"].(map[string]any)
}

func (b *bundle) balance(t *testing.T, uid string) float64 {
	t.Helper()
	return b.env.MustDo(t, "GET", "/v1/users/"+uid+"/wallet", nil)["points"].(map[string]any)["balance"].(float64)
}

func TestCaptionMentionIsReportedWithinASecond(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, eng.NewURL(t))
			uid := b.env.CreateUser(t, "ada@example.com", map[string]any{"instagramHandle": "@Ada.Loves"})
			taken := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
			post := igsandbox.Media{ID: b.id("1790"), OwnerUsername: "ada.loves", Caption: "Coffee with @acme", MediaType: "IMAGE",
				MediaProductType: "FEED", MediaURL: "https://cdn.example/p.jpg", Permalink: "https://instagram.example/p/1", Timestamp: taken}
			start := time.Now()
			b.send(t, b.sb.PostMention(brandID, post))
			ev := b.waitEvents(t, uid, "MENTIONED_YOU_SOCIAL", 1, time.Second)[0]
			t.Logf("webhook to ledger: %v", time.Since(start))
			p := ev["payload"].(map[string]any)
			want := map[string]any{"caption": "Coffee with @acme", "platform": "instagram", "media_url": "https://cdn.example/p.jpg",
				"mention_type": "mention", "media_type": "post", "media_id": post.ID, "permalink": "https://instagram.example/p/1",
				"occurred_at": "2026-11-20T10:00:00Z"}
			for k, v := range want {
				if p[k] != v {
					t.Errorf("payload[%s] = %v, want %v", k, p[k], v)
				}
			}
			if bal := b.balance(t, uid); bal != 10 {
				t.Errorf("balance %v, want 10", bal)
			}
			if h := b.attrs(t, uid)["instagram_handle"]; h != "ada.loves" {
				t.Errorf("instagram_handle = %v", h)
			}
			reel := igsandbox.Media{ID: b.id("1790"), OwnerUsername: "ada.loves", Caption: "reel for @acme", MediaType: "VIDEO", MediaProductType: "REELS", MediaURL: "https://cdn.example/r.mp4"}
			b.send(t, b.sb.PostMention(brandID, reel))
			evs := b.waitEvents(t, uid, "MENTIONED_YOU_SOCIAL", 2, time.Second)
			if mt := evs[0]["payload"].(map[string]any)["media_type"]; mt != "reel" {
				t.Errorf("reel media_type = %v", mt)
			}
		})
	}
}

func TestRepeatsAreReportedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	uid := b.env.CreateUser(t, "ada@example.com", map[string]any{"instagramHandle": "ada"})
	post := igsandbox.Media{ID: b.id("1790"), OwnerUsername: "ada", Caption: "@acme", MediaType: "IMAGE"}
	body := b.sb.PostMention(brandID, post)
	statuses, err := b.sender.SendRepeated(context.Background(), body, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range statuses {
		if st != 200 {
			t.Fatalf("statuses %v", statuses)
		}
	}
	// The same media, also tagged, is seen again by the poller.
	if err := b.sb.TagBrand(brandID, post.ID); err != nil {
		t.Fatal(err)
	}
	b.env.MustDo(t, "PUT", "/v1/social/settings", map[string]any{"tagPollInterval": "1s"})
	b.waitEvents(t, uid, "MENTIONED_YOU_SOCIAL", 1, 2*time.Second)
	b.waitPoll(t, 2)
	b.settle(t)
	if n := len(b.events(t, uid, "MENTIONED_YOU_SOCIAL")); n != 1 {
		t.Fatalf("%d events for one media delivered 3 times and polled, want 1", n)
	}
	if bal := b.balance(t, uid); bal != 10 {
		t.Fatalf("balance %v, want 10", bal)
	}
}

// waitPoll waits until the connection has been polled n more times.
func (b *bundle) waitPoll(t *testing.T, n int) {
	t.Helper()
	last := func() string {
		for _, c := range b.env.MustDo(t, "GET", "/v1/social/instagram/connections", nil)["items"].([]any) {
			if v, ok := c.(map[string]any)["lastPollAt"].(string); ok {
				return v
			}
		}
		return ""
	}
	prev := last()
	deadline := time.Now().Add(10 * time.Second)
	for seen := 0; seen < n; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d polls happened", seen, n)
		}
		time.Sleep(20 * time.Millisecond)
		if cur := last(); cur != prev {
			prev = cur
			seen++
		}
	}
}

func TestTagIsReportedWithinOnePollIntervalAndOnce(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, eng.NewURL(t))
			uid := b.env.CreateUser(t, "bo@example.com", map[string]any{"instagramHandle": "bo"})
			b.env.MustDo(t, "PUT", "/v1/social/settings", map[string]any{"tagPollInterval": "1s"})
			b.waitPoll(t, 1)
			tagged := igsandbox.Media{ID: b.id("1791"), OwnerUsername: "bo", Caption: "look who I tagged", MediaType: "CAROUSEL_ALBUM", MediaURL: "https://cdn.example/t.jpg", Timestamp: time.Now()}
			b.sb.AddMedia(tagged)
			if err := b.sb.TagBrand(brandID, tagged.ID); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			ev := b.waitEvents(t, uid, "MENTIONED_YOU_SOCIAL", 1, 1500*time.Millisecond)[0]
			t.Logf("tag reported after %v (poll interval 1s)", time.Since(start))
			if p := ev["payload"].(map[string]any); p["mention_type"] != "tag" || p["media_type"] != "post" || p["caption"] != "look who I tagged" {
				t.Errorf("tag payload %v", p)
			}
			b.waitPoll(t, 2)
			if n := len(b.events(t, uid, "MENTIONED_YOU_SOCIAL")); n != 1 {
				t.Fatalf("tag reported %d times over later polls", n)
			}
		})
	}
}

func TestDMWritesProfileAttributesAndFollowOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	b.env.MustDo(t, "PUT", "/v1/social/settings", map[string]any{"dmKeywords": []string{"summer sale", "vip"}})
	uid := b.env.CreateUser(t, "cy@example.com", map[string]any{"instagramHandle": "cy.creates"})
	sender := igsandbox.User{IGSID: "9100000000000001", Name: "Cy Van Dyke", Username: "cy.creates", ProfilePic: "https://cdn.example/cy.jpg",
		FollowerCount: 1234, IsUserFollowBusiness: true}
	b.sb.AddAccount(igsandbox.Account{Username: "cy.creates", Business: true, FollowersCount: 1234, FollowsCount: 56, MediaCount: 78, Biography: "I make things"})
	b.send(t, b.sb.PostDM(brandID, sender, "Hi! Is the Summer Sale on?"))
	dm := b.waitEvents(t, uid, "DM_YOU_SOCIAL", 1, time.Second)[0]
	if p := dm["payload"].(map[string]any); p["platform"] != "instagram" || p["message"] != "Hi! Is the Summer Sale on?" {
		t.Errorf("DM payload %v", p)
	}
	want := map[string]any{
		"instagram_handle": "cy.creates", "instagram_followers": float64(1234), "instagram_follows_you": true,
		"instagram_profile_image": "https://cdn.example/cy.jpg", "instagram_firstname": "Cy", "instagram_lastname": "Van Dyke",
		"instagram_verified": true, "dm_keyword": "summer sale", "instagram_posts": float64(78), "instagram_follows": float64(56),
		"instagram_bio": "I make things",
	}
	got := b.attrs(t, uid)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	b.waitEvents(t, uid, "FOLLOWED_YOU_SOCIAL", 1, time.Second)
	// A second DM while still following: no second follow event.
	b.send(t, b.sb.PostDM(brandID, sender, "thanks"))
	b.waitEvents(t, uid, "DM_YOU_SOCIAL", 2, time.Second)
	b.settle(t)
	if n := len(b.events(t, uid, "FOLLOWED_YOU_SOCIAL")); n != 1 {
		t.Fatalf("%d follow events, want 1", n)
	}
	if v := b.attrs(t, uid)["dm_keyword"]; v != "summer sale" {
		t.Errorf("a DM without a keyword changed dm_keyword to %v", v)
	}
}

func TestDMFromPersonalAccountLeavesDiscoveryAttributesUnset(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	uid := b.env.CreateUser(t, "di@example.com", map[string]any{"instagramHandle": "di"})
	b.sb.AddAccount(igsandbox.Account{Username: "di", Business: false})
	b.send(t, b.sb.PostDM(brandID, igsandbox.User{IGSID: "9100000000000002", Name: "Di", Username: "di", FollowerCount: 12}, "hello vip"))
	b.waitEvents(t, uid, "DM_YOU_SOCIAL", 1, time.Second)
	got := b.attrs(t, uid)
	for _, k := range []string{"instagram_posts", "instagram_follows", "instagram_bio", "instagram_lastname", "dm_keyword"} {
		if v, ok := got[k]; ok {
			t.Errorf("%s = %v, want unset", k, v)
		}
	}
	if got["instagram_follows_you"] != false || got["instagram_firstname"] != "Di" || got["instagram_followers"] != float64(12) {
		t.Errorf("attributes %v", got)
	}
	if n := len(b.events(t, uid, "FOLLOWED_YOU_SOCIAL")); n != 0 {
		t.Errorf("follow reported for a non-follower")
	}
}

func TestStoryMention(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	uid := b.env.CreateUser(t, "ed@example.com", map[string]any{"instagramHandle": "ed"})
	u := igsandbox.User{IGSID: "9100000000000003", Name: "Ed", Username: "ed", ProfilePic: "https://cdn.example/ed.jpg", FollowerCount: 99}
	b.send(t, b.sb.PostStoryMention(brandID, u, "https://lookaside.example/story/123"))
	ev := b.waitEvents(t, uid, "MENTIONED_YOU_SOCIAL", 1, time.Second)[0]
	p := ev["payload"].(map[string]any)
	if p["media_type"] != "story" || p["mention_type"] != "mention" || p["media_url"] != "https://lookaside.example/story/123" || p["platform"] != "instagram" {
		t.Errorf("story payload %v", p)
	}
	got := b.attrs(t, uid)
	if got["instagram_handle"] != "ed" || got["instagram_followers"] != float64(99) || got["instagram_profile_image"] != "https://cdn.example/ed.jpg" {
		t.Errorf("story attributes %v", got)
	}
	if n := len(b.events(t, uid, "DM_YOU_SOCIAL")); n != 0 {
		t.Errorf("a story mention was also reported as a DM")
	}
}

func TestVerificationCodeVerifiesOnlyItsMember(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	first := b.env.CreateUser(t, "first@example.com", map[string]any{"instagramHandle": "shared.handle"})
	second := b.env.CreateUser(t, "second@example.com", map[string]any{"instagramHandle": "shared.handle"})
	owner := b.env.CreateUser(t, "owner@example.com", map[string]any{"instagramHandle": "typo_handle"})
	u := igsandbox.User{IGSID: "9100000000000004", Name: "Real Owner", Username: "shared.handle", FollowerCount: 5}
	// Without a code, a DM from a handle two members claim verifies nobody.
	b.send(t, b.sb.PostDM(brandID, u, "hello"))
	b.settle(t)
	for _, id := range []string{first, second, owner} {
		if n := len(b.events(t, id, "DM_YOU_SOCIAL")); n != 0 {
			t.Fatalf("ambiguous DM reported for %s", id)
		}
	}
	amb := b.env.MustDo(t, "GET", "/v1/social/activity?status=ambiguous", nil)["items"].([]any)
	if len(amb) != 1 {
		t.Fatalf("ambiguous activity: %v", amb)
	}
	code := b.env.MustDo(t, "POST", "/v1/social/instagram/verification_codes", map[string]any{"userId": owner})["code"].(string)
	b.send(t, b.sb.PostDM(brandID, u, "my code is "+strings.ToLower(code)+" thanks"))
	b.waitEvents(t, owner, "DM_YOU_SOCIAL", 1, time.Second)
	got := b.attrs(t, owner)
	if got["instagram_verified"] != true || got["instagramHandle"] != "shared.handle" || got["instagram_handle"] != "shared.handle" {
		t.Errorf("owner attributes %v", got)
	}
	for _, id := range []string{first, second} {
		if v, ok := b.attrs(t, id)["instagram_verified"]; ok {
			t.Errorf("claimant %s got instagram_verified=%v", id, v)
		}
	}
	// A used code does not verify again, and a mention by the handle now
	// counts for the verified member only.
	post := igsandbox.Media{ID: b.id("1792"), OwnerUsername: "shared.handle", Caption: "@acme", MediaType: "IMAGE"}
	b.send(t, b.sb.PostMention(brandID, post))
	b.waitEvents(t, owner, "MENTIONED_YOU_SOCIAL", 1, time.Second)
	for _, id := range []string{first, second} {
		if n := len(b.events(t, id, "MENTIONED_YOU_SOCIAL")); n != 0 {
			t.Errorf("mention counted for unverified claimant %s", id)
		}
	}
}

func TestRequireVerifiedHandle(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	b.env.MustDo(t, "PUT", "/v1/social/settings", map[string]any{"requireVerifiedHandle": true})
	uid := b.env.CreateUser(t, "fi@example.com", map[string]any{"instagramHandle": "fi"})
	b.send(t, b.sb.PostMention(brandID, igsandbox.Media{ID: b.id("1793"), OwnerUsername: "fi", Caption: "@acme", MediaType: "IMAGE"}))
	b.settle(t)
	if n := len(b.events(t, uid, "MENTIONED_YOU_SOCIAL")); n != 0 {
		t.Fatal("unverified mention counted")
	}
	if list := b.env.MustDo(t, "GET", "/v1/social/activity?status=unverified", nil)["items"].([]any); len(list) != 1 {
		t.Fatalf("unverified activity %v", list)
	}
	b.send(t, b.sb.PostDM(brandID, igsandbox.User{IGSID: "9100000000000005", Name: "Fi", Username: "fi"}, "hi"))
	b.waitEvents(t, uid, "DM_YOU_SOCIAL", 1, time.Second)
	b.send(t, b.sb.PostMention(brandID, igsandbox.Media{ID: b.id("1793"), OwnerUsername: "fi", Caption: "@acme again", MediaType: "IMAGE"}))
	b.waitEvents(t, uid, "MENTIONED_YOU_SOCIAL", 1, time.Second)
}

func TestCommentMentionsFollowTheTenantSetting(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	uid := b.env.CreateUser(t, "gi@example.com", map[string]any{"instagramHandle": "gi"})
	media := igsandbox.Media{ID: b.id("1794"), OwnerUsername: "someone", Caption: "a post", MediaType: "IMAGE", MediaURL: "https://cdn.example/c.jpg"}
	b.send(t, b.sb.PostCommentMention(brandID, media, igsandbox.Comment{ID: b.id("1795"), Text: "love @acme", Username: "gi"}))
	b.settle(t)
	if n := len(b.events(t, uid, "MENTIONED_YOU_SOCIAL")); n != 0 {
		t.Fatal("comment mention reported while reportCommentMentions is off")
	}
	kept := b.env.MustDo(t, "GET", "/v1/social/activity?status=ignored", nil)["items"].([]any)
	if len(kept) != 1 || kept[0].(map[string]any)["kind"] != "comment_mention" {
		t.Fatalf("comment mention not kept: %v", kept)
	}
	b.env.MustDo(t, "PUT", "/v1/social/settings", map[string]any{"reportCommentMentions": true})
	b.send(t, b.sb.PostCommentMention(brandID, media, igsandbox.Comment{ID: b.id("1795"), Text: "again @acme", Username: "gi"}))
	ev := b.waitEvents(t, uid, "MENTIONED_YOU_SOCIAL", 1, time.Second)[0]
	if p := ev["payload"].(map[string]any); p["mention_type"] != "comment" || p["caption"] != "again @acme" {
		t.Errorf("comment payload %v", p)
	}
}

func TestBadDeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	ctx := context.Background()
	op := apptest.Creds{AdminToken: operator}
	count := func(status string) int {
		return len(b.env.Do(t, op, "GET", "/v1/operator/webhooks?status="+status, nil).Map(t)["items"].([]any))
	}
	body := igsandbox.MentionPayload(brandID, "1")
	st, err := b.sender.SendSigned(ctx, body, "sha256="+strings.Repeat("0", 64))
	if err != nil || st != http.StatusUnauthorized {
		t.Fatalf("wrong signature: %d %v", st, err)
	}
	st, err = b.sender.SendSigned(ctx, body, "")
	if err != nil || st != http.StatusUnauthorized {
		t.Fatalf("missing signature: %d %v", st, err)
	}
	if n := count(""); n != 0 {
		t.Fatalf("a refused delivery was stored (%d)", n)
	}
	big := []byte(`{"object":"instagram","entry":[],"pad":"` + strings.Repeat("x", 1<<20) + `"}`)
	if st, _ := b.sender.Send(ctx, big); st != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d", st)
	}
	if st, _ := b.sender.Send(ctx, []byte(`{"object":"instagram","entry":[{"id":`)); st != http.StatusOK {
		t.Fatalf("malformed but signed: %d, want 200 so Meta does not retry", st)
	}
	b.settle(t)
	q := b.env.Do(t, op, "GET", "/v1/operator/webhooks?status=quarantined", nil).Map(t)["items"].([]any)
	if len(q) != 1 || q[0].(map[string]any)["reason"] == "" {
		t.Fatalf("quarantined: %v", q)
	}
	b.send(t, igsandbox.MentionPayload("17841499999999999", "17900000000000099"))
	b.settle(t)
	orphans := b.env.Do(t, op, "GET", "/v1/operator/activity?status=unknown_account", nil).Map(t)["items"].([]any)
	if len(orphans) != 1 || orphans[0].(map[string]any)["accountId"] != "17841499999999999" {
		t.Fatalf("unknown account activity: %v", orphans)
	}
	if r := b.env.Do(t, apptest.Creds{AdminToken: "wrong"}, "GET", "/v1/operator/webhooks", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("operator route with a wrong token: %d", r.Status)
	}
	// The handshake.
	resp, err := http.Get(b.env.URL + "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, _ = http.Get(b.env.URL + "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("handshake with a wrong token: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestNonActivityMessagesProduceNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	uid := b.env.CreateUser(t, "hu@example.com", map[string]any{"instagramHandle": "hu"})
	igsid := "9100000000000006"
	b.sb.AddUser(igsandbox.User{IGSID: igsid, Username: "hu", Consent: true})
	for _, body := range [][]byte{
		igsandbox.EchoPayload(brandID, igsid, "m1", "our reply"), igsandbox.ReadPayload(brandID, igsid, "m1"),
		igsandbox.ReactionPayload(brandID, igsid, "m1", "❤"), igsandbox.DeletedPayload(brandID, igsid, "m2"),
		igsandbox.UnsupportedPayload(brandID, igsid, "m3"),
	} {
		b.send(t, body)
	}
	b.settle(t)
	for _, typ := range []string{"DM_YOU_SOCIAL", "MENTIONED_YOU_SOCIAL", "FOLLOWED_YOU_SOCIAL"} {
		if n := len(b.events(t, uid, typ)); n != 0 {
			t.Errorf("%d %s events from non-activity messages", n, typ)
		}
	}
	if q := b.env.Do(t, apptest.Creds{AdminToken: operator}, "GET", "/v1/operator/webhooks?status=quarantined", nil).Map(t)["items"].([]any); len(q) != 0 {
		t.Errorf("non-activity messages quarantined: %v", q)
	}
}

func TestExpiredTokenStopsCalls(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	b.env.CreateUser(t, "io@example.com", map[string]any{"instagramHandle": "io"})
	b.sb.InjectFault(igsandbox.Fault{Kind: igsandbox.FaultTokenExpired, Times: 1})
	b.send(t, b.sb.PostMention(brandID, igsandbox.Media{ID: b.id("1796"), OwnerUsername: "io", Caption: "@acme", MediaType: "IMAGE"}))
	deadline := time.Now().Add(3 * time.Second)
	for {
		c := b.env.MustDo(t, "GET", "/v1/social/instagram/connections", nil)["items"].([]any)[0].(map[string]any)
		if c["status"] == "needs_reauth" {
			if _, leaked := c["accessToken"]; leaked {
				t.Fatal("connection answer shows the token")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connection status %v, want needs_reauth", c["status"])
		}
		time.Sleep(20 * time.Millisecond)
	}
	calls := b.sb.CallsForToken(pageToken)
	for range 3 {
		b.send(t, b.sb.PostMention(brandID, igsandbox.Media{ID: b.id("1796"), OwnerUsername: "io", Caption: "@acme", MediaType: "IMAGE"}))
	}
	b.settle(t)
	time.Sleep(300 * time.Millisecond) // let any retry job or poll run
	if n := b.sb.CallsForToken(pageToken); n != calls {
		t.Fatalf("%d Graph calls after the token was refused", n-calls)
	}
	// A new token resumes tracking.
	b.env.MustDo(t, "POST", "/v1/social/instagram/connections", map[string]any{"igUserId": brandID, "pageId": pageID, "accessToken": pageToken})
	c := b.env.MustDo(t, "GET", "/v1/social/instagram/connections", nil)["items"].([]any)[0].(map[string]any)
	if c["status"] != "active" {
		t.Fatalf("status after reconnecting: %v", c["status"])
	}
}

func TestThrottlingPausesCallsUntilRegain(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.SQLiteURL(t))
	b.env.CreateUser(t, "jo@example.com", map[string]any{"instagramHandle": "jo"})
	b.sb.InjectFault(igsandbox.Fault{Kind: igsandbox.FaultThrottle, Code: 80002, RegainMinutes: 3, Times: 1})
	b.send(t, b.sb.PostMention(brandID, igsandbox.Media{ID: b.id("1797"), OwnerUsername: "jo", Caption: "@acme", MediaType: "IMAGE"}))
	b.settle(t)
	until, paused := b.env.App.Instagram.Client().PausedUntil(b.connID)
	if !paused || time.Until(until) < 2*time.Minute || time.Until(until) > 3*time.Minute+time.Second {
		t.Fatalf("paused=%v until %v, want about 3 minutes from now", paused, until)
	}
	calls := b.sb.CallsForToken(pageToken)
	b.send(t, b.sb.PostMention(brandID, igsandbox.Media{ID: b.id("1797"), OwnerUsername: "jo", Caption: "@acme", MediaType: "IMAGE"}))
	b.settle(t)
	time.Sleep(200 * time.Millisecond)
	if n := b.sb.CallsForToken(pageToken); n != calls {
		t.Fatalf("%d Graph calls while throttled", n-calls)
	}
	// Both mentions wait in retry jobs (snoozed until the regain time).
	deadline := time.Now().Add(3 * time.Second)
	for {
		jobs := b.env.Do(t, apptest.Creds{AdminToken: operator}, "GET", "/v1/operator/jobs?state=scheduled,retryable,available,running,pending", nil).Map(t)["items"].([]any)
		deferred := 0
		for _, j := range jobs {
			if j.(map[string]any)["kind"] == "instagram_item" {
				deferred++
			}
		}
		if deferred == 2 {
			break
		}
		if time.Now().After(deadline) {
			raw, _ := json.Marshal(jobs)
			t.Fatalf("%d deferred mention jobs, want 2: %s", deferred, raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := b.sb.CallsForToken(pageToken); n != calls {
		t.Fatalf("%d Graph calls while throttled", n-calls)
	}
}

var _ = instagram.MaxWebhookBytes

// TestReconnectThroughAnotherReplica: a refused token is remembered per
// process, but the database decides. When replica B reconnects the account,
// replica A, which saw the 190, resumes calls.
func TestReconnectThroughAnotherReplica(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			sb := igsandbox.New(igsandbox.Config{AppSecret: appSecret, UsageBudget: 1_000_000})
			srv := httptest.NewServer(sb)
			t.Cleanup(srv.Close)
			sb.AddBrand(igsandbox.Brand{IGUserID: brandID, PageID: pageID, Username: "acme", AccessToken: pageToken})
			cfg := app.Config{DatabaseURL: eng.NewURL(t), SecretKey: secrets.NewKey(), OperatorToken: operator,
				Meta: app.MetaConfig{GraphURL: srv.URL, GraphVersion: sb.Version(), AppSecret: appSecret, TagScheduleInterval: time.Hour,
					ConnectionCacheTTL: 100 * time.Millisecond}}
			a := apptest.StartWith(t, cfg)
			rb := apptest.StartWith(t, cfg)
			rb.Tenant = a.Tenant // both replicas serve the same tenant
			a.MustDo(t, "POST", "/v1/social/instagram/connections", map[string]any{"igUserId": brandID, "accessToken": pageToken})
			uid := a.CreateUser(t, "ko@example.com", map[string]any{"instagramHandle": "ko"})
			ba := &bundle{env: a, sb: sb, sender: sb.Sender(a.URL + "/webhooks/instagram")}
			sb.InjectFault(igsandbox.Fault{Kind: igsandbox.FaultTokenExpired, Times: 1})
			ba.send(t, sb.PostMention(brandID, igsandbox.Media{ID: "17960000000000001", OwnerUsername: "ko", Caption: "@acme", MediaType: "IMAGE"}))
			deadline := time.Now().Add(3 * time.Second)
			for a.MustDo(t, "GET", "/v1/social/instagram/connections", nil)["items"].([]any)[0].(map[string]any)["status"] != "needs_reauth" {
				if time.Now().After(deadline) {
					t.Fatal("connection never marked needs_reauth")
				}
				time.Sleep(20 * time.Millisecond)
			}
			rb.MustDo(t, "POST", "/v1/social/instagram/connections", map[string]any{"igUserId": brandID, "accessToken": pageToken})
			time.Sleep(200 * time.Millisecond) // replica A's connection cache expires
			ba.send(t, sb.PostMention(brandID, igsandbox.Media{ID: "17960000000000002", OwnerUsername: "ko", Caption: "@acme again", MediaType: "IMAGE"}))
			ba.waitEvents(t, uid, "MENTIONED_YOU_SOCIAL", 1, 3*time.Second)
		})
	}
}

func TestInboxCleanupKeepsQuarantinedAndRecent(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, eng.NewURL(t))
			b.send(t, igsandbox.MentionPayload("17841499999999998", "17900000000000001")) // processed
			if st, _ := b.sender.Send(context.Background(), []byte(`{"object":"instagram","entry":[{"id":`)); st != 200 {
				t.Fatal("malformed delivery not acknowledged")
			}
			b.settle(t)
			svc := b.env.App.Instagram
			if n, err := svc.CleanInbox(context.Background(), time.Now().Add(-time.Hour)); err != nil || n != 0 {
				t.Fatalf("recent deliveries deleted: %d %v", n, err)
			}
			n, err := svc.CleanInbox(context.Background(), time.Now().Add(time.Minute))
			if err != nil || n != 1 {
				t.Fatalf("cleanup deleted %d (%v), want the 1 processed delivery", n, err)
			}
			left := b.env.Do(t, apptest.Creds{AdminToken: operator}, "GET", "/v1/operator/webhooks", nil).Map(t)["items"].([]any)
			if len(left) != 1 || left[0].(map[string]any)["status"] != "quarantined" {
				t.Fatalf("left after cleanup: %v", left)
			}
		})
	}
}
