// Package jobs runs shoutout's durable jobs on River, over whichever engine
// the store uses: jobs are enqueued in the same transaction as the data they
// concern, unique jobs are deduplicated by River, failed jobs retry with
// backoff, and periodic jobs run only on the elected leader.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// Config configures a Queue.
type Config struct {
	// Workers holds the job kinds this process works. Nil makes an
	// insert-only queue (for CLI commands).
	Workers *river.Workers
	// PeriodicJobs run on the leader only.
	PeriodicJobs []*river.PeriodicJob
	// MaxWorkers is the number of jobs worked at once (default 20).
	MaxWorkers int
	// PollInterval is how often workers look for new jobs (default 100ms).
	PollInterval time.Duration
	Logger       *slog.Logger
}

// Queue enqueues and works jobs.
type Queue struct {
	c queueClient
}

// queueClient hides River's transaction type parameter, which differs per
// driver (*sql.Tx for SQLite, pgx.Tx for PostgreSQL).
type queueClient interface {
	insertTx(ctx context.Context, tx store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
	list(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
}

type typedClient[TTx any] struct{ c *river.Client[TTx] }

func (t typedClient[TTx]) insertTx(ctx context.Context, tx store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	native, ok := tx.Native().(TTx)
	if !ok {
		return nil, fmt.Errorf("jobs: transaction of type %T does not belong to this queue's engine", tx.Native())
	}
	return t.c.InsertTx(ctx, native, args, opts)
}
func (t typedClient[TTx]) start(ctx context.Context) error { return t.c.Start(ctx) }
func (t typedClient[TTx]) stop(ctx context.Context) error  { return t.c.Stop(ctx) }
func (t typedClient[TTx]) list(ctx context.Context, p *river.JobListParams) (*river.JobListResult, error) {
	return t.c.JobList(ctx, p)
}

// New builds a queue on db. Call Start to begin working jobs.
func New(db *store.DB, cfg Config) (*Queue, error) {
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = 20
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	rc := &river.Config{
		Logger:       cfg.Logger,
		PeriodicJobs: cfg.PeriodicJobs,
		// Retries back off by River's default (attempt^4 seconds) up to 10
		// attempts, then the job is discarded and shows among failed jobs.
		MaxAttempts:       10,
		FetchCooldown:     cfg.PollInterval / 4,
		FetchPollInterval: cfg.PollInterval,
		JobTimeout:        2 * time.Minute,
	}
	if cfg.Workers != nil {
		rc.Workers = cfg.Workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
	}
	switch native := db.Native().(type) {
	case *sql.DB:
		c, err := river.NewClient[*sql.Tx](riversqlite.New(native), rc)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		return &Queue{c: typedClient[*sql.Tx]{c}}, nil
	case *pgxpool.Pool:
		c, err := river.NewClient[pgx.Tx](riverpgxv5.New(native), rc)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		return &Queue{c: typedClient[pgx.Tx]{c}}, nil
	default:
		return nil, fmt.Errorf("jobs: unsupported database handle %T", native)
	}
}

// InsertTx enqueues a job inside tx: it exists if and only if tx commits.
// A unique job that already exists is not inserted again (see
// JobInsertResult.UniqueSkippedAsDuplicate).
func (q *Queue) InsertTx(ctx context.Context, tx store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := q.c.insertTx(ctx, tx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return res, nil
}

// Start begins working jobs (and periodic jobs, once elected leader).
func (q *Queue) Start(ctx context.Context) error {
	if err := q.c.start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop waits for running jobs to finish, or for ctx to end.
func (q *Queue) Stop(ctx context.Context) error {
	if err := q.c.stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// Job is a job as operators see it.
type Job struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	State       string     `json:"state"`
	Attempt     int        `json:"attempt"`
	MaxAttempts int        `json:"maxAttempts"`
	Errors      []string   `json:"errors,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
	FinalizedAt *time.Time `json:"finalizedAt,omitempty"`
}

// List returns jobs in the given states (e.g. "discarded", "retryable"),
// newest first: this is how operators see failed jobs.
func (q *Queue) List(ctx context.Context, states []string, limit int) ([]Job, error) {
	params := river.NewJobListParams().First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if len(states) > 0 {
		st := make([]rivertype.JobState, len(states))
		for i, s := range states {
			st[i] = rivertype.JobState(s)
		}
		params = params.States(st...)
	}
	res, err := q.c.list(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]Job, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		job := Job{ID: j.ID, Kind: j.Kind, State: string(j.State), Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, CreatedAt: j.CreatedAt, FinalizedAt: j.FinalizedAt}
		for _, e := range j.Errors {
			job.Errors = append(job.Errors, e.Error)
		}
		out = append(out, job)
	}
	return out, nil
}
