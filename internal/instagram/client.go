package instagram

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of Config, used for its zero fields.
const (
	// DefaultBaseURL is the Graph API host of Facebook Login.
	DefaultBaseURL = "https://graph.facebook.com"
	// DefaultVersion is the Graph API version the client was written for.
	DefaultVersion = "v21.0"
	// DefaultMaxRetries is how often a transient failure is retried.
	DefaultMaxRetries = 3
	// DefaultRetryBackoff is the base of the exponential retry wait.
	DefaultRetryBackoff = 500 * time.Millisecond
	// DefaultTimeout bounds one HTTP attempt.
	DefaultTimeout = 10 * time.Second
)

const (
	// maxRetryBackoff caps one retry wait, whatever RetryBackoff says.
	maxRetryBackoff = time.Minute
	// maxResponseBytes bounds what is read of one answer.
	maxResponseBytes = 8 << 20
	// maxAccountPages bounds how many /me/accounts pages are followed.
	maxAccountPages = 50
)

// Graph field lists requested for media (mentioned media and tags).
const mediaFields = "caption,media_type,media_product_type,media_url,permalink,username,timestamp,like_count,comments_count,id"

// Config configures a Client. The zero value is usable: every zero field
// takes its default.
type Config struct {
	// BaseURL is the Graph API host, default "https://graph.facebook.com".
	// Point it at the sandbox emulator in tests and demos.
	BaseURL string
	// Version is the Graph API version path segment, default "v21.0".
	Version string
	// HTTPClient sends the requests; default a new http.Client (timeouts
	// come from Timeout, per call).
	HTTPClient *http.Client
	// MaxRetries is how often a transient failure is retried; 0 means the
	// default 3, a negative value disables retries.
	MaxRetries int
	// RetryBackoff is the base wait before the first retry, default 500ms;
	// it doubles on each further retry (capped at 1 minute) and is jittered
	// to between half and all of that.
	RetryBackoff time.Duration
	// Timeout bounds each HTTP attempt (not the whole call with its
	// retries), default 10s. Hitting it is a transient failure; the
	// caller's own context deadline or cancellation is not.
	Timeout time.Duration
	// AppSecret, when set, adds appsecret_proof to every call (required by
	// apps with "Require App Secret" enabled).
	AppSecret string
	// Now tells the time, default time.Now; throttle pauses are measured
	// with it.
	Now func() time.Time
	// Sleep waits between retries, default a context-aware timer; tests
	// inject an instant one.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Conn is one brand's connected Instagram account, as a call needs it.
type Conn struct {
	// ID is shoutout's own connection id. It keys throttling and
	// re-authorisation state inside the Client, so it is required and must
	// be stable for the connection.
	ID string
	// IGUserID is the brand's Instagram professional account id (the
	// webhook entry.id).
	IGUserID string
	// AccessToken is the Page (or user) access token, sent as the
	// access_token query parameter. It never appears in errors.
	AccessToken string
}

// String describes the connection without its token, so that logging a Conn
// by accident leaks nothing.
func (c Conn) String() string {
	return fmt.Sprintf("instagram.Conn{ID:%q IGUserID:%q AccessToken:[REDACTED]}", c.ID, c.IGUserID)
}

// GoString is String, for %#v.
func (c Conn) GoString() string { return c.String() }

// Client calls the Instagram Graph API (Facebook Login flavour). It is safe
// for concurrent use. It remembers, per Conn.ID and in memory only, when a
// connection is throttled and whether its token was rejected; share one
// Client per process so that this memory is shared too.
type Client struct {
	cfg     Config
	base    *url.URL
	baseErr error
	states  *connStates
}

// NewClient returns a Client with cfg's zero fields set to their defaults. An
// unparseable BaseURL is reported by every call rather than here.
func NewClient(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	cfg.Version = strings.Trim(cfg.Version, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = DefaultRetryBackoff
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepContext
	}
	c := &Client{cfg: cfg, states: newConnStates()}
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case err != nil:
		c.baseErr = fmt.Errorf("instagram: invalid BaseURL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		c.baseErr = fmt.Errorf("instagram: invalid BaseURL %q: want http(s)://host", cfg.BaseURL)
	default:
		u.RawQuery, u.Fragment, u.RawPath = "", "", ""
		c.base = u
	}
	return c
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// PausedUntil reports until when calls for connID are paused by throttling.
// ok is false when the connection is not paused now.
func (c *Client) PausedUntil(connID string) (until time.Time, ok bool) {
	return c.states.pausedUntil(connID, c.cfg.Now())
}

// NeedsReauth reports whether connID's token was rejected (code 190/102)
// since the last ResetConnection; while true, calls for it fail with
// ErrTokenInvalid without any request.
func (c *Client) NeedsReauth(connID string) bool {
	return c.states.tokenInvalid(connID)
}

// ResetConnection forgets everything the client remembers about connID
// (rejected token, throttle pause and backoff). Call it when an operator
// supplies a new token, and when loading a connection whose persisted
// needs_reauth was cleared.
func (c *Client) ResetConnection(connID string) {
	c.states.reset(connID)
}

// Media is an Instagram media object (post, reel, story, carousel).
type Media struct {
	// ID is the IG media id.
	ID string
	// Caption is the caption text; captions that @mention the brand lack the
	// "@" (a Meta quirk).
	Caption string
	// MediaType is IMAGE, VIDEO or CAROUSEL_ALBUM. Reels are VIDEO.
	MediaType string
	// MediaProductType is FEED, REELS, STORY or AD, when Meta gives it.
	MediaProductType string
	// MediaURL is a signed CDN URL that expires; omitted for copyrighted
	// media.
	MediaURL string
	// Permalink is the public URL of the media.
	Permalink string
	// Username is the media owner's username.
	Username string
	// Timestamp is the creation time; zero when absent or unparseable.
	Timestamp time.Time
	// LikeCount and CommentsCount are nil when Meta omitted them (e.g.
	// hidden like counts): leave such attributes unset, do not write 0.
	LikeCount, CommentsCount *int
}

// Kind returns the contract's media_type for this media: "reel" when
// MediaProductType is REELS, "story" when STORY, else "post". A VIDEO without
// MediaProductType is a "post": a video is not guessed to be a reel.
func (m Media) Kind() string {
	switch strings.ToUpper(m.MediaProductType) {
	case "REELS":
		return "reel"
	case "STORY":
		return "story"
	}
	return "post"
}

// Comment is a comment in which the brand was @mentioned.
type Comment struct {
	// ID is the comment id.
	ID string
	// Text is the comment text.
	Text string
	// Username is the commenter's username: how a comment is matched to a
	// member.
	Username string
	// Timestamp is when the comment was made; zero when absent.
	Timestamp time.Time
	// LikeCount is nil when Meta omitted it.
	LikeCount *int
	// Media is the commented media, with ID and MediaURL only; nil when
	// absent.
	Media *Media
}

// TagsQuery selects a page of media the brand was tagged in.
type TagsQuery struct {
	// Limit is the page size; 0 leaves it to Meta.
	Limit int
	// After is the cursor of the previous page's TagsPage.After; "" for
	// the first (newest) page.
	After string
}

// TagsPage is one page of tagged media, newest first.
type TagsPage struct {
	// Data holds the media of this page.
	Data []Media
	// Before and After are the paging cursors.
	Before, After string
	// HasNext is true when Meta announced a next page (paging.next).
	HasNext bool
}

// Profile is another professional account's public profile, from business
// discovery. Numeric fields are nil when Meta omitted them.
type Profile struct {
	// ID is the account's IG user id, a stable key next to the handle.
	ID string
	// Username is the handle.
	Username string
	// Name is the display name (unconfirmed field).
	Name string
	// Biography is the bio.
	Biography string
	// ProfilePictureURL is the profile picture URL (unconfirmed field).
	ProfilePictureURL string
	// FollowersCount, FollowsCount and MediaCount are the counters.
	FollowersCount, FollowsCount, MediaCount *int
}

// UserProfile is the profile of someone who messaged the brand, keyed by
// their Instagram-scoped id (IGSID). Fields Meta omitted are zero/nil.
type UserProfile struct {
	// ID is the IGSID.
	ID string
	// Name is the display name (not split into first and last name).
	Name string
	// Username is the handle, the link to the IG user id world.
	Username string
	// ProfilePic is a URL that expires after a few days.
	ProfilePic string
	// FollowerCount is the person's follower count.
	FollowerCount *int
	// IsUserFollowBusiness says whether the person follows the brand.
	IsUserFollowBusiness *bool
	// IsBusinessFollowUser says whether the brand follows the person.
	IsBusinessFollowUser *bool
	// IsVerifiedUser is Instagram's verified badge (not shoutout's own DM
	// verification).
	IsVerifiedUser *bool
}

// Page is a Facebook Page the user manages, from /me/accounts.
type Page struct {
	// ID is the Page id, used by SubscribeApp.
	ID string
	// Name is the Page name.
	Name string
	// AccessToken is the Page access token: the Conn.AccessToken for the
	// Instagram account. Secret: store it encrypted, never log it.
	AccessToken string
	// Instagram is the Instagram professional account linked to the Page,
	// nil when there is none.
	Instagram *InstagramAccount
}

// String describes the page without its token.
func (p Page) String() string {
	ig := "<nil>"
	if p.Instagram != nil {
		ig = fmt.Sprintf("{ID:%q Username:%q}", p.Instagram.ID, p.Instagram.Username)
	}
	return fmt.Sprintf("instagram.Page{ID:%q Name:%q AccessToken:[REDACTED] Instagram:%s}", p.ID, p.Name, ig)
}

// GoString is String, for %#v.
func (p Page) GoString() string { return p.String() }

// InstagramAccount is the Instagram professional account linked to a Page.
type InstagramAccount struct {
	// ID is the IG user id (Conn.IGUserID, webhook entry.id).
	ID string
	// Username is the account's handle.
	Username string
}

// MentionedMedia reads the media in whose caption the brand (conn.IGUserID)
// was @mentioned, by the media_id of a KindCaptionMention webhook item.
// It returns an error matching ErrNotFound when the answer has no media.
func (c *Client) MentionedMedia(ctx context.Context, conn Conn, mediaID string) (*Media, error) {
	const op = "mentioned media"
	if err := checkConn(op, conn, true); err != nil {
		return nil, err
	}
	if err := checkID(op, "media id", mediaID); err != nil {
		return nil, err
	}
	var out struct {
		MentionedMedia *wireMedia `json:"mentioned_media"`
	}
	err := c.do(ctx, request{
		op:     op + " " + mediaID,
		method: http.MethodGet,
		path:   []string{conn.IGUserID},
		query:  url.Values{"fields": {"mentioned_media.media_id(" + mediaID + "){" + mediaFields + "}"}},
		token:  conn.AccessToken,
		connID: conn.ID,
	}, &out)
	if err != nil {
		return nil, err
	}
	if out.MentionedMedia == nil {
		return nil, fmt.Errorf("instagram: %s %s: %w: answer has no mentioned_media", op, mediaID, ErrNotFound)
	}
	m := out.MentionedMedia.media()
	if m.ID == "" {
		m.ID = mediaID
	}
	return &m, nil
}

// MentionedComment reads the comment in which the brand was @mentioned, by
// the comment_id of a KindCommentMention webhook item. Meta answers an error
// when comments are disabled on the media.
func (c *Client) MentionedComment(ctx context.Context, conn Conn, commentID string) (*Comment, error) {
	const op = "mentioned comment"
	if err := checkConn(op, conn, true); err != nil {
		return nil, err
	}
	if err := checkID(op, "comment id", commentID); err != nil {
		return nil, err
	}
	var out struct {
		MentionedComment *struct {
			ID        jsonID     `json:"id"`
			Text      string     `json:"text"`
			Username  string     `json:"username"`
			Timestamp string     `json:"timestamp"`
			LikeCount flexInt    `json:"like_count"`
			Media     *wireMedia `json:"media"`
		} `json:"mentioned_comment"`
	}
	err := c.do(ctx, request{
		op:     op + " " + commentID,
		method: http.MethodGet,
		path:   []string{conn.IGUserID},
		query:  url.Values{"fields": {"mentioned_comment.comment_id(" + commentID + "){id,timestamp,like_count,text,username,media{id,media_url,permalink}}"}},
		token:  conn.AccessToken,
		connID: conn.ID,
	}, &out)
	if err != nil {
		return nil, err
	}
	w := out.MentionedComment
	if w == nil {
		return nil, fmt.Errorf("instagram: %s %s: %w: answer has no mentioned_comment", op, commentID, ErrNotFound)
	}
	cm := &Comment{ID: string(w.ID), Text: w.Text, Username: w.Username, Timestamp: parseMetaTime(w.Timestamp), LikeCount: w.LikeCount.ptr()}
	if cm.ID == "" {
		cm.ID = commentID
	}
	if w.Media != nil {
		m := w.Media.media()
		cm.Media = &m
	}
	return cm, nil
}

// Tags reads one page of the media the brand was tagged in (photo tags have
// no webhook: poll this, newest first, and remember what was seen). Private
// media is not returned.
func (c *Client) Tags(ctx context.Context, conn Conn, q TagsQuery) (*TagsPage, error) {
	const op = "tags"
	if err := checkConn(op, conn, true); err != nil {
		return nil, err
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("instagram: %s: %w: negative limit", op, ErrInvalidArgument)
	}
	query := url.Values{"fields": {"id,username,caption,media_type,media_product_type,media_url,permalink,timestamp,like_count,comments_count"}}
	if q.Limit > 0 {
		query.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.After != "" {
		query.Set("after", q.After)
	}
	var out struct {
		Data   []wireMedia `json:"data"`
		Paging wirePaging  `json:"paging"`
	}
	err := c.do(ctx, request{
		op:     op,
		method: http.MethodGet,
		path:   []string{conn.IGUserID, "tags"},
		query:  query,
		token:  conn.AccessToken,
		connID: conn.ID,
	}, &out)
	if err != nil {
		return nil, err
	}
	page := &TagsPage{
		Data:    make([]Media, 0, len(out.Data)),
		Before:  out.Paging.Cursors.Before,
		After:   out.Paging.Cursors.After,
		HasNext: out.Paging.Next != "",
	}
	for i := range out.Data {
		page.Data = append(page.Data, out.Data[i].media())
	}
	return page, nil
}

// BusinessDiscovery reads another Business or Creator account's public
// profile by username (a leading "@" is removed). Personal accounts and
// unknown usernames give an error (code 110 matches ErrNotFound): leave the
// attributes unset then rather than guess.
func (c *Client) BusinessDiscovery(ctx context.Context, conn Conn, username string) (*Profile, error) {
	const op = "business discovery"
	if err := checkConn(op, conn, true); err != nil {
		return nil, err
	}
	username = strings.TrimPrefix(strings.TrimSpace(username), "@")
	if err := checkUsername(op, username); err != nil {
		return nil, err
	}
	var out struct {
		BusinessDiscovery *struct {
			ID                jsonID  `json:"id"`
			Username          string  `json:"username"`
			Name              string  `json:"name"`
			Biography         string  `json:"biography"`
			ProfilePictureURL string  `json:"profile_picture_url"`
			FollowersCount    flexInt `json:"followers_count"`
			FollowsCount      flexInt `json:"follows_count"`
			MediaCount        flexInt `json:"media_count"`
		} `json:"business_discovery"`
	}
	err := c.do(ctx, request{
		op:     op + " " + username,
		method: http.MethodGet,
		path:   []string{conn.IGUserID},
		query: url.Values{"fields": {"business_discovery.username(" + username +
			"){id,username,name,biography,profile_picture_url,followers_count,follows_count,media_count}"}},
		token:  conn.AccessToken,
		connID: conn.ID,
	}, &out)
	if err != nil {
		return nil, err
	}
	w := out.BusinessDiscovery
	if w == nil {
		return nil, fmt.Errorf("instagram: %s %s: %w: answer has no business_discovery", op, username, ErrNotFound)
	}
	return &Profile{
		ID:                string(w.ID),
		Username:          w.Username,
		Name:              w.Name,
		Biography:         w.Biography,
		ProfilePictureURL: w.ProfilePictureURL,
		FollowersCount:    w.FollowersCount.ptr(),
		FollowsCount:      w.FollowsCount.ptr(),
		MediaCount:        w.MediaCount.ptr(),
	}, nil
}

// UserProfile reads the profile of a person who messaged the brand, by IGSID
// (a DM's SenderID). Before that person messaged the brand Meta refuses
// (code 230, ErrNoConsent); conn.IGUserID is not needed.
func (c *Client) UserProfile(ctx context.Context, conn Conn, igsid string) (*UserProfile, error) {
	const op = "user profile"
	if err := checkConn(op, conn, false); err != nil {
		return nil, err
	}
	if err := checkID(op, "IGSID", igsid); err != nil {
		return nil, err
	}
	var out struct {
		ID                   jsonID  `json:"id"`
		Name                 string  `json:"name"`
		Username             string  `json:"username"`
		ProfilePic           string  `json:"profile_pic"`
		FollowerCount        flexInt `json:"follower_count"`
		IsUserFollowBusiness *bool   `json:"is_user_follow_business"`
		IsBusinessFollowUser *bool   `json:"is_business_follow_user"`
		IsVerifiedUser       *bool   `json:"is_verified_user"`
	}
	err := c.do(ctx, request{
		op:     op + " " + igsid,
		method: http.MethodGet,
		path:   []string{igsid},
		query:  url.Values{"fields": {"name,username,profile_pic,follower_count,is_user_follow_business,is_business_follow_user,is_verified_user"}},
		token:  conn.AccessToken,
		connID: conn.ID,
	}, &out)
	if err != nil {
		return nil, err
	}
	p := &UserProfile{
		ID:                   string(out.ID),
		Name:                 out.Name,
		Username:             out.Username,
		ProfilePic:           out.ProfilePic,
		FollowerCount:        out.FollowerCount.ptr(),
		IsUserFollowBusiness: out.IsUserFollowBusiness,
		IsBusinessFollowUser: out.IsBusinessFollowUser,
		IsVerifiedUser:       out.IsVerifiedUser,
	}
	if p.ID == "" {
		p.ID = igsid
	}
	return p, nil
}

// Accounts lists the Pages the user token manages (/me/accounts), each with
// its Page token and linked Instagram professional account, following all
// pages of the answer. It is the connect flow's call: it is not tied to a
// connection, so it is neither paused nor blocked by per-connection state
// (errors still match ErrThrottled / ErrTokenInvalid).
func (c *Client) Accounts(ctx context.Context, userToken string) ([]Page, error) {
	const op = "accounts"
	if userToken == "" {
		return nil, fmt.Errorf("instagram: %s: %w: empty user token", op, ErrInvalidArgument)
	}
	pages := []Page{}
	after := ""
	for range maxAccountPages {
		query := url.Values{
			"fields": {"id,name,access_token,instagram_business_account{id,username}"},
			"limit":  {"100"},
		}
		if after != "" {
			query.Set("after", after)
		}
		var out struct {
			Data []struct {
				ID          jsonID `json:"id"`
				Name        string `json:"name"`
				AccessToken string `json:"access_token"`
				IG          *struct {
					ID       jsonID `json:"id"`
					Username string `json:"username"`
				} `json:"instagram_business_account"`
			} `json:"data"`
			Paging wirePaging `json:"paging"`
		}
		err := c.do(ctx, request{
			op:     op,
			method: http.MethodGet,
			path:   []string{"me", "accounts"},
			query:  query,
			token:  userToken,
		}, &out)
		if err != nil {
			return nil, err
		}
		for _, d := range out.Data {
			p := Page{ID: string(d.ID), Name: d.Name, AccessToken: d.AccessToken}
			if d.IG != nil && d.IG.ID != "" {
				p.Instagram = &InstagramAccount{ID: string(d.IG.ID), Username: d.IG.Username}
			}
			pages = append(pages, p)
		}
		if out.Paging.Next == "" || out.Paging.Cursors.After == "" || out.Paging.Cursors.After == after {
			return pages, nil
		}
		after = out.Paging.Cursors.After
	}
	return pages, nil
}

// SubscribeApp subscribes the app to the Page's webhooks
// (POST /{page-id}/subscribed_apps?subscribed_fields=...). conn.AccessToken
// must be the Page token; conn.IGUserID is not needed. fields are webhook
// field names such as "mentions", "messages", "messaging_referral",
// "comments".
func (c *Client) SubscribeApp(ctx context.Context, conn Conn, pageID string, fields []string) error {
	const op = "subscribe app"
	if err := checkConn(op, conn, false); err != nil {
		return err
	}
	if err := checkID(op, "page id", pageID); err != nil {
		return err
	}
	if len(fields) == 0 {
		return fmt.Errorf("instagram: %s: %w: no fields", op, ErrInvalidArgument)
	}
	for _, f := range fields {
		if !validFieldName(f) {
			return fmt.Errorf("instagram: %s: %w: field %q is not [a-z0-9_]+", op, ErrInvalidArgument, truncate(f, 64))
		}
	}
	var out struct {
		Success bool `json:"success"`
	}
	err := c.do(ctx, request{
		op:     op + " " + pageID,
		method: http.MethodPost,
		path:   []string{pageID, "subscribed_apps"},
		query:  url.Values{"subscribed_fields": {strings.Join(fields, ",")}},
		token:  conn.AccessToken,
		connID: conn.ID,
	}, &out)
	if err != nil {
		return err
	}
	if !out.Success {
		return fmt.Errorf("instagram: %s %s: Meta did not answer success", op, pageID)
	}
	return nil
}

// ---- request machinery ----

// request is one Graph call.
type request struct {
	op     string // for error messages, e.g. "mentioned media 123"
	method string
	path   []string // validated path segments after the version
	query  url.Values
	token  string
	connID string // "" for calls not tied to a connection
}

// do runs r with per-connection checks, retries of transient failures and
// state updates, decoding a successful answer into out.
func (c *Client) do(ctx context.Context, r request, out any) error {
	if c.baseErr != nil {
		return c.baseErr
	}
	for attempt := 0; ; attempt++ {
		if err := c.states.check(r.connID, c.cfg.Now()); err != nil {
			return fmt.Errorf("instagram: %s: %w", r.op, err)
		}
		u, err := c.attempt(ctx, r, out)
		err = c.states.observe(r.connID, c.cfg.Now(), u, err)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrTransient) || attempt >= c.cfg.MaxRetries {
			return fmt.Errorf("instagram: %s: %w", r.op, err)
		}
		if serr := c.cfg.Sleep(ctx, c.backoff(attempt)); serr != nil {
			return fmt.Errorf("instagram: %s: %w (while waiting to retry after: %s)", r.op, serr, err.Error())
		}
	}
}

// backoff is the jittered wait before retry number attempt+1.
func (c *Client) backoff(attempt int) time.Duration {
	if attempt > 20 {
		attempt = 20
	}
	d := c.cfg.RetryBackoff << attempt
	if d <= 0 || d > maxRetryBackoff {
		d = maxRetryBackoff
	}
	half := d / 2
	return half + rand.N(half+1)
}

// attempt sends r once. The access token is added here and scrubbed from
// every error built here.
func (c *Client) attempt(ctx context.Context, r request, out any) (usage, error) {
	q := make(url.Values, len(r.query)+2)
	for k, v := range r.query {
		q[k] = append([]string(nil), v...)
	}
	redactedQ := make(url.Values, len(q)+2)
	for k, v := range q {
		redactedQ[k] = v
	}
	secrets := []string{r.token}
	q.Set("access_token", r.token)
	redactedQ.Set("access_token", "REDACTED")
	if c.cfg.AppSecret != "" {
		mac := hmac.New(sha256.New, []byte(c.cfg.AppSecret))
		mac.Write([]byte(r.token))
		proof := hex.EncodeToString(mac.Sum(nil))
		q.Set("appsecret_proof", proof)
		redactedQ.Set("appsecret_proof", "REDACTED")
		secrets = append(secrets, proof)
	}
	full, redacted := c.endpoint(r.path, q), c.endpoint(r.path, redactedQ)

	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, r.method, full, nil)
	if err != nil {
		// The error text may hold the URL: keep only a scrubbed copy.
		return usage{}, errors.New("build request: " + scrub(err.Error(), secrets))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return usage{}, cerr // the caller's cancellation or deadline: not ours to retry
		}
		return usage{}, newTransportError(err, redacted, secrets)
	}
	defer resp.Body.Close()
	u := parseUsage(resp.Header)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return u, cerr
		}
		return u, newTransportError(fmt.Errorf("read answer of %s: %w", redacted, err), redacted, secrets)
	}
	if len(body) > maxResponseBytes {
		return u, fmt.Errorf("answer larger than %d bytes", maxResponseBytes)
	}
	if gerr := graphErrorFrom(resp.StatusCode, body, secrets); gerr != nil {
		return u, gerr
	}
	if out == nil {
		return u, nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return u, fmt.Errorf("decode answer: %w", err)
	}
	return u, nil
}

