package instagram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/shoutout-loyalty/shoutout/internal/secrets"
	"github.com/shoutout-loyalty/shoutout/internal/social"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// Reporter is the social core as this package sees it.
type Reporter interface {
	Report(ctx context.Context, tx store.Tx, a *social.Activity) (*social.Outcome, error)
	GetSettings(ctx context.Context, tenantID string) (social.Settings, error)
}

// Enqueuer enqueues jobs inside a unit of work.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// ServiceConfig configures the Instagram service.
type ServiceConfig struct {
	DB       *store.DB
	Client   *Client
	Secrets  *secrets.Box
	Reporter Reporter
	Queue    Enqueuer
	Logger   *slog.Logger
	Registry prometheus.Registerer
	// AppSecret checks webhook signatures; VerifyToken answers Meta's
	// subscription handshake.
	AppSecret   string
	VerifyToken string
	// Workers is how many deliveries are processed at once (default 32).
	Workers int
	// TagPageSize and TagMaxPages bound one tag poll (defaults 50 and 10).
	TagPageSize, TagMaxPages int
	// ConnCacheTTL is how long a connection (and its status) is cached: how
	// late another replica's reconnect is seen here (default 10s).
	ConnCacheTTL time.Duration
}

// Service tracks Instagram activity for every connected brand account:
// webhooks in, the inbox processed, tags polled.
type Service struct {
	cfg     ServiceConfig
	db      *store.DB
	client  *Client
	log     *slog.Logger
	wake    chan struct{}
	metrics *serviceMetrics

	connMu    sync.Mutex
	conns     map[string]cachedConn // by IG user id
	touchedMu sync.Mutex
	touched   map[string]time.Time
}

// NewService returns a Service; call RunProcessor to process the inbox.
func NewService(cfg ServiceConfig) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.TagPageSize <= 0 {
		cfg.TagPageSize = 50
	}
	if cfg.TagMaxPages <= 0 {
		cfg.TagMaxPages = 10
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.ConnCacheTTL <= 0 {
		cfg.ConnCacheTTL = 10 * time.Second
	}
	return &Service{
		cfg: cfg, db: cfg.DB, client: cfg.Client, log: cfg.Logger,
		wake: make(chan struct{}, 1), metrics: newServiceMetrics(cfg.Registry),
		conns: map[string]cachedConn{}, touched: map[string]time.Time{},
	}
}

// Connection statuses.
const (
	ConnActive      = "active"
	ConnNeedsReauth = "needs_reauth"
)

// Connection is a brand's Instagram account as operators see it. The token
// is never part of it.
type Connection struct {
	ID            string     `json:"id"`
	TenantID      string     `json:"-"`
	IGUserID      string     `json:"igUserId"`
	PageID        string     `json:"pageId,omitempty"`
	Status        string     `json:"status"`
	StatusReason  string     `json:"statusReason,omitempty"`
	LastWebhookAt *time.Time `json:"lastWebhookAt"`
	LastPollAt    *time.Time `json:"lastPollAt"`
	NextPollAt    *time.Time `json:"nextPollAt,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
}

type cachedConn struct {
	c       *Connection
	token   string
	expires time.Time
}

// ErrInvalidConnection is returned for a connection request missing fields.
var ErrInvalidConnection = errors.New("instagram: invalid connection")

// ConnectionInput registers a brand account by hand.
type ConnectionInput struct {
	IGUserID    string `json:"igUserId"`
	PageID      string `json:"pageId"`
	AccessToken string `json:"accessToken"`
}

// FieldError names the field of a request that is wrong.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Validate checks the input.
func (in *ConnectionInput) Validate() error {
	switch {
	case in.IGUserID == "" || !validID(in.IGUserID):
		return &FieldError{"igUserId", "is required: the brand's Instagram user id (digits)"}
	case in.PageID != "" && !validID(in.PageID):
		return &FieldError{"pageId", "must be a Facebook Page id"}
	case in.AccessToken == "":
		return &FieldError{"accessToken", "is required"}
	case len(in.AccessToken) > 4096:
		return &FieldError{"accessToken", "is too long"}
	}
	return nil
}

func validID(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// ErrConnectionTaken is returned when another tenant connected the account.
var ErrConnectionTaken = errors.New("instagram: this Instagram account is connected to another tenant")

// Connect registers (or, for the same tenant, re-authorises) a brand
// account. The token is sealed before it is stored.
func (s *Service) Connect(ctx context.Context, tenantID string, in *ConnectionInput) (*Connection, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	var id string
	err := s.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		var owner string
		err := tx.QueryRow(ctx, `SELECT id, tenant_id FROM ig_connections WHERE ig_user_id = $1`, in.IGUserID).Scan(&id, &owner)
		switch {
		case errors.Is(err, store.ErrNotFound):
			id = uuid.Must(uuid.NewV7()).String()
			_, err = tx.Exec(ctx, `INSERT INTO ig_connections (id, tenant_id, ig_user_id, page_id, access_token, status, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, id, tenantID, in.IGUserID, store.NullString(in.PageID), s.cfg.Secrets.Seal(in.AccessToken, id), ConnActive, now)
			return err
		case err != nil:
			return err
		case owner != tenantID:
			return ErrConnectionTaken
		default:
			_, err = tx.Exec(ctx, `UPDATE ig_connections SET page_id = COALESCE($2, page_id), access_token = $3, status = $4, status_reason = NULL, updated_at = $5 WHERE id = $1`,
				id, store.NullString(in.PageID), s.cfg.Secrets.Seal(in.AccessToken, id), ConnActive, now)
			return err
		}
	})
	if err != nil {
		return nil, fmt.Errorf("instagram: connect: %w", err)
	}
	s.client.ResetConnection(id)
	s.forget(in.IGUserID)
	return s.getConnection(ctx, s.db.Read(), tenantID, id)
}

