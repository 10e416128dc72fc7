package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteDB has one writer connection, fed by a group-commit loop, and a pool
// of read-only connections. WAL lets readers run beside the writer; one writer
// avoids SQLITE_BUSY between our own goroutines.
type sqliteDB struct {
	path     string
	writerDB *sql.DB
	readDB   *sql.DB
	reader   sqlQuerier
	reqs     chan *writeReq
	maxBatch int
	closing  chan struct{}
	done     chan struct{}
	once     sync.Once
}

type writeReq struct {
	ctx  context.Context
	fn   func(context.Context, Tx) error
	done chan error
}

func sqliteDSN(path string, cfg Config, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL: every commit is fsync'd, so an acknowledged write survives power
	// loss, not only a crash of the process. Group commit pays for it.
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "cache_size(-32000)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, path string, cfg Config) (*sqliteDB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create directory for %s: %w", path, err)
		}
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, cfg, false))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, cfg, true))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	n := cfg.MaxConns
	if n <= 0 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s := &sqliteDB{
		path: path, writerDB: w, readDB: r, reader: sqlQuerier{r},
		reqs: make(chan *writeReq, 4096), maxBatch: cfg.MaxBatch,
		closing: make(chan struct{}), done: make(chan struct{}),
	}
	go s.loop()
	return s, nil
}

func (s *sqliteDB) write(ctx context.Context, fn func(context.Context, Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.reqs <- req:
	case <-s.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the unit may already
	// be committed, and the caller must not report a failure for it.
	return <-req.done
}

func (s *sqliteDB) loop() {
	defer close(s.done)
	batch := make([]*writeReq, 0, s.maxBatch)
	for {
		var first *writeReq
		select {
		case first = <-s.reqs:
		case <-s.closing:
			// Drain what was queued before Close so no caller waits forever.
			for {
				select {
				case r := <-s.reqs:
					r.done <- ErrClosed
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < s.maxBatch {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.commit(batch)
	}
}

// commit runs a batch in one transaction, each unit inside a savepoint.
func (s *sqliteDB) commit(batch []*writeReq) {
	results := make([]error, len(batch))
	ctx := context.Background()
	tx, err := s.writerDB.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("store: begin: %w", err)
		}
		return
	}
	stx := &sqlTx{tx: tx, engine: SQLite}
	ok := 0
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT unit`); err != nil {
			results[i] = fmt.Errorf("store: savepoint: %w", err)
			continue
		}
		err := runUnit(r.ctx, stx, r.fn)
		if err != nil {
			if _, rbErr := tx.ExecContext(ctx, `ROLLBACK TO unit`); rbErr != nil {
				err = errors.Join(err, fmt.Errorf("store: rollback to savepoint: %w", rbErr))
			}
		}
		if _, relErr := tx.ExecContext(ctx, `RELEASE unit`); relErr != nil && err == nil {
			err = fmt.Errorf("store: release savepoint: %w", relErr)
		}
		results[i] = err
		if err == nil {
			ok++
		}
	}
	var commitErr error
	if ok == 0 {
		commitErr = tx.Rollback()
		if commitErr != nil {
			commitErr = fmt.Errorf("store: rollback: %w", commitErr)
		}
	} else if err := tx.Commit(); err != nil {
		commitErr = fmt.Errorf("store: commit: %w", err)
	}
	for i, r := range batch {
		if results[i] == nil && commitErr != nil {
			results[i] = commitErr
		}
		r.done <- results[i]
	}
}

func runUnit(ctx context.Context, tx Tx, fn func(context.Context, Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: unit of work panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(ctx, tx)
}

func (s *sqliteDB) close() error {
	s.once.Do(func() { close(s.closing) })
	<-s.done
	return errors.Join(s.readDB.Close(), s.writerDB.Close())
}

func isSQLiteUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
