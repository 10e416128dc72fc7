package igsandbox

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Entry is one element of a webhook body's entry[] array, for one brand.
// Build it with MentionEntry, DMEntry and the other *Entry functions, adjust
// it with At, OccurredAt, Merge, Standby, Flat or DashboardTest, and turn
// entries into a body with Batch. The *Payload functions are Batch of one
// entry.
//
// Times follow Meta's samples: entry[].time is in seconds for changes
// (mentions) and in milliseconds for messaging; messaging[].timestamp is in
// milliseconds and, unless OccurredAt says otherwise, one second before
// entry[].time, because entry[].time is when Meta sent the notification, not
// when the event happened.
type Entry struct {
	id      string
	sent    time.Time // zero: when Batch runs
	shape   entryShape
	changes []change
	events  []event
}

type entryShape int

const (
	shapeChanges   entryShape = iota // entry.changes[] = {field, value}
	shapeMessaging                   // entry.messaging[]
	shapeStandby                     // entry.standby[]
	shapeFlat                        // entry.field, entry.value (Instagram Login)
)

type change struct {
	Field string `json:"field"`
	Value any    `json:"value"`
}

type mentionValue struct {
	CommentID string `json:"comment_id,omitempty"`
	MediaID   string `json:"media_id"`
}

// event is one messaging[] item before its times are known.
type event struct {
	sender, recipient string
	at                time.Time // zero: one second before the entry's time
	message           *message
	read              *readReceipt
	reaction          *reaction
	referral          *referral
}

type idRef struct {
	ID string `json:"id"`
}

type message struct {
	Mid           string       `json:"mid"`
	Text          string       `json:"text,omitempty"`
	Attachments   []attachment `json:"attachments,omitempty"`
	IsEcho        bool         `json:"is_echo,omitempty"`
	IsDeleted     bool         `json:"is_deleted,omitempty"`
	IsUnsupported bool         `json:"is_unsupported,omitempty"`
}

type attachment struct {
	Type    string             `json:"type"`
	Payload *attachmentPayload `json:"payload,omitempty"`
}

type attachmentPayload struct {
	URL string `json:"url"`
}

type readReceipt struct {
	Mid string `json:"mid"`
}

type reaction struct {
	Mid      string `json:"mid"`
	Action   string `json:"action"`
	Reaction string `json:"reaction,omitempty"`
	Emoji    string `json:"emoji,omitempty"`
}

type referral struct {
	Ref    string `json:"ref,omitempty"`
	Source string `json:"source"`
	Type   string `json:"type"`
}

// wireEvent is a messaging[] item as sent. Timestamp is milliseconds, or a
// string of seconds in the dashboard-test shape, as in Meta's sample.
type wireEvent struct {
	Sender    idRef        `json:"sender"`
	Recipient idRef        `json:"recipient"`
	Timestamp any          `json:"timestamp"`
	Message   *message     `json:"message,omitempty"`
	Read      *readReceipt `json:"read,omitempty"`
	Reaction  *reaction    `json:"reaction,omitempty"`
	Referral  *referral    `json:"referral,omitempty"`
}

type wireEntry struct {
	ID        string      `json:"id"`
	Time      int64       `json:"time"`
	Changes   []change    `json:"changes,omitempty"`
	Messaging []wireEvent `json:"messaging,omitempty"`
	Standby   []wireEvent `json:"standby,omitempty"`
	Field     string      `json:"field,omitempty"`
	Value     any         `json:"value,omitempty"`
}

type wireBody struct {
	Object string      `json:"object"`
	Entry  []wireEntry `json:"entry"`
}

// At sets entry[].time, the moment Meta sent the notification.
func (e Entry) At(t time.Time) Entry {
	e.sent = t
	return e
}

// OccurredAt sets messaging[].timestamp of the entry's messaging events.
func (e Entry) OccurredAt(t time.Time) Entry {
	e.events = append([]event(nil), e.events...)
	for i := range e.events {
		e.events[i].at = t
	}
	return e
}

