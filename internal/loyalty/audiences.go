package loyalty

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/loyalty/rules"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// CriteriaDefinition is the reference API's AudienceCriteriaDefinition.
// Criteria are JsonLogic (criteriaJsonLogic) over the member's attributes and
// "points" (the wallet balance). As an extension, criteriaExpression takes
// the same criteria as text, e.g. `instagram_followers >= 1000 AND
// instagram_verified = true`; it is stored as JsonLogic.
type CriteriaDefinition struct {
	CriteriaFormat     string          `json:"criteriaFormat,omitempty"`
	CriteriaTree       json.RawMessage `json:"criteriaTree,omitempty"`
	CriteriaJSONLogic  json.RawMessage `json:"criteriaJsonLogic,omitempty"`
	CriteriaJsonata    *string         `json:"criteriaJsonata,omitempty"`
	CriteriaExpression string          `json:"criteriaExpression,omitempty"`
	TriggerFrequency   string          `json:"triggerFrequency"`
}

// AudienceInput is the reference API's AudienceDefinition; for PATCH the
// criteria come as criteriaPatch.
type AudienceInput struct {
	Name                    string              `json:"name"`
	Description             string              `json:"description"`
	IsActive                *bool               `json:"isActive"`
	CriteriaDefinition      *CriteriaDefinition `json:"criteriaDefinition,omitempty"`
	CriteriaPatch           *CriteriaDefinition `json:"criteriaPatch,omitempty"`
	SendAudienceJoinedEvent bool                `json:"sendAudienceJoinedEvent,omitempty"`
	SendAudienceLeftEvent   bool                `json:"sendAudienceLeftEvent,omitempty"`
}

// Audience is a stored audience.
type Audience struct {
	ID                      string             `json:"id"`
	Name                    string             `json:"name"`
	Description             string             `json:"description"`
	IsActive                bool               `json:"isActive"`
	CriteriaDefinition      CriteriaDefinition `json:"criteriaDefinition"`
	SendAudienceJoinedEvent bool               `json:"sendAudienceJoinedEvent"`
	SendAudienceLeftEvent   bool               `json:"sendAudienceLeftEvent"`
	CreatedAt               time.Time          `json:"createdAt"`
	UpdatedAt               time.Time          `json:"updatedAt"`
}

// AudienceMember is one member of an audience's results.
type AudienceMember struct {
	UserID             string  `json:"userId"`
	ExternalIdentifier *string `json:"externalIdentifier,omitempty"`
	Points             int64   `json:"points"`
}

// compile validates the criteria and normalises text into JsonLogic.
func (c *CriteriaDefinition) compile(field string) (*rules.Expr, error) {
	if !oneOf(c.TriggerFrequency, "DAILY", "HOURLY", "REACTIVE", "MANUAL", "DAILY_REACTIVE", "DAILY_POST_POINTS_LIABILITY") {
		return nil, Invalid(field+".triggerFrequency", "must be one of DAILY, HOURLY, REACTIVE, MANUAL, DAILY_REACTIVE, DAILY_POST_POINTS_LIABILITY")
	}
	if c.CriteriaFormat == "JSONATA" || c.CriteriaJsonata != nil {
		return nil, fmt.Errorf("%w: JSONata criteria; use criteriaJsonLogic or criteriaExpression", ErrUnsupported)
	}
	if c.CriteriaFormat != "" && c.CriteriaFormat != "QUERY_TREE" {
		return nil, Invalid(field+".criteriaFormat", "must be QUERY_TREE or JSONATA")
	}
	var (
		expr *rules.Expr
		err  error
	)
	switch {
	case c.CriteriaExpression != "":
		expr, err = rules.ParseExpression(c.CriteriaExpression)
		if err != nil {
			return nil, Invalid(field+".criteriaExpression", "%v", err)
		}
		b, merr := json.Marshal(expr)
		if merr != nil {
			return nil, fmt.Errorf("loyalty: encode criteria: %w", merr)
		}
		c.CriteriaJSONLogic = b
	case len(c.CriteriaJSONLogic) > 0:
		expr, err = rules.Compile(c.CriteriaJSONLogic)
		if err != nil {
			return nil, Invalid(field+".criteriaJsonLogic", "%v", err)
		}
	default:
		return nil, Invalid(field+".criteriaJsonLogic", "is required (or criteriaExpression)")
	}
	return expr, nil
}

func (in *AudienceInput) validateNames(partial bool) error {
	if in.Name != "" || !partial {
		if err := checkLen("name", in.Name, 2, 200); err != nil {
			return err
		}
	}
	if in.Description != "" || !partial {
		if err := checkLen("description", in.Description, 2, 10000); err != nil {
			return err
		}
	}
	if in.IsActive == nil && !partial {
		return Invalid("isActive", "is required")
	}
	return nil
}

// CreateAudience stores an audience.
func (e *Engine) CreateAudience(ctx context.Context, tenantID string, in *AudienceInput) (*Audience, error) {
	if err := in.validateNames(false); err != nil {
		return nil, err
	}
	if in.CriteriaDefinition == nil {
		return nil, Invalid("criteriaDefinition", "is required")
	}
	if _, err := in.CriteriaDefinition.compile("criteriaDefinition"); err != nil {
		return nil, err
	}
	a := &Audience{ID: newID(), Name: in.Name, Description: in.Description, IsActive: *in.IsActive,
		CriteriaDefinition: *in.CriteriaDefinition, SendAudienceJoinedEvent: in.SendAudienceJoinedEvent,
		SendAudienceLeftEvent: in.SendAudienceLeftEvent, CreatedAt: e.nowUTC()}
	a.UpdatedAt = a.CreatedAt
	if err := e.saveAudience(ctx, tenantID, a, true); err != nil {
		return nil, err
	}
	return a, nil
}

