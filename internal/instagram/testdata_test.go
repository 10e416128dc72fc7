package instagram

// Webhook payloads shared by the table tests and the fuzz seeds. The first
// ones are the documented samples of reference/platforms.md; the rest are the
// other documented shapes and edge cases.
const (
	payloadCaptionMention = `{"object":"instagram","entry":[{"id":"17841405726653026","time":1520622968,
  "changes":[{"field":"mentions","value":{"media_id":"17918195224117851"}}]}]}`

	payloadCommentMention = `{"object":"instagram","entry":[{"id":"17841405726653026","time":1520622968,
  "changes":[{"field":"mentions","value":{"comment_id":"17894227972186120","media_id":"17918195224117851"}}]}]}`

	payloadDM = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "messaging":[{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1668022333735,"message":{"mid":"aWdfZAG1faXRlbTox","text":"hello"}}]}]}`

	payloadStoryMention = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "messaging":[{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1668022333735,"message":{"mid":"mid.story.1",
    "attachments":[{"type":"story_mention","payload":{"url":"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&signature=x"}}]}}]}]}`

	payloadStoryReferral = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "messaging":[{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1668022333735,"referral":{"source":"STORY_MENTION","type":"OPEN_THREAD"}}]}]}`

	payloadEcho = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "messaging":[{"sender":{"id":"17841400000000001"},"recipient":{"id":"6000000000000001"},
    "timestamp":1668022333735,"message":{"mid":"mid.echo.1","text":"thanks!","is_echo":true}}]}]}`

	payloadDeleted = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "messaging":[{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1668022333735,"message":{"mid":"aWdfZAG1faXRlbTox","is_deleted":true}}]}]}`

	payloadUnsupported = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "messaging":[{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1668022333735,"message":{"mid":"mid.unsup.1","is_unsupported":true}}]}]}`

	payloadUnsupportedAttachment = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "messaging":[{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1668022333735,"message":{"mid":"mid.unsup.2","attachments":[{"type":"unsupported_type","payload":null}]}}]}]}`

	payloadRead = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "messaging":[{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1668022333735,"read":{"mid":"mid.echo.1"}}]}]}`

	payloadReaction = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "messaging":[{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1668022333735,"reaction":{"mid":"mid.echo.1","action":"react","reaction":"love","emoji":"\u2764\ufe0f"}}]}]}`

	payloadPostback = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "messaging":[{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1668022333735,"postback":{"mid":"mid.pb.1","title":"Join","payload":"JOIN_LOYALTY"}}]}]}`

	payloadStandby = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1668022334834,
  "standby":[{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1668022333735,"message":{"mid":"mid.standby.1","text":"hi from standby"}}]}]}`

	// The dashboard's "Test" button for Instagram Login DMs.
	payloadDashboardTest = `{"object":"instagram","entry":[{"id":"0","time":1700000000,
  "changes":[{"field":"messages","value":{"sender":{"id":"12334"},"recipient":{"id":"23245"},
    "timestamp":"1527459824","message":{"mid":"random_mid","text":"random_text"}}}]}]}`

	// field/value directly on the entry (Instagram Login examples page).
	payloadEntryFieldValue = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1700000000,
  "field":"mentions","value":{"media_id":"17918195224117852"}}]}`

	payloadMessagingReferral = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1700000000,
  "changes":[{"field":"messaging_referral","value":{"sender":{"id":"6000000000000001"},"recipient":{"id":"17841400000000001"},
    "timestamp":1700000000000,"referral":{"source":"STORY_MENTION","type":"OPEN_THREAD","ref":"r1"}}}]}]}`

	payloadComment = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1700000000,
  "changes":[{"field":"comments","value":{"from":{"id":"232323232","username":"test"},
    "media":{"id":"123123123","media_product_type":"FEED"},"id":"17865799348089039","parent_id":"1231231234","text":"This is an example."}}]}]}`

	// Ids as JSON numbers: 17841405726653026 does not survive float64.
	payloadNumericIDs = `{"object":"instagram","entry":[{"id":17841405726653026,"time":1520622968,
  "changes":[{"field":"mentions","value":{"media_id":17918195224117851,"comment_id":17894227972186121}}]}]}`

	payloadUnknownField = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1700000000,
  "changes":[{"field":"story_insights","value":{"media_id":"1","impressions":4}},{"field":"something_new","value":42}]}]}`

	payloadBareEntry = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1700000000}]}`

	payloadBatch = `{"object":"instagram","entry":[
  {"id":"1","time":1700000000,"changes":[{"field":"mentions","value":{"media_id":"m1"}},{"field":"mentions","value":{"media_id":"m2","comment_id":"c2"}}]},
  {"id":"2","time":1700000000123,"messaging":[{"sender":{"id":"s"},"recipient":{"id":"2"},"timestamp":1700000000000,"message":{"mid":"x","text":"a"}},
    {"sender":{"id":"s"},"recipient":{"id":"2"},"timestamp":1700000000001,"read":{"mid":"x"}}]}]}`

	payloadEmpty = `{"object":"instagram","entry":[]}`
)

// documentedPayloads are all payloads above, for seeds and loops.
func documentedPayloads() []string {
	return []string{
		payloadCaptionMention, payloadCommentMention, payloadDM, payloadStoryMention,
		payloadStoryReferral, payloadEcho, payloadDeleted, payloadUnsupported,
		payloadUnsupportedAttachment, payloadRead, payloadReaction, payloadPostback,
		payloadStandby, payloadDashboardTest, payloadEntryFieldValue,
		payloadMessagingReferral, payloadComment, payloadNumericIDs, payloadUnknownField,
		payloadBareEntry, payloadBatch, payloadEmpty,
	}
}
