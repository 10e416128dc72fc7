package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/loyalty"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// Settings are a tenant's social policies.
type Settings struct {
	// DMKeywords are words whose presence in a member's DM is written to
	// dm_keyword (case-insensitive, whole word).
	DMKeywords []string `json:"dmKeywords"`
	// TagPollInterval is how often the brand's tags are polled.
	TagPollInterval Duration `json:"tagPollInterval"`
	// RequireVerifiedHandle makes mentions count only for members whose
	// handle was verified by a DM.
	RequireVerifiedHandle bool `json:"requireVerifiedHandle"`
	// ReportCommentMentions reports comment mentions as events (they are
	// always kept as activity).
	ReportCommentMentions bool `json:"reportCommentMentions"`
}

// DefaultSettings are a new tenant's settings.
func DefaultSettings() Settings {
	return Settings{DMKeywords: []string{}, TagPollInterval: Duration(2 * time.Minute)}
}

// Duration is a time.Duration written as "2m" in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "2m", "90s" and the like.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`must be a duration such as "2m"`)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New(`must be a duration such as "2m"`)
	}
	*d = Duration(v)
	return nil
}

// Validate checks settings.
func (s *Settings) Validate() error {
	if time.Duration(s.TagPollInterval) < time.Second || time.Duration(s.TagPollInterval) > 24*time.Hour {
		return loyalty.Invalid("tagPollInterval", "must be between 1s and 24h")
	}
	if len(s.DMKeywords) > 100 {
		return loyalty.Invalid("dmKeywords", "at most 100 keywords")
	}
	for i, k := range s.DMKeywords {
		k = strings.TrimSpace(k)
		if k == "" || len(k) > 100 {
			return loyalty.Invalid(fmt.Sprintf("dmKeywords[%d]", i), "must be 1 to 100 characters")
		}
		s.DMKeywords[i] = k
	}
	return nil
}

// settingsCache keeps settings briefly: they are read for every activity.
type settingsCache struct {
	mu sync.Mutex
	m  map[string]cachedSettings
}

type cachedSettings struct {
	s       Settings
	expires time.Time
}

// GetSettings returns a tenant's settings (defaults when none were saved).
func (c *Core) GetSettings(ctx context.Context, tenantID string) (Settings, error) {
	c.cache.mu.Lock()
	e, ok := c.cache.m[tenantID]
	c.cache.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.s, nil
	}
	s := DefaultSettings()
	var raw string
	err := c.db.Read().QueryRow(ctx, `SELECT settings FROM social_settings WHERE tenant_id = $1`, tenantID).Scan(&raw)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return s, fmt.Errorf("social: get settings: %w", err)
	default:
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return s, fmt.Errorf("social: decode settings: %w", err)
		}
	}
	c.cache.mu.Lock()
	c.cache.m[tenantID] = cachedSettings{s: s, expires: time.Now().Add(5 * time.Second)}
	c.cache.mu.Unlock()
	return s, nil
}

// PutSettings replaces a tenant's settings.
func (c *Core) PutSettings(ctx context.Context, tenantID string, s Settings) (Settings, error) {
	if s.DMKeywords == nil {
		s.DMKeywords = []string{}
	}
	if s.TagPollInterval == 0 {
		s.TagPollInterval = DefaultSettings().TagPollInterval
	}
	if err := s.Validate(); err != nil {
		return s, err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return s, fmt.Errorf("social: encode settings: %w", err)
	}
	err = c.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO social_settings (tenant_id, settings, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`, tenantID, string(b), time.Now().UTC())
		return err
	})
	if err != nil {
		return s, fmt.Errorf("social: save settings: %w", err)
	}
	c.cache.mu.Lock()
	delete(c.cache.m, tenantID)
	c.cache.mu.Unlock()
	return s, nil
}
