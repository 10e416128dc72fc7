package instagram

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors of webhook verification and parsing. Match them with
// errors.Is; the returned errors carry details (such as the JSON path of a
// malformed field) in their message.
var (
	// ErrSignatureMissing means the X-Hub-Signature-256 header was absent or
	// empty. Answer such a POST with 401/403 and do not store it.
	ErrSignatureMissing = errors.New("instagram: webhook signature missing")
	// ErrSignatureInvalid means the signature header was present but did not
	// match the body (or was not of the form "sha256=<hex>", or no app
	// secret was configured).
	ErrSignatureInvalid = errors.New("instagram: webhook signature invalid")
	// ErrMalformed means a webhook body is not the JSON Meta documents. The
	// wrapping error names the offending field path, e.g.
	// "entry[0].messaging[2].sender.id: want string or number, got object".
	ErrMalformed = errors.New("instagram: malformed webhook body")
	// ErrWrongObject means the body is a Meta webhook for another product
	// (its "object" is not "instagram"), e.g. a Page webhook sent to the
	// Instagram endpoint.
	ErrWrongObject = errors.New("instagram: webhook object is not \"instagram\"")
)

// SignatureHeader is the HTTP header that carries the webhook signature.
const SignatureHeader = "X-Hub-Signature-256"

const signaturePrefix = "sha256="

// VerifySignature checks header (the value of X-Hub-Signature-256, of the form
// "sha256=<hex>") against the HMAC-SHA256 of the raw request body keyed with
// the app secret. Pass the body exactly as received: re-encoded JSON does not
// verify. The comparison is constant-time. It returns nil when the signature
// is valid, an error matching ErrSignatureMissing when header is empty, and
// one matching ErrSignatureInvalid otherwise. An empty appSecret never
// verifies anything (fail closed), since anyone could sign with it.
func VerifySignature(appSecret string, body []byte, header string) error {
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrSignatureMissing
	}
	if appSecret == "" {
		return fmt.Errorf("%w: no app secret configured", ErrSignatureInvalid)
	}
	if len(header) < len(signaturePrefix) || !strings.EqualFold(header[:len(signaturePrefix)], signaturePrefix) {
		return fmt.Errorf("%w: header does not start with %q", ErrSignatureInvalid, signaturePrefix)
	}
	got, err := hex.DecodeString(header[len(signaturePrefix):])
	if err != nil {
		return fmt.Errorf("%w: signature is not hexadecimal", ErrSignatureInvalid)
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrSignatureInvalid
	}
	return nil
}

// Sign returns the X-Hub-Signature-256 value Meta would send for body:
// "sha256=" followed by the lowercase hex HMAC-SHA256 keyed with appSecret.
// It exists for tests, emulators and replay tools.
func Sign(appSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// VerifyChallenge answers Meta's subscription handshake (GET with
// hub.mode=subscribe, hub.verify_token and hub.challenge). It returns the
// challenge and true only when the mode is "subscribe", the token equals
// verifyToken (compared in constant time; an empty verifyToken never
// matches) and a challenge is present. The caller answers 200 with the
// challenge as a text/plain body when ok, and 403 otherwise. Always use
// text/plain: the challenge is attacker-controlled text.
func VerifyChallenge(query url.Values, verifyToken string) (challenge string, ok bool) {
	if verifyToken == "" || query.Get("hub.mode") != "subscribe" {
		return "", false
	}
	// Hash both sides so the comparison does not leak the token's length.
	got := sha256.Sum256([]byte(query.Get("hub.verify_token")))
	want := sha256.Sum256([]byte(verifyToken))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return "", false
	}
	challenge = query.Get("hub.challenge")
	if challenge == "" {
		return "", false
	}
	return challenge, true
}

// Kind says what a webhook Item is. Its values are stable strings that may be
// stored.
type Kind string

