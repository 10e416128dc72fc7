// Package app assembles shoutout from its parts: storage, the job queue, the
// loyalty engine and the HTTP server. The command line fills Config; tests
// use it to run the real service in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/shoutout-loyalty/shoutout/internal/instagram"
	"github.com/shoutout-loyalty/shoutout/internal/jobs"
	"github.com/shoutout-loyalty/shoutout/internal/loyalty"
	"github.com/shoutout-loyalty/shoutout/internal/secrets"
	"github.com/shoutout-loyalty/shoutout/internal/social"
	"github.com/shoutout-loyalty/shoutout/internal/store"
	"github.com/shoutout-loyalty/shoutout/internal/web"
)

// Config is everything the service needs; no field is read from the
// environment here.
type Config struct {
	Addr        string
	DatabaseURL string
	// SecretKey encrypts secrets at rest (32 bytes, hex or base64). Empty on
	// SQLite: a key file is made beside the database. Empty on PostgreSQL:
	// refused, since replicas must share one key.
	SecretKey string
	Logger    *slog.Logger
	// JobPollInterval is how often idle job workers look for work.
	JobPollInterval time.Duration
	// OperatorToken guards the operator routes (/v1/operator); empty
	// disables them.
	OperatorToken string
	Meta          MetaConfig
}

// MetaConfig configures Instagram (Meta) access.
type MetaConfig struct {
	// GraphURL and GraphVersion point the Graph API client at Meta, or at
	// the sandbox.
	GraphURL     string
	GraphVersion string
	// AppSecret checks webhook signatures; VerifyToken answers the
	// subscription handshake.
	AppSecret   string
	VerifyToken string
	// TagScheduleInterval is how often the leader looks for due tag polls
	// (default 10s); each tenant's tagPollInterval sets how often a
	// connection is polled.
	TagScheduleInterval time.Duration
	// HTTPClient, when set, is used for Graph API calls.
	HTTPClient *http.Client
	// ConnectionCacheTTL bounds how late a replica sees another replica's
	// change to a connection (default 10s).
	ConnectionCacheTTL time.Duration
}

// App is a running (or ready to run) shoutout.
type App struct {
	cfg     Config
	log     *slog.Logger
	DB      *store.DB
	Queue   *jobs.Queue
	Engine  *loyalty.Engine
	Secrets *secrets.Box
	Social  *social.Core
	// Instagram is the Instagram tracking service.
	Instagram *instagram.Service
	Registry  *prometheus.Registry
	workers   *river.Workers
	periodic  []*river.PeriodicJob
	mounts    []func(*http.ServeMux, *web.API)
	server    *http.Server
	stop      context.CancelFunc
	bg        sync.WaitGroup
}

// ErrSecretKeyRequired is returned on PostgreSQL without a secret key.
var ErrSecretKeyRequired = errors.New("app: SHOUTOUT_SECRET_KEY is required with PostgreSQL (replicas must share one key); generate one with `openssl rand -hex 32`")

// Open connects to the database, migrates it and builds the engine. Call
// Start to serve, or use the parts directly.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	db, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: cfg.Logger, DB: db, Registry: prometheus.NewRegistry(), workers: river.NewWorkers()}
	if err := a.init(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context) error {
	key, err := a.secretKey()
	if err != nil {
		return err
	}
	if a.Secrets, err = secrets.New(key); err != nil {
		return err
	}
	if _, err := a.DB.Migrate(ctx); err != nil {
		return err
	}
	river.AddWorker(a.workers, &loyalty.WebhookWorker{})
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return nil
}

func (a *App) secretKey() ([]byte, error) {
	if a.cfg.SecretKey != "" {
		k, err := secrets.ParseKey(a.cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("app: SHOUTOUT_SECRET_KEY: %w", err)
		}
		return k, nil
	}
	if a.DB.Engine() != store.SQLite {
		return nil, ErrSecretKeyRequired
	}
	path := strings.TrimPrefix(strings.TrimPrefix(a.cfg.DatabaseURL, "sqlite:"), "//") + ".key"
	k, created, err := secrets.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, err
	}
	if created {
		a.log.Warn("SHOUTOUT_SECRET_KEY is not set: generated a key file beside the database; back it up with the database, or set SHOUTOUT_SECRET_KEY", "key_file", path)
	} else {
		a.log.Warn("SHOUTOUT_SECRET_KEY is not set: using the key file beside the database", "key_file", path)
	}
	return k, nil
}

