package instagram

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/shoutout-loyalty/shoutout/internal/social"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// claimLease is how long a replica owns the deliveries it claimed; a
// replica that dies releases them when the lease runs out.
const claimLease = 2 * time.Minute

type delivery struct {
	id         int64
	body       []byte
	receivedAt time.Time
}

// RunProcessor processes stored deliveries until ctx ends: woken by each new
// delivery, and every half second for deliveries left by a crash or by
// other replicas. Deliveries are claimed with a lease (SKIP LOCKED on
// PostgreSQL), so replicas share the work without doing it twice.
func (s *Service) RunProcessor(ctx context.Context) error {
	if s.db.Engine() == store.SQLite {
		// One process owns a SQLite file: claims left by a previous run
		// belonged to a process that is gone.
		if err := s.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE webhook_inbox SET claimed_until = NULL WHERE status = 'pending' AND claimed_until IS NOT NULL`)
			return err
		}); err != nil {
			return fmt.Errorf("instagram: release claims: %w", err)
		}
	}
	sem := make(chan struct{}, s.cfg.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	const batchSize = 200
	for {
		batch, err := s.claim(ctx, batchSize)
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "claim webhook deliveries", "err", err)
		}
		for _, d := range batch {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				s.processDelivery(context.WithoutCancel(ctx), d)
			}()
		}
		if len(batch) == batchSize {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-tick.C:
		}
	}
}

func (s *Service) claim(ctx context.Context, limit int) ([]delivery, error) {
	var out []delivery
	err := s.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		now := time.Now().UTC()
		lock := ""
		if tx.Engine() == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.Query(ctx, `UPDATE webhook_inbox SET claimed_until = $1 WHERE id IN (
			SELECT id FROM webhook_inbox WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT $3`+lock+`)
			RETURNING id, body, received_at`, now.Add(claimLease), now, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d delivery
			if err := rows.Scan(&d.id, &d.body, &d.receivedAt); err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// processDelivery handles every item of a delivery, then marks it done in
// the same unit of work that enqueues retries for the items that could not
// be handled now. A crash before that reprocesses the delivery; the
// activity dedup keys make the repeat harmless.
func (s *Service) processDelivery(ctx context.Context, d delivery) {
	n, err := ParseWebhook(d.body)
	if err != nil {
		s.metrics.deliveries.WithLabelValues("quarantined").Inc()
		s.log.WarnContext(ctx, "instagram webhook quarantined", "inbox_id", d.id, "err", err)
		if werr := s.finishDelivery(ctx, d.id, "quarantined", err.Error(), nil); werr != nil {
			s.log.ErrorContext(ctx, "quarantine delivery", "inbox_id", d.id, "err", werr)
		}
		return
	}
	var retries []ItemArgs
	for i, it := range n.Items {
		if err := s.processItem(ctx, it); err != nil {
			s.log.InfoContext(ctx, "instagram item deferred to a retry job", "inbox_id", d.id, "item", i, "kind", it.Kind, "err", err)
			retries = append(retries, ItemArgs{InboxID: d.id, Index: i, Key: it.DedupKey()})
		}
	}
	if err := s.finishDelivery(ctx, d.id, "processed", "", retries); err != nil {
		// Left pending: processed again after the lease, deduplicated.
		s.log.ErrorContext(ctx, "finish delivery", "inbox_id", d.id, "err", err)
		return
	}
	s.metrics.latency.Observe(time.Since(d.receivedAt).Seconds())
}

func (s *Service) finishDelivery(ctx context.Context, id int64, status, reason string, retries []ItemArgs) error {
	return s.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		for _, r := range retries {
			if _, err := s.cfg.Queue.InsertTx(ctx, tx, r, nil); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE webhook_inbox SET status = $2, reason = $3, processed_at = $4, claimed_until = NULL WHERE id = $1`,
			id, status, store.NullString(reason), time.Now().UTC())
		return err
	})
}

// errDeferred marks an item that must be tried again later.
var errDeferred = errors.New("instagram: deferred")

