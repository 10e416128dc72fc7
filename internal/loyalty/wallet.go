package loyalty

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// ErrInsufficientPoints is returned when a spend would take a wallet below
// zero under the REJECT_EVENT liability policy.
var ErrInsufficientPoints = errors.New("loyalty: insufficient points")

// PointTransaction is one movement of points.
type PointTransaction struct {
	ID         string    `json:"id"`
	Points     int64     `json:"points"`
	ImpactType string    `json:"impactType"`
	EventID    *string   `json:"eventId,omitempty"`
	ReactorID  *string   `json:"reactorId,omitempty"`
	Comment    string    `json:"comment,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Wallet is a member's points balance with its latest transactions.
type Wallet struct {
	UserID       string             `json:"userId"`
	Points       WalletPoints       `json:"points"`
	Transactions []PointTransaction `json:"transactions"`
}

// WalletPoints is the points part of a wallet.
type WalletPoints struct {
	Balance int64 `json:"balance"`
}

func (e *Engine) addPoints(ctx context.Context, tx store.Tx, tenantID, userID string, points int64, impact string, eventID, reactorID, actorID *string, comment string) error {
	now := e.nowUTC()
	if _, err := tx.Exec(ctx, `INSERT INTO point_transactions (id, tenant_id, user_id, points, impact_type, event_id, reactor_id, actor_id, comment, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		newID(), tenantID, userID, points, impact, eventID, reactorID, actorID, store.NullString(comment), now); err != nil {
		return fmt.Errorf("loyalty: record points: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO wallets (user_id, tenant_id, balance, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET balance = wallets.balance + excluded.balance, updated_at = excluded.updated_at`,
		userID, tenantID, points, now); err != nil {
		return fmt.Errorf("loyalty: update wallet: %w", err)
	}
	return nil
}

// GetWallet returns a member's balance and latest 50 transactions.
func (e *Engine) GetWallet(ctx context.Context, tenantID, idOrExternal string) (*Wallet, error) {
	q := e.db.Read()
	id, err := e.ResolveUser(ctx, q, tenantID, idOrExternal)
	if err != nil {
		return nil, err
	}
	w := &Wallet{UserID: id, Transactions: []PointTransaction{}}
	err = q.QueryRow(ctx, `SELECT balance FROM wallets WHERE user_id = $1`, id).Scan(&w.Points.Balance)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("loyalty: get wallet: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT id, points, impact_type, event_id, reactor_id, comment, created_at FROM point_transactions
		WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 50`, id)
	if err != nil {
		return nil, fmt.Errorf("loyalty: get wallet: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t PointTransaction
		var comment *string
		if err := rows.Scan(&t.ID, &t.Points, &t.ImpactType, &t.EventID, &t.ReactorID, &comment, &t.CreatedAt); err != nil {
			return nil, fmt.Errorf("loyalty: get wallet: %w", err)
		}
		t.Comment = store.StringOrEmpty(comment)
		w.Transactions = append(w.Transactions, t)
	}
	return w, rows.Err()
}

// AdjustPointsInput is the reference API's ActorAdjustPointsCommand.
type AdjustPointsInput struct {
	Points                  *float64 `json:"points"`
	ActorID                 string   `json:"actorId"`
	Comment                 string   `json:"comment,omitempty"`
	ImpactType              string   `json:"impactType,omitempty"`
	LiabilityHandlingPolicy string   `json:"liabilityHandlingPolicy,omitempty"`
}

// AdjustPoints adds (or, with a negative number or impactType SPEND,
// removes) points. With liabilityHandlingPolicy REJECT_EVENT a spend that
// would leave a negative balance is refused.
func (e *Engine) AdjustPoints(ctx context.Context, tenantID string, in *AdjustPointsInput) (*Wallet, error) {
	switch {
	case in.Points == nil:
		return nil, Invalid("points", "is required")
	case in.ActorID == "":
		return nil, Invalid("actorId", "is required")
	case in.ImpactType != "" && !oneOf(in.ImpactType, "EARN", "SPEND", "NONE"):
		return nil, Invalid("impactType", "must be EARN, SPEND or NONE")
	case in.LiabilityHandlingPolicy != "" && !oneOf(in.LiabilityHandlingPolicy, "BYPASS", "REJECT_EVENT"):
		return nil, Invalid("liabilityHandlingPolicy", "must be BYPASS or REJECT_EVENT")
	case *in.Points != float64(int64(*in.Points)):
		return nil, Invalid("points", "must be a whole number")
	}
	points := int64(*in.Points)
	impact := in.ImpactType
	if impact == "" {
		impact = "EARN"
		if points < 0 {
			impact = "SPEND"
		}
	}
	if impact == "SPEND" && points > 0 {
		points = -points
	}
	var userID string
	err := e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		userID, err = e.ResolveUser(ctx, tx, tenantID, in.ActorID)
		if err != nil {
			return err
		}
		if in.LiabilityHandlingPolicy == "REJECT_EVENT" && points < 0 {
			var bal int64
			err := tx.QueryRow(ctx, `SELECT balance FROM wallets WHERE user_id = $1`, userID).Scan(&bal)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("loyalty: adjust points: %w", err)
			}
			if bal+points < 0 {
				return fmt.Errorf("%w: balance %d, adjustment %d", ErrInsufficientPoints, bal, points)
			}
		}
		return e.addPoints(ctx, tx, tenantID, userID, points, impact, nil, nil, &userID, in.Comment)
	})
	if err != nil {
		return nil, err
	}
	return e.GetWallet(ctx, tenantID, userID)
}