// Workers lets platform modules register their job kinds before Start.
func (a *App) Workers() *river.Workers { return a.workers }

// AddPeriodic registers a job that the elected leader runs on a schedule.
func (a *App) AddPeriodic(j *river.PeriodicJob) { a.periodic = append(a.periodic, j) }

// Mount adds routes to the HTTP server before Start.
func (a *App) Mount(m func(*http.ServeMux, *web.API)) { a.mounts = append(a.mounts, m) }

// Prepare builds the job queue and the engine; Start calls it, tests that
// need the engine without serving may call it directly.
func (a *App) Prepare() error {
	if a.Engine != nil {
		return nil
	}
	// Workers need the components that enqueue jobs, and the queue needs
	// the workers: the components get a reference set once it exists.
	ref := &jobs.Ref{}
	a.Engine = loyalty.New(loyalty.Config{DB: a.DB, Queue: ref, Logger: a.log})
	a.Social = social.New(a.Engine, a.log)
	meta := a.cfg.Meta
	if meta.TagScheduleInterval <= 0 {
		meta.TagScheduleInterval = 10 * time.Second
	}
	a.Instagram = instagram.NewService(instagram.ServiceConfig{
		DB: a.DB, Secrets: a.Secrets, Reporter: a.Social, Queue: ref, Logger: a.log, Registry: a.Registry,
		Client:    instagram.NewClient(instagram.Config{BaseURL: meta.GraphURL, Version: meta.GraphVersion, HTTPClient: meta.HTTPClient}),
		AppSecret: meta.AppSecret, VerifyToken: meta.VerifyToken, ConnCacheTTL: meta.ConnectionCacheTTL,
	})
	a.Instagram.Register(a.workers)
	a.periodic = append(a.periodic, a.Instagram.PeriodicJobs(meta.TagScheduleInterval)...)
	q, err := jobs.New(a.DB, jobs.Config{Workers: a.workers, PeriodicJobs: a.periodic, Logger: a.log, PollInterval: a.cfg.JobPollInterval})
	if err != nil {
		return err
	}
	ref.Set(q)
	a.Queue = q
	a.mounts = append(a.mounts, web.MountSocial(web.SocialConfig{Core: a.Social, Instagram: a.Instagram, Jobs: q, OperatorToken: a.cfg.OperatorToken}))
	return nil
}

// Handler returns the HTTP handler (after Prepare).
func (a *App) Handler() http.Handler {
	return web.New(web.Config{Engine: a.Engine, DB: a.DB, Logger: a.log, Registry: a.Registry, Mount: a.mounts})
}

// Start serves HTTP on cfg.Addr (or ln when given) and works jobs. It
// returns once listening; Shutdown stops it.
func (a *App) Start(ctx context.Context, ln net.Listener) (net.Addr, error) {
	if err := a.Prepare(); err != nil {
		return nil, err
	}
	if err := a.Queue.Start(ctx); err != nil {
		return nil, err
	}
	bgCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stop = stop
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		if err := a.Instagram.RunProcessor(bgCtx); err != nil {
			a.log.Error("instagram inbox processor stopped", "err", err)
		}
	}()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.cfg.Addr); err != nil {
			_ = a.Queue.Stop(ctx)
			return nil, fmt.Errorf("app: listen on %s: %w", a.cfg.Addr, err)
		}
	}
	a.server = &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := a.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http server stopped", "err", err)
		}
	}()
	return ln.Addr(), nil
}

// Shutdown stops serving, lets running requests and jobs finish (until ctx
// ends), and closes the database.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if a.server != nil {
		errs = append(errs, a.server.Shutdown(ctx))
	}
	if a.stop != nil {
		a.stop()
		a.bg.Wait()
	}
	if a.Queue != nil {
		errs = append(errs, a.Queue.Stop(ctx))
	}
	errs = append(errs, a.DB.Close())
	return errors.Join(errs...)
}
