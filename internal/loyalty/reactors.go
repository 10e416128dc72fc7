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

// Reactor is a stored reactor as the API answers it.
type Reactor struct {
	ID string `json:"id"`
	rules.Reactor
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

type compiledReactor struct {
	id         string
	def        rules.Reactor
	constraint *rules.Expr
}

type cachedReactors struct {
	byType  map[string][]compiledReactor
	expires time.Time
}

func validationFromRules(err error) error {
	var fe *rules.FieldError
	if errors.Is(err, rules.ErrUnsupportedReaction) {
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	if errors.As(err, &fe) {
		return &ValidationError{Field: fe.Field, Message: fe.Message}
	}
	return err
}

// CreateReactor stores a reactor; it acts on events recorded from then on.
func (e *Engine) CreateReactor(ctx context.Context, tenantID string, def *rules.Reactor) (*Reactor, error) {
	if err := def.Validate(); err != nil {
		return nil, validationFromRules(err)
	}
	r := &Reactor{ID: newID(), Reactor: *def, CreatedAt: e.nowUTC()}
	r.UpdatedAt = r.CreatedAt
	b, err := json.Marshal(def)
	if err != nil {
		return nil, fmt.Errorf("loyalty: encode reactor: %w", err)
	}
	err = e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO reactors (id, tenant_id, event_type, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
			r.ID, tenantID, def.EventType, string(b), r.CreatedAt)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loyalty: create reactor: %w", err)
	}
	e.forgetReactors(tenantID)
	return r, nil
}

// GetReactor returns one reactor.
func (e *Engine) GetReactor(ctx context.Context, tenantID, id string) (*Reactor, error) {
	return e.getReactor(ctx, e.db.Read(), tenantID, id)
}

func (e *Engine) getReactor(ctx context.Context, q store.Querier, tenantID, id string) (*Reactor, error) {
	return readDefinition(ctx, q, "reactors", tenantID, "id = $2", id, "event reactor", decodeReactor)
}

func decodeReactor(r defRow) (*Reactor, error) {
	rc := &Reactor{ID: r.id, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt}
	return rc, json.Unmarshal(r.def, &rc.Reactor)
}

// ListReactors lists a tenant's reactors.
func (e *Engine) ListReactors(ctx context.Context, tenantID string, p ListParams) ([]*Reactor, error) {
	return readDefinitions(ctx, e.db.Read(), "reactors", tenantID, "", nil, p, decodeReactor)
}

// UpdateReactor merges a patch (the reference's EventReactorPatch: the event
// type cannot change) into a reactor.
func (e *Engine) UpdateReactor(ctx context.Context, tenantID, id string, patch json.RawMessage) (*Reactor, error) {
	var out *Reactor
	err := e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		r, err := e.getReactor(ctx, tx, tenantID, id)
		if err != nil {
			return err
		}
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(patch, &probe); err != nil {
			return Invalid("body", "must be a JSON object")
		}
		if _, ok := probe["eventType"]; ok {
			return Invalid("eventType", "cannot be changed; create a new reactor")
		}
		def := r.Reactor
		if err := json.Unmarshal(patch, &def); err != nil {
			return jsonFieldError(err)
		}
		if err := def.Validate(); err != nil {
			return validationFromRules(err)
		}
		b, err := json.Marshal(def)
		if err != nil {
			return fmt.Errorf("loyalty: encode reactor: %w", err)
		}
		r.Reactor = def
		r.UpdatedAt = e.nowUTC()
		if _, err := tx.Exec(ctx, `UPDATE reactors SET definition = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2`, tenantID, id, string(b), r.UpdatedAt); err != nil {
			return fmt.Errorf("loyalty: update reactor: %w", err)
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.forgetReactors(tenantID)
	return out, nil
}

// DeleteReactor removes a reactor and its activation counts.
func (e *Engine) DeleteReactor(ctx context.Context, tenantID, id string) error {
	err := e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM reactor_activations WHERE reactor_id IN (SELECT id FROM reactors WHERE tenant_id = $1 AND id = $2)`, tenantID, id); err != nil {
			return fmt.Errorf("loyalty: delete reactor: %w", err)
		}
		n, err := tx.Exec(ctx, `DELETE FROM reactors WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		if err != nil {
			return fmt.Errorf("loyalty: delete reactor: %w", err)
		}
		if n == 0 {
			return notFound("event reactor", id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.forgetReactors(tenantID)
	return nil
}

func (e *Engine) forgetReactors(tenantID string) {
	e.mu.Lock()
	delete(e.reactors, tenantID)
	e.mu.Unlock()
}

// reactorsFor returns the compiled reactors of a tenant for an event type,
// from a cache that this replica's changes clear at once and others' within
// the cache TTL.
func (e *Engine) reactorsFor(ctx context.Context, tenantID, eventType string) ([]compiledReactor, error) {
	e.mu.RLock()
	c, ok := e.reactors[tenantID]
	e.mu.RUnlock()
	if ok && e.now().Before(c.expires) {
		return c.byType[eventType], nil
	}
	all, err := e.ListReactors(ctx, tenantID, ListParams{Limit: 100000})
	if err != nil {
		return nil, err
	}
	c = cachedReactors{byType: map[string][]compiledReactor{}, expires: e.now().Add(e.ttl)}
	for _, r := range all {
		expr, err := r.CompileConstraint()
		if err != nil {
			// Validated on write; a stored reactor that no longer compiles
			// is skipped loudly rather than blocking every event.
			e.log.ErrorContext(ctx, "reactor constraint does not compile", "reactor", r.ID, "err", err)
			continue
		}
		c.byType[r.EventType] = append(c.byType[r.EventType], compiledReactor{id: r.ID, def: r.Reactor, constraint: expr})
	}
	e.mu.Lock()
	e.reactors[tenantID] = c
	e.mu.Unlock()
	return c.byType[eventType], nil
}

// jsonFieldError turns a JSON decoding error into a ValidationError naming
// the field.
func jsonFieldError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "body"
		}
		return Invalid(field, "must be of type %s", te.Value)
	}
	return Invalid("body", "is not valid JSON: %v", err)
}
