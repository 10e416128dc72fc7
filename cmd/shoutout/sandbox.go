package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/app"
	"github.com/shoutout-loyalty/shoutout/internal/demo"
	igsandbox "github.com/shoutout-loyalty/shoutout/internal/sandbox/instagram"
	"github.com/shoutout-loyalty/shoutout/internal/web"
)

// sandboxDatabaseURL keeps demo data out of the default database.
const sandboxDatabaseURL = "sqlite:shoutout-sandbox.db"

// errProductionSandbox refuses the sandbox where real platforms are set up.
var errProductionSandbox = errors.New("--sandbox emulates Instagram for demos and tests; it does not run with PostgreSQL or with SHOUTOUT_META_APP_SECRET set (a production configuration)")

// serveSandbox runs the real service with the emulated platforms on
// loopback, a demo tenant, and activity played at rate webhooks per second.
func serveSandbox(ctx context.Context, c common, rate float64, dbExplicit bool, stdout io.Writer, log *slog.Logger) error {
	if !dbExplicit {
		c.databaseURL = sandboxDatabaseURL
	}
	if !strings.HasPrefix(c.databaseURL, "sqlite:") || c.meta.AppSecret != "" {
		return errProductionSandbox
	}
	secret := randomHex(16)
	sb := igsandbox.New(igsandbox.Config{AppSecret: secret, UsageBudget: 10_000_000})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("sandbox: listen: %w", err)
	}
	sbServer := &http.Server{Handler: sb.WithControl(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = sbServer.Serve(ln) }()
	defer sbServer.Close()
	graphURL := "http://" + ln.Addr().String()
	c.meta = app.MetaConfig{GraphURL: graphURL, GraphVersion: sb.Version(), AppSecret: secret, VerifyToken: randomHex(8),
		TagScheduleInterval: time.Second}

	a, err := app.Open(ctx, c.appConfig(log))
	if err != nil {
		return err
	}
	if err := a.Prepare(); err != nil {
		_ = a.Shutdown(context.Background())
		return err
	}
	dbPath := strings.TrimPrefix(c.databaseURL, "sqlite:")
	d, err := demo.Seed(ctx, a, sb, graphURL, c.meta.AppSecret, dbPath+".demo.json", log)
	if err != nil {
		_ = a.Shutdown(context.Background())
		return err
	}
	a.Mount(func(mux *http.ServeMux, _ *web.API) {
		// Sandbox only: what the load test needs to drive this server.
		mux.HandleFunc("GET /sandbox", func(w http.ResponseWriter, r *http.Request) { web.WriteJSON(w, http.StatusOK, d.Info()) })
	})
	addr, err := a.Start(ctx, nil)
	if err != nil {
		_ = a.Shutdown(context.Background())
		return err
	}
	base := "http://" + addr.String()
	info := d.Info()
	fmt.Fprintf(stdout, `shoutout %s sandbox: the real service on %s with emulated Instagram on %s

  API           %s/v1   (OpenAPI: %s/openapi.json)
  API key       %s
  Admin token   %s
  Sandbox info  %s/sandbox
  Activity      %.1f webhooks/s from %d members and some strangers (--sandbox-rate)

Try:
  curl -s '%s/v1/events?limit=5' -H 'X-Api-Key: %s'
  curl -s '%s/v1/social/activity?limit=5' -H 'X-Api-Key: %s'
  curl -s '%s/v1/audiences' -H 'X-Api-Key: %s'
`, version, c.databaseURL, graphURL, base, base, info.APIKey, info.AdminToken, base, rate, demo.Members,
		base, info.APIKey, base, info.APIKey, base, info.APIKey)
	log.Info("sandbox running", "addr", base, "graph", graphURL, "rate", rate)
	go d.Run(ctx, base+"/webhooks/instagram", rate)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return a.Shutdown(sctx)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