func (c *Client) endpoint(path []string, q url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/" + c.cfg.Version + "/" + strings.Join(path, "/")
	u.RawQuery = q.Encode()
	return u.String()
}

// graphErrorFrom returns the *GraphError of an answer, or nil for a 2xx
// answer without an error object.
func graphErrorFrom(status int, body []byte, secrets []string) error {
	var env struct {
		Error *struct {
			Message     string  `json:"message"`
			Type        string  `json:"type"`
			Code        flexInt `json:"code"`
			Subcode     flexInt `json:"error_subcode"`
			FBTraceID   string  `json:"fbtrace_id"`
			IsTransient bool    `json:"is_transient"`
		} `json:"error"`
	}
	parsed := json.Unmarshal(body, &env) == nil && env.Error != nil
	ok := status >= 200 && status < 300
	if ok && (!parsed || (env.Error.Code.val() == 0 && env.Error.Message == "")) {
		return nil
	}
	if !parsed {
		snippet := strings.TrimSpace(string(body))
		msg := http.StatusText(status)
		if snippet != "" {
			msg += ": " + strconv.Quote(truncate(snippet, 200))
		}
		return &GraphError{HTTPStatus: status, Message: scrub(msg, secrets)}
	}
	e := env.Error
	return &GraphError{
		HTTPStatus:  status,
		Code:        e.Code.val(),
		Subcode:     e.Subcode.val(),
		Type:        scrub(e.Type, secrets),
		Message:     scrub(e.Message, secrets),
		FBTraceID:   scrub(e.FBTraceID, secrets),
		IsTransient: e.IsTransient,
	}
}

