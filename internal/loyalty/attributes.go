package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// Linking attributes: set by the brand or the member, they tie a member to
// platform accounts. Matching ignores case and a leading @.
const (
	AttrInstagramHandle = "instagramHandle"
	AttrTikTokHandle    = "tiktokHandle"
)

// linkPlatforms maps linking attributes to the platform they name.
var linkPlatforms = map[string]string{AttrInstagramHandle: "instagram", AttrTikTokHandle: "tiktok"}

// NormalizeHandle is how handles compare: lower case, without a leading @ or
// surrounding space.
func NormalizeHandle(h string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
}

// AttributeInput is the reference API's AttributeDefinition.
type AttributeInput struct {
	SubjectID                     string          `json:"subjectId"`
	SubjectAuthID                 string          `json:"subjectAuthId,omitempty"`
	SubjectType                   string          `json:"subjectType"`
	Key                           string          `json:"key"`
	Value                         json.RawMessage `json:"value"`
	IsEnabled                     *bool           `json:"isEnabled"`
	ShouldReplaceOnlySameKeyValue *bool           `json:"shouldReplaceOnlySameKeyValue"`
}

// Attribute is a stored attribute as the API answers it.
type Attribute struct {
	ID          string    `json:"id"`
	SubjectType string    `json:"subjectType"`
	SubjectID   string    `json:"subjectId"`
	Key         string    `json:"key"`
	Value       any       `json:"value"`
	IsEnabled   bool      `json:"isEnabled"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Validate checks the definition against the reference schema; prefix names
// the field's place in a batch.
func (in *AttributeInput) Validate(prefix string) error {
	switch {
	case in.SubjectType == "":
		return Invalid(prefix+"subjectType", "is required")
	case !oneOf(in.SubjectType, "USER", "REWARD", "TENANT"):
		return Invalid(prefix+"subjectType", "must be USER, REWARD or TENANT")
	case in.SubjectType != "USER":
		return fmt.Errorf("%w: subjectType %s (only USER attributes are kept)", ErrUnsupported, in.SubjectType)
	case in.SubjectID == "":
		return Invalid(prefix+"subjectId", "is required for USER attributes")
	case len(in.SubjectID) > 64:
		return Invalid(prefix+"subjectId", "must be at most 64 characters")
	case in.Key == "":
		return Invalid(prefix+"key", "is required")
	case len(in.Key) > 512:
		return Invalid(prefix+"key", "must be at most 512 characters")
	case len(in.Value) == 0 || string(in.Value) == "null":
		return Invalid(prefix+"value", "is required and must not be null")
	case in.IsEnabled == nil:
		return Invalid(prefix+"isEnabled", "is required")
	case in.ShouldReplaceOnlySameKeyValue == nil:
		return Invalid(prefix+"shouldReplaceOnlySameKeyValue", "is required")
	}
	var v any
	if err := json.Unmarshal(in.Value, &v); err != nil {
		return Invalid(prefix+"value", "must be JSON")
	}
	return nil
}

// SetAttributes stores attribute definitions in one unit of work: all or
// none. Attributes are single-valued per key: a new value replaces the old.
func (e *Engine) SetAttributes(ctx context.Context, tenantID string, defs []AttributeInput) ([]*Attribute, error) {
	for i := range defs {
		prefix := ""
		if len(defs) > 1 {
			prefix = fmt.Sprintf("definitions[%d].", i)
		}
		if err := defs[i].Validate(prefix); err != nil {
			return nil, err
		}
	}
	var out []*Attribute
	err := e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		out = out[:0]
		now := e.nowUTC()
		for _, d := range defs {
			uid, err := e.ResolveUser(ctx, tx, tenantID, d.SubjectID)
			if err != nil {
				return err
			}
			var v any
			_ = json.Unmarshal(d.Value, &v)
			if err := e.setAttributeTx(ctx, tx, tenantID, uid, d.Key, v, *d.IsEnabled, now); err != nil {
				return err
			}
			a, err := e.getAttribute(ctx, tx, tenantID, uid, d.Key)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetUserAttributes sets attributes of one member inside tx. Platform code
// writes its profile attributes this way, in the same unit of work as the
// event it reports.
func (e *Engine) SetUserAttributes(ctx context.Context, tx store.Tx, tenantID, userID string, attrs map[string]any) error {
	now := e.nowUTC()
	for _, k := range sortedKeys(attrs) {
		if err := e.setAttributeTx(ctx, tx, tenantID, userID, k, attrs[k], true, now); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) setAttributeTx(ctx context.Context, tx store.Tx, tenantID, userID, key string, value any, enabled bool, now time.Time) error {
	if key == "" || len(key) > 512 {
		return Invalid("key", "must be 1 to 512 characters")
	}
	b, err := json.Marshal(value)
	if err != nil {
		return Invalid("value", "cannot be encoded: %v", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO attributes (id, tenant_id, user_id, key, value, is_enabled, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value, is_enabled = excluded.is_enabled, updated_at = excluded.updated_at`,
		newID(), tenantID, userID, key, string(b), enabled, now)
	if err != nil {
		return fmt.Errorf("loyalty: set attribute %s: %w", key, err)
	}
	if platform, ok := linkPlatforms[key]; ok {
		if _, err := tx.Exec(ctx, `DELETE FROM member_handles WHERE user_id = $1 AND platform = $2`, userID, platform); err != nil {
			return fmt.Errorf("loyalty: link handle: %w", err)
		}
		s, _ := value.(string)
		if h := NormalizeHandle(s); h != "" && enabled {
			if _, err := tx.Exec(ctx, `INSERT INTO member_handles (tenant_id, platform, handle, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
				tenantID, platform, h, userID); err != nil {
				return fmt.Errorf("loyalty: link handle: %w", err)
			}
		}
	}
	return nil
}

func (e *Engine) getAttribute(ctx context.Context, q store.Querier, tenantID, userID, key string) (*Attribute, error) {
	a := &Attribute{SubjectType: "USER"}
	var raw string
	err := q.QueryRow(ctx, `SELECT id, user_id, key, value, is_enabled, updated_at FROM attributes WHERE tenant_id = $1 AND user_id = $2 AND key = $3`,
		tenantID, userID, key).Scan(&a.ID, &a.SubjectID, &a.Key, &raw, &a.IsEnabled, &a.UpdatedAt)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("attribute", key)
	}
	if err != nil {
		return nil, fmt.Errorf("loyalty: get attribute: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &a.Value); err != nil {
		return nil, fmt.Errorf("loyalty: decode attribute %s: %w", key, err)
	}
	return a, nil
}

// GetAttribute returns one attribute by its id.
func (e *Engine) GetAttribute(ctx context.Context, tenantID, id string) (*Attribute, error) {
	a := &Attribute{SubjectType: "USER"}
	var raw string
	err := e.db.Read().QueryRow(ctx, `SELECT id, user_id, key, value, is_enabled, updated_at FROM attributes WHERE tenant_id = $1 AND id = $2`,
		tenantID, id).Scan(&a.ID, &a.SubjectID, &a.Key, &raw, &a.IsEnabled, &a.UpdatedAt)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("attribute", id)
	}
	if err != nil {
		return nil, fmt.Errorf("loyalty: get attribute: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &a.Value); err != nil {
		return nil, fmt.Errorf("loyalty: decode attribute: %w", err)
	}
	return a, nil
}

// ListAttributes lists a tenant's attributes, optionally of one member.
func (e *Engine) ListAttributes(ctx context.Context, tenantID, userID string, p ListParams) ([]*Attribute, error) {
	order := "ASC"
	if p.Desc {
		order = "DESC"
	}
	rows, err := e.db.Read().Query(ctx, `SELECT id, user_id, key, value, is_enabled, updated_at FROM attributes
		WHERE tenant_id = $1 AND ($2 = '' OR user_id = $2) ORDER BY updated_at `+order+`, id `+order+` LIMIT $3 OFFSET $4`,
		tenantID, userID, p.Limit, p.Skip)
	if err != nil {
		return nil, fmt.Errorf("loyalty: list attributes: %w", err)
	}
	defer rows.Close()
	var out []*Attribute
	for rows.Next() {
		a := &Attribute{SubjectType: "USER"}
		var raw string
		if err := rows.Scan(&a.ID, &a.SubjectID, &a.Key, &raw, &a.IsEnabled, &a.UpdatedAt); err != nil {
			return nil, fmt.Errorf("loyalty: list attributes: %w", err)
		}
		if err := json.Unmarshal([]byte(raw), &a.Value); err != nil {
			return nil, fmt.Errorf("loyalty: decode attribute: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// userAttributes loads the enabled attributes of the given members.
func (e *Engine) userAttributes(ctx context.Context, q store.Querier, ids []string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	if len(ids) == 0 {
		return out, nil
	}
	// Chunked to stay under both engines' bound-parameter limits.
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		ph := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			ph[i] = fmt.Sprintf("$%d", i+1)
			args[i] = id
		}
		rows, err := q.Query(ctx, `SELECT user_id, key, value FROM attributes WHERE is_enabled AND user_id IN (`+strings.Join(ph, ",")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("loyalty: load attributes: %w", err)
		}
		for rows.Next() {
			var uid, key, raw string
			if err := rows.Scan(&uid, &key, &raw); err != nil {
				rows.Close()
				return nil, fmt.Errorf("loyalty: load attributes: %w", err)
			}
			var v any
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("loyalty: decode attribute %s: %w", key, err)
			}
			if out[uid] == nil {
				out[uid] = map[string]any{}
			}
			out[uid][key] = v
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("loyalty: load attributes: %w", err)
		}
	}
	return out, nil
}

// UserAttributes returns one member's enabled attributes, read inside q (a
// unit of work or the read pool).
func (e *Engine) UserAttributes(ctx context.Context, q store.Querier, userID string) (map[string]any, error) {
	m, err := e.userAttributes(ctx, q, []string{userID})
	if err != nil {
		return nil, err
	}
	if m[userID] == nil {
		return map[string]any{}, nil
	}
	return m[userID], nil
}

// MembersByHandle returns the members who claim a handle on a platform,
// oldest first. Several members may claim the same handle.
func (e *Engine) MembersByHandle(ctx context.Context, q store.Querier, tenantID, platform, handle string) ([]string, error) {
	h := NormalizeHandle(handle)
	if h == "" {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT mh.user_id FROM member_handles mh JOIN users u ON u.id = mh.user_id
		WHERE mh.tenant_id = $1 AND mh.platform = $2 AND mh.handle = $3 ORDER BY u.created_at, u.id`, tenantID, platform, h)
	if err != nil {
		return nil, fmt.Errorf("loyalty: find members by handle: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("loyalty: find members by handle: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
