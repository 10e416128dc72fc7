package igsandbox

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Errors returned by the setup methods. They are wrapped with the ids involved;
// test them with errors.Is.
var (
	// ErrUnknownMedia means the media id was never added with AddMedia.
	ErrUnknownMedia = errors.New("igsandbox: unknown media")
	// ErrUnknownComment means the comment id was never added with AddComment.
	ErrUnknownComment = errors.New("igsandbox: unknown comment")
)

// Brand is an Instagram professional account connected through a Facebook
// Page (Facebook Login for Business): calls about it use the Page's token.
type Brand struct {
	// IGUserID is the Instagram user id: the node queried for mentions and
	// tags, and entry[].id in webhooks.
	IGUserID string
	// PageID is the Facebook Page the account hangs off.
	PageID string
	// PageName is the Page's name in /me/accounts; Username when empty.
	PageName string
	// Username is the brand's Instagram handle.
	Username string
	// AccessToken is the Page access token; every call with it acts for this
	// brand. Empty means the brand can only be reached through a user token
	// (see AddUserToken).
	AccessToken string
}

// Media is an Instagram post, reel or story as the Graph API describes it.
type Media struct {
	ID            string
	OwnerUsername string
	Caption       string
	// MediaType is IMAGE, VIDEO or CAROUSEL_ALBUM (reels are VIDEO).
	MediaType string
	// MediaProductType is FEED, REELS, STORY or AD; empty means unknown and is
	// omitted from answers, as Meta does for older media.
	MediaProductType string
	// MediaURL is omitted from answers when empty, as Meta does for
	// copyrighted media.
	MediaURL      string
	Permalink     string
	Timestamp     time.Time
	LikeCount     int
	CommentsCount int
	// Private media never appears on the /tags edge.
	Private bool
	// CommentsDisabled makes mentioned_comment queries about comments on this
	// media answer an error, as Meta does.
	CommentsDisabled bool
}

// Comment is a comment on a Media.
type Comment struct {
	ID        string
	MediaID   string
	Text      string
	Username  string
	Timestamp time.Time
	LikeCount int
}

// User is a person who may DM a brand, known by an Instagram-scoped id
// (IGSID), with the profile the messaging user-profile API answers.
type User struct {
	IGSID                string
	Name                 string
	Username             string
	ProfilePic           string
	FollowerCount        int
	IsUserFollowBusiness bool
	IsBusinessFollowUser bool
	IsVerifiedUser       bool
	// Consent is true once the person has messaged the brand; without it
	// profile reads answer error 230, as Meta does.
	Consent bool
}

// Account is an Instagram account as business_discovery sees it.
type Account struct {
	// ID is the account's IG user id; AddAccount assigns one when empty,
	// because Meta always answers an id.
	ID       string
	Username string
	// Business is true for Business and Creator accounts. business_discovery
	// answers error 110/2207013 for personal accounts, as for unknown ones.
	Business          bool
	FollowersCount    int
	FollowsCount      int
	MediaCount        int
	Biography         string
	Name              string
	ProfilePictureURL string
}

// grant is what an access token may act for.
type grant struct {
	// userID is the Facebook user behind a user token; empty for Page tokens.
	userID string
	// brandIDs are the IG user ids the token may act for.
	brandIDs []string
}

func (g grant) pageToken() bool { return g.userID == "" }

func (g grant) allows(brandID string) bool { return slices.Contains(g.brandIDs, brandID) }

// tagRef is one entry of a brand's tag list, kept sorted newest first.
type tagRef struct {
	mediaID string
	ts      int64  // media timestamp, unix nanoseconds
	seq     uint64 // insertion order, breaks timestamp ties
}

// before reports whether a comes before b in /tags order: newest first,
// and among equal timestamps the later tagged first.
func (a tagRef) before(b tagRef) bool {
	if a.ts != b.ts {
		return a.ts > b.ts
	}
	return a.seq > b.seq
}

// state is the emulated world. Server guards it with its RWMutex.
type state struct {
	brands     map[string]Brand  // by IG user id
	brandOrder []string          // IG user ids in insertion order
	pages      map[string]string // page id -> IG user id
	tokens     map[string]grant
	expired    map[string]bool
	media      map[string]Media
	comments   map[string]Comment
	users      map[string]User    // by IGSID
	accounts   map[string]Account // by lower-case username
	mentionedM map[string]map[string]bool
	mentionedC map[string]map[string]bool
	tags       map[string][]tagRef
	tagSeq     uint64
	subscribed map[string][]string // page id -> subscribed fields
}

func newState() state {
	return state{
		brands:     map[string]Brand{},
		pages:      map[string]string{},
		tokens:     map[string]grant{},
		expired:    map[string]bool{},
		media:      map[string]Media{},
		comments:   map[string]Comment{},
		users:      map[string]User{},
		accounts:   map[string]Account{},
		mentionedM: map[string]map[string]bool{},
		mentionedC: map[string]map[string]bool{},
		tags:       map[string][]tagRef{},
		subscribed: map[string][]string{},
	}
}

