// Package loyalty is shoutout's embedded loyalty engine: tenants, members
// (users) with profile attributes, an append-only events ledger, reactors that
// turn events into points, attributes and webhooks, points wallets and
// audiences. It knows nothing of social platforms.
package loyalty

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// Typed errors; the HTTP layer maps them to status codes.
var (
	ErrNotFound     = errors.New("loyalty: not found")
	ErrConflict     = errors.New("loyalty: conflict")
	ErrUnauthorized = errors.New("loyalty: unauthorized")
	ErrUnsupported  = errors.New("loyalty: unsupported")
)

// ValidationError names the request field that is wrong.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// Invalid is a shorthand for a *ValidationError.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Enqueuer enqueues jobs in a transaction; *jobs.Queue implements it.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Config configures an Engine.
type Config struct {
	DB *store.DB
	// Queue receives WEBHOOK reactions; nil disables them (they fail).
	Queue  Enqueuer
	Logger *slog.Logger
	Now    func() time.Time
	// CacheTTL bounds how stale cached tenants and reactors may be in a
	// replica that did not make the change itself (default 5s).
	CacheTTL time.Duration
}

// Engine is the embedded loyalty engine.
type Engine struct {
	db       *store.DB
	queue    Enqueuer
	log      *slog.Logger
	now      func() time.Time
	ttl      time.Duration
	mu       sync.RWMutex
	tenants  map[string]cachedTenant   // by API key hash
	reactors map[string]cachedReactors // by tenant id
}

// New returns an Engine.
func New(cfg Config) *Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = 5 * time.Second
	}
	return &Engine{
		db: cfg.DB, queue: cfg.Queue, log: cfg.Logger, now: cfg.Now, ttl: cfg.CacheTTL,
		tenants:  map[string]cachedTenant{},
		reactors: map[string]cachedReactors{},
	}
}

// DB returns the engine's database, for callers that combine their own
// writes with the engine's in one unit of work.
func (e *Engine) DB() *store.DB { return e.db }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func (e *Engine) nowUTC() time.Time { return e.now().UTC() }

func notFound(what, id string) error { return fmt.Errorf("%w: %s %s", ErrNotFound, what, id) }