// Merge appends the changes and messaging events of others to e, making one
// entry with several items, as Meta batches them. e's shape decides the wire
// form of the result.
func (e Entry) Merge(others ...Entry) Entry {
	e.changes = append([]change(nil), e.changes...)
	e.events = append([]event(nil), e.events...)
	for _, o := range others {
		e.changes = append(e.changes, o.changes...)
		e.events = append(e.events, o.events...)
	}
	return e
}

// Standby sends the entry's messaging events in standby[] instead of
// messaging[], as Meta does when another app controls the conversation.
func (e Entry) Standby() Entry {
	e.shape = shapeStandby
	return e
}

// Flat puts field and value directly on the entry, the shape of Meta's
// Instagram Login examples; an entry with several items becomes several
// entries with the same id and time.
func (e Entry) Flat() Entry {
	e.shape = shapeFlat
	return e
}

// DashboardTest sends the entry's messaging events the way the App
// Dashboard's "Test" button does for Instagram Login:
// changes:[{field:"messages", value:{sender,recipient,timestamp,message}}],
// with timestamp a string of seconds as in Meta's sample. Reads, reactions
// and referrals use the fields messaging_seen, message_reactions and
// messaging_referral.
func (e Entry) DashboardTest() Entry {
	e.shape = shapeChanges
	return e
}

func changeEntry(brandID, field string, value any) Entry {
	return Entry{id: brandID, shape: shapeChanges, changes: []change{{Field: field, Value: value}}}
}

func messagingEntry(brandID string, ev event) Entry {
	return Entry{id: brandID, shape: shapeMessaging, events: []event{ev}}
}

// inbound is an event from a person (IGSID) to the brand.
func inbound(brandID, igsid string, ev event) Entry {
	ev.sender, ev.recipient = igsid, brandID
	return messagingEntry(brandID, ev)
}

// MentionEntry is a caption mention: changes[{field:"mentions",
// value:{media_id}}]. It carries ids only, as Meta's does.
func MentionEntry(brandID, mediaID string) Entry {
	return changeEntry(brandID, "mentions", mentionValue{MediaID: mediaID})
}

// CommentMentionEntry is a mention in a comment: value {comment_id, media_id}.
func CommentMentionEntry(brandID, mediaID, commentID string) Entry {
	return changeEntry(brandID, "mentions", mentionValue{CommentID: commentID, MediaID: mediaID})
}

// DMEntry is a text DM from igsid to the brand.
func DMEntry(brandID, igsid, mid, text string) Entry {
	return inbound(brandID, igsid, event{message: &message{Mid: mid, Text: text}})
}

// StoryMentionEntry is a story mention: a DM whose attachment has type
// story_mention and the story's CDN URL (which dies with the story).
func StoryMentionEntry(brandID, igsid, mid, cdnURL string) Entry {
	return inbound(brandID, igsid, event{message: &message{Mid: mid, Attachments: []attachment{
		{Type: "story_mention", Payload: &attachmentPayload{URL: cdnURL}},
	}}})
}

// StoryReferralEntry is the form some integrators see story mentions in:
// messaging[].referral with source STORY_MENTION and type OPEN_THREAD; ref is
// omitted when empty. The rest of this shape is unconfirmed.
func StoryReferralEntry(brandID, igsid, ref string) Entry {
	return inbound(brandID, igsid, event{referral: &referral{Ref: ref, Source: "STORY_MENTION", Type: "OPEN_THREAD"}})
}

// EchoEntry is the echo of a message the brand sent: sender is the brand,
// message.is_echo is true.
func EchoEntry(brandID, igsid, mid, text string) Entry {
	return messagingEntry(brandID, event{sender: brandID, recipient: igsid,
		message: &message{Mid: mid, Text: text, IsEcho: true}})
}

