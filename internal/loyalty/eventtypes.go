package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/loyalty/rules"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// EventTypeInput is the reference API's EventTypeDefinition (and, partially,
// EventTypePatch).
type EventTypeInput struct {
	Name                 string            `json:"name"`
	Description          string            `json:"description"`
	Schema               map[string]any    `json:"schema,omitempty"`
	IsPrivate            *bool             `json:"isPrivate"`
	IsActive             *bool             `json:"isActive,omitempty"`
	MetaTypeMappings     []json.RawMessage `json:"metaTypeMappings,omitempty"`
	Enhancers            []string          `json:"enhancers,omitempty"`
	OmitFromUserActivity *bool             `json:"omitFromUserActivity,omitempty"`
}

// EventType is a registered event type.
type EventType struct {
	ID string `json:"id"`
	EventTypeInput
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Validate checks the definition against the reference schema.
func (in *EventTypeInput) Validate() error {
	switch {
	case in.Name == "":
		return Invalid("name", "is required")
	case !rules.ValidEventType(in.Name):
		return Invalid("name", "must match ^[A-Z]+(_[A-Z]+)*$ and be 2 to 64 characters")
	case len(in.Description) < 2 || len(in.Description) > 1024 || !isASCII(in.Description):
		return Invalid("description", "must be 2 to 1024 ASCII characters")
	case in.IsPrivate == nil:
		return Invalid("isPrivate", "is required")
	}
	for i, en := range in.Enhancers {
		if !oneOf(en, "AUDIENCE_ENHANCER", "POINTS_ENHANCER", "REFERRAL_DETAILS", "CODE_POOL", "RANDOM_NUMBER", "TEST") {
			return Invalid(fmt.Sprintf("enhancers[%d]", i), "is not a known enhancer")
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > 0x7f {
			return false
		}
	}
	return true
}

// CreateEventType registers an event type; a name may be registered once.
func (e *Engine) CreateEventType(ctx context.Context, tenantID string, in *EventTypeInput) (*EventType, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.IsActive == nil {
		t := true
		in.IsActive = &t
	}
	et := &EventType{ID: newID(), EventTypeInput: *in, CreatedAt: e.nowUTC()}
	et.UpdatedAt = et.CreatedAt
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("loyalty: encode event type: %w", err)
	}
	err = e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO event_types (id, tenant_id, name, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
			et.ID, tenantID, in.Name, string(b), et.CreatedAt)
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("%w: event type %s exists", ErrConflict, in.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("loyalty: create event type: %w", err)
	}
	return et, nil
}

// GetEventType returns an event type by id or name.
func (e *Engine) GetEventType(ctx context.Context, tenantID, idOrName string) (*EventType, error) {
	return e.getEventType(ctx, e.db.Read(), tenantID, idOrName)
}

func (e *Engine) getEventType(ctx context.Context, q store.Querier, tenantID, idOrName string) (*EventType, error) {
	return readDefinition(ctx, q, "event_types", tenantID, "(id = $2 OR name = $2)", idOrName, "event type", decodeEventType)
}

func decodeEventType(r defRow) (*EventType, error) {
	et := &EventType{ID: r.id, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt}
	return et, json.Unmarshal(r.def, &et.EventTypeInput)
}

// ListEventTypes lists registered event types.
func (e *Engine) ListEventTypes(ctx context.Context, tenantID string, p ListParams) ([]*EventType, error) {
	return readDefinitions(ctx, e.db.Read(), "event_types", tenantID, "", nil, p, decodeEventType)
}

// UpdateEventType merges an EventTypePatch into an event type.
func (e *Engine) UpdateEventType(ctx context.Context, tenantID, id string, patch json.RawMessage) (*EventType, error) {
	var out *EventType
	err := e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		et, err := e.getEventType(ctx, tx, tenantID, id)
		if err != nil {
			return err
		}
		in := et.EventTypeInput
		if err := json.Unmarshal(patch, &in); err != nil {
			return jsonFieldError(err)
		}
		if err := in.Validate(); err != nil {
			return err
		}
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("loyalty: encode event type: %w", err)
		}
		et.EventTypeInput, et.UpdatedAt = in, e.nowUTC()
		_, err = tx.Exec(ctx, `UPDATE event_types SET name = $3, definition = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2`,
			tenantID, et.ID, in.Name, string(b), et.UpdatedAt)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: event type %s exists", ErrConflict, in.Name)
		}
		if err != nil {
			return fmt.Errorf("loyalty: update event type: %w", err)
		}
		out = et
		return nil
	})
	return out, err
}