// processItem turns one webhook item into reported activity. It returns an
// error only when the item must be tried again later (Graph API throttling,
// outage, refused token); everything else, including items that can never
// be fetched, is recorded and done.
func (s *Service) processItem(ctx context.Context, it Item) error {
	kind := string(it.Kind)
	switch it.Kind {
	case KindCaptionMention, KindCommentMention, KindMessage, KindStoryMention:
	default:
		// Echoes, reads, reactions, deleted and unsupported messages,
		// postbacks: not activity of a member towards the brand.
		s.metrics.items.WithLabelValues(kind, "ignored").Inc()
		return nil
	}
	conn, token, err := s.connection(ctx, it.AccountID)
	if err != nil {
		return err
	}
	if conn == nil {
		s.metrics.items.WithLabelValues(kind, "unknown_account").Inc()
		s.log.WarnContext(ctx, "instagram webhook for an account no tenant connected", "ig_user_id", it.AccountID, "kind", kind)
		return s.report(ctx, &social.Activity{Platform: social.Instagram, Kind: activityKind(it), DedupKey: dedupKey(it),
			AccountID: it.AccountID, MediaID: it.MediaID, CommentID: it.CommentID, PlatformUserID: it.SenderID, Text: it.Text, Raw: it.Raw})
	}
	s.touch(ctx, conn)
	seen, err := s.seen(ctx, conn.TenantID, dedupKey(it))
	if err != nil {
		return err
	}
	if seen {
		s.metrics.items.WithLabelValues(kind, "duplicate").Inc()
		return nil
	}
	if conn.Status == ConnNeedsReauth {
		return fmt.Errorf("%w: connection %s needs re-authorisation", errDeferred, conn.ID)
	}
	act, err := s.buildActivity(ctx, conn, token, it)
	if err != nil {
		switch {
		case errors.Is(err, ErrTokenInvalid):
			s.metrics.graphCalls.WithLabelValues("token_invalid").Inc()
			s.markNeedsReauth(ctx, conn, err)
			return err
		case errors.Is(err, ErrThrottled):
			s.metrics.graphCalls.WithLabelValues("throttled").Inc()
			return err
		case Retryable(err) || errors.Is(err, context.DeadlineExceeded):
			s.metrics.graphCalls.WithLabelValues("transient").Inc()
			return err
		}
		s.metrics.graphCalls.WithLabelValues("permanent").Inc()
		act = &social.Activity{TenantID: conn.TenantID, Platform: social.Instagram, Kind: activityKind(it), DedupKey: dedupKey(it),
			AccountID: it.AccountID, MediaID: it.MediaID, CommentID: it.CommentID, PlatformUserID: it.SenderID, Text: it.Text,
			Raw: it.Raw, Failure: failureReason(err)}
	}
	return s.report(ctx, act)
}

func failureReason(err error) string {
	switch {
	case errors.Is(err, ErrNoConsent):
		return "Instagram refused the sender's profile (no consent, error 230)"
	case errors.Is(err, ErrNotFound):
		return "Instagram no longer has this media or comment (deleted, private, or comments disabled)"
	default:
		return "Instagram refused the request: " + err.Error()
	}
}

func (s *Service) report(ctx context.Context, a *social.Activity) error {
	var out *social.Outcome
	err := s.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		out, err = s.cfg.Reporter.Report(ctx, tx, a)
		return err
	})
	if err != nil {
		return fmt.Errorf("instagram: report %s: %w", a.DedupKey, err)
	}
	outcome := out.Status
	if out.Duplicate {
		outcome = "duplicate"
	}
	s.metrics.items.WithLabelValues(a.Kind, outcome).Inc()
	return nil
}

// seen reports whether an activity with this key was recorded.
func (s *Service) seen(ctx context.Context, tenantID, key string) (bool, error) {
	var one int
	err := s.db.Read().QueryRow(ctx, `SELECT 1 FROM social_activity WHERE tenant_id = $1 AND platform = 'instagram' AND dedup_key = $2`, tenantID, key).Scan(&one)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("instagram: check activity: %w", err)
	}
	return true, nil
}

// dedupKey identifies the platform object. A caption mention and a tag of
// the same media share a key, so one piece of media is reported once.
func dedupKey(it Item) string {
	switch it.Kind {
	case KindCaptionMention:
		return mediaKey(it.MediaID)
	case KindCommentMention:
		return mediaKey(it.MediaID) + ":comment:" + it.CommentID
	default:
		return it.DedupKey()
	}
}

func mediaKey(id string) string { return "media:" + id }

func activityKind(it Item) string {
	switch it.Kind {
	case KindCaptionMention:
		return social.KindCaptionMention
	case KindCommentMention:
		return social.KindCommentMention
	case KindStoryMention:
		return social.KindStoryMention
	default:
		return social.KindDM
	}
}