// ReadEntry is a read receipt for the brand's message mid.
func ReadEntry(brandID, igsid, mid string) Entry {
	return inbound(brandID, igsid, event{read: &readReceipt{Mid: mid}})
}

// ReactionEntry is a reaction with emoji to message mid. reaction is "love"
// for a heart and Meta's other names (like, laugh, wow, sad, angry) for their
// emoji, else "other".
func ReactionEntry(brandID, igsid, mid, emoji string) Entry {
	return inbound(brandID, igsid, event{reaction: &reaction{Mid: mid, Action: "react", Reaction: reactionName(emoji), Emoji: emoji}})
}

// UnreactionEntry removes a reaction: action "unreact", no emoji.
func UnreactionEntry(brandID, igsid, mid string) Entry {
	return inbound(brandID, igsid, event{reaction: &reaction{Mid: mid, Action: "unreact"}})
}

// DeletedEntry is a DM the sender deleted: message.is_deleted is true.
func DeletedEntry(brandID, igsid, mid string) Entry {
	return inbound(brandID, igsid, event{message: &message{Mid: mid, IsDeleted: true}})
}

// UnsupportedEntry is a DM Meta cannot render: message.is_unsupported is true.
func UnsupportedEntry(brandID, igsid, mid string) Entry {
	return inbound(brandID, igsid, event{message: &message{Mid: mid, IsUnsupported: true}})
}

// UnsupportedAttachmentEntry is the other form of unsupported content: an
// attachment of type unsupported_type.
func UnsupportedAttachmentEntry(brandID, igsid, mid string) Entry {
	return inbound(brandID, igsid, event{message: &message{Mid: mid, Attachments: []attachment{{Type: "unsupported_type"}}}})
}

func reactionName(emoji string) string {
	switch emoji {
	case "❤", "❤️":
		return "love"
	case "👍":
		return "like"
	case "😆", "😂":
		return "laugh"
	case "😮":
		return "wow"
	case "😢":
		return "sad"
	case "😠":
		return "angry"
	}
	return "other"
}

// Batch answers a webhook body {"object":"instagram","entry":[...]} holding
// the entries in order, possibly for several brands. Entries without At get
// the current time.
func Batch(entries ...Entry) []byte {
	return batchAt(time.Now(), entries...)
}

func batchAt(now time.Time, entries ...Entry) []byte {
	body := wireBody{Object: "instagram", Entry: []wireEntry{}}
	for _, e := range entries {
		body.Entry = append(body.Entry, e.wire(now)...)
	}
	b, err := json.Marshal(body)
	if err != nil { // only fixed types of this file are marshalled
		panic(fmt.Sprintf("igsandbox: encode webhook body: %v", err))
	}
	return b
}

// wire answers the entry as sent: one element, or several in the flat shape.
func (e Entry) wire(now time.Time) []wireEntry {
	sent := e.sent
	if sent.IsZero() {
		sent = now
	}
	w := wireEntry{ID: e.id, Time: sent.Unix()}
	switch e.shape {
	case shapeMessaging, shapeStandby:
		w.Time = sent.UnixMilli()
		w.Changes = e.changes
		events := make([]wireEvent, 0, len(e.events))
		for _, ev := range e.events {
			events = append(events, ev.wire(sent, false))
		}
		if e.shape == shapeStandby {
			w.Standby = events
		} else {
			w.Messaging = events
		}
		return []wireEntry{w}
	}
	changes := append([]change(nil), e.changes...)
	for _, ev := range e.events {
		changes = append(changes, change{Field: ev.field(), Value: ev.wire(sent, true)})
	}
	if e.shape != shapeFlat {
		w.Changes = changes
		return []wireEntry{w}
	}
	out := make([]wireEntry, 0, len(changes))
	for _, c := range changes {
		out = append(out, wireEntry{ID: w.ID, Time: w.Time, Field: c.Field, Value: c.Value})
	}
	return out
}

