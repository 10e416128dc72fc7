package instagram

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// InboxRetention is how long processed deliveries are kept; quarantined
// ones stay until an operator has looked at them.
const InboxRetention = 7 * 24 * time.Hour

// InboxCleanupArgs is the leader's hourly job that deletes processed
// deliveries older than InboxRetention.
type InboxCleanupArgs struct{}

// Kind names the job.
func (InboxCleanupArgs) Kind() string { return "instagram_inbox_cleanup" }

type inboxCleanupWorker struct {
	river.WorkerDefaults[InboxCleanupArgs]
	s *Service
}

func (w *inboxCleanupWorker) Work(ctx context.Context, _ *river.Job[InboxCleanupArgs]) error {
	n, err := w.s.CleanInbox(ctx, time.Now().Add(-InboxRetention))
	if err != nil {
		return err
	}
	if n > 0 {
		w.s.log.InfoContext(ctx, "deleted old processed webhook deliveries", "count", n)
	}
	return nil
}

// CleanInbox deletes processed deliveries received before cutoff, in
// batches so that no single unit of work holds the writer long.
func (s *Service) CleanInbox(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
			var err error
			n, err = tx.Exec(ctx, `DELETE FROM webhook_inbox WHERE id IN (
				SELECT id FROM webhook_inbox WHERE status = 'processed' AND received_at < $1 ORDER BY id LIMIT 1000)`, cutoff.UTC())
			return err
		})
		if err != nil {
			return total, fmt.Errorf("instagram: clean inbox: %w", err)
		}
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}
