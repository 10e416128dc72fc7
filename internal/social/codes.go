package social

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// CodeTTL is how long a verification code stays valid.
const CodeTTL = 24 * time.Hour

// codeAlphabet leaves out letters and digits people confuse (0/O, 1/I/L).
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

var codeRe = regexp.MustCompile(`(?i)\bSO-[` + codeAlphabet + strings.ToLower(codeAlphabet) + `]{6}\b`)

// VerificationCode is a one-time code a member puts in a DM to prove the
// account is theirs.
type VerificationCode struct {
	Code      string    `json:"code"`
	UserID    string    `json:"userId"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func hashCode(tenantID, code string) string {
	h := sha256.Sum256([]byte(tenantID + "\x00" + strings.ToUpper(code)))
	return hex.EncodeToString(h[:])
}

// CreateVerificationCode issues a code for a member (id or external id).
// Only its hash is stored.
func (c *Core) CreateVerificationCode(ctx context.Context, tenantID, member string) (*VerificationCode, error) {
	userID, err := c.engine.ResolveUser(ctx, c.db.Read(), tenantID, member)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("social: code: %w", err)
	}
	var sb strings.Builder
	sb.WriteString("SO-")
	for _, x := range b {
		sb.WriteByte(codeAlphabet[int(x)%len(codeAlphabet)])
	}
	vc := &VerificationCode{Code: sb.String(), UserID: userID, ExpiresAt: c.now().UTC().Add(CodeTTL)}
	err = c.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO verification_codes (code_hash, tenant_id, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
			hashCode(tenantID, vc.Code), tenantID, userID, vc.ExpiresAt, c.now().UTC())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("social: save code: %w", err)
	}
	return vc, nil
}

// redeemCode finds a valid code in text and uses it up, returning its
// member; "" when the text holds none.
func (c *Core) redeemCode(ctx context.Context, tx store.Tx, tenantID, text string) (string, error) {
	for _, code := range codeRe.FindAllString(text, 3) {
		var userID string
		err := tx.QueryRow(ctx, `UPDATE verification_codes SET used_at = $3
			WHERE code_hash = $1 AND tenant_id = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id`,
			hashCode(tenantID, code), tenantID, c.now().UTC()).Scan(&userID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("social: redeem code: %w", err)
		}
		return userID, nil
	}
	return "", nil
}

// ActivityRecord is an activity as the API lists it.
type ActivityRecord struct {
	ID             string          `json:"id"`
	Platform       string          `json:"platform"`
	Kind           string          `json:"kind"`
	DedupKey       string          `json:"dedupKey"`
	AccountID      *string         `json:"accountId,omitempty"`
	Handle         *string         `json:"handle,omitempty"`
	PlatformUserID *string         `json:"platformUserId,omitempty"`
	UserID         *string         `json:"userId,omitempty"`
	Status         string          `json:"status"`
	Reason         *string         `json:"reason,omitempty"`
	EventID        *string         `json:"eventId,omitempty"`
	Data           json.RawMessage `json:"data"`
	OccurredAt     *time.Time      `json:"occurredAt,omitempty"`
	CreatedAt      time.Time       `json:"createdAt"`
}