// The kinds of Item. A caller that switches on Kind must treat unknown values
// like KindOther: new kinds may be added.
const (
	// KindCaptionMention: the brand was @mentioned in a media caption
	// (changes field "mentions" with media_id only). Look it up with
	// Client.MentionedMedia.
	KindCaptionMention Kind = "caption_mention"
	// KindCommentMention: the brand was @mentioned in a comment (field
	// "mentions" with comment_id and media_id). Look it up with
	// Client.MentionedComment.
	KindCommentMention Kind = "comment_mention"
	// KindComment: a comment on the brand's own media (field "comments" or
	// "live_comments"); CommentID, MediaID, SenderID, Username and Text are
	// set from the payload.
	KindComment Kind = "comment"
	// KindMessage: a DM to the brand (text and/or ordinary attachments).
	KindMessage Kind = "message"
	// KindStoryMention: the brand was mentioned in someone's story: a DM
	// with a "story_mention" attachment (StoryURL is its CDN URL) or a
	// referral with source STORY_MENTION. The story media must not be
	// downloaded; the URL dies with the story (24 h).
	KindStoryMention Kind = "story_mention"
	// KindEcho: a copy of a message the brand itself sent (is_echo). Never
	// activity.
	KindEcho Kind = "echo"
	// KindRead: a read receipt; MID is the message read.
	KindRead Kind = "read"
	// KindReaction: a reaction to a message; Reaction, Emoji,
	// ReactionAction ("react" or "unreact") and MID are set.
	KindReaction Kind = "reaction"
	// KindDeleted: the sender deleted message MID (is_deleted).
	KindDeleted Kind = "deleted"
	// KindUnsupported: a message Instagram cannot show to the API
	// (is_unsupported, or an attachment of type "unsupported_type").
	KindUnsupported Kind = "unsupported"
	// KindPostback: a button postback; Text is its title, Payload its
	// payload.
	KindPostback Kind = "postback"
	// KindOther: anything recognised as part of an entry but none of the
	// above (unknown fields, referrals other than story mentions, entries
	// with no content). Kept so that nothing is silently dropped.
	KindOther Kind = "other"
)

// Notification is one parsed webhook POST.
type Notification struct {
	// Object is always "instagram" for a successfully parsed notification.
	Object string
	// Items holds every change and messaging event of every entry, in body
	// order. It is empty (not an error) when the body has no entries.
	Items []Item
}

// Attachment is one attachment of a DM.
type Attachment struct {
	// Type is Meta's attachment type: "image", "video", "audio", "file",
	// "share", "story_mention", "unsupported_type", ...
	Type string
	// URL is payload.url when present (for story_mention: the story's CDN
	// URL, which may be stored but whose media must not be downloaded).
	URL string
	// Payload is the attachment's raw payload object, if any.
	Payload json.RawMessage
}

// Item is one normalized event of a webhook notification. Fields that do not
// apply to the Kind, or that the payload did not carry, are zero.
type Item struct {
	// Kind says what the item is.
	Kind Kind
	// AccountID is entry.id: the brand's Instagram user id the notification
	// is about. Always set.
	AccountID string
	// EntryTime is entry.time, normalized from seconds or milliseconds. It
	// is when Meta sent the notification, not when the event happened.
	EntryTime time.Time
	// Field is the change's field ("mentions", "comments", "messages",
	// "messaging_referral", ...); empty for entry.messaging/standby events.
	Field string
	// Standby is true for events from entry.standby (another app owns the
	// conversation under the handover protocol).
	Standby bool

	// MediaID and CommentID identify the media and comment of a mention or
	// comment.
	MediaID, CommentID string

	// SenderID and RecipientID are the messaging sender and recipient ids
	// (the sender of a DM is an IGSID, not an IG user id). For comments,
	// SenderID is from.id.
	SenderID, RecipientID string
	// Username is the author's username when the payload carries it
	// (comments' from.username). Mentions and DMs carry no username.
	Username string

	// MID is the message id (of the message itself, or of the message read,
	// reacted to or deleted).
	MID string
	// Text is the message text, the comment text, or a postback's title.
	Text string
	// Timestamp is the event's own timestamp (messaging timestamp),
	// normalized from seconds or milliseconds; zero when absent.
	Timestamp time.Time
	// StoryURL is the story CDN URL of a story mention, when known.
	StoryURL string
	// Attachments are the message's attachments.
	Attachments []Attachment

	// Reaction, Emoji and ReactionAction describe a reaction.
	Reaction, Emoji, ReactionAction string
	// Payload is a postback's payload or a referral's ref.
	Payload string
	// ReferralSource is referral.source when the event carries a referral
	// (e.g. "STORY_MENTION", "ADS", "SHORTLINK").
	ReferralSource string

	// Raw is the item's own JSON: the change object, the messaging event, or
	// the entry itself (for field/value on the entry and for KindOther
	// entries). It is a copy, independent of the parsed body.
	Raw json.RawMessage
}

