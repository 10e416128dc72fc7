package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/shoutout-loyalty/shoutout/internal/loyalty"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// Core reports activity into the loyalty engine.
type Core struct {
	engine *loyalty.Engine
	db     *store.DB
	log    *slog.Logger
	cache  settingsCache
	now    func() time.Time
}

// New returns a Core over the engine.
func New(engine *loyalty.Engine, log *slog.Logger) *Core {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Core{engine: engine, db: engine.DB(), log: log, cache: settingsCache{m: map[string]cachedSettings{}}, now: time.Now}
}

// DB returns the database the core writes to, so that platform packages can
// put their own bookkeeping in the same unit of work as a report.
func (c *Core) DB() *store.DB { return c.db }

// Report records an activity and, when it matches a member under the
// tenant's policies, reports it as events and attributes, all inside tx. An
// activity whose dedup key was seen before is a no-op (Outcome.Duplicate).
func (c *Core) Report(ctx context.Context, tx store.Tx, a *Activity) (*Outcome, error) {
	if a.DedupKey == "" || a.Platform == "" || a.Kind == "" {
		return nil, errors.New("social: activity needs a platform, kind and dedup key")
	}
	data, err := json.Marshal(activityData(a))
	if err != nil {
		return nil, fmt.Errorf("social: encode activity: %w", err)
	}
	now := c.now().UTC()
	out := &Outcome{ActivityID: uuid.Must(uuid.NewV7()).String()}
	var occurred *time.Time
	if !a.OccurredAt.IsZero() {
		t := a.OccurredAt.UTC()
		occurred = &t
	}
	var got string
	err = tx.QueryRow(ctx, `INSERT INTO social_activity (id, tenant_id, platform, kind, dedup_key, account_id, handle, platform_user_id, status, data, occurred_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $11)
		ON CONFLICT (tenant_id, platform, dedup_key) DO NOTHING RETURNING id`,
		out.ActivityID, a.TenantID, a.Platform, a.Kind, a.DedupKey, store.NullString(a.AccountID), store.NullString(loyalty.NormalizeHandle(a.Handle)),
		store.NullString(a.PlatformUserID), string(data), occurred, now).Scan(&got)
	if errors.Is(err, store.ErrNotFound) {
		out.Duplicate = true
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("social: record activity: %w", err)
	}
	switch {
	case a.TenantID == "":
		out.Status, out.Reason = StatusUnknown, "no tenant has connected account "+a.AccountID
	case a.Failure != "":
		out.Status, out.Reason = StatusFailed, a.Failure
	default:
		settings, err := c.GetSettings(ctx, a.TenantID)
		if err != nil {
			return nil, err
		}
		switch a.Kind {
		case KindDM:
			err = c.reportDM(ctx, tx, a, settings, out)
		default:
			err = c.reportMention(ctx, tx, a, settings, out)
		}
		if err != nil {
			return nil, err
		}
	}
	var eventID *string
	if len(out.EventIDs) > 0 {
		eventID = &out.EventIDs[0]
	}
	if _, err := tx.Exec(ctx, `UPDATE social_activity SET status = $2, reason = $3, user_id = $4, event_id = $5, updated_at = $6 WHERE id = $1`,
		out.ActivityID, out.Status, store.NullString(out.Reason), store.NullString(out.UserID), eventID, now); err != nil {
		return nil, fmt.Errorf("social: record outcome: %w", err)
	}
	return out, nil
}