// ---- argument checks ----

func checkConn(op string, conn Conn, needIGUser bool) error {
	if conn.ID == "" {
		return fmt.Errorf("instagram: %s: %w: Conn.ID is empty (it keys throttling and re-auth state)", op, ErrInvalidArgument)
	}
	if conn.AccessToken == "" {
		return fmt.Errorf("instagram: %s: %w: connection %q has no access token", op, ErrInvalidArgument, conn.ID)
	}
	if needIGUser {
		return checkID(op, "Conn.IGUserID", conn.IGUserID)
	}
	return nil
}

// checkID accepts ids safe to put into a URL path and a field expansion:
// Meta's ids are digits; the sandbox may use letters, '_', '-' and '.'.
func checkID(op, what, id string) error {
	if id == "" {
		return fmt.Errorf("instagram: %s: %w: %s is empty", op, ErrInvalidArgument, what)
	}
	if len(id) > 128 {
		return fmt.Errorf("instagram: %s: %w: %s is longer than 128 bytes", op, ErrInvalidArgument, what)
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-' || r == '.') {
			return fmt.Errorf("instagram: %s: %w: %s %q has a character other than [A-Za-z0-9_.-]", op, ErrInvalidArgument, what, truncate(id, 64))
		}
	}
	if id == "." || id == ".." {
		return fmt.Errorf("instagram: %s: %w: %s %q", op, ErrInvalidArgument, what, id)
	}
	return nil
}

