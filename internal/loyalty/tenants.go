package loyalty

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// Tenant is one brand's loyalty programme. Its API key and admin token are
// stored only as hashes.
type Tenant struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	CreatedAt      time.Time `json:"createdAt"`
	adminTokenHash string
}

// TenantCredentials are shown once, when a tenant is created.
type TenantCredentials struct {
	ID         string `json:"id"`
	APIKey     string `json:"api_key"`
	AdminToken string `json:"admin_token"`
}

type cachedTenant struct {
	t       *Tenant
	expires time.Time
}

// hashSecret hashes a high-entropy credential. A fast hash is enough: the
// inputs are random 122-bit and 256-bit values, not passwords.
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// CreateTenant creates a tenant with a new API key (a UUID, as the reference
// API's X-Api-Key) and admin token.
func (e *Engine) CreateTenant(ctx context.Context, name string) (*TenantCredentials, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return nil, Invalid("name", "must be 1 to 200 characters")
	}
	tok := make([]byte, 32)
	if _, err := rand.Read(tok); err != nil {
		return nil, fmt.Errorf("loyalty: admin token: %w", err)
	}
	creds := &TenantCredentials{
		ID:         newID(),
		APIKey:     uuid.NewString(),
		AdminToken: "sk_" + base64.RawURLEncoding.EncodeToString(tok),
	}
	err := e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO tenants (id, name, api_key_hash, admin_token_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			creds.ID, name, hashSecret(creds.APIKey), hashSecret(creds.AdminToken), e.nowUTC())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loyalty: create tenant: %w", err)
	}
	return creds, nil
}

// Authenticate finds the tenant of an API key.
func (e *Engine) Authenticate(ctx context.Context, apiKey string) (*Tenant, error) {
	if apiKey == "" {
		return nil, fmt.Errorf("%w: missing X-Api-Key", ErrUnauthorized)
	}
	h := hashSecret(apiKey)
	e.mu.RLock()
	c, ok := e.tenants[h]
	e.mu.RUnlock()
	if ok && e.now().Before(c.expires) {
		return c.t, nil
	}
	t := &Tenant{}
	err := e.db.Read().QueryRow(ctx, `SELECT id, name, created_at, admin_token_hash FROM tenants WHERE api_key_hash = $1`, h).
		Scan(&t.ID, &t.Name, &t.CreatedAt, &t.adminTokenHash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown API key", ErrUnauthorized)
	}
	if err != nil {
		return nil, fmt.Errorf("loyalty: authenticate: %w", err)
	}
	e.mu.Lock()
	e.tenants[h] = cachedTenant{t: t, expires: e.now().Add(e.ttl)}
	e.mu.Unlock()
	return t, nil
}

// CheckAdmin reports whether token is the tenant's admin token, in constant
// time.
func (t *Tenant) CheckAdmin(token string) bool {
	if token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(hashSecret(token)), []byte(t.adminTokenHash)) == 1
}

// GetTenant returns a tenant by id.
func (e *Engine) GetTenant(ctx context.Context, id string) (*Tenant, error) {
	t := &Tenant{}
	err := e.db.Read().QueryRow(ctx, `SELECT id, name, created_at, admin_token_hash FROM tenants WHERE id = $1`, id).
		Scan(&t.ID, &t.Name, &t.CreatedAt, &t.adminTokenHash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("tenant", id)
	}
	if err != nil {
		return nil, fmt.Errorf("loyalty: get tenant: %w", err)
	}
	return t, nil
}

// ListTenants returns every tenant, oldest first.
func (e *Engine) ListTenants(ctx context.Context) ([]*Tenant, error) {
	rows, err := e.db.Read().Query(ctx, `SELECT id, name, created_at, admin_token_hash FROM tenants ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("loyalty: list tenants: %w", err)
	}
	defer rows.Close()
	var out []*Tenant
	for rows.Next() {
		t := &Tenant{}
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &t.adminTokenHash); err != nil {
			return nil, fmt.Errorf("loyalty: list tenants: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