// DedupKey returns a key that is equal for redeliveries of the same event
// and different for different events, for use as a unique key in storage.
// Mentions are keyed by (account, media_id, comment_id), e.g.
// "mention:<account>:<media>:<comment>"; messages, story mentions sent as
// messages and unsupported messages by mid ("dm:<mid>"); echoes
// ("echo:<mid>") and deletions ("dm-deleted:<mid>") have their own keys so
// they never collide with the message they refer to; comments by
// (account, comment id); reads by (account, reader, mid); reactions by
// (account, reactor, mid, action, reaction, emoji, timestamp); postbacks by
// mid. Items without the identifying ids (e.g. a STORY_MENTION referral, which
// carries no mid, and KindOther) are keyed by a hash of their content,
// "<kind>:<account>:h<hex>". Id parts are escaped so that a ':' inside an id
// cannot make two keys collide. A story mention delivered both as an
// attachment and as a referral yields two different keys.
func (it Item) DedupKey() string {
	a := escKey(it.AccountID)
	switch it.Kind {
	case KindCaptionMention, KindCommentMention:
		if it.MediaID != "" || it.CommentID != "" {
			return "mention:" + a + ":" + escKey(it.MediaID) + ":" + escKey(it.CommentID)
		}
	case KindComment:
		if it.CommentID != "" {
			return "comment:" + a + ":" + escKey(it.CommentID)
		}
	case KindMessage, KindStoryMention, KindUnsupported:
		if it.MID != "" {
			return "dm:" + escKey(it.MID)
		}
	case KindEcho:
		if it.MID != "" {
			return "echo:" + escKey(it.MID)
		}
	case KindDeleted:
		if it.MID != "" {
			return "dm-deleted:" + escKey(it.MID)
		}
	case KindRead:
		if it.MID != "" {
			return "read:" + a + ":" + escKey(it.SenderID) + ":" + escKey(it.MID)
		}
	case KindReaction:
		if it.MID != "" {
			return "reaction:" + a + ":" + escKey(it.SenderID) + ":" + escKey(it.MID) + ":" +
				escKey(it.ReactionAction) + ":" + escKey(it.Reaction) + ":" + escKey(it.Emoji) + ":" +
				tsKey(it.Timestamp)
		}
	case KindPostback:
		if it.MID != "" {
			return "postback:" + escKey(it.MID)
		}
	}
	return escKey(string(it.Kind)) + ":" + a + ":h" + it.contentHash()
}

