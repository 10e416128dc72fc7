// Package store holds shoutout's storage: one SQLite file by default, or a
// PostgreSQL database shared by several replicas. Both engines run the same
// hand-written queries (with $N placeholders, which both accept) through the
// small Querier interface; only the schema migrations differ per engine.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Engine names the SQL engine behind a DB.
type Engine string

// The engines shoutout runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Typed errors callers test with errors.Is.
var (
	// ErrNotFound is returned when a row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a write breaks a uniqueness rule.
	ErrConflict = errors.New("store: conflict")
	// ErrClosed is returned by writes after Close.
	ErrClosed = errors.New("store: closed")
)

// Querier runs queries. It is implemented by transactions and by the read
// pool, over database/sql (SQLite) and pgx (PostgreSQL) alike.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is the cursor returned by Querier.Query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is the single row returned by Querier.QueryRow. Scan returns
// ErrNotFound when there was no row.
type Row interface {
	Scan(dest ...any) error
}

// Tx is one unit of work. Native returns the driver's own transaction
// (*sql.Tx or pgx.Tx) so that the job queue can enqueue in the same
// transaction.
type Tx interface {
	Querier
	Native() any
	Engine() Engine
}

// Config configures Open. It is filled by the command line, never from the
// environment inside this package.
type Config struct {
	// URL is "sqlite:PATH" (also "sqlite::memory:" is refused: the writer and
	// readers must share a file) or "postgres://...".
	URL string
	// Logger receives migration and slow-batch messages.
	Logger *slog.Logger
	// BusyTimeout is how long SQLite waits for a lock (default 5s).
	BusyTimeout time.Duration
	// MaxBatch caps how many units of work one SQLite commit carries
	// (default 256).
	MaxBatch int
	// MaxConns caps the PostgreSQL pool (default 20) and the SQLite read
	// pool (default 4).
	MaxConns int
}

// DB is an open database of either engine.
type DB struct {
	engine Engine
	log    *slog.Logger
	sqlite *sqliteDB
	pg     *pgDB
}

// Open connects to the database named by cfg.URL. It does not migrate: call
// Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BusyTimeout == 0 {
		cfg.BusyTimeout = 5 * time.Second
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 256
	}
	switch {
	case strings.HasPrefix(cfg.URL, "sqlite:"):
		path := strings.TrimPrefix(cfg.URL, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" || strings.Contains(path, ":memory:") {
			return nil, fmt.Errorf("store: sqlite URL %q needs a file path", cfg.URL)
		}
		s, err := openSQLite(ctx, path, cfg)
		if err != nil {
			return nil, err
		}
		return &DB{engine: SQLite, log: cfg.Logger, sqlite: s}, nil
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		p, err := openPostgres(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return &DB{engine: Postgres, log: cfg.Logger, pg: p}, nil
	default:
		return nil, fmt.Errorf("store: database URL must start with sqlite: or postgres:// (got %q)", redactURL(cfg.URL))
	}
}

// Engine tells which engine this DB runs on.
func (db *DB) Engine() Engine { return db.engine }

// Write runs fn as one unit of work: everything fn does commits together or
// not at all. On SQLite, units that arrive together share one fsync'd commit
// (each in its own savepoint, so one failing unit does not undo the others).
// fn must not call out to the network: the write lock is held while it runs.
func (db *DB) Write(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	if db.sqlite != nil {
		return db.sqlite.write(ctx, fn)
	}
	return db.pg.write(ctx, fn)
}

// Read returns a Querier for reads outside a unit of work.
func (db *DB) Read() Querier {
	if db.sqlite != nil {
		return db.sqlite.reader
	}
	return pgQuerier{db.pg.pool}
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.Read().QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close stops the writer and closes every connection.
func (db *DB) Close() error {
	if db.sqlite != nil {
		return db.sqlite.close()
	}
	db.pg.pool.Close()
	return nil
}

// Native returns the driver handle the job queue needs: *sql.DB (the SQLite
// writer) or *pgxpool.Pool.
func (db *DB) Native() any {
	if db.sqlite != nil {
		return db.sqlite.writerDB
	}
	return db.pg.pool
}

// IsUniqueViolation reports whether err is a broken uniqueness rule on either
// engine.
func IsUniqueViolation(err error) bool {
	if errors.Is(err, ErrConflict) {
		return true
	}
	return isSQLiteUnique(err) || isPGUnique(err)
}

func redactURL(u string) string {
	if i := strings.Index(u, "@"); i > 0 {
		if j := strings.Index(u, "://"); j > 0 && j < i {
			return u[:j+3] + "***" + u[i:]
		}
	}
	return u
}

// NullString maps "" to SQL NULL, for optional text columns.
func NullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// StringOrEmpty maps SQL NULL (a nil pointer) to "".
func StringOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
