package instagram

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	body := []byte(payloadCaptionMention)
	const secret = "app-secret"
	good := Sign(secret, body)
	tests := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   error
	}{
		{"valid", secret, body, good, nil},
		{"valid uppercase hex and prefix", secret, body, "SHA256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), nil},
		{"valid with spaces", secret, body, "  " + good + " ", nil},
		{"missing", secret, body, "", ErrSignatureMissing},
		{"blank", secret, body, "   ", ErrSignatureMissing},
		{"wrong secret", "other", body, good, ErrSignatureInvalid},
		{"body changed", secret, append([]byte(nil), append(body, ' ')...), good, ErrSignatureInvalid},
		{"sha1 header", secret, body, "sha1=" + strings.TrimPrefix(good, "sha256="), ErrSignatureInvalid},
		{"not hex", secret, body, "sha256=zz", ErrSignatureInvalid},
		{"empty hex", secret, body, "sha256=", ErrSignatureInvalid},
		{"truncated", secret, body, good[:len(good)-2], ErrSignatureInvalid},
		{"no secret configured", "", body, Sign("", body), ErrSignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := VerifySignature(tt.secret, tt.body, tt.header)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifySignature = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifySignature = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyChallenge(t *testing.T) {
	t.Parallel()
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name   string
		query  url.Values
		token  string
		want   string
		wantOK bool
	}{
		{"ok", q("hub.mode", "subscribe", "hub.verify_token", "tok", "hub.challenge", "1158201444"), "tok", "1158201444", true},
		{"wrong token", q("hub.mode", "subscribe", "hub.verify_token", "nope", "hub.challenge", "1"), "tok", "", false},
		{"token prefix", q("hub.mode", "subscribe", "hub.verify_token", "to", "hub.challenge", "1"), "tok", "", false},
		{"wrong mode", q("hub.mode", "unsubscribe", "hub.verify_token", "tok", "hub.challenge", "1"), "tok", "", false},
		{"no mode", q("hub.verify_token", "tok", "hub.challenge", "1"), "tok", "", false},
		{"no challenge", q("hub.mode", "subscribe", "hub.verify_token", "tok"), "tok", "", false},
		{"empty configured token", q("hub.mode", "subscribe", "hub.verify_token", "", "hub.challenge", "1"), "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := VerifyChallenge(tt.query, tt.token)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("VerifyChallenge = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParseWebhookShapes(t *testing.T) {
	t.Parallel()
	sec := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	ms := func(m int64) time.Time { return time.UnixMilli(m).UTC() }
	tests := []struct {
		name string
		body string
		want []Item // Raw and Attachments are checked separately
		keys []string
	}{
		{
			name: "caption mention",
			body: payloadCaptionMention,
			want: []Item{{Kind: KindCaptionMention, AccountID: "17841405726653026", EntryTime: sec(1520622968), Field: "mentions", MediaID: "17918195224117851"}},
			keys: []string{"mention:17841405726653026:17918195224117851:"},
		},
		{
			name: "comment mention",
			body: payloadCommentMention,
			want: []Item{{Kind: KindCommentMention, AccountID: "17841405726653026", EntryTime: sec(1520622968), Field: "mentions", MediaID: "17918195224117851", CommentID: "17894227972186120"}},
			keys: []string{"mention:17841405726653026:17918195224117851:17894227972186120"},
		},
		{
			name: "DM with millisecond times",
			body: payloadDM,
			want: []Item{{Kind: KindMessage, AccountID: "17841400000000001", EntryTime: ms(1668022334834), SenderID: "6000000000000001", RecipientID: "17841400000000001", MID: "aWdfZAG1faXRlbTox", Text: "hello", Timestamp: ms(1668022333735)}},
			keys: []string{"dm:aWdfZAG1faXRlbTox"},
		},
		{
			name: "story mention attachment",
			body: payloadStoryMention,
			want: []Item{{Kind: KindStoryMention, AccountID: "17841400000000001", EntryTime: ms(1668022334834), SenderID: "6000000000000001", RecipientID: "17841400000000001", MID: "mid.story.1", Timestamp: ms(1668022333735), StoryURL: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&signature=x"}},
			keys: []string{"dm:mid.story.1"},
		},
		{
			name: "story mention referral",
			body: payloadStoryReferral,
			want: []Item{{Kind: KindStoryMention, AccountID: "17841400000000001", EntryTime: ms(1668022334834), SenderID: "6000000000000001", RecipientID: "17841400000000001", Timestamp: ms(1668022333735), ReferralSource: "STORY_MENTION"}},
		},
		{
			name: "echo",
			body: payloadEcho,
			want: []Item{{Kind: KindEcho, AccountID: "17841400000000001", EntryTime: ms(1668022334834), SenderID: "17841400000000001", RecipientID: "6000000000000001", MID: "mid.echo.1", Text: "thanks!", Timestamp: ms(1668022333735)}},
			keys: []string{"echo:mid.echo.1"},
		},
		{
			name: "deleted",
			body: payloadDeleted,
			want: []Item{{Kind: KindDeleted, AccountID: "17841400000000001", EntryTime: ms(1668022334834), SenderID: "6000000000000001", RecipientID: "17841400000000001", MID: "aWdfZAG1faXRlbTox", Timestamp: ms(1668022333735)}},
			keys: []string{"dm-deleted:aWdfZAG1faXRlbTox"},
		},
		{
			name: "unsupported flag",
			body: payloadUnsupported,
			want: []Item{{Kind: KindUnsupported, AccountID: "17841400000000001", EntryTime: ms(1668022334834), SenderID: "6000000000000001", RecipientID: "17841400000000001", MID: "mid.unsup.1", Timestamp: ms(1668022333735)}},
			keys: []string{"dm:mid.unsup.1"},
		},
		{
			name: "unsupported attachment",
			body: payloadUnsupportedAttachment,
			want: []Item{{Kind: KindUnsupported, AccountID: "17841400000000001", EntryTime: ms(1668022334834), SenderID: "6000000000000001", RecipientID: "17841400000000001", MID: "mid.unsup.2", Timestamp: ms(1668022333735)}},
		},
		{
			name: "read",
			body: payloadRead,
			want: []Item{{Kind: KindRead, AccountID: "17841400000000001", EntryTime: ms(1668022334834), SenderID: "6000000000000001", RecipientID: "17841400000000001", MID: "mid.echo.1", Timestamp: ms(1668022333735)}},
			keys: []string{"read:17841400000000001:6000000000000001:mid.echo.1"},
		},
		{
			name: "reaction",
			body: payloadReaction,
			want: []Item{{Kind: KindReaction, AccountID: "17841400000000001", EntryTime: ms(1668022334834), SenderID: "6000000000000001", RecipientID: "17841400000000001", MID: "mid.echo.1", Timestamp: ms(1668022333735), Reaction: "love", Emoji: "\u2764\ufe0f", ReactionAction: "react"}},
			keys: []string{"reaction:17841400000000001:6000000000000001:mid.echo.1:react:love:\u2764\ufe0f:1668022333735"},
		},
		{
			name: "postback",
			body: payloadPostback,
			want: []Item{{Kind: KindPostback, AccountID: "17841400000000001", EntryTime: ms(1668022334834), SenderID: "6000000000000001", RecipientID: "17841400000000001", MID: "mid.pb.1", Text: "Join", Payload: "JOIN_LOYALTY", Timestamp: ms(1668022333735)}},
			keys: []string{"postback:mid.pb.1"},
		},
		{
			name: "standby",
			body: payloadStandby,
			want: []Item{{Kind: KindMessage, AccountID: "17841400000000001", EntryTime: ms(1668022334834), Standby: true, SenderID: "6000000000000001", RecipientID: "17841400000000001", MID: "mid.standby.1", Text: "hi from standby", Timestamp: ms(1668022333735)}},
		},
		{
			name: "dashboard test messages change",
			body: payloadDashboardTest,
			want: []Item{{Kind: KindMessage, AccountID: "0", EntryTime: sec(1700000000), Field: "messages", SenderID: "12334", RecipientID: "23245", MID: "random_mid", Text: "random_text", Timestamp: sec(1527459824)}},
		},
		{
			name: "field and value on the entry",
			body: payloadEntryFieldValue,
			want: []Item{{Kind: KindCaptionMention, AccountID: "17841400000000001", EntryTime: sec(1700000000), Field: "mentions", MediaID: "17918195224117852"}},
		},
		{
			name: "messaging_referral change",
			body: payloadMessagingReferral,
			want: []Item{{Kind: KindStoryMention, AccountID: "17841400000000001", EntryTime: sec(1700000000), Field: "messaging_referral", SenderID: "6000000000000001", RecipientID: "17841400000000001", Timestamp: ms(1700000000000), ReferralSource: "STORY_MENTION", Payload: "r1"}},
		},
		{
			name: "comment",
			body: payloadComment,
			want: []Item{{Kind: KindComment, AccountID: "17841400000000001", EntryTime: sec(1700000000), Field: "comments", CommentID: "17865799348089039", MediaID: "123123123", SenderID: "232323232", Username: "test", Text: "This is an example."}},
			keys: []string{"comment:17841400000000001:17865799348089039"},
		},
		{
			name: "numeric ids keep every digit",
			body: payloadNumericIDs,
			want: []Item{{Kind: KindCommentMention, AccountID: "17841405726653026", EntryTime: sec(1520622968), Field: "mentions", MediaID: "17918195224117851", CommentID: "17894227972186121"}},
			keys: []string{"mention:17841405726653026:17918195224117851:17894227972186121"},
		},
		{
			name: "unknown fields are kept as other",
			body: payloadUnknownField,
			want: []Item{
				{Kind: KindOther, AccountID: "17841400000000001", EntryTime: sec(1700000000), Field: "story_insights"},
				{Kind: KindOther, AccountID: "17841400000000001", EntryTime: sec(1700000000), Field: "something_new"},
			},
		},
		{
			name: "bare entry is kept as other",
			body: payloadBareEntry,
			want: []Item{{Kind: KindOther, AccountID: "17841400000000001", EntryTime: sec(1700000000)}},
		},
		{
			name: "batch of entries and events",
			body: payloadBatch,
			want: []Item{
				{Kind: KindCaptionMention, AccountID: "1", EntryTime: sec(1700000000), Field: "mentions", MediaID: "m1"},
				{Kind: KindCommentMention, AccountID: "1", EntryTime: sec(1700000000), Field: "mentions", MediaID: "m2", CommentID: "c2"},
				{Kind: KindMessage, AccountID: "2", EntryTime: ms(1700000000123), SenderID: "s", RecipientID: "2", MID: "x", Text: "a", Timestamp: ms(1700000000000)},
				{Kind: KindRead, AccountID: "2", EntryTime: ms(1700000000123), SenderID: "s", RecipientID: "2", MID: "x", Timestamp: ms(1700000000001)},
			},
			keys: []string{"mention:1:m1:", "mention:1:m2:c2", "dm:x", "read:2:s:x"},
		},
		{name: "empty entry list", body: payloadEmpty, want: []Item{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := ParseWebhook([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseWebhook: %v", err)
			}
			if n.Object != "instagram" {
				t.Errorf("Object = %q", n.Object)
			}
			if len(n.Items) != len(tt.want) {
				t.Fatalf("got %d items, want %d: %+v", len(n.Items), len(tt.want), n.Items)
			}
			for i, got := range n.Items {
				if len(got.Raw) == 0 || !json.Valid(got.Raw) {
					t.Errorf("item %d: Raw %q is not JSON", i, got.Raw)
				}
				got.Raw, got.Attachments = nil, nil
				if !itemsEqual(got, tt.want[i]) {
					t.Errorf("item %d:\n got %+v\nwant %+v", i, got, tt.want[i])
				}
				if i < len(tt.keys) {
					if k := n.Items[i].DedupKey(); k != tt.keys[i] {
						t.Errorf("item %d: DedupKey = %q, want %q", i, k, tt.keys[i])
					}
				}
			}
		})
	}
}

func itemsEqual(a, b Item) bool {
	ta, tb := a.EntryTime, b.EntryTime
	sa, sb := a.Timestamp, b.Timestamp
	a.EntryTime, b.EntryTime, a.Timestamp, b.Timestamp = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return ta.Equal(tb) && sa.Equal(sb) && a.Kind == b.Kind && a.AccountID == b.AccountID &&
		a.Field == b.Field && a.Standby == b.Standby && a.MediaID == b.MediaID && a.CommentID == b.CommentID &&
		a.SenderID == b.SenderID && a.RecipientID == b.RecipientID && a.Username == b.Username &&
		a.MID == b.MID && a.Text == b.Text && a.StoryURL == b.StoryURL && a.Reaction == b.Reaction &&
		a.Emoji == b.Emoji && a.ReactionAction == b.ReactionAction && a.Payload == b.Payload &&
		a.ReferralSource == b.ReferralSource
}

func TestParseWebhookAttachmentsAndRaw(t *testing.T) {
	t.Parallel()
	n, err := ParseWebhook([]byte(payloadStoryMention))
	if err != nil {
		t.Fatal(err)
	}
	it := n.Items[0]
	if len(it.Attachments) != 1 || it.Attachments[0].Type != "story_mention" || it.Attachments[0].URL != it.StoryURL {
		t.Fatalf("Attachments = %+v", it.Attachments)
	}
	var ev map[string]any
	if err := json.Unmarshal(it.Raw, &ev); err != nil {
		t.Fatal(err)
	}
	if _, ok := ev["message"]; !ok {
		t.Fatalf("Raw is not the messaging event: %s", it.Raw)
	}

	// Raw of a change is the change object; of field/value on the entry,
	// the entry.
	n, err = ParseWebhook([]byte(payloadCommentMention))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(n.Items[0].Raw), `"field":"mentions"`) || strings.Contains(string(n.Items[0].Raw), `"entry"`) {
		t.Fatalf("Raw = %s", n.Items[0].Raw)
	}
	n, err = ParseWebhook([]byte(payloadEntryFieldValue))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(n.Items[0].Raw), `"id":"17841400000000001"`) {
		t.Fatalf("Raw = %s", n.Items[0].Raw)
	}
}

func TestParseWebhookRawIsACopy(t *testing.T) {
	t.Parallel()
	body := []byte(payloadDM)
	n, err := ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	before := string(n.Items[0].Raw)
	for i := range body {
		body[i] = 'x'
	}
	if string(n.Items[0].Raw) != before {
		t.Fatal("Raw aliases the input body")
	}
}

func TestParseWebhookErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		want     error
		wantPath string
	}{
		{"empty body", ``, ErrMalformed, "body"},
		{"not JSON", `{"object":`, ErrMalformed, "body"},
		{"array body", `[]`, ErrMalformed, "body"},
		{"null body", `null`, ErrMalformed, "body"},
		{"trailing garbage", `{"object":"instagram","entry":[]} x`, ErrMalformed, "body"},
		{"missing object", `{"entry":[]}`, ErrMalformed, "object"},
		{"object not string", `{"object":1,"entry":[]}`, ErrMalformed, "object"},
		{"page object", `{"object":"page","entry":[]}`, ErrWrongObject, "page"},
		{"missing entry", `{"object":"instagram"}`, ErrMalformed, "entry"},
		{"entry not array", `{"object":"instagram","entry":{}}`, ErrMalformed, "entry"},
		{"entry item null", `{"object":"instagram","entry":[null]}`, ErrMalformed, "entry[0]"},
		{"entry id missing", `{"object":"instagram","entry":[{"time":1}]}`, ErrMalformed, "entry[0].id"},
		{"entry id object", `{"object":"instagram","entry":[{"id":{}}]}`, ErrMalformed, "entry[0].id"},
		{"time not number", `{"object":"instagram","entry":[{"id":"1","time":true}]}`, ErrMalformed, "entry[0].time"},
		{"time negative", `{"object":"instagram","entry":[{"id":"1","time":-5}]}`, ErrMalformed, "entry[0].time"},
		{"time huge", `{"object":"instagram","entry":[{"id":"1","time":1e300}]}`, ErrMalformed, "entry[0].time"},
		{"changes not array", `{"object":"instagram","entry":[{"id":"1","changes":{}}]}`, ErrMalformed, "entry[0].changes"},
		{"mentions value string", `{"object":"instagram","entry":[{"id":"1","changes":[{"field":"mentions","value":"x"}]}]}`, ErrMalformed, "entry[0].changes[0].value"},
		{"media_id bool", `{"object":"instagram","entry":[{"id":"1","changes":[{"field":"mentions","value":{"media_id":true}}]}]}`, ErrMalformed, "entry[0].changes[0].value.media_id"},
		{"sender id object", `{"object":"instagram","entry":[{"id":"1","messaging":[{"sender":{"id":{}},"message":{"mid":"m"}}]}]}`, ErrMalformed, "entry[0].messaging[0].sender.id"},
		{"is_echo number", `{"object":"instagram","entry":[{"id":"1","messaging":[{"message":{"mid":"m","is_echo":1}}]}]}`, ErrMalformed, "entry[0].messaging[0].message.is_echo"},
		{"attachments object", `{"object":"instagram","entry":[{"id":"1","standby":[{"message":{"mid":"m","attachments":{}}}]}]}`, ErrMalformed, "entry[0].standby[0].message.attachments"},
		{"message array", `{"object":"instagram","entry":[{"id":"1","messaging":[{"message":[]}]}]}`, ErrMalformed, "entry[0].messaging[0].message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := ParseWebhook([]byte(tt.body))
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseWebhook = %+v, %v; want %v", n, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantPath) {
				t.Fatalf("error %q does not name %q", err, tt.wantPath)
			}
		})
	}
}

func TestParseWebhookTimeUnits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want time.Time
	}{
		{`1520622968`, time.Unix(1520622968, 0)},
		{`1668022334834`, time.UnixMilli(1668022334834)},
		{`"1668022334834"`, time.UnixMilli(1668022334834)},
		{`1520622968.5`, time.Unix(1520622968, 500_000_000)},
		{`1.668022334834e12`, time.UnixMilli(1668022334834)},
		{`0`, time.Time{}},
		{`null`, time.Time{}},
	}
	for _, tt := range tests {
		body := `{"object":"instagram","entry":[{"id":"1","time":` + tt.raw + `}]}`
		n, err := ParseWebhook([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", tt.raw, err)
		}
		if got := n.Items[0].EntryTime; !got.Equal(tt.want) {
			t.Errorf("time %s = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

func TestDedupKey(t *testing.T) {
	t.Parallel()
	// Redelivery in another batch, with another entry time and other
	// whitespace, gives the same keys.
	a, err := ParseWebhook([]byte(payloadStoryReferral))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseWebhook([]byte(strings.ReplaceAll(strings.ReplaceAll(payloadStoryReferral, "1668022334834", "1668022399999"), `,"recipient"`, `, "recipient"`)))
	if err != nil {
		t.Fatal(err)
	}
	if ka, kb := a.Items[0].DedupKey(), b.Items[0].DedupKey(); ka != kb || !strings.HasPrefix(ka, "story_mention:17841400000000001:h") {
		t.Fatalf("referral keys %q, %q", ka, kb)
	}

	base := Item{Kind: KindMessage, AccountID: "1", MID: "m"}
	del := base
	del.Kind = KindDeleted
	echo := base
	echo.Kind = KindEcho
	if base.DedupKey() == del.DedupKey() || base.DedupKey() == echo.DedupKey() {
		t.Fatal("a deletion or echo shares the key of the message")
	}
	// Separators inside ids cannot forge another key.
	x := Item{Kind: KindCaptionMention, AccountID: "a:b", MediaID: "c"}
	y := Item{Kind: KindCaptionMention, AccountID: "a", MediaID: "b:c"}
	if x.DedupKey() == y.DedupKey() {
		t.Fatalf("collision: %q", x.DedupKey())
	}
	// Reactions: react then unreact are two events.
	r1 := Item{Kind: KindReaction, AccountID: "1", SenderID: "s", MID: "m", ReactionAction: "react", Reaction: "love"}
	r2 := r1
	r2.ReactionAction = "unreact"
	if r1.DedupKey() == r2.DedupKey() {
		t.Fatal("react and unreact share a key")
	}
	// Other items differ by content.
	o1 := Item{Kind: KindOther, AccountID: "1", Raw: json.RawMessage(`{"a":1}`)}
	o2 := Item{Kind: KindOther, AccountID: "1", Raw: json.RawMessage(`{"a":2}`)}
	o3 := Item{Kind: KindOther, AccountID: "1", Raw: json.RawMessage(`{ "a" : 1 }`)}
	if o1.DedupKey() == o2.DedupKey() || o1.DedupKey() != o3.DedupKey() {
		t.Fatalf("other keys: %q %q %q", o1.DedupKey(), o2.DedupKey(), o3.DedupKey())
	}
}