// contentHash hashes everything that identifies an item, for items without
// natural ids. Raw is compacted so whitespace differences do not matter.
func (it Item) contentHash() string {
	h := sha256.New()
	field := func(s string) {
		// Length-prefix each part so that the concatenation is unambiguous.
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	field(string(it.Kind))
	field(it.AccountID)
	field(it.Field)
	field(it.MediaID)
	field(it.CommentID)
	field(it.SenderID)
	field(it.RecipientID)
	field(it.MID)
	field(it.Text)
	field(tsKey(it.Timestamp))
	field(it.StoryURL)
	field(it.ReferralSource)
	field(it.Payload)
	var buf bytes.Buffer
	if len(it.Raw) > 0 && json.Compact(&buf, it.Raw) == nil {
		field(buf.String())
	} else {
		field(string(it.Raw))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func tsKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// escKey escapes the key separator so that ids containing ':' cannot collide.
func escKey(s string) string {
	if !strings.ContainsAny(s, "%:") {
		return s
	}
	return strings.NewReplacer("%", "%25", ":", "%3A").Replace(s)
}

// ParseWebhook parses the body of a webhook POST with object "instagram" into
// a flat list of items. It accepts the three shapes seen in the wild:
// entry[].changes[] = {field, value}; entry[].messaging[] and
// entry[].standby[] events; and field/value directly on the entry. Ids are
// kept as strings even when sent as JSON numbers; entry.time and timestamps
// are accepted in seconds or milliseconds.
//
// A body that is not valid JSON or has a wrong type at a known place returns
// an error matching ErrMalformed that names the field path; an object other
// than "instagram" returns ErrWrongObject. Unknown fields are ignored, unknown
// change fields become KindOther items, and an empty entry list gives no
// items and no error. Verify the signature first: ParseWebhook trusts its
// input no more than any JSON parser, but it does not authenticate it.
func ParseWebhook(body []byte) (*Notification, error) {
	trimmed := bytes.TrimSpace(body)
	if jsonType(trimmed) != '{' {
		if len(trimmed) == 0 {
			return nil, malformed("body", "empty")
		}
		return nil, malformed("body", "want object, got %s", typeName(trimmed))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return nil, fmt.Errorf("%w: body: %w", ErrMalformed, err)
	}
	if raw, present := top["object"]; !present || isNull(raw) {
		return nil, malformed("object", "missing")
	}
	object, err := getString(top["object"], "object")
	if err != nil {
		return nil, err
	}
	if object != "instagram" {
		return nil, fmt.Errorf("%w: got %q", ErrWrongObject, truncate(object, 64))
	}
	if raw, present := top["entry"]; !present || isNull(raw) {
		return nil, malformed("entry", "missing")
	}
	entries, err := getArray(top["entry"], "entry")
	if err != nil {
		return nil, err
	}
	n := &Notification{Object: object, Items: []Item{}}
	for i, raw := range entries {
		items, err := parseEntry(raw, "entry["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		n.Items = append(n.Items, items...)
	}
	return n, nil
}

func parseEntry(raw json.RawMessage, path string) ([]Item, error) {
	obj, err := getObject(raw, path)
	if err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, malformed(path, "want object, got null")
	}
	id, err := getID(obj["id"], path+".id")
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, malformed(path+".id", "missing")
	}
	entryTime, err := getTime(obj["time"], path+".time")
	if err != nil {
		return nil, err
	}
	base := Item{AccountID: id, EntryTime: entryTime}

	var items []Item
	found := false
	if c, ok := obj["changes"]; ok && !isNull(c) {
		found = true
		changes, err := getArray(c, path+".changes")
		if err != nil {
			return nil, err
		}
		for j, ch := range changes {
			p := path + ".changes[" + strconv.Itoa(j) + "]"
			chObj, err := getObject(ch, p)
			if err != nil {
				return nil, err
			}
			if chObj == nil {
				return nil, malformed(p, "want object, got null")
			}
			it, err := parseFieldValue(base, chObj["field"], chObj["value"], p, ch)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
	}
	for _, key := range [...]string{"messaging", "standby"} {
		m, ok := obj[key]
		if !ok || isNull(m) {
			continue
		}
		found = true
		events, err := getArray(m, path+"."+key)
		if err != nil {
			return nil, err
		}
		for j, ev := range events {
			p := path + "." + key + "[" + strconv.Itoa(j) + "]"
			evObj, err := getObject(ev, p)
			if err != nil {
				return nil, err
			}
			if evObj == nil {
				return nil, malformed(p, "want object, got null")
			}
			it := base
			it.Standby = key == "standby"
			it.Raw = cloneRaw(ev)
			if err := parseMessaging(&it, evObj, p); err != nil {
				return nil, err
			}
			items = append(items, it)
		}
	}
	_, hasField := obj["field"]
	_, hasValue := obj["value"]
	if hasField || hasValue {
		found = true
		it, err := parseFieldValue(base, obj["field"], obj["value"], path, raw)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	if !found {
		it := base
		it.Kind = KindOther
		it.Raw = cloneRaw(raw)
		items = append(items, it)
	}
	return items, nil
}

// knownObjectField reports change fields whose value must be an object; a
// non-object value there is malformed, while unknown fields are kept as
// KindOther whatever their value.
func knownObjectField(field string) bool {
	switch field {
	case "mentions", "comments", "live_comments", "messages", "messaging_referral",
		"messaging_postbacks", "messaging_seen", "message_reactions", "message_edit",
		"messaging_optins", "messaging_handover", "standby":
		return true
	}
	return false
}

// parseFieldValue handles a {field, value} pair, from a change or directly on
// an entry. raw is the JSON the resulting item keeps as Raw.
func parseFieldValue(base Item, fieldRaw, valueRaw json.RawMessage, path string, raw json.RawMessage) (Item, error) {
	it := base
	it.Raw = cloneRaw(raw)
	field, err := getString(fieldRaw, path+".field")
	if err != nil {
		return it, err
	}
	it.Field = field
	vpath := path + ".value"
	t := jsonType(valueRaw)
	if t == 0 || t == 'n' {
		it.Kind = KindOther
		return it, nil
	}
	if t != '{' {
		if knownObjectField(field) {
			return it, malformed(vpath, "want object, got %s", typeName(valueRaw))
		}
		it.Kind = KindOther
		return it, nil
	}
	val, err := getObject(valueRaw, vpath)
	if err != nil {
		return it, err
	}
	switch {
	case field == "mentions":
		err = parseMention(&it, val, vpath)
	case field == "comments" || field == "live_comments":
		err = parseComment(&it, val, vpath)
	case looksLikeMessaging(val):
		err = parseMessaging(&it, val, vpath)
	default:
		it.Kind = KindOther
	}
	return it, err
}

func parseMention(it *Item, val map[string]json.RawMessage, path string) error {
	var err error
	if it.MediaID, err = getID(val["media_id"], path+".media_id"); err != nil {
		return err
	}
	if it.CommentID, err = getID(val["comment_id"], path+".comment_id"); err != nil {
		return err
	}
	switch {
	case it.CommentID != "":
		it.Kind = KindCommentMention
	case it.MediaID != "":
		it.Kind = KindCaptionMention
	default:
		it.Kind = KindOther
	}
	return nil
}

func parseComment(it *Item, val map[string]json.RawMessage, path string) error {
	var err error
	if it.CommentID, err = getID(val["id"], path+".id"); err != nil {
		return err
	}
	if it.Text, err = getString(val["text"], path+".text"); err != nil {
		return err
	}
	from, err := getObject(val["from"], path+".from")
	if err != nil {
		return err
	}
	if from != nil {
		if it.SenderID, err = getID(from["id"], path+".from.id"); err != nil {
			return err
		}
		if it.Username, err = getString(from["username"], path+".from.username"); err != nil {
			return err
		}
	}
	media, err := getObject(val["media"], path+".media")
	if err != nil {
		return err
	}
	if media != nil {
		if it.MediaID, err = getID(media["id"], path+".media.id"); err != nil {
			return err
		}
	}
	if it.CommentID != "" {
		it.Kind = KindComment
	} else {
		it.Kind = KindOther
	}
	return nil
}

func looksLikeMessaging(val map[string]json.RawMessage) bool {
	for _, k := range [...]string{"sender", "recipient", "message", "read", "reaction", "referral", "postback"} {
		if _, ok := val[k]; ok {
			return true
		}
	}
	return false
}

// parseMessaging fills it from a messaging event {sender, recipient,
// timestamp, message|read|reaction|referral|postback}.
func parseMessaging(it *Item, ev map[string]json.RawMessage, path string) error {
	var err error
	if it.SenderID, err = getNestedID(ev["sender"], path+".sender"); err != nil {
		return err
	}
	if it.RecipientID, err = getNestedID(ev["recipient"], path+".recipient"); err != nil {
		return err
	}
	if it.Timestamp, err = getTime(ev["timestamp"], path+".timestamp"); err != nil {
		return err
	}
	referral, err := getObject(ev["referral"], path+".referral")
	if err != nil {
		return err
	}
	if referral != nil {
		if it.ReferralSource, err = getString(referral["source"], path+".referral.source"); err != nil {
			return err
		}
		if it.Payload, err = getString(referral["ref"], path+".referral.ref"); err != nil {
			return err
		}
	}

	if msg, err := getObject(ev["message"], path+".message"); err != nil {
		return err
	} else if msg != nil {
		return parseMessage(it, msg, path+".message")
	}
	if read, err := getObject(ev["read"], path+".read"); err != nil {
		return err
	} else if read != nil {
		it.Kind = KindRead
		it.MID, err = getID(read["mid"], path+".read.mid")
		return err
	}
	if r, err := getObject(ev["reaction"], path+".reaction"); err != nil {
		return err
	} else if r != nil {
		it.Kind = KindReaction
		p := path + ".reaction"
		if it.MID, err = getID(r["mid"], p+".mid"); err != nil {
			return err
		}
		if it.Reaction, err = getString(r["reaction"], p+".reaction"); err != nil {
			return err
		}
		if it.Emoji, err = getString(r["emoji"], p+".emoji"); err != nil {
			return err
		}
		it.ReactionAction, err = getString(r["action"], p+".action")
		return err
	}
	if pb, err := getObject(ev["postback"], path+".postback"); err != nil {
		return err
	} else if pb != nil {
		it.Kind = KindPostback
		p := path + ".postback"
		if it.MID, err = getID(pb["mid"], p+".mid"); err != nil {
			return err
		}
		if it.Text, err = getString(pb["title"], p+".title"); err != nil {
			return err
		}
		it.Payload, err = getString(pb["payload"], p+".payload")
		return err
	}
	if referral != nil && strings.EqualFold(it.ReferralSource, "STORY_MENTION") {
		it.Kind = KindStoryMention
		// Unconfirmed shape: take a URL if the referral carries one.
		if jsonType(referral["url"]) == '"' {
			it.StoryURL, _ = getString(referral["url"], "")
		}
		return nil
	}
	it.Kind = KindOther
	return nil
}

func parseMessage(it *Item, msg map[string]json.RawMessage, path string) error {
	var err error
	if it.MID, err = getID(msg["mid"], path+".mid"); err != nil {
		return err
	}
	if it.Text, err = getString(msg["text"], path+".text"); err != nil {
		return err
	}
	echo, err := getBool(msg["is_echo"], path+".is_echo")
	if err != nil {
		return err
	}
	deleted, err := getBool(msg["is_deleted"], path+".is_deleted")
	if err != nil {
		return err
	}
	unsupported, err := getBool(msg["is_unsupported"], path+".is_unsupported")
	if err != nil {
		return err
	}
	atts, err := getArray(msg["attachments"], path+".attachments")
	if err != nil {
		return err
	}
	storyMention, unsupportedAtt := false, false
	for i, raw := range atts {
		p := path + ".attachments[" + strconv.Itoa(i) + "]"
		a, err := getObject(raw, p)
		if err != nil {
			return err
		}
		if a == nil {
			continue
		}
		var att Attachment
		if att.Type, err = getString(a["type"], p+".type"); err != nil {
			return err
		}
		payload, err := getObject(a["payload"], p+".payload")
		if err != nil {
			return err
		}
		if payload != nil {
			att.Payload = cloneRaw(a["payload"])
			if att.URL, err = getString(payload["url"], p+".payload.url"); err != nil {
				return err
			}
		}
		switch att.Type {
		case "story_mention":
			if !storyMention {
				it.StoryURL = att.URL
			}
			storyMention = true
		case "unsupported_type":
			unsupportedAtt = true
		}
		it.Attachments = append(it.Attachments, att)
	}
	// Order matters: an echo is never activity, whatever it contains.
	switch {
	case echo:
		it.Kind = KindEcho
	case deleted:
		it.Kind = KindDeleted
	case unsupported:
		it.Kind = KindUnsupported
	case storyMention:
		it.Kind = KindStoryMention
	case unsupportedAtt:
		it.Kind = KindUnsupported
	default:
		it.Kind = KindMessage
	}
	return nil
}

// ---- small JSON helpers with path-aware errors ----

func malformed(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, path, fmt.Sprintf(format, args...))
}

// jsonType returns the first byte of a JSON value, which identifies its type,
// or 0 when raw is empty (an absent key).
func jsonType(raw []byte) byte {
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func typeName(raw []byte) string {
	switch c := jsonType(raw); {
	case c == 0:
		return "nothing"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "bool"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "number"
	}
	return "invalid JSON"
}

func isNull(raw []byte) bool { return jsonType(raw) == 'n' }

func cloneRaw(raw json.RawMessage) json.RawMessage {
	if raw == nil {
		return nil
	}
	return append(json.RawMessage(nil), raw...)
}

// getObject decodes an object; absent or null gives nil, nil.
func getObject(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	switch jsonType(raw) {
	case 0, 'n':
		return nil, nil
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, path, err)
		}
		return m, nil
	}
	return nil, malformed(path, "want object, got %s", typeName(raw))
}

// getArray decodes an array; absent or null gives nil, nil.
func getArray(raw json.RawMessage, path string) ([]json.RawMessage, error) {
	switch jsonType(raw) {
	case 0, 'n':
		return nil, nil
	case '[':
		var a []json.RawMessage
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, path, err)
		}
		return a, nil
	}
	return nil, malformed(path, "want array, got %s", typeName(raw))
}

