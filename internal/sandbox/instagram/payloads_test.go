package igsandbox

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The samples of reference/platforms.md, reproduced byte for byte.
func TestPayloadsMatchDocumentedSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{
			"caption mention",
			Batch(MentionEntry("17841405726653026", "17918195224117851").At(time.Unix(1520622968, 0))),
			`{"object":"instagram","entry":[{"id":"17841405726653026","time":1520622968,"changes":[{"field":"mentions","value":{"media_id":"17918195224117851"}}]}]}`,
		},
		{
			"comment mention",
			Batch(CommentMentionEntry("17841405726653026", "17918195224117851", "17894227972186120").At(time.Unix(1520622968, 0))),
			`{"object":"instagram","entry":[{"id":"17841405726653026","time":1520622968,"changes":[{"field":"mentions","value":{"comment_id":"17894227972186120","media_id":"17918195224117851"}}]}]}`,
		},
		{
			"DM",
			Batch(DMEntry("B", "S", "M", "hello").At(time.UnixMilli(1668022334834)).OccurredAt(time.UnixMilli(1668022333735))),
			`{"object":"instagram","entry":[{"id":"B","time":1668022334834,"messaging":[{"sender":{"id":"S"},"recipient":{"id":"B"},"timestamp":1668022333735,"message":{"mid":"M","text":"hello"}}]}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if string(tt.got) != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", tt.got, tt.want)
			}
		})
	}
}

// wire types for decoding bodies in tests.
type testBody struct {
	Object string
	Entry  []struct {
		ID      string
		Time    int64
		Changes []struct {
			Field string
			Value json.RawMessage
		}
		Messaging []testEvent
		Standby   []testEvent
		Field     string
		Value     json.RawMessage
	}
}

type testEvent struct {
	Sender, Recipient struct{ ID string }
	Timestamp         json.RawMessage
	Message           *struct {
		Mid, Text     string
		IsEcho        bool `json:"is_echo"`
		IsDeleted     bool `json:"is_deleted"`
		IsUnsupported bool `json:"is_unsupported"`
		Attachments   []struct {
			Type    string
			Payload *struct{ URL string }
		}
	}
	Read     *struct{ Mid string }
	Reaction *struct{ Mid, Action, Reaction, Emoji string }
	Referral *struct{ Ref, Source, Type string }
}

func decodeBody(t *testing.T, b []byte) testBody {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	var body testBody
	mustNil(t, json.Unmarshal(b, &body))
	if body.Object != "instagram" || len(body.Entry) == 0 {
		t.Fatalf("not an instagram webhook: %s", b)
	}
	return body
}

func TestMessagingPayloads(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tests := []struct {
		name  string
		body  []byte
		check func(ev testEvent) bool
	}{
		{"dm", DMPayload("B", "S", "M", "hi"), func(ev testEvent) bool { return ev.Message.Text == "hi" && ev.Sender.ID == "S" }},
		{"story mention", StoryMentionPayload("B", "S", "M", "https://lookaside/x"), func(ev testEvent) bool {
			a := ev.Message.Attachments
			return len(a) == 1 && a[0].Type == "story_mention" && a[0].Payload.URL == "https://lookaside/x"
		}},
		{"story referral", StoryReferralPayload("B", "S", "r1"), func(ev testEvent) bool {
			return ev.Referral.Source == "STORY_MENTION" && ev.Referral.Type == "OPEN_THREAD" && ev.Referral.Ref == "r1"
		}},
		{"echo", EchoPayload("B", "S", "M", "thanks"), func(ev testEvent) bool {
			return ev.Message.IsEcho && ev.Sender.ID == "B" && ev.Recipient.ID == "S"
		}},
		{"read", ReadPayload("B", "S", "M"), func(ev testEvent) bool { return ev.Read.Mid == "M" && ev.Message == nil }},
		{"reaction", ReactionPayload("B", "S", "M", "❤️"), func(ev testEvent) bool {
			return ev.Reaction.Action == "react" && ev.Reaction.Reaction == "love" && ev.Reaction.Emoji == "❤️"
		}},
		{"unreaction", UnreactionPayload("B", "S", "M"), func(ev testEvent) bool {
			return ev.Reaction.Action == "unreact" && ev.Reaction.Emoji == ""
		}},
		{"deleted", DeletedPayload("B", "S", "M"), func(ev testEvent) bool { return ev.Message.IsDeleted }},
		{"unsupported", UnsupportedPayload("B", "S", "M"), func(ev testEvent) bool { return ev.Message.IsUnsupported }},
		{"unsupported attachment", Batch(UnsupportedAttachmentEntry("B", "S", "M")), func(ev testEvent) bool {
			return ev.Message.Attachments[0].Type == "unsupported_type"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := decodeBody(t, tt.body)
			e := body.Entry[0]
			if e.ID != "B" || len(e.Messaging) != 1 || len(e.Changes) != 0 {
				t.Fatalf("entry shape: %s", tt.body)
			}
			if d := time.UnixMilli(e.Time).Sub(now); d < -time.Minute || d > time.Minute {
				t.Fatalf("messaging entry time should be milliseconds of now: %d", e.Time)
			}
			var ts int64
			mustNil(t, json.Unmarshal(e.Messaging[0].Timestamp, &ts))
			if ts != e.Time-1000 {
				t.Errorf("event timestamp %d should precede entry time %d", ts, e.Time)
			}
			if !tt.check(e.Messaging[0]) {
				t.Fatalf("content: %s", tt.body)
			}
		})
	}
}

func TestOtherShapes(t *testing.T) {
	t.Parallel()
	at := time.Unix(1700000000, 0)

	standby := decodeBody(t, StandbyDMPayload("B", "S", "M", "hi"))
	if e := standby.Entry[0]; len(e.Standby) != 1 || len(e.Messaging) != 0 || e.Standby[0].Message.Text != "hi" {
		t.Fatalf("standby: %+v", e)
	}

	flat := Batch(MentionEntry("B", "17918195224117851").Flat().At(at))
	if want := `{"object":"instagram","entry":[{"id":"B","time":1700000000,"field":"mentions","value":{"media_id":"17918195224117851"}}]}`; string(flat) != want {
		t.Fatalf("flat:\n%s\nwant\n%s", flat, want)
	}
	if FlatMentionPayload("B", "1") == nil {
		t.Fatal("FlatMentionPayload")
	}

	dash := Batch(DMEntry("B", "S", "M", "hi").DashboardTest().At(at))
	want := `{"object":"instagram","entry":[{"id":"B","time":1700000000,"changes":[{"field":"messages","value":{"sender":{"id":"S"},"recipient":{"id":"B"},"timestamp":"1699999999","message":{"mid":"M","text":"hi"}}}]}]}`
	if string(dash) != want {
		t.Fatalf("dashboard test:\n%s\nwant\n%s", dash, want)
	}
	if b := decodeBody(t, DashboardTestDMPayload("B", "S", "M", "hi")); b.Entry[0].Changes[0].Field != "messages" {
		t.Fatal("DashboardTestDMPayload")
	}
	if b := decodeBody(t, Batch(ReadEntry("B", "S", "M").DashboardTest())); b.Entry[0].Changes[0].Field != "messaging_seen" {
		t.Fatal("a read receipt in the dashboard shape is a messaging_seen change")
	}
}

func TestBatch(t *testing.T) {
	t.Parallel()
	body := decodeBody(t, Batch(
		MentionEntry("B1", "m1").Merge(CommentMentionEntry("B1", "m2", "c2")),
		DMEntry("B2", "S", "M1", "one").Merge(DMEntry("B2", "S", "M2", "two"), ReadEntry("B2", "S", "M0")),
		MentionEntry("B3", "m3").Flat().Merge(MentionEntry("B3", "m4")),
	))
	if len(body.Entry) != 4 {
		t.Fatalf("%d entries, want 4 (the flat entry splits in two)", len(body.Entry))
	}
	if e := body.Entry[0]; e.ID != "B1" || len(e.Changes) != 2 || !strings.Contains(string(e.Changes[1].Value), `"comment_id":"c2"`) {
		t.Fatalf("merged changes: %+v", e)
	}
	if e := body.Entry[1]; e.ID != "B2" || len(e.Messaging) != 3 || e.Messaging[2].Read == nil {
		t.Fatalf("merged messaging: %+v", e)
	}
	if body.Entry[2].Field != "mentions" || body.Entry[3].ID != "B3" {
		t.Fatalf("flat entries: %+v", body.Entry[2:])
	}
	if string(Batch()) != `{"object":"instagram","entry":[]}` {
		t.Fatal("empty batch")
	}
}

func TestPostHelpers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})

	body := decodeBody(t, f.s.PostMention(brandID, Media{OwnerUsername: "jane", Caption: "hey @acme", MediaType: "IMAGE"}))
	if body.Entry[0].Time != testNow.Unix() {
		t.Errorf("entry time should come from the server clock: %d", body.Entry[0].Time)
	}
	var v mentionValue
	mustNil(t, json.Unmarshal(body.Entry[0].Changes[0].Value, &v))
	a := f.get(t, brandID, brandToken, "mentioned_media.media_id("+v.MediaID+"){caption,timestamp}")
	if a.status != 200 || !strings.Contains(a.raw, `"caption":"hey @acme","timestamp":"2025-03-01T12:00:00+0000"`) {
		t.Fatalf("posted mention not readable: %s", a.raw)
	}

	body = decodeBody(t, f.s.PostCommentMention(brandID, Media{OwnerUsername: "jo"}, Comment{Text: "@acme!"}))
	mustNil(t, json.Unmarshal(body.Entry[0].Changes[0].Value, &v))
	a = f.get(t, brandID, brandToken, "mentioned_comment.comment_id("+v.CommentID+"){text,media{id}}")
	if a.status != 200 || !strings.Contains(a.raw, `"text":"@acme!","media":{"id":"`+v.MediaID+`"}`) {
		t.Fatalf("posted comment mention not readable: %s", a.raw)
	}

	body = decodeBody(t, f.s.PostDM(brandID, User{Username: "jane", Name: "Jane"}, "code 1234"))
	ev := body.Entry[0].Messaging[0]
	if ev.Message.Text != "code 1234" || ev.Message.Mid == "" || ev.Recipient.ID != brandID {
		t.Fatalf("posted DM: %+v", ev)
	}
	if a := f.get(t, ev.Sender.ID, brandToken, "username"); a.body["username"] != "jane" {
		t.Fatalf("a DM sender's profile is readable: %s", a.raw)
	}
	body = decodeBody(t, f.s.PostStoryMention(brandID, User{IGSID: "6000000000000009"}, "https://lookaside/s"))
	if ev := body.Entry[0].Messaging[0]; ev.Sender.ID != "6000000000000009" || ev.Message.Attachments[0].Type != "story_mention" {
		t.Fatalf("posted story mention: %+v", ev)
	}
}