const connColumns = `id, tenant_id, ig_user_id, page_id, status, status_reason, last_webhook_at, last_poll_at, next_poll_at, created_at, updated_at`

func scanConn(row interface{ Scan(...any) error }, token *string) (*Connection, error) {
	c := &Connection{}
	var page, reason *string
	dest := []any{&c.ID, &c.TenantID, &c.IGUserID, &page, &c.Status, &reason, &c.LastWebhookAt, &c.LastPollAt, &c.NextPollAt, &c.CreatedAt, &c.UpdatedAt}
	if token != nil {
		dest = append(dest, token)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c.PageID, c.StatusReason = store.StringOrEmpty(page), store.StringOrEmpty(reason)
	return c, nil
}

func (s *Service) getConnection(ctx context.Context, q store.Querier, tenantID, id string) (*Connection, error) {
	c, err := scanConn(q.QueryRow(ctx, `SELECT `+connColumns+` FROM ig_connections WHERE tenant_id = $1 AND id = $2`, tenantID, id), nil)
	if err != nil {
		return nil, fmt.Errorf("instagram: get connection: %w", err)
	}
	return c, nil
}

// Connections lists a tenant's connections.
func (s *Service) Connections(ctx context.Context, tenantID string) ([]*Connection, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT `+connColumns+` FROM ig_connections WHERE tenant_id = $1 ORDER BY created_at`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("instagram: list connections: %w", err)
	}
	defer rows.Close()
	out := []*Connection{}
	for rows.Next() {
		c, err := scanConn(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("instagram: list connections: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// connection returns the connection of a brand account with its opened
// token, from a short-lived cache; nil when no tenant connected it.
func (s *Service) connection(ctx context.Context, igUserID string) (*Connection, string, error) {
	s.connMu.Lock()
	e, ok := s.conns[igUserID]
	s.connMu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.c, e.token, nil
	}
	var sealed string
	c, err := scanConn(s.db.Read().QueryRow(ctx, `SELECT `+connColumns+`, access_token FROM ig_connections WHERE ig_user_id = $1`, igUserID), &sealed)
	if errors.Is(err, store.ErrNotFound) {
		s.cacheConn(igUserID, cachedConn{})
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("instagram: find connection: %w", err)
	}
	token, err := s.cfg.Secrets.Open(sealed, c.ID)
	if err != nil {
		return nil, "", fmt.Errorf("instagram: open token of connection %s: %w", c.ID, err)
	}
	s.syncReauth(c)
	s.cacheConn(igUserID, cachedConn{c: c, token: token})
	return c, token, nil
}

// syncReauth makes the database the source of truth for a refused token:
// the client remembers a 190 only in this process, so when another replica
// reconnected the account (status active again), this one resumes too.
func (s *Service) syncReauth(c *Connection) {
	if c.Status == ConnActive && s.client.NeedsReauth(c.ID) {
		s.client.ResetConnection(c.ID)
	}
}

func (s *Service) cacheConn(igUserID string, c cachedConn) {
	c.expires = time.Now().Add(s.cfg.ConnCacheTTL)
	s.connMu.Lock()
	s.conns[igUserID] = c
	s.connMu.Unlock()
}

func (s *Service) forget(igUserID string) {
	s.connMu.Lock()
	delete(s.conns, igUserID)
	s.connMu.Unlock()
}

// markNeedsReauth records that a connection's token was refused: no call is
// made for it until an operator supplies a new token.
func (s *Service) markNeedsReauth(ctx context.Context, c *Connection, cause error) {
	s.log.WarnContext(ctx, "instagram connection needs re-authorisation", "connection", c.ID, "ig_user_id", c.IGUserID, "err", cause)
	err := s.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE ig_connections SET status = $2, status_reason = $3, updated_at = $4 WHERE id = $1`,
			c.ID, ConnNeedsReauth, "the access token was refused (Graph API error 190): connect the account again", time.Now().UTC())
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "record needs_reauth", "connection", c.ID, "err", err)
	}
	s.forget(c.IGUserID)
}

// touch records the last webhook time of a connection, at most every few
// seconds per connection: it is shown to operators, not used for logic.
func (s *Service) touch(ctx context.Context, c *Connection) {
	now := time.Now()
	s.touchedMu.Lock()
	last := s.touched[c.ID]
	if now.Sub(last) < 5*time.Second {
		s.touchedMu.Unlock()
		return
	}
	s.touched[c.ID] = now
	s.touchedMu.Unlock()
	err := s.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE ig_connections SET last_webhook_at = $2 WHERE id = $1`, c.ID, now.UTC())
		return err
	})
	if err != nil {
		s.log.WarnContext(ctx, "record webhook time", "connection", c.ID, "err", err)
	}
}

// Client returns the Graph API client the service calls through.
func (s *Service) Client() *Client { return s.client }

// Handler returns the webhook endpoint (GET handshake, POST deliveries).
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			s.handleVerify(w, r)
		case http.MethodPost:
			s.handleDelivery(w, r)
		default:
			w.Header().Set("Allow", "GET, POST")
			writeJSONError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use GET (handshake) or POST (deliveries)")
		}
	})
}