// getString decodes a string; absent or null gives "".
func getString(raw json.RawMessage, path string) (string, error) {
	switch jsonType(raw) {
	case 0, 'n':
		return "", nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%w: %s: %w", ErrMalformed, path, err)
		}
		return s, nil
	}
	return "", malformed(path, "want string, got %s", typeName(raw))
}

// getID decodes an id sent as a string or a number. A number keeps its
// literal text (never float64, which would corrupt 17-digit ids).
func getID(raw json.RawMessage, path string) (string, error) {
	switch c := jsonType(raw); {
	case c == 0 || c == 'n':
		return "", nil
	case c == '"':
		return getString(raw, path)
	case c == '-' || (c >= '0' && c <= '9'):
		n, err := decodeNumber(raw, path)
		return n.String(), err
	}
	return "", malformed(path, "want string or number, got %s", typeName(raw))
}

// getNestedID reads {"id": ...} (sender, recipient).
func getNestedID(raw json.RawMessage, path string) (string, error) {
	obj, err := getObject(raw, path)
	if err != nil || obj == nil {
		return "", err
	}
	return getID(obj["id"], path+".id")
}

func decodeNumber(raw json.RawMessage, path string) (json.Number, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var n json.Number
	if err := dec.Decode(&n); err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrMalformed, path, err)
	}
	return n, nil
}

