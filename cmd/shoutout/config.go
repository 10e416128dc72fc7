package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/app"
)

// common holds the settings every command shares. Defaults come from the
// environment; flags override them.
type common struct {
	addr        string
	databaseURL string
	secretKey   string
	logFormat   string
	logLevel    string
	jobPoll     time.Duration
	operator    string
	meta        app.MetaConfig
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func (c *common) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.addr, "addr", envOr(getenv, "SHOUTOUT_ADDR", "127.0.0.1:8080"), "listen address (SHOUTOUT_ADDR)")
	fs.StringVar(&c.databaseURL, "database-url", envOr(getenv, "SHOUTOUT_DATABASE_URL", "sqlite:shoutout.db"), "sqlite:PATH or postgres://... (SHOUTOUT_DATABASE_URL)")
	fs.StringVar(&c.logFormat, "log-format", envOr(getenv, "SHOUTOUT_LOG_FORMAT", "json"), "json or text (SHOUTOUT_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", envOr(getenv, "SHOUTOUT_LOG_LEVEL", "info"), "debug, info, warn or error (SHOUTOUT_LOG_LEVEL)")
	// The secret key has no flag: command lines are visible to every user
	// of the machine.
	c.secretKey = getenv("SHOUTOUT_SECRET_KEY")
	poll := envOr(getenv, "SHOUTOUT_JOB_POLL_INTERVAL", "100ms")
	d, err := time.ParseDuration(poll)
	if err != nil {
		d = 100 * time.Millisecond
	}
	fs.DurationVar(&c.jobPoll, "job-poll-interval", d, "how often idle job workers look for work (SHOUTOUT_JOB_POLL_INTERVAL)")
	fs.StringVar(&c.meta.GraphURL, "meta-graph-url", envOr(getenv, "SHOUTOUT_META_GRAPH_URL", "https://graph.facebook.com"), "Instagram Graph API base URL (SHOUTOUT_META_GRAPH_URL)")
	fs.StringVar(&c.meta.GraphVersion, "meta-graph-version", envOr(getenv, "SHOUTOUT_META_GRAPH_VERSION", "v21.0"), "Graph API version (SHOUTOUT_META_GRAPH_VERSION)")
	// Secrets and tokens come from the environment only.
	c.meta.AppSecret = getenv("SHOUTOUT_META_APP_SECRET")
	c.meta.VerifyToken = getenv("SHOUTOUT_META_VERIFY_TOKEN")
	c.operator = getenv("SHOUTOUT_OPERATOR_TOKEN")
}

func (c *common) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.logFormat) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("log format %q: use json or text", c.logFormat)
	}
}

func (c *common) appConfig(log *slog.Logger) app.Config {
	return app.Config{Addr: c.addr, DatabaseURL: c.databaseURL, SecretKey: c.secretKey, Logger: log, JobPollInterval: c.jobPoll,
		OperatorToken: c.operator, Meta: c.meta}
}

// openApp opens the database and builds the engine for commands that work
// on it without serving. The caller closes a.DB.
func (c *common) openApp(ctx context.Context, stderr io.Writer) (*app.App, error) {
	log, err := c.logger(stderr)
	if err != nil {
		return nil, err
	}
	a, err := app.Open(ctx, c.appConfig(log))
	if err != nil {
		return nil, err
	}
	if err := a.Prepare(); err != nil {
		_ = a.DB.Close()
		return nil, err
	}
	return a, nil
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("tenant create NAME --json" and "tenant create --json NAME").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
