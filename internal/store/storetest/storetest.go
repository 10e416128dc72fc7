// Package storetest gives tests a fresh, migrated database on every engine
// available: SQLite always, PostgreSQL when TEST_DATABASE_URL is set (a new
// database is created per test and dropped after it).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// Engine is one database engine a test can run on.
type Engine struct {
	Name string
	// NewURL returns the URL of a fresh, empty database.
	NewURL func(t testing.TB) string
}

// Engines lists the engines available to this test run.
func Engines(t testing.TB) []Engine {
	engines := []Engine{{Name: "sqlite", NewURL: SQLiteURL}}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		engines = append(engines, Engine{Name: "postgres", NewURL: PostgresURL})
	}
	return engines
}

// SQLiteURL returns a URL for a new SQLite file in the test's temp dir.
func SQLiteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "shoutout.db")
}

// PostgresURL creates a new database on TEST_DATABASE_URL's server and returns
// its URL. The test is skipped when TEST_DATABASE_URL is unset.
func PostgresURL(t testing.TB) string {
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL not set")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "shoutout_t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open opens and migrates a fresh database at url, closed when the test ends.
func Open(t testing.TB, url string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: url})
	if err != nil {
		t.Fatalf("open %s: %v", strings.SplitN(url, "?", 2)[0], err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}