// getBool decodes a bool; absent or null gives false. "true"/"false" strings
// are tolerated.
func getBool(raw json.RawMessage, path string) (bool, error) {
	switch jsonType(raw) {
	case 0, 'n':
		return false, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return false, fmt.Errorf("%w: %s: %w", ErrMalformed, path, err)
		}
		return b, nil
	case '"':
		s, err := getString(raw, path)
		if err != nil {
			return false, err
		}
		if b, perr := strconv.ParseBool(s); perr == nil {
			return b, nil
		}
		return false, malformed(path, "want bool, got string %q", truncate(s, 32))
	}
	return false, malformed(path, "want bool, got %s", typeName(raw))
}

// Unix times below this are seconds, at or above it milliseconds: 1e11 s is
// the year 5138, 1e11 ms is 1973, so real values of either unit never meet.
const msThreshold = 1e11

// maxUnixValue bounds accepted times (1e15 ms is the year 33658).
const maxUnixValue = 1e15

// getTime decodes a Unix time in seconds or milliseconds (number or numeric
// string). Absent, null and 0 give the zero time.
func getTime(raw json.RawMessage, path string) (time.Time, error) {
	var n json.Number
	switch c := jsonType(raw); {
	case c == 0 || c == 'n':
		return time.Time{}, nil
	case c == '"':
		s, err := getString(raw, path)
		if err != nil {
			return time.Time{}, err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, nil
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return time.Time{}, malformed(path, "want a Unix time, got string %q", truncate(s, 32))
		}
		n = json.Number(s)
	case c == '-' || (c >= '0' && c <= '9'):
		var err error
		if n, err = decodeNumber(raw, path); err != nil {
			return time.Time{}, err
		}
	default:
		return time.Time{}, malformed(path, "want a Unix time number, got %s", typeName(raw))
	}
	return unixAuto(n, path)
}

func unixAuto(n json.Number, path string) (time.Time, error) {
	if i, err := n.Int64(); err == nil {
		switch {
		case i == 0:
			return time.Time{}, nil
		case i < 0 || i >= maxUnixValue:
			return time.Time{}, malformed(path, "time %d out of range", i)
		case i >= msThreshold:
			return time.UnixMilli(i).UTC(), nil
		default:
			return time.Unix(i, 0).UTC(), nil
		}
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f >= maxUnixValue {
		return time.Time{}, malformed(path, "time %s out of range", truncate(n.String(), 32))
	}
	if f == 0 {
		return time.Time{}, nil
	}
	if f >= msThreshold {
		sec := math.Floor(f / 1000)
		ms := f - sec*1000
		return time.Unix(int64(sec), int64(ms*1e6)).UTC(), nil
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