// AddBrand adds or replaces a brand account and registers its Page token.
func (s *Server) AddBrand(b Brand) {
	if b.PageName == "" {
		b.PageName = b.Username
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.st.brands[b.IGUserID]; ok {
		if old.AccessToken != "" && old.AccessToken != b.AccessToken {
			delete(s.st.tokens, old.AccessToken)
		}
		delete(s.st.pages, old.PageID)
	} else {
		s.st.brandOrder = append(s.st.brandOrder, b.IGUserID)
	}
	s.st.brands[b.IGUserID] = b
	if b.PageID != "" {
		s.st.pages[b.PageID] = b.IGUserID
	}
	if b.AccessToken != "" {
		s.st.tokens[b.AccessToken] = grant{brandIDs: []string{b.IGUserID}}
	}
}

// AddUserToken registers a Facebook user access token (what Facebook Login
// hands the connect flow) for a user who manages the Pages of the given
// brands. Such a token lists those Pages on /me/accounts and can be exchanged
// for a long-lived one at /oauth/access_token.
func (s *Server) AddUserToken(token string, brandIGUserIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.tokens[token] = grant{userID: s.newID("10"), brandIDs: slices.Clone(brandIGUserIDs)}
}

// ExpireToken makes every later call with token answer error 190, subcode 463
// (session expired), whether or not the token is known.
func (s *Server) ExpireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.expired[token] = true
}

// AddMedia adds or replaces a media object. Replacing one moves it in the tag
// lists it belongs to if its Timestamp changed.
func (s *Server) AddMedia(m Media) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, existed := s.st.media[m.ID]
	s.st.media[m.ID] = m
	if !existed || old.Timestamp.Equal(m.Timestamp) {
		return
	}
	ts := m.Timestamp.UnixNano()
	for brand, refs := range s.st.tags {
		i := slices.IndexFunc(refs, func(r tagRef) bool { return r.mediaID == m.ID })
		if i < 0 {
			continue
		}
		refs[i].ts = ts
		sort.SliceStable(refs, func(a, b int) bool { return refs[a].before(refs[b]) })
		s.st.tags[brand] = refs
	}
}

// MentionMedia marks the media as mentioning the brand in its caption, so
// that mentioned_media.media_id(...) answers it for that brand. The brand
// need not be added yet; the media must exist.
func (s *Server) MentionMedia(brandIGUserID, mediaID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.media[mediaID]; !ok {
		return fmt.Errorf("mention media %q for %q: %w", mediaID, brandIGUserID, ErrUnknownMedia)
	}
	addTo(s.st.mentionedM, brandIGUserID, mediaID)
	return nil
}

// AddComment adds or replaces a comment; its media must exist.
func (s *Server) AddComment(c Comment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.media[c.MediaID]; !ok {
		return fmt.Errorf("add comment %q on media %q: %w", c.ID, c.MediaID, ErrUnknownMedia)
	}
	s.st.comments[c.ID] = c
	return nil
}

// MentionComment marks the comment as mentioning the brand, so that
// mentioned_comment.comment_id(...) answers it for that brand.
func (s *Server) MentionComment(brandIGUserID, commentID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.comments[commentID]; !ok {
		return fmt.Errorf("mention comment %q for %q: %w", commentID, brandIGUserID, ErrUnknownComment)
	}
	addTo(s.st.mentionedC, brandIGUserID, commentID)
	return nil
}

// TagBrand records that the brand is tagged in the media, so it shows on the
// brand's /tags edge (unless private). Tagging twice is a no-op.
func (s *Server) TagBrand(brandIGUserID, mediaID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.st.media[mediaID]
	if !ok {
		return fmt.Errorf("tag %q in media %q: %w", brandIGUserID, mediaID, ErrUnknownMedia)
	}
	refs := s.st.tags[brandIGUserID]
	if slices.ContainsFunc(refs, func(r tagRef) bool { return r.mediaID == mediaID }) {
		return nil
	}
	s.st.tagSeq++
	ref := tagRef{mediaID: mediaID, ts: m.Timestamp.UnixNano(), seq: s.st.tagSeq}
	i := sort.Search(len(refs), func(i int) bool { return ref.before(refs[i]) })
	s.st.tags[brandIGUserID] = slices.Insert(refs, i, ref)
	return nil
}

// AddUser adds or replaces a DM sender's profile.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.users[u.IGSID] = u
}

// AddAccount adds or replaces a business_discovery target (matched on the
// username, case-insensitively). An account whose username is a brand's also
// supplies that brand's profile fields (followers_count, ...).
func (s *Server) AddAccount(a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		a.ID = s.newID("178414")
	}
	s.st.accounts[strings.ToLower(a.Username)] = a
}

// SubscribedFields answers the fields last subscribed for the Page with
// POST /{page-id}/subscribed_apps, or nil.
func (s *Server) SubscribedFields(pageID string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.st.subscribed[pageID])
}

func addTo(m map[string]map[string]bool, k1, k2 string) {
	set := m[k1]
	if set == nil {
		set = map[string]bool{}
		m[k1] = set
	}
	set[k2] = true
}