// checkUsername accepts Instagram usernames: letters, digits, '.' and '_',
// at most 30 characters.
func checkUsername(op, u string) error {
	if u == "" || len(u) > 30 {
		return fmt.Errorf("instagram: %s: %w: username %q must have 1 to 30 characters", op, ErrInvalidArgument, truncate(u, 64))
	}
	for _, r := range u {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '.') {
			return fmt.Errorf("instagram: %s: %w: username %q has a character other than [A-Za-z0-9_.]", op, ErrInvalidArgument, truncate(u, 64))
		}
	}
	return nil
}

func validFieldName(f string) bool {
	if f == "" || len(f) > 64 {
		return false
	}
	for _, r := range f {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// ---- wire types ----

type wirePaging struct {
	Cursors struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"cursors"`
	Next string `json:"next"`
}

type wireMedia struct {
	ID               jsonID  `json:"id"`
	Caption          string  `json:"caption"`
	MediaType        string  `json:"media_type"`
	MediaProductType string  `json:"media_product_type"`
	MediaURL         string  `json:"media_url"`
	Permalink        string  `json:"permalink"`
	Username         string  `json:"username"`
	Timestamp        string  `json:"timestamp"`
	LikeCount        flexInt `json:"like_count"`
	CommentsCount    flexInt `json:"comments_count"`
}

func (w *wireMedia) media() Media {
	return Media{
		ID:               string(w.ID),
		Caption:          w.Caption,
		MediaType:        w.MediaType,
		MediaProductType: w.MediaProductType,
		MediaURL:         w.MediaURL,
		Permalink:        w.Permalink,
		Username:         w.Username,
		Timestamp:        parseMetaTime(w.Timestamp),
		LikeCount:        w.LikeCount.ptr(),
		CommentsCount:    w.CommentsCount.ptr(),
	}
}

// jsonID decodes an id sent as a string or a number into its literal text.
type jsonID string

func (id *jsonID) UnmarshalJSON(b []byte) error {
	switch c := jsonType(b); {
	case c == 'n':
		return nil
	case c == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = jsonID(s)
		return nil
	case c == '-' || (c >= '0' && c <= '9'):
		*id = jsonID(b)
		return nil
	}
	return fmt.Errorf("id: want string or number, got %s", typeName(b))
}

// flexInt decodes an optional integer sent as a number or a numeric string
// (Meta's reference lists some counts as strings); null or absent stays nil.
type flexInt struct{ p *int }

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch jsonType(b) {
	case 'n':
		f.p = nil
		return nil
	case '"':
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			f.p = nil
			return nil
		}
	}
	if i, err := strconv.ParseInt(s, 10, 0); err == nil {
		v := int(i)
		f.p = &v
		return nil
	}
	fl, err := strconv.ParseFloat(s, 64)
	if err != nil || math.Abs(fl) > 1<<53 || fl != math.Trunc(fl) {
		return fmt.Errorf("want an integer, got %s", truncate(string(b), 32))
	}
	v := int(fl)
	f.p = &v
	return nil
}

func (f flexInt) ptr() *int { return f.p }

func (f flexInt) val() int {
	if f.p == nil {
		return 0
	}
	return *f.p
}

// parseMetaTime parses Meta's "2006-01-02T15:04:05-0700" (and RFC 3339);
// anything else gives the zero time rather than a guess.
func parseMetaTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range [...]string{"2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
