// Package web serves shoutout over HTTP: the loyalty engine's REST API under
// /v1, platform webhooks, health and metrics.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shoutout-loyalty/shoutout/internal/loyalty"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// MaxBodyBytes caps request bodies; larger ones get 413.
const MaxBodyBytes = 1 << 20

// Config configures the server.
type Config struct {
	Engine   *loyalty.Engine
	DB       *store.DB
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// Mount adds more routes (platform webhooks, the social API) to the mux.
	// Each gets the same middleware.
	Mount []func(mux *http.ServeMux, api *API)
}

// API holds what handlers share. Platform packages receive it through Mount
// to reuse authentication and error answers.
type API struct {
	engine  *loyalty.Engine
	db      *store.DB
	log     *slog.Logger
	metrics *metrics
}

// New returns the server's handler.
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	api := &API{engine: cfg.Engine, db: cfg.DB, log: cfg.Logger, metrics: newMetrics(cfg.Registry)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /openapi.json", serveOpenAPI)
	mux.HandleFunc("GET /readyz", api.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{Registry: cfg.Registry}))
	api.routes(mux)
	for _, m := range cfg.Mount {
		m(mux, api)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, &httpError{status: http.StatusNotFound, code: "not_found", message: "no route for " + r.Method + " " + r.URL.Path})
	})
	return chain(mux, recoverer(api.log), requestID, api.logAndMeasure)
}

func (a *API) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.db.Ping(ctx); err != nil {
		a.log.WarnContext(ctx, "not ready", "err", err)
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Route registers h for a pattern such as "GET /v1/events" and for the same
// path with a trailing slash: the reference lists paths with one, its
// clients call them without.
func Route(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.HandleFunc(pattern, h)
	mux.HandleFunc(pattern+"/{$}", h)
}
