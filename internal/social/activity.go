// Package social is the platform-neutral core between the platform packages
// and the loyalty engine: it records every piece of activity once, finds the
// member behind it, applies the tenant's policies, and maps it to the
// contract's events and profile attributes.
package social

import (
	"encoding/json"
	"time"
)

// Platforms.
const (
	Instagram = "instagram"
	TikTok    = "tiktok"
)

// Kinds of activity.
const (
	KindCaptionMention = "caption_mention"
	KindCommentMention = "comment_mention"
	KindTag            = "tag"
	KindStoryMention   = "story_mention"
	KindDM             = "dm"
	KindHashtagVideo   = "hashtag_video"
)

// Activity statuses.
const (
	StatusReported   = "reported"
	StatusUnmatched  = "unmatched"
	StatusAmbiguous  = "ambiguous"
	StatusUnverified = "unverified"
	StatusIgnored    = "ignored"
	StatusUnknown    = "unknown_account"
	StatusFailed     = "unavailable"
)

// Event types of the contract.
const (
	EventMentioned = "MENTIONED_YOU_SOCIAL"
	EventDM        = "DM_YOU_SOCIAL"
	EventFollowed  = "FOLLOWED_YOU_SOCIAL"
)

// Activity is one thing a person did on a platform, as a platform package
// saw it. Only what the platform gave is set; the core never guesses.
type Activity struct {
	TenantID string
	Platform string
	Kind     string
	// DedupKey identifies the platform object, so that a repeat delivery, a
	// poll that sees it again, or the same media seen as a mention and as a
	// tag, is reported once.
	DedupKey  string
	AccountID string // the brand's account on the platform
	// Handle is the actor's username; PlatformUserID its stable id where
	// the platform gives one (an IGSID for DMs).
	Handle         string
	PlatformUserID string

	Text        string // caption, comment or message text
	MediaID     string
	CommentID   string
	MediaURL    string
	Permalink   string
	MediaType   string // "post", "reel", "story", "tiktok video"
	MentionType string // "mention", "tag", "comment", "hashtag"
	OccurredAt  time.Time

	// TikTok video fields.
	VideoID       string
	ShareURL      string
	Hashtags      []string
	LikeCount     *int
	CommentsCount *int

	// Profile holds what the platform told about the actor.
	Profile *Profile
	// Raw is the platform's own JSON, kept with the activity.
	Raw json.RawMessage
	// Failure, when set, says why the platform would not give the details
	// (no consent, media deleted): the activity is kept, not matched.
	Failure string
}

// Profile is what a platform told about a person. Nil fields were not given
// and are left unset on the member.
type Profile struct {
	Handle       string
	FirstName    *string
	LastName     *string
	Bio          *string
	ProfileImage *string
	Followers    *int
	Follows      *int
	Posts        *int
	// FollowsBrand says whether the person follows the brand's account.
	FollowsBrand *bool
}

// Outcome is what Report did with an activity.
type Outcome struct {
	ActivityID string
	Duplicate  bool
	Status     string
	Reason     string
	UserID     string
	EventIDs   []string
}
