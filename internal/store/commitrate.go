package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// CommitRate is the measured speed of single-row commits.
type CommitRate struct {
	Commits  int
	Duration time.Duration
}

// PerSecond is commits per second.
func (c CommitRate) PerSecond() float64 { return float64(c.Commits) / c.Duration.Seconds() }

// MeasureSQLiteCommitRate commits n single-row transactions, one after the
// other, to a new SQLite file in dir with the same settings as the service
// (WAL, synchronous=FULL). It is the yardstick benchmarks compare against:
// what this machine's disk allows one writer without group commit.
func MeasureSQLiteCommitRate(ctx context.Context, dir string, n int) (CommitRate, error) {
	path := filepath.Join(dir, fmt.Sprintf("commit-rate-%d.db", time.Now().UnixNano()))
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
	}()
	db, err := sql.Open("sqlite", sqliteDSN(path, Config{BusyTimeout: 5 * time.Second}, false))
	if err != nil {
		return CommitRate{}, fmt.Errorf("store: commit rate: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		return CommitRate{}, fmt.Errorf("store: commit rate: %w", err)
	}
	start := time.Now()
	for i := range n {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return CommitRate{}, fmt.Errorf("store: commit rate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (v) VALUES ($1)`, fmt.Sprint("row ", i)); err != nil {
			_ = tx.Rollback()
			return CommitRate{}, fmt.Errorf("store: commit rate: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return CommitRate{}, fmt.Errorf("store: commit rate: %w", err)
		}
	}
	return CommitRate{Commits: n, Duration: time.Since(start)}, nil
}