func (c *Core) reportMention(ctx context.Context, tx store.Tx, a *Activity, s Settings, out *Outcome) error {
	if a.Kind == KindCommentMention && !s.ReportCommentMentions {
		out.Status, out.Reason = StatusIgnored, "comment mentions are not reported for this tenant (reportCommentMentions)"
		return nil
	}
	userID, status, reason, err := c.matchMention(ctx, tx, a, s)
	if err != nil {
		return err
	}
	if userID == "" {
		out.Status, out.Reason = status, reason
		return nil
	}
	ev, err := c.engine.RecordEvent(ctx, tx, a.TenantID, &loyalty.EventInput{
		Type: EventMentioned, Subject: userID, Payload: mustJSON(mentionPayload(a)), OccurredAt: rfc3339(a.OccurredAt),
	})
	if err != nil {
		return fmt.Errorf("social: report mention: %w", err)
	}
	out.EventIDs = append(out.EventIDs, ev.ID)
	out.Status, out.UserID = StatusReported, userID
	return c.engine.SetUserAttributes(ctx, tx, a.TenantID, userID, profileAttributes(a.Platform, a.Handle, a.Profile))
}

// matchMention finds the one member a mention counts for. Several members
// may claim a handle: one who proved it by DM wins; otherwise the mention is
// kept as ambiguous for an operator.
func (c *Core) matchMention(ctx context.Context, tx store.Tx, a *Activity, s Settings) (userID, status, reason string, err error) {
	if a.PlatformUserID != "" {
		if id, err := c.identityByPlatformID(ctx, tx, a); err != nil || id != "" {
			return id, "", "", err
		}
	}
	claimants, err := c.engine.MembersByHandle(ctx, tx, a.TenantID, a.Platform, a.Handle)
	if err != nil {
		return "", "", "", err
	}
	if len(claimants) == 0 {
		return "", StatusUnmatched, "no member claims @" + loyalty.NormalizeHandle(a.Handle), nil
	}
	verified, err := c.verifiedClaimants(ctx, tx, a, claimants)
	if err != nil {
		return "", "", "", err
	}
	switch {
	case len(verified) == 1:
		return verified[0], "", "", nil
	case s.RequireVerifiedHandle && len(verified) == 0:
		return "", StatusUnverified, "the tenant requires verified handles and no member has verified @" + loyalty.NormalizeHandle(a.Handle), nil
	case len(verified) == 0 && len(claimants) == 1:
		return claimants[0], "", "", nil
	default:
		return "", StatusAmbiguous, fmt.Sprintf("%d members claim @%s", len(claimants), loyalty.NormalizeHandle(a.Handle)), nil
	}
}

