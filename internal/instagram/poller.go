package instagram

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/shoutout-loyalty/shoutout/internal/social"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// Photo tags have no webhook: each active connection's /tags edge is polled
// at its tenant's tagPollInterval. A periodic job on the elected leader
// schedules the polls; each poll is a job unique per connection.

// TagScheduleArgs is the leader's periodic job that enqueues due polls.
type TagScheduleArgs struct{}

// Kind names the job.
func (TagScheduleArgs) Kind() string { return "instagram_tag_schedule" }

// TagPollArgs polls one connection's tags.
type TagPollArgs struct {
	ConnectionID string `json:"connectionId"`
}

// Kind names the job.
func (TagPollArgs) Kind() string { return "instagram_tag_poll" }

// InsertOpts keeps at most one poll per connection waiting or running.
func (TagPollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// Register adds this service's job workers.
func (s *Service) Register(workers *river.Workers) {
	river.AddWorker(workers, &itemWorker{s: s})
	river.AddWorker(workers, &tagScheduleWorker{s: s})
	river.AddWorker(workers, &tagPollWorker{s: s})
	river.AddWorker(workers, &inboxCleanupWorker{s: s})
}

// PeriodicJobs returns the leader's schedule: look for due tag polls every
// interval (it bounds how late a poll may start), and clean the inbox
// hourly.
func (s *Service) PeriodicJobs(interval time.Duration) []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(interval),
			func() (river.JobArgs, *river.InsertOpts) { return TagScheduleArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return InboxCleanupArgs{}, nil }, nil),
	}
}

type tagScheduleWorker struct {
	river.WorkerDefaults[TagScheduleArgs]
	s *Service
}

func (w *tagScheduleWorker) Work(ctx context.Context, _ *river.Job[TagScheduleArgs]) error {
	return w.s.scheduleTagPolls(ctx)
}

func (s *Service) scheduleTagPolls(ctx context.Context) error {
	now := time.Now().UTC()
	rows, err := s.db.Read().Query(ctx, `SELECT id, tenant_id FROM ig_connections WHERE status = $1 AND (next_poll_at IS NULL OR next_poll_at <= $2)`, ConnActive, now)
	if err != nil {
		return fmt.Errorf("instagram: due tag polls: %w", err)
	}
	type due struct{ id, tenant string }
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.tenant); err != nil {
			rows.Close()
			return fmt.Errorf("instagram: due tag polls: %w", err)
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("instagram: due tag polls: %w", err)
	}
	for _, d := range list {
		settings, err := s.cfg.Reporter.GetSettings(ctx, d.tenant)
		if err != nil {
			return err
		}
		next := now.Add(time.Duration(settings.TagPollInterval))
		err = s.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
			if _, err := s.cfg.Queue.InsertTx(ctx, tx, TagPollArgs{ConnectionID: d.id}, nil); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE ig_connections SET next_poll_at = $2 WHERE id = $1`, d.id, next)
			return err
		})
		if err != nil {
			return fmt.Errorf("instagram: schedule tag poll: %w", err)
		}
	}
	return nil
}

type tagPollWorker struct {
	river.WorkerDefaults[TagPollArgs]
	s *Service
}

func (w *tagPollWorker) Work(ctx context.Context, job *river.Job[TagPollArgs]) error {
	err := w.s.PollTags(ctx, job.Args.ConnectionID)
	var te *ThrottledError
	if errors.As(err, &te) {
		return river.JobSnooze(max(te.RetryAfter(), time.Second))
	}
	return err
}

// PollTags reads a connection's tags newest first until it meets media an
// earlier poll saw, and reports the new ones, oldest first.
func (s *Service) PollTags(ctx context.Context, connectionID string) error {
	var sealed string
	conn, err := scanConn(s.db.Read().QueryRow(ctx, `SELECT `+connColumns+`, access_token FROM ig_connections WHERE id = $1`, connectionID), &sealed)
	if errors.Is(err, store.ErrNotFound) {
		return nil // disconnected meanwhile
	}
	if err != nil {
		return fmt.Errorf("instagram: poll tags: %w", err)
	}
	if conn.Status != ConnActive {
		return nil
	}
	s.syncReauth(conn)
	token, err := s.cfg.Secrets.Open(sealed, conn.ID)
	if err != nil {
		return fmt.Errorf("instagram: open token of connection %s: %w", conn.ID, err)
	}
	c := Conn{ID: conn.ID, IGUserID: conn.IGUserID, AccessToken: token}
	var fresh []Media
	after := ""
pages:
	for range s.cfg.TagMaxPages {
		page, err := s.client.Tags(ctx, c, TagsQuery{Limit: s.cfg.TagPageSize, After: after})
		if errors.Is(err, ErrTokenInvalid) {
			s.markNeedsReauth(ctx, conn, err)
			return nil
		}
		if err != nil {
			return fmt.Errorf("instagram: poll tags of %s: %w", conn.ID, err)
		}
		for _, m := range page.Data {
			kind, err := s.seenKind(ctx, conn.TenantID, mediaKey(m.ID))
			if err != nil {
				return err
			}
			if kind == social.KindTag {
				break pages
			}
			if kind == "" {
				fresh = append(fresh, m)
			}
		}
		if !page.HasNext || page.After == "" {
			break
		}
		after = page.After
	}
	for i := len(fresh) - 1; i >= 0; i-- {
		base := social.Activity{TenantID: conn.TenantID, Platform: social.Instagram, Kind: social.KindTag, AccountID: conn.IGUserID}
		a := mediaActivity(base, &fresh[i], "tag")
		if err := s.report(ctx, &a); err != nil {
			return err
		}
	}
	return s.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE ig_connections SET last_poll_at = $2 WHERE id = $1`, conn.ID, time.Now().UTC())
		return err
	})
}

// seenKind returns the kind of the activity recorded under key, "" if none.
func (s *Service) seenKind(ctx context.Context, tenantID, key string) (string, error) {
	var kind string
	err := s.db.Read().QueryRow(ctx, `SELECT kind FROM social_activity WHERE tenant_id = $1 AND platform = 'instagram' AND dedup_key = $2`, tenantID, key).Scan(&kind)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("instagram: check activity: %w", err)
	}
	return kind, nil
}