func (e *Engine) saveAudience(ctx context.Context, tenantID string, a *Audience, create bool) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("loyalty: encode audience: %w", err)
	}
	return e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		if create {
			_, err = tx.Exec(ctx, `INSERT INTO audiences (id, tenant_id, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
				a.ID, tenantID, string(b), a.CreatedAt)
		} else {
			_, err = tx.Exec(ctx, `UPDATE audiences SET definition = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
				tenantID, a.ID, string(b), a.UpdatedAt)
		}
		if err != nil {
			return fmt.Errorf("loyalty: save audience: %w", err)
		}
		return nil
	})
}

// GetAudience returns one audience.
func (e *Engine) GetAudience(ctx context.Context, tenantID, id string) (*Audience, error) {
	return readDefinition(ctx, e.db.Read(), "audiences", tenantID, "id = $2", id, "audience", decodeAudience)
}

// ListAudiences lists a tenant's audiences.
func (e *Engine) ListAudiences(ctx context.Context, tenantID string, p ListParams) ([]*Audience, error) {
	return readDefinitions(ctx, e.db.Read(), "audiences", tenantID, "", nil, p, decodeAudience)
}

func decodeAudience(r defRow) (*Audience, error) {
	a := &Audience{}
	return a, json.Unmarshal(r.def, a)
}

// UpdateAudience applies an AudiencePatch.
func (e *Engine) UpdateAudience(ctx context.Context, tenantID, id string, in *AudienceInput) (*Audience, error) {
	if err := in.validateNames(true); err != nil {
		return nil, err
	}
	a, err := e.GetAudience(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if in.Name != "" {
		a.Name = in.Name
	}
	if in.Description != "" {
		a.Description = in.Description
	}
	if in.IsActive != nil {
		a.IsActive = *in.IsActive
	}
	if in.CriteriaPatch != nil {
		c := *in.CriteriaPatch
		if c.TriggerFrequency == "" {
			c.TriggerFrequency = a.CriteriaDefinition.TriggerFrequency
		}
		if c.CriteriaExpression == "" && len(c.CriteriaJSONLogic) == 0 {
			c.CriteriaJSONLogic = a.CriteriaDefinition.CriteriaJSONLogic
		}
		if _, err := c.compile("criteriaPatch"); err != nil {
			return nil, err
		}
		a.CriteriaDefinition = c
	}
	a.SendAudienceJoinedEvent = in.SendAudienceJoinedEvent || a.SendAudienceJoinedEvent
	a.SendAudienceLeftEvent = in.SendAudienceLeftEvent || a.SendAudienceLeftEvent
	a.UpdatedAt = e.nowUTC()
	if err := e.saveAudience(ctx, tenantID, a, false); err != nil {
		return nil, err
	}
	return a, nil
}

// DeleteAudience removes an audience.
func (e *Engine) DeleteAudience(ctx context.Context, tenantID, id string) error {
	return e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		n, err := tx.Exec(ctx, `DELETE FROM audiences WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		if err != nil {
			return fmt.Errorf("loyalty: delete audience: %w", err)
		}
		if n == 0 {
			return notFound("audience", id)
		}
		return nil
	})
}

// AudienceResults evaluates an audience now and lists the members in it.
// Each member is seen as its enabled attributes plus "points", the wallet
// balance (which shadows an attribute of that name).
func (e *Engine) AudienceResults(ctx context.Context, tenantID, id string, p ListParams) ([]AudienceMember, error) {
	a, err := e.GetAudience(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	c := a.CriteriaDefinition
	expr, err := c.compile("criteriaDefinition")
	if err != nil {
		return nil, err
	}
	out := []AudienceMember{}
	if !a.IsActive {
		return out, nil
	}
	q := e.db.Read()
	// Members are scanned in pages so memory stays bounded on large tenants.
	after := ""
	skipped := 0
	for {
		rows, err := q.Query(ctx, `SELECT u.id, u.external_identifier, COALESCE(w.balance, 0) FROM users u LEFT JOIN wallets w ON w.user_id = u.id
			WHERE u.tenant_id = $1 AND u.id > $2 ORDER BY u.id LIMIT 500`, tenantID, after)
		if err != nil {
			return nil, fmt.Errorf("loyalty: audience results: %w", err)
		}
		var page []AudienceMember
		for rows.Next() {
			var m AudienceMember
			if err := rows.Scan(&m.UserID, &m.ExternalIdentifier, &m.Points); err != nil {
				rows.Close()
				return nil, fmt.Errorf("loyalty: audience results: %w", err)
			}
			page = append(page, m)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("loyalty: audience results: %w", err)
		}
		if len(page) == 0 {
			return out, nil
		}
		ids := make([]string, len(page))
		for i, m := range page {
			ids[i] = m.UserID
		}
		attrs, err := e.userAttributes(ctx, q, ids)
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			data := map[string]any{}
			for k, v := range attrs[m.UserID] {
				data[k] = v
			}
			data["points"] = m.Points
			ok, err := expr.Truthy(data)
			if err != nil || !ok {
				continue
			}
			if skipped < p.Skip {
				skipped++
				continue
			}
			out = append(out, m)
			if p.Limit > 0 && len(out) >= p.Limit {
				return out, nil
			}
		}
		after = page[len(page)-1].UserID
	}
}
