package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations
var migrations embed.FS

// migrationLockKey is the PostgreSQL advisory lock that serialises replicas
// migrating at the same time ("shoutout" in ASCII, truncated).
const migrationLockKey int64 = 0x73686f75746f7574

// MigrationResult says what Migrate applied.
type MigrationResult struct {
	Applied      []string
	QueueApplied []int
}

// Migrate applies shoutout's own schema and the job queue's schema. Several
// replicas may call it at once: on PostgreSQL they queue behind an advisory
// lock, on SQLite behind the file's write lock.
func (db *DB) Migrate(ctx context.Context) (*MigrationResult, error) {
	res := &MigrationResult{}
	if db.engine == Postgres {
		conn, err := db.pg.pool.Acquire(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: migrate: %w", err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
			return nil, fmt.Errorf("store: migrate: take lock: %w", err)
		}
		defer func() {
			_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
		}()
		sqlDB := stdlib.OpenDBFromPool(db.pg.pool)
		defer sqlDB.Close()
		if err := db.gooseUp(ctx, goose.DialectPostgres, sqlDB, "migrations/postgres", res); err != nil {
			return nil, err
		}
		m, err := rivermigrate.New(riverpgxv5.New(db.pg.pool), nil)
		if err != nil {
			return nil, fmt.Errorf("store: migrate queue: %w", err)
		}
		return res, riverUp(ctx, m, res)
	}
	unlock, err := lockFile(db.sqlite.path + ".migrate-lock")
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	defer unlock()
	if err := db.gooseUp(ctx, goose.DialectSQLite3, db.sqlite.writerDB, "migrations/sqlite", res); err != nil {
		return nil, err
	}
	m, err := rivermigrate.New(riversqlite.New(db.sqlite.writerDB), nil)
	if err != nil {
		return nil, fmt.Errorf("store: migrate queue: %w", err)
	}
	return res, riverUp(ctx, m, res)
}

func (db *DB) gooseUp(ctx context.Context, dialect goose.Dialect, sqlDB *sql.DB, dir string, res *MigrationResult) error {
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	p, err := goose.NewProvider(dialect, sqlDB, sub, goose.WithTableName("shoutout_schema_version"))
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil && !errors.Is(err, goose.ErrNoNextVersion) {
		return fmt.Errorf("store: apply migrations: %w", err)
	}
	for _, r := range results {
		res.Applied = append(res.Applied, r.Source.Path)
		db.log.InfoContext(ctx, "applied migration", "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

func riverUp[TTx any](ctx context.Context, m *rivermigrate.Migrator[TTx], res *MigrationResult) error {
	r, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("store: migrate queue: %w", err)
	}
	for _, v := range r.Versions {
		res.QueueApplied = append(res.QueueApplied, v.Version)
	}
	return nil
}
