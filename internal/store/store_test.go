package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/shoutout-loyalty/shoutout/internal/store"
	"github.com/shoutout-loyalty/shoutout/internal/store/storetest"
)

func TestWriteIsAtomicPerUnit(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, eng.NewURL(t))
			ctx := context.Background()
			// Many concurrent units, every third fails after writing: its rows
			// must vanish while the others commit, even in a shared batch.
			var wg sync.WaitGroup
			errs := make([]error, 90)
			for i := range 90 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
						if _, err := tx.Exec(ctx, `INSERT INTO tenants (id, name, api_key_hash, admin_token_hash, created_at) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)`,
							fmt.Sprint("t", i), "n", fmt.Sprint("k", i), "a"); err != nil {
							return err
						}
						if i%3 == 0 {
							return errors.New("boom")
						}
						return nil
					})
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if (i%3 == 0) != (err != nil) {
					t.Fatalf("unit %d: err = %v", i, err)
				}
			}
			var n int
			if err := db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM tenants`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 60 {
				t.Fatalf("rows = %d, want 60", n)
			}
		})
	}
}

func TestUniqueViolationIsConflict(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, eng.NewURL(t))
			ctx := context.Background()
			insert := func(ctx context.Context, tx store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO tenants (id, name, api_key_hash, admin_token_hash, created_at) VALUES ('a', 'n', 'k', 'h', CURRENT_TIMESTAMP)`)
				return err
			}
			if err := db.Write(ctx, insert); err != nil {
				t.Fatal(err)
			}
			err := db.Write(ctx, insert)
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("second insert: %v, want ErrConflict", err)
			}
			var id string
			err = db.Read().QueryRow(ctx, `SELECT id FROM tenants WHERE id = 'nope'`).Scan(&id)
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("missing row: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			url := eng.NewURL(t)
			ctx := context.Background()
			// Replicas starting together each migrate; all must succeed.
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db, err := store.Open(ctx, store.Config{URL: url})
					if err != nil {
						errs[i] = err
						return
					}
					defer db.Close()
					_, errs[i] = db.Migrate(ctx)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