// buildActivity fetches what the webhook does not carry (mentions carry ids
// only; DMs an IGSID) and describes the activity.
func (s *Service) buildActivity(ctx context.Context, conn *Connection, token string, it Item) (*social.Activity, error) {
	c := Conn{ID: conn.ID, IGUserID: conn.IGUserID, AccessToken: token}
	base := social.Activity{TenantID: conn.TenantID, Platform: social.Instagram, Kind: activityKind(it), DedupKey: dedupKey(it),
		AccountID: conn.IGUserID, Raw: it.Raw}
	switch it.Kind {
	case KindCaptionMention:
		m, err := s.client.MentionedMedia(ctx, c, it.MediaID)
		if err != nil {
			return nil, err
		}
		a := mediaActivity(base, m, "mention")
		return &a, nil
	case KindCommentMention:
		cm, err := s.client.MentionedComment(ctx, c, it.CommentID)
		if err != nil {
			return nil, err
		}
		a := base
		a.Handle, a.Text, a.MediaID, a.CommentID, a.MentionType, a.MediaType, a.OccurredAt = cm.Username, cm.Text, it.MediaID, it.CommentID, "comment", "post", cm.Timestamp
		if cm.Media != nil {
			a.MediaURL, a.Permalink = cm.Media.MediaURL, cm.Media.Permalink
		}
		return &a, nil
	default: // messages and story mentions: who sent it?
		up, err := s.client.UserProfile(ctx, c, it.SenderID)
		if err != nil {
			return nil, err
		}
		a := base
		a.Handle, a.PlatformUserID, a.OccurredAt = up.Username, it.SenderID, it.Timestamp
		if a.OccurredAt.IsZero() {
			a.OccurredAt = it.EntryTime
		}
		a.Profile = userProfile(up)
		if it.Kind == KindStoryMention {
			a.MediaType, a.MentionType, a.MediaURL = "story", "mention", it.StoryURL
			return &a, nil
		}
		a.Text = it.Text
		s.addBusinessDiscovery(ctx, c, up.Username, a.Profile)
		return &a, nil
	}
}

// addBusinessDiscovery fills posts, follows and bio where the sender's
// account allows it (business or creator accounts). Anything else leaves
// them unset: a DM is reported without them rather than delayed.
func (s *Service) addBusinessDiscovery(ctx context.Context, c Conn, username string, p *social.Profile) {
	if username == "" {
		return
	}
	bd, err := s.client.BusinessDiscovery(ctx, c, username)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			s.log.InfoContext(ctx, "business discovery unavailable; leaving posts, follows and bio unset", "err", err)
		}
		return
	}
	p.Posts, p.Follows = bd.MediaCount, bd.FollowsCount
	if bd.Biography != "" {
		bio := bd.Biography
		p.Bio = &bio
	}
	if p.Followers == nil {
		p.Followers = bd.FollowersCount
	}
}

func userProfile(up *UserProfile) *social.Profile {
	p := &social.Profile{Handle: up.Username, Followers: up.FollowerCount, FollowsBrand: up.IsUserFollowBusiness}
	if up.ProfilePic != "" {
		pic := up.ProfilePic
		p.ProfileImage = &pic
	}
	if name := strings.TrimSpace(up.Name); name != "" {
		first, last, _ := strings.Cut(name, " ")
		p.FirstName = &first
		if last = strings.TrimSpace(last); last != "" {
			p.LastName = &last
		}
	}
	return p
}

// mediaActivity describes a media the brand was mentioned or tagged in.
func mediaActivity(base social.Activity, m *Media, mentionType string) social.Activity {
	a := base
	a.Handle, a.Text, a.MediaID, a.MediaURL, a.Permalink = m.Username, m.Caption, m.ID, m.MediaURL, m.Permalink
	a.MediaType, a.MentionType, a.OccurredAt = m.Kind(), mentionType, m.Timestamp
	a.LikeCount, a.CommentsCount = m.LikeCount, m.CommentsCount
	a.DedupKey = mediaKey(m.ID)
	return a
}

// ItemArgs is a webhook item that could not be handled at once, retried
// with backoff. Unique per item, so a repeat delivery does not add another.
type ItemArgs struct {
	InboxID int64  `json:"inboxId"`
	Index   int    `json:"index"`
	Key     string `json:"key" river:"unique"`
}

// Kind names the job.
func (ItemArgs) Kind() string { return "instagram_item" }

// InsertOpts makes the job unique per platform object.
func (ItemArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type itemWorker struct {
	river.WorkerDefaults[ItemArgs]
	s *Service
}

func (w *itemWorker) Work(ctx context.Context, job *river.Job[ItemArgs]) error {
	var body []byte
	if err := w.s.db.Read().QueryRow(ctx, `SELECT body FROM webhook_inbox WHERE id = $1`, job.Args.InboxID).Scan(&body); err != nil {
		return fmt.Errorf("load delivery %d: %w", job.Args.InboxID, err)
	}
	n, err := ParseWebhook(body)
	if err != nil || job.Args.Index >= len(n.Items) {
		return river.JobCancel(fmt.Errorf("delivery %d item %d no longer parses: %v", job.Args.InboxID, job.Args.Index, err))
	}
	err = w.s.processItem(ctx, n.Items[job.Args.Index])
	var te *ThrottledError
	if errors.As(err, &te) {
		return river.JobSnooze(max(te.RetryAfter(), time.Second))
	}
	return err
}
