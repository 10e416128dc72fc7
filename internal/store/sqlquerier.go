package store

import (
	"context"
	"database/sql"
	"errors"
)

// sqlQuerier adapts database/sql to Querier.
type sqlQuerier struct {
	db interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}
}

func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return sqlRows{rows}, nil
}

func (q sqlQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return sqlRow{q.db.QueryRowContext(ctx, query, args...)}
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

type sqlRow struct{ row *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return mapErr(err)
}

// sqlTx is a unit of work on SQLite.
type sqlTx struct {
	tx     *sql.Tx
	engine Engine
}

var _ Tx = (*sqlTx)(nil)

func (t *sqlTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return sqlQuerier{t.tx}.Exec(ctx, query, args...)
}
func (t *sqlTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return sqlQuerier{t.tx}.Query(ctx, query, args...)
}
func (t *sqlTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	return sqlQuerier{t.tx}.QueryRow(ctx, query, args...)
}
func (t *sqlTx) Native() any    { return t.tx }
func (t *sqlTx) Engine() Engine { return t.engine }

// mapErr turns uniqueness violations into ErrConflict while keeping the
// driver's error in the chain.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if isSQLiteUnique(err) || isPGUnique(err) {
		return errors.Join(ErrConflict, err)
	}
	return err
}
