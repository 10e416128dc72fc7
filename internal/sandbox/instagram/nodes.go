package igsandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// metaTimeLayout is how the Graph API writes timestamps: 2006-01-02T15:04:05+0000.
const metaTimeLayout = "2006-01-02T15:04:05-0700"

// object is a JSON object that keeps its members in order, because Meta
// answers fields in the order they were asked, with the id last.
type object []member

type member struct {
	key string
	val any
}

func (o object) has(key string) bool {
	return slices.ContainsFunc(o, func(m member) bool { return m.key == key })
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, fmt.Errorf("encode key %q: %w", m.key, err)
		}
		v, err := json.Marshal(m.val)
		if err != nil {
			return nil, fmt.Errorf("encode field %q: %w", m.key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// errUnknownField is what a getter answers for a field its node type does
// not have; render turns it into Meta's "nonexisting field" error.
var errUnknownField = errors.New("unknown field")

// getter answers one requested field of a node: a value, nil to omit it
// (empty or not emulated), or an error.
type getter func(f field) (any, error)

// render answers the requested fields of a node in request order, omitting
// empty ones and appending the node's id as Meta does. No fields means id only.
func render(nodeType, id string, fs []field, get getter) (object, error) {
	if len(fs) == 0 {
		fs = []field{{name: "id"}}
	}
	out := make(object, 0, len(fs)+1)
	for _, f := range fs {
		key := f.key()
		if out.has(key) {
			continue
		}
		var v any
		if f.name == "id" {
			v = str(id)
		} else {
			var err error
			if v, err = get(f); errors.Is(err, errUnknownField) {
				return nil, errNoField(f.name, nodeType)
			} else if err != nil {
				return nil, err
			}
		}
		if v != nil {
			out = append(out, member{key, v})
		}
	}
	if id != "" && !out.has("id") {
		out = append(out, member{"id", id})
	}
	return out, nil
}

// str answers s, or nil (omitted) when empty.
func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func timestamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(metaTimeLayout)
}

// notEmulated answers nil (omitted) for real fields of the node type that the
// sandbox does not model, and errUnknownField for anything else.
func notEmulated(name string, real ...string) (any, error) {
	if slices.Contains(real, name) {
		return nil, nil
	}
	return nil, errUnknownField
}

func mediaGetter(m Media) getter {
	return func(f field) (any, error) {
		switch f.name {
		case "caption":
			return str(m.Caption), nil
		case "media_type":
			return str(m.MediaType), nil
		case "media_product_type":
			return str(m.MediaProductType), nil
		case "media_url":
			return str(m.MediaURL), nil
		case "permalink":
			return str(m.Permalink), nil
		case "username":
			return str(m.OwnerUsername), nil
		case "timestamp":
			return timestamp(m.Timestamp), nil
		case "like_count":
			return m.LikeCount, nil
		case "comments_count":
			return m.CommentsCount, nil
		case "is_comment_enabled":
			return !m.CommentsDisabled, nil
		}
		return notEmulated(f.name, "alt_text", "boost_ads_list", "children", "collaborators",
			"comments", "copyright_check_information", "ig_id", "insights", "is_shared_to_feed",
			"legacy_instagram_media_id", "owner", "product_tags", "shortcode", "thumbnail_url")
	}
}

// commentGetter needs s.mu held for reading (it looks up the comment's media).
func (s *Server) commentGetter(c Comment) getter {
	return func(f field) (any, error) {
		switch f.name {
		case "text":
			return str(c.Text), nil
		case "timestamp":
			return timestamp(c.Timestamp), nil
		case "like_count":
			return c.LikeCount, nil
		case "username":
			return str(c.Username), nil
		case "media":
			return render("IGMedia", c.MediaID, f.children, mediaGetter(s.st.media[c.MediaID]))
		}
		return notEmulated(f.name, "from", "hidden", "legacy_instagram_comment_id", "parent_id", "replies", "user")
	}
}

// accountGetter answers the profile fields of a business_discovery target.
func accountGetter(a Account) getter {
	return func(f field) (any, error) {
		switch f.name {
		case "username":
			return str(a.Username), nil
		case "name":
			return str(a.Name), nil
		case "biography":
			return str(a.Biography), nil
		case "profile_picture_url":
			return str(a.ProfilePictureURL), nil
		case "followers_count":
			return a.FollowersCount, nil
		case "follows_count":
			return a.FollowsCount, nil
		case "media_count":
			return a.MediaCount, nil
		}
		return notEmulated(f.name, "ig_id", "media", "website")
	}
}

// profileGetter answers the messaging user profile of a DM sender.
func profileGetter(u User) getter {
	return func(f field) (any, error) {
		switch f.name {
		case "name":
			return str(u.Name), nil
		case "username":
			return str(u.Username), nil
		case "profile_pic":
			return str(u.ProfilePic), nil
		case "follower_count":
			return u.FollowerCount, nil
		case "is_user_follow_business":
			return u.IsUserFollowBusiness, nil
		case "is_business_follow_user":
			return u.IsBusinessFollowUser, nil
		case "is_verified_user":
			return u.IsVerifiedUser, nil
		}
		return nil, errUnknownField
	}
}

// brandGetter answers the fields of a brand's IG user node, including the
// mentioned_media, mentioned_comment, business_discovery and tags
// expansions. It needs s.mu held for reading.
func (s *Server) brandGetter(r *http.Request, b Brand) getter {
	return func(f field) (any, error) {
		switch f.name {
		case "username":
			return str(b.Username), nil
		case "name", "biography", "profile_picture_url", "followers_count", "follows_count", "media_count":
			if a, ok := s.st.accounts[strings.ToLower(b.Username)]; ok {
				return accountGetter(a)(f)
			}
			return nil, nil
		case "mentioned_media":
			return s.mentionedMedia(b.IGUserID, f)
		case "mentioned_comment":
			return s.mentionedComment(b.IGUserID, f)
		case "business_discovery":
			return s.businessDiscovery(f)
		case "tags":
			limit, _ := f.arg("limit")
			after, _ := f.arg("after")
			before, _ := f.arg("before")
			q, err := pageParams(limit, after, before)
			if err != nil {
				return nil, err
			}
			return s.tagsPage(b.IGUserID, f.children, q, s.expansionLink(r, b.IGUserID, f))
		}
		return notEmulated(f.name, "ig_id", "live_media", "media", "stories", "website",
			"has_profile_pic", "is_published", "legacy_instagram_user_id", "shopping_product_tag_eligibility",
			"recently_searched_hashtags", "content_publishing_limit", "insights")
	}
}

func (s *Server) mentionedMedia(brandID string, f field) (any, error) {
	id, _ := f.arg("media_id")
	if id == "" {
		return nil, errParam("The parameter media_id is required")
	}
	m, ok := s.st.media[id]
	if !ok || !s.st.mentionedM[brandID][id] {
		return nil, errNotMentioned("media", id)
	}
	return render("IGMedia", id, f.children, mediaGetter(m))
}

func (s *Server) mentionedComment(brandID string, f field) (any, error) {
	id, _ := f.arg("comment_id")
	if id == "" {
		return nil, errParam("The parameter comment_id is required")
	}
	c, ok := s.st.comments[id]
	if !ok || !s.st.mentionedC[brandID][id] {
		return nil, errNotMentioned("comment", id)
	}
	if s.st.media[c.MediaID].CommentsDisabled {
		return nil, errCommentsDisabled(c.MediaID)
	}
	return render("IGComment", id, f.children, s.commentGetter(c))
}

func (s *Server) businessDiscovery(f field) (any, error) {
	username, _ := f.arg("username")
	if username == "" {
		return nil, errParam("The parameter username is required")
	}
	a, ok := s.st.accounts[strings.ToLower(username)]
	if !ok || !a.Business {
		return nil, errNotBusiness(username)
	}
	return render("IGUser", a.ID, f.children, accountGetter(a))
}

// pageGetter answers the fields of a brand's Facebook Page; it needs s.mu
// held for reading.
func (s *Server) pageGetter(r *http.Request, b Brand) getter {
	return func(f field) (any, error) {
		switch f.name {
		case "name":
			return str(b.PageName), nil
		case "access_token":
			return str(b.AccessToken), nil
		case "instagram_business_account", "connected_instagram_account":
			return render("IGUser", b.IGUserID, f.children, s.brandGetter(r, b))
		}
		return notEmulated(f.name, "about", "category", "category_list", "fan_count", "link", "picture", "tasks")
	}
}

// defaultAccountFields are answered by /me/accounts without a fields
// parameter. Meta's default leaves out instagram_business_account; the
// sandbox includes it (lenient) since that is what the connect flow needs.
var defaultAccountFields = []field{{name: "access_token"}, {name: "name"}, {name: "id"}, {name: "instagram_business_account"}}

// accounts answers /me/accounts: the Pages of the brands the token manages
// (a Page token lists its own Page, more lenient than Meta). The caller holds
// s.mu for reading.
func (s *Server) accounts(r *http.Request, g grant, fs []field) (any, error) {
	if len(fs) == 0 {
		fs = defaultAccountFields
	}
	data := []object{}
	var ids []string
	for _, id := range s.st.brandOrder {
		b := s.st.brands[id]
		if !g.allows(id) || b.PageID == "" {
			continue
		}
		o, err := render("Page", b.PageID, fs, s.pageGetter(r, b))
		if err != nil {
			return nil, err
		}
		data = append(data, o)
		ids = append(ids, b.PageID)
	}
	out := listPage{Data: data}
	if len(ids) > 0 {
		out.Paging = &paging{Cursors: cursors{Before: encodeCursor(ids[0]), After: encodeCursor(ids[len(ids)-1])}}
	}
	return out, nil
}