// field is the webhook field an event belongs to when sent as a change.
func (ev event) field() string {
	switch {
	case ev.read != nil:
		return "messaging_seen"
	case ev.reaction != nil:
		return "message_reactions"
	case ev.referral != nil:
		return "messaging_referral"
	}
	return "messages"
}

func (ev event) wire(sent time.Time, dashboard bool) wireEvent {
	at := ev.at
	if at.IsZero() {
		at = sent.Add(-time.Second)
	}
	w := wireEvent{
		Sender: idRef{ev.sender}, Recipient: idRef{ev.recipient}, Timestamp: at.UnixMilli(),
		Message: ev.message, Read: ev.read, Reaction: ev.reaction, Referral: ev.referral,
	}
	if dashboard {
		w.Timestamp = strconv.FormatInt(at.Unix(), 10)
	}
	return w
}

// MentionPayload is a webhook body with one caption mention.
func MentionPayload(brandID, mediaID string) []byte { return Batch(MentionEntry(brandID, mediaID)) }

// CommentMentionPayload is a webhook body with one comment mention.
func CommentMentionPayload(brandID, mediaID, commentID string) []byte {
	return Batch(CommentMentionEntry(brandID, mediaID, commentID))
}

// DMPayload is a webhook body with one text DM.
func DMPayload(brandID, igsid, mid, text string) []byte {
	return Batch(DMEntry(brandID, igsid, mid, text))
}

// StoryMentionPayload is a webhook body with one story mention attachment.
func StoryMentionPayload(brandID, igsid, mid, cdnURL string) []byte {
	return Batch(StoryMentionEntry(brandID, igsid, mid, cdnURL))
}

// StoryReferralPayload is a webhook body with one STORY_MENTION referral.
func StoryReferralPayload(brandID, igsid, ref string) []byte {
	return Batch(StoryReferralEntry(brandID, igsid, ref))
}

// EchoPayload is a webhook body with the echo of the brand's own message.
func EchoPayload(brandID, igsid, mid, text string) []byte {
	return Batch(EchoEntry(brandID, igsid, mid, text))
}

// ReadPayload is a webhook body with one read receipt.
func ReadPayload(brandID, igsid, mid string) []byte { return Batch(ReadEntry(brandID, igsid, mid)) }

// ReactionPayload is a webhook body with one reaction.
func ReactionPayload(brandID, igsid, mid, emoji string) []byte {
	return Batch(ReactionEntry(brandID, igsid, mid, emoji))
}

// UnreactionPayload is a webhook body with one removed reaction.
func UnreactionPayload(brandID, igsid, mid string) []byte {
	return Batch(UnreactionEntry(brandID, igsid, mid))
}

// DeletedPayload is a webhook body with one deleted message.
func DeletedPayload(brandID, igsid, mid string) []byte {
	return Batch(DeletedEntry(brandID, igsid, mid))
}

// UnsupportedPayload is a webhook body with one is_unsupported message.
func UnsupportedPayload(brandID, igsid, mid string) []byte {
	return Batch(UnsupportedEntry(brandID, igsid, mid))
}

// StandbyDMPayload is a DM delivered in standby[] instead of messaging[].
func StandbyDMPayload(brandID, igsid, mid, text string) []byte {
	return Batch(DMEntry(brandID, igsid, mid, text).Standby())
}

// FlatMentionPayload is a caption mention in the Instagram Login shape, with
// field and value directly on the entry.
func FlatMentionPayload(brandID, mediaID string) []byte {
	return Batch(MentionEntry(brandID, mediaID).Flat())
}

// DashboardTestDMPayload is a DM in the shape the App Dashboard's "Test"
// button sends (see Entry.DashboardTest).
func DashboardTestDMPayload(brandID, igsid, mid, text string) []byte {
	return Batch(DMEntry(brandID, igsid, mid, text).DashboardTest())
}
