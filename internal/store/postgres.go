package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

type pgDB struct {
	pool *pgxpool.Pool
}

func openPostgres(ctx context.Context, cfg Config) (*pgDB, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("store: parse postgres URL: %w", errors.New(redactURL(err.Error())))
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = int32(cfg.MaxConns)
	} else {
		pc.MaxConns = 20
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("store: connect postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect postgres: %w", err)
	}
	return &pgDB{pool: pool}, nil
}

func (p *pgDB) write(ctx context.Context, fn func(context.Context, Tx) error) error {
	// Serialization failures and deadlocks are retried: the unit never ran.
	for attempt := 0; ; attempt++ {
		err := p.writeOnce(ctx, fn)
		var pe *pgconn.PgError
		if err != nil && attempt < 3 && errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") {
			continue
		}
		return err
	}
}

func (p *pgDB) writeOnce(ctx context.Context, fn func(context.Context, Tx) error) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := runUnit(ctx, &pgTx{tx: tx}, fn); err != nil {
		if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			return errors.Join(err, fmt.Errorf("store: rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store: commit: %w", mapErr(err))
	}
	return nil
}

type pgExecer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pgQuerier adapts pgx to Querier.
type pgQuerier struct{ q pgExecer }

func (q pgQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, query, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}

func (q pgQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.q.Query(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return pgRows{rows}, nil
}

func (q pgQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return pgRow{q.q.QueryRow(ctx, query, args...)}
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Close() { r.Rows.Close() }
func (r pgRows) Err() error {
	return mapErr(r.Rows.Err())
}

type pgRow struct{ row pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return mapErr(err)
}

// pgTx is a unit of work on PostgreSQL.
type pgTx struct{ tx pgx.Tx }

var _ Tx = (*pgTx)(nil)

func (t *pgTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return pgQuerier{t.tx}.Exec(ctx, query, args...)
}
func (t *pgTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return pgQuerier{t.tx}.Query(ctx, query, args...)
}
func (t *pgTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	return pgQuerier{t.tx}.QueryRow(ctx, query, args...)
}
func (t *pgTx) Native() any    { return t.tx }
func (t *pgTx) Engine() Engine { return Postgres }

func isPGUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
