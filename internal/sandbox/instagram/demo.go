package igsandbox

import (
	"encoding/base64"
	"fmt"
)

// These helpers set up state and answer the webhook body Meta would send for
// it, in one call, for demos and load tests. Missing ids are generated and a
// zero Timestamp becomes the server's now; entry times use the server clock.

// PostMention adds the media (owned by m.OwnerUsername), marks it as
// mentioning the brand and answers the mentions webhook body.
func (s *Server) PostMention(brandID string, m Media) []byte {
	m = s.addGenerated(m)
	_ = s.MentionMedia(brandID, m.ID) // cannot fail: the media was just added
	return batchAt(s.now(), MentionEntry(brandID, m.ID))
}

// PostCommentMention adds the media and the comment on it, marks the comment
// as mentioning the brand and answers the mentions webhook body.
func (s *Server) PostCommentMention(brandID string, m Media, c Comment) []byte {
	m = s.addGenerated(m)
	if c.ID == "" {
		c.ID = s.newID("179")
	}
	if c.Timestamp.IsZero() {
		c.Timestamp = s.now()
	}
	c.MediaID = m.ID
	_ = s.AddComment(c) // cannot fail: the media was just added
	_ = s.MentionComment(brandID, c.ID)
	return batchAt(s.now(), CommentMentionEntry(brandID, m.ID, c.ID))
}

// PostDM adds the sender with Consent set (messaging the brand is what lets
// it read the profile) and answers the webhook body of a text DM with a
// fresh mid.
func (s *Server) PostDM(brandID string, u User, text string) []byte {
	u = s.addSender(u)
	return batchAt(s.now(), DMEntry(brandID, u.IGSID, s.newMid(brandID), text))
}

// PostStoryMention adds the sender like PostDM and answers the webhook body
// of a story mention with the story's CDN URL.
func (s *Server) PostStoryMention(brandID string, u User, cdnURL string) []byte {
	u = s.addSender(u)
	return batchAt(s.now(), StoryMentionEntry(brandID, u.IGSID, s.newMid(brandID), cdnURL))
}

func (s *Server) addGenerated(m Media) Media {
	if m.ID == "" {
		m.ID = s.newID("179")
	}
	if m.Timestamp.IsZero() {
		m.Timestamp = s.now()
	}
	s.AddMedia(m)
	return m
}

func (s *Server) addSender(u User) User {
	if u.IGSID == "" {
		u.IGSID = s.newID("6")
	}
	u.Consent = true
	s.AddUser(u)
	return u
}

// newMid answers a message id shaped like Meta's (base64 of an item key).
func (s *Server) newMid(brandID string) string {
	return base64.RawStdEncoding.EncodeToString(
		fmt.Appendf(nil, "ig_message_item:1:IGMessageThread:%s:%d", brandID, s.seq.Add(1)))
}
