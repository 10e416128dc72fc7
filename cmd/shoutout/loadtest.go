package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/demo"
	"github.com/shoutout-loyalty/shoutout/internal/loadtest"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

func cmdLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("loadtest", stderr)
	target := fs.String("target", "http://127.0.0.1:8080", "base URL of a server started with `serve --sandbox`")
	rate := fs.Int("rate", 500, "webhooks per second")
	duration := fs.Duration("duration", 60*time.Second, "how long to send")
	repeat := fs.Int("repeat-every", 20, "every Nth webhook repeats the one before (0: none)")
	dbDir := fs.String("db-dir", ".", "directory on the server's disk where the raw SQLite commit rate is measured")
	drain := fs.Duration("drain", 30*time.Second, "how long to wait for the ledger after sending")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	target2 := strings.TrimRight(*target, "/")
	info, err := sandboxInfo(ctx, target2)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "measuring the raw SQLite commit rate in %s...\n", *dbDir)
	raw, err := store.MeasureSQLiteCommitRate(ctx, *dbDir, 2000)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "sending %d webhooks/s for %s to %s...\n", *rate, *duration, target2)
	res, err := loadtest.Run(ctx, loadtest.Config{
		Target: target2, AppSecret: info.AppSecret, APIKey: info.APIKey, BrandID: info.BrandID, Handles: info.Handles,
		Graph: loadtest.HTTPGraph{URL: info.GraphURL}, Rate: *rate, Duration: *duration, RepeatEvery: *repeat, Drain: *drain,
		Progress: func(sent, acked int) { fmt.Fprintf(stderr, "\r  sent %d, acknowledged %d", sent, acked) },
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	res.Print(stdout)
	fmt.Fprintf(stdout, "raw SQLite commits %.0f/s (single-row, fsync'd, same machine, same run)\n", raw.PerSecond())
	fmt.Fprintf(stdout, "ratio              %.2f (throughput / raw commit rate); offered %d/s\n", res.Throughput/raw.PerSecond(), *rate)
	if res.Lost > 0 || res.Duplicates > 0 {
		return fmt.Errorf("%d lost, %d duplicated", res.Lost, res.Duplicates)
	}
	return nil
}

func sandboxInfo(ctx context.Context, target string) (*demo.Info, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target+"/sandbox", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, errors.New("the target is not running with --sandbox: start it with `shoutout serve --sandbox`")
	}
	var info demo.Info
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read %s/sandbox: status %d: %v", target, resp.StatusCode, err)
	}
	return &info, nil
}
