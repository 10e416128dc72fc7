package social

import (
	"context"
	"fmt"
	"strings"
)

// ActivityFilter selects activity to list.
type ActivityFilter struct {
	Status   string
	Platform string
	Kind     string
	Limit    int
	Skip     int
}

// ListActivity lists a tenant's activity, newest first. tenantID "" lists
// activity for accounts no tenant has connected.
func (c *Core) ListActivity(ctx context.Context, tenantID string, f ActivityFilter) ([]ActivityRecord, error) {
	where := []string{"tenant_id = $1"}
	args := []any{tenantID}
	add := func(col, v string) {
		if v != "" {
			args = append(args, v)
			where = append(where, fmt.Sprintf("%s = $%d", col, len(args)))
		}
	}
	add("status", f.Status)
	add("platform", f.Platform)
	add("kind", f.Kind)
	if f.Limit <= 0 {
		f.Limit = 50
	}
	args = append(args, f.Limit, f.Skip)
	rows, err := c.db.Read().Query(ctx, `SELECT id, platform, kind, dedup_key, account_id, handle, platform_user_id, user_id, status, reason, event_id, data, occurred_at, created_at
		FROM social_activity WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("social: list activity: %w", err)
	}
	defer rows.Close()
	out := []ActivityRecord{}
	for rows.Next() {
		var r ActivityRecord
		var data string
		if err := rows.Scan(&r.ID, &r.Platform, &r.Kind, &r.DedupKey, &r.AccountID, &r.Handle, &r.PlatformUserID, &r.UserID, &r.Status, &r.Reason, &r.EventID, &data, &r.OccurredAt, &r.CreatedAt); err != nil {
			return nil, fmt.Errorf("social: list activity: %w", err)
		}
		r.Data = []byte(data)
		out = append(out, r)
	}
	return out, rows.Err()
}
