package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/app"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("serve", stderr)
	var c common
	c.register(fs, getenv)
	sandbox := fs.Bool("sandbox", false, "run with emulated Instagram, a demo tenant and activity (never in production)")
	rate := fs.Float64("sandbox-rate", 2, "with --sandbox: webhooks per second of demo activity (0: only the first few)")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	if *sandbox {
		dbExplicit := getenv("SHOUTOUT_DATABASE_URL") != ""
		fs.Visit(func(f *flag.Flag) { dbExplicit = dbExplicit || f.Name == "database-url" })
		return serveSandbox(ctx, c, *rate, dbExplicit, stdout, log)
	}
	a, err := app.Open(ctx, c.appConfig(log))
	if err != nil {
		return err
	}
	addr, err := a.Start(ctx, nil)
	if err != nil {
		_ = a.Shutdown(context.Background())
		return err
	}
	log.Info("shoutout is serving", "addr", addr.String(), "database", redact(c.databaseURL), "version", version)
	fmt.Fprintf(stdout, "shoutout %s listening on http://%s\n", version, addr)
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return a.Shutdown(sctx)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("migrate", stderr)
	var c common
	c.register(fs, getenv)
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	a, err := c.openApp(ctx, stderr)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	fmt.Fprintf(stdout, "database %s is up to date\n", redact(c.databaseURL))
	return nil
}

func redact(u string) string {
	for i := 0; i < len(u); i++ {
		if u[i] == '@' {
			for j := 0; j+3 <= i; j++ {
				if u[j:j+3] == "://" {
					return u[:j+3] + "***" + u[i:]
				}
			}
		}
	}
	return u
}
