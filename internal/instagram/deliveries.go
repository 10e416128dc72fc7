package instagram

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// DeliveryRecord is a stored webhook delivery as operators see it.
type DeliveryRecord struct {
	ID          int64      `json:"id"`
	Status      string     `json:"status"`
	Reason      string     `json:"reason,omitempty"`
	ReceivedAt  time.Time  `json:"receivedAt"`
	ProcessedAt *time.Time `json:"processedAt,omitempty"`
	Body        string     `json:"body"`
}

// Deliveries lists stored deliveries, newest first: "quarantined" ones are
// signed bodies that could not be parsed, kept for an operator.
func (s *Service) Deliveries(ctx context.Context, status string, limit int) ([]DeliveryRecord, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.db.Read().Query(ctx, `SELECT id, status, reason, received_at, processed_at, body FROM webhook_inbox
		WHERE platform = 'instagram' AND ($1 = '' OR status = $1) ORDER BY id DESC LIMIT $2`, status, limit)
	if err != nil {
		return nil, fmt.Errorf("instagram: list deliveries: %w", err)
	}
	defer rows.Close()
	out := []DeliveryRecord{}
	for rows.Next() {
		var d DeliveryRecord
		var reason *string
		var body []byte
		if err := rows.Scan(&d.ID, &d.Status, &reason, &d.ReceivedAt, &d.ProcessedAt, &body); err != nil {
			return nil, fmt.Errorf("instagram: list deliveries: %w", err)
		}
		d.Reason = store.StringOrEmpty(reason)
		if len(body) > 64<<10 {
			body = body[:64<<10]
		}
		if utf8.Valid(body) {
			d.Body = string(body)
		} else {
			d.Body = fmt.Sprintf("%q", body)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