func (c *Core) identityByPlatformID(ctx context.Context, q store.Querier, a *Activity) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT user_id FROM social_identities WHERE tenant_id = $1 AND platform = $2 AND platform_user_id = $3`,
		a.TenantID, a.Platform, a.PlatformUserID).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("social: find identity: %w", err)
	}
	return id, nil
}

// verifiedClaimants returns the claimants whose handle was proven by a DM.
func (c *Core) verifiedClaimants(ctx context.Context, q store.Querier, a *Activity, claimants []string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT user_id FROM social_identities WHERE tenant_id = $1 AND platform = $2 AND handle = $3`,
		a.TenantID, a.Platform, loyalty.NormalizeHandle(a.Handle))
	if err != nil {
		return nil, fmt.Errorf("social: find verified members: %w", err)
	}
	defer rows.Close()
	set := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("social: find verified members: %w", err)
		}
		set[id] = true
	}
	var out []string
	for _, id := range claimants {
		if set[id] {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

func (c *Core) reportDM(ctx context.Context, tx store.Tx, a *Activity, s Settings, out *Outcome) error {
	userID, how, err := c.matchDM(ctx, tx, a)
	if err != nil {
		return err
	}
	if userID == "" {
		out.Status, out.Reason = how, dmReason(how, a)
		return nil
	}
	now := c.now().UTC()
	handle := loyalty.NormalizeHandle(a.Handle)
	if _, err := tx.Exec(ctx, `INSERT INTO social_identities (tenant_id, platform, platform_user_id, user_id, handle, verified_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (tenant_id, platform, platform_user_id) DO UPDATE SET user_id = excluded.user_id, handle = excluded.handle, verified_at = excluded.verified_at`,
		a.TenantID, a.Platform, a.PlatformUserID, userID, handle, now); err != nil {
		return fmt.Errorf("social: record identity: %w", err)
	}
	ev, err := c.engine.RecordEvent(ctx, tx, a.TenantID, &loyalty.EventInput{
		Type: EventDM, Subject: userID, Payload: mustJSON(map[string]any{"platform": a.Platform, "message": a.Text}), OccurredAt: rfc3339(a.OccurredAt),
	})
	if err != nil {
		return fmt.Errorf("social: report DM: %w", err)
	}
	out.EventIDs = append(out.EventIDs, ev.ID)
	attrs := profileAttributes(a.Platform, a.Handle, a.Profile)
	attrs[a.Platform+"_verified"] = true
	if how == "code" {
		// The code proves who the member is: bind the sender's handle to them,
		// whatever handle they had typed.
		attrs[a.Platform+"Handle"] = handle
	}
	if kw := FindKeyword(a.Text, s.DMKeywords); kw != "" {
		attrs["dm_keyword"] = kw
	}
	if err := c.engine.SetUserAttributes(ctx, tx, a.TenantID, userID, attrs); err != nil {
		return err
	}
	if a.Profile != nil && a.Profile.FollowsBrand != nil && *a.Profile.FollowsBrand {
		id, err := c.reportFollowOnce(ctx, tx, a, userID, now)
		if err != nil {
			return err
		}
		if id != "" {
			out.EventIDs = append(out.EventIDs, id)
		}
	}
	out.Status, out.UserID = StatusReported, userID
	return nil
}

// reportFollowOnce reports FOLLOWED_YOU_SOCIAL the first time a member is
// seen following the brand: the platform does not report follows, a DM's
// sender profile shows them.
func (c *Core) reportFollowOnce(ctx context.Context, tx store.Tx, a *Activity, userID string, now time.Time) (string, error) {
	n, err := tx.Exec(ctx, `INSERT INTO social_activity (id, tenant_id, platform, kind, dedup_key, account_id, handle, platform_user_id, user_id, status, data, occurred_at, created_at, updated_at)
		VALUES ($1, $2, $3, 'follow', $4, $5, $6, $7, $8, 'reported', '{}', $9, $9, $9) ON CONFLICT (tenant_id, platform, dedup_key) DO NOTHING`,
		uuid.Must(uuid.NewV7()).String(), a.TenantID, a.Platform, "followed:"+userID, store.NullString(a.AccountID), store.NullString(loyalty.NormalizeHandle(a.Handle)),
		store.NullString(a.PlatformUserID), userID, now)
	if err != nil {
		return "", fmt.Errorf("social: record follow: %w", err)
	}
	if n == 0 {
		return "", nil
	}
	ev, err := c.engine.RecordEvent(ctx, tx, a.TenantID, &loyalty.EventInput{
		Type: EventFollowed, Subject: userID, Payload: mustJSON(map[string]any{"platform": a.Platform}), OccurredAt: rfc3339(a.OccurredAt),
	})
	if err != nil {
		return "", fmt.Errorf("social: report follow: %w", err)
	}
	return ev.ID, nil
}

// matchDM finds the member who sent a DM: by a one-time code in the text,
// then by an identity proven earlier, then by the one member claiming the
// handle. how is "code", "identity" or "handle", or the status to record.
func (c *Core) matchDM(ctx context.Context, tx store.Tx, a *Activity) (userID, how string, err error) {
	if id, err := c.redeemCode(ctx, tx, a.TenantID, a.Text); err != nil || id != "" {
		return id, "code", err
	}
	if a.PlatformUserID != "" {
		if id, err := c.identityByPlatformID(ctx, tx, a); err != nil || id != "" {
			return id, "identity", err
		}
	}
	claimants, err := c.engine.MembersByHandle(ctx, tx, a.TenantID, a.Platform, a.Handle)
	if err != nil {
		return "", "", err
	}
	switch len(claimants) {
	case 0:
		return "", StatusUnmatched, nil
	case 1:
		return claimants[0], "handle", nil
	default:
		// Verifying one of several claimants by handle alone could verify
		// the wrong member; a one-time code settles it.
		return "", StatusAmbiguous, nil
	}
}

func dmReason(status string, a *Activity) string {
	if status == StatusAmbiguous {
		return "several members claim @" + loyalty.NormalizeHandle(a.Handle) + "; the member should send a verification code"
	}
	return "no member claims @" + loyalty.NormalizeHandle(a.Handle)
}

// FindKeyword returns the first keyword that occurs in text as a whole word
// (or phrase), ignoring case; "" when none does.
func FindKeyword(text string, keywords []string) string {
	lower := strings.ToLower(text)
	for _, k := range keywords {
		lk := strings.ToLower(strings.TrimSpace(k))
		if lk == "" {
			continue
		}
		for from := 0; from <= len(lower)-len(lk); {
			i := strings.Index(lower[from:], lk)
			if i < 0 {
				break
			}
			i += from
			if boundaryBefore(lower, i) && boundaryAfter(lower, i+len(lk)) {
				return k
			}
			from = i + 1
		}
	}
	return ""
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r := []rune(s[:i])
	return !isWordRune(r[len(r)-1])
}

func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	for _, r := range s[i:] {
		return !isWordRune(r)
	}
	return true
}

// mentionPayload is the MENTIONED_YOU_SOCIAL payload of the contract; fields
// the platform did not give are left out.
func mentionPayload(a *Activity) map[string]any {
	p := map[string]any{"platform": a.Platform, "caption": a.Text, "mention_type": a.MentionType, "media_type": a.MediaType}
	set := func(k, v string) {
		if v != "" {
			p[k] = v
		}
	}
	set("media_url", a.MediaURL)
	set("media_id", a.MediaID)
	set("permalink", a.Permalink)
	set("video_id", a.VideoID)
	set("share_url", a.ShareURL)
	if a.CommentID != "" {
		p["comment_id"] = a.CommentID
	}
	if !a.OccurredAt.IsZero() {
		p["occurred_at"] = rfc3339(a.OccurredAt)
	}
	if a.LikeCount != nil {
		p["like_count"] = *a.LikeCount
	}
	if a.CommentsCount != nil {
		p["comments_count"] = *a.CommentsCount
	}
	if a.Hashtags != nil {
		p["hashtags"] = a.Hashtags
	}
	return p
}

// profileAttributes maps what a platform told about a person to the
// contract's attribute names; unknown values are left out, never guessed.
func profileAttributes(platform, handle string, p *Profile) map[string]any {
	attrs := map[string]any{}
	if h := loyalty.NormalizeHandle(handle); h != "" {
		attrs[platform+"_handle"] = h
	}
	if p == nil {
		return attrs
	}
	setInt := func(k string, v *int) {
		if v != nil {
			attrs[platform+"_"+k] = *v
		}
	}
	setStr := func(k string, v *string) {
		if v != nil && *v != "" {
			attrs[platform+"_"+k] = *v
		}
	}
	setInt("followers", p.Followers)
	setInt("follows", p.Follows)
	setStr("bio", p.Bio)
	setStr("profile_image", p.ProfileImage)
	if platform == Instagram {
		setInt("posts", p.Posts)
		setStr("firstname", p.FirstName)
		setStr("lastname", p.LastName)
		if p.FollowsBrand != nil {
			attrs["instagram_follows_you"] = *p.FollowsBrand
		}
	}
	return attrs
}

// activityData is what is kept of an activity besides its columns.
func activityData(a *Activity) map[string]any {
	d := mentionPayload(a)
	delete(d, "platform")
	d["kind"] = a.Kind
	if a.Raw != nil && json.Valid(a.Raw) {
		d["raw"] = a.Raw
	}
	return d
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("social: encode %T: %v", v, err))
	}
	return b
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
