package loyalty

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/shoutout-loyalty/shoutout/internal/loyalty/rules"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// ErrUnknownSubject is returned for an event whose subject names no member.
var ErrUnknownSubject = errors.New("loyalty: unknown subject")

// EventInput is the reference API's EventDefinition.
type EventInput struct {
	Type       string          `json:"type"`
	Subject    string          `json:"subject,omitempty"`
	Executor   string          `json:"executor,omitempty"`
	Payload    json.RawMessage `json:"payload,omitempty"`
	OccurredAt string          `json:"occurredAt,omitempty"`
}

// Event is a ledger entry as the API answers it.
type Event struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Subject    string          `json:"subject,omitempty"`
	Executor   string          `json:"executor,omitempty"`
	Payload    json.RawMessage `json:"payload"`
	OccurredAt time.Time       `json:"occurredAt"`
	CreatedAt  time.Time       `json:"createdAt"`
}

// Validate checks the input against the reference schema and returns the
// decoded payload and occurrence time.
func (in *EventInput) Validate() (payload map[string]any, occurred time.Time, err error) {
	switch {
	case in.Type == "":
		return nil, occurred, Invalid("type", "is required")
	case !rules.ValidEventType(in.Type):
		return nil, occurred, Invalid("type", "must match ^[A-Z]+(_[A-Z]+)*$ and be 2 to 64 characters, e.g. MENTIONED_YOU_SOCIAL")
	case in.Subject != "" && len(in.Subject) > 128:
		return nil, occurred, Invalid("subject", "must be 1 to 128 characters")
	case len(in.Executor) > 128:
		return nil, occurred, Invalid("executor", "must be at most 128 characters")
	}
	payload = map[string]any{}
	if p := bytes.TrimSpace(in.Payload); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		if p[0] != '{' {
			return nil, occurred, Invalid("payload", "must be a JSON object")
		}
		d := json.NewDecoder(bytes.NewReader(p))
		d.UseNumber()
		if err := d.Decode(&payload); err != nil {
			return nil, occurred, Invalid("payload", "must be a JSON object")
		}
	}
	if in.OccurredAt != "" {
		t, err := time.Parse(time.RFC3339Nano, in.OccurredAt)
		if err != nil {
			return nil, occurred, Invalid("occurredAt", "must be an RFC 3339 date-time, e.g. 2026-01-02T15:04:05.000Z")
		}
		occurred = t.UTC()
	}
	return payload, occurred, nil
}

// PostEvent records an event and applies its reactions in one unit of work.
func (e *Engine) PostEvent(ctx context.Context, tenantID string, in *EventInput) (*Event, error) {
	var ev *Event
	err := e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		ev, err = e.RecordEvent(ctx, tx, tenantID, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// RecordEvent appends an event to the ledger and applies every reactor it
// activates, inside tx: the event and all its reactions commit together or
// not at all.
func (e *Engine) RecordEvent(ctx context.Context, tx store.Tx, tenantID string, in *EventInput) (*Event, error) {
	payload, occurred, err := in.Validate()
	if err != nil {
		return nil, err
	}
	now := e.nowUTC()
	if occurred.IsZero() {
		occurred = now
	}
	var userID *string
	subject := in.Subject
	if subject != "" {
		id, err := e.ResolveUser(ctx, tx, tenantID, subject)
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: no user has id or externalIdentifier %q", ErrUnknownSubject, subject)
		}
		if err != nil {
			return nil, err
		}
		userID, subject = &id, id
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("loyalty: encode payload: %w", err)
	}
	ev := &Event{ID: newID(), Type: in.Type, Subject: subject, Executor: in.Executor, Payload: raw, OccurredAt: occurred, CreatedAt: now}
	if _, err := tx.Exec(ctx, `INSERT INTO events (id, tenant_id, type, subject, user_id, executor, payload, occurred_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		ev.ID, tenantID, ev.Type, store.NullString(subject), userID, store.NullString(in.Executor), string(raw), occurred, now); err != nil {
		return nil, fmt.Errorf("loyalty: record event: %w", err)
	}
	reactors, err := e.reactorsFor(ctx, tenantID, ev.Type)
	if err != nil {
		return nil, err
	}
	for _, r := range reactors {
		if err := e.react(ctx, tx, tenantID, r, ev, payload); err != nil {
			return nil, fmt.Errorf("loyalty: reactor %s (%s): %w", r.def.Name, r.id, err)
		}
	}
	return ev, nil
}

// react applies one reactor to an event, if the event activates it.
func (e *Engine) react(ctx context.Context, tx store.Tx, tenantID string, r compiledReactor, ev *Event, payload map[string]any) error {
	if r.def.Effectivity != nil {
		ok, err := r.def.Effectivity.Contains(ev.OccurredAt)
		if err != nil || !ok {
			return nil
		}
	}
	if r.constraint != nil {
		ok, err := r.constraint.Truthy(rules.EventData(ev.Type, ev.Subject, payload))
		if err != nil || !ok {
			return nil
		}
	}
	if r.def.MaxActivations != nil {
		scope := rules.ActivationScope(r.def.ActivationContext, tenantID, ev.Subject)
		var n int64
		err := tx.QueryRow(ctx, `INSERT INTO reactor_activations (reactor_id, scope, count) VALUES ($1, $2, 1)
			ON CONFLICT (reactor_id, scope) DO UPDATE SET count = reactor_activations.count + 1
			WHERE reactor_activations.count < $3 RETURNING count`, r.id, scope, *r.def.MaxActivations).Scan(&n)
		if errors.Is(err, store.ErrNotFound) {
			return nil // limit reached: the event stays, the reactor does not fire
		}
		if err != nil {
			return fmt.Errorf("count activation: %w", err)
		}
	}
	var failed error
	for _, reaction := range r.def.Reactions {
		if reaction.ForFailure {
			continue
		}
		if err := e.applyReaction(ctx, tx, tenantID, r, reaction, ev, payload); err != nil {
			if !isReactionFailure(err) {
				return err
			}
			failed = err
			break
		}
	}
	if failed == nil {
		return nil
	}
	// A reaction could not be carried out (e.g. no member to award): the
	// reactor's forFailure reactions run instead, so the failure is visible.
	e.log.WarnContext(ctx, "reaction failed", "reactor", r.id, "event", ev.ID, "err", failed)
	for _, reaction := range r.def.Reactions {
		if reaction.ForFailure {
			if err := e.applyReaction(ctx, tx, tenantID, r, reaction, ev, payload); err != nil && !isReactionFailure(err) {
				return err
			}
		}
	}
	return nil
}

// errReactionFailed marks a reaction that cannot apply to this event; it
// does not undo the event.
var errReactionFailed = errors.New("reaction failed")

func isReactionFailure(err error) bool { return errors.Is(err, errReactionFailed) }

func (e *Engine) applyReaction(ctx context.Context, tx store.Tx, tenantID string, r compiledReactor, reaction rules.Reaction, ev *Event, payload map[string]any) error {
	switch reaction.Type {
	case rules.ReactionPoints:
		if ev.Subject == "" {
			return fmt.Errorf("%w: POINTS needs an event subject", errReactionFailed)
		}
		if reaction.Points == nil {
			return nil
		}
		v, err := reaction.Points.Evaluate(payload)
		if err != nil {
			return fmt.Errorf("%w: derive points: %v", errReactionFailed, err)
		}
		points := int64(math.Round(v))
		if points == 0 {
			return nil
		}
		impact := "EARN"
		if points < 0 {
			impact = "SPEND"
		}
		return e.addPoints(ctx, tx, tenantID, ev.Subject, points, impact, &ev.ID, &r.id, nil, "")
	case rules.ReactionAttribute:
		if ev.Subject == "" {
			return fmt.Errorf("%w: ATTRIBUTE needs an event subject", errReactionFailed)
		}
		for _, kv := range reaction.Attributes {
			if !kv.IsEnabled {
				continue
			}
			if err := e.setAttributeTx(ctx, tx, tenantID, ev.Subject, kv.Key, kv.Value, true, ev.CreatedAt); err != nil {
				return err
			}
		}
		return nil
	case rules.ReactionWebhook:
		if e.queue == nil {
			return fmt.Errorf("%w: webhooks are not configured", errReactionFailed)
		}
		_, err := e.queue.InsertTx(ctx, tx, WebhookArgs{TenantID: tenantID, ReactorID: r.id, URL: reaction.URL, Headers: reaction.Headers, Event: *ev},
			&river.InsertOpts{MaxAttempts: 12})
		return err
	default:
		return fmt.Errorf("%w: reaction type %s", errReactionFailed, reaction.Type)
	}
}

// GetEvent returns one event of the tenant.
func (e *Engine) GetEvent(ctx context.Context, tenantID, id string) (*Event, error) {
	rows, err := e.db.Read().Query(ctx, `SELECT `+eventColumns+` FROM events WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("loyalty: get event: %w", err)
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, notFound("event", id)
	}
	return evs[0], nil
}

// EventFilter selects events from the ledger.
type EventFilter struct {
	Subject string
	Type    string
	ListParams
}

const eventColumns = `id, type, subject, executor, payload, occurred_at, created_at`

// ListEvents lists the ledger, newest first unless Desc is false and the
// caller asked for ASC.
func (e *Engine) ListEvents(ctx context.Context, tenantID string, f EventFilter) ([]*Event, error) {
	where := []string{"tenant_id = $1"}
	args := []any{tenantID}
	if f.Subject != "" {
		uid, err := e.ResolveUser(ctx, e.db.Read(), tenantID, f.Subject)
		if errors.Is(err, ErrNotFound) {
			return []*Event{}, nil
		}
		if err != nil {
			return nil, err
		}
		args = append(args, uid)
		where = append(where, fmt.Sprintf("user_id = $%d", len(args)))
	}
	if f.Type != "" {
		args = append(args, f.Type)
		where = append(where, fmt.Sprintf("type = $%d", len(args)))
	}
	order := "ASC"
	if f.Desc {
		order = "DESC"
	}
	args = append(args, f.Limit, f.Skip)
	rows, err := e.db.Read().Query(ctx, `SELECT `+eventColumns+` FROM events WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY seq %s LIMIT $%d OFFSET $%d`, order, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("loyalty: list events: %w", err)
	}
	return scanEvents(rows)
}

// CountEvents counts a tenant's events of a type (all types when empty).
func (e *Engine) CountEvents(ctx context.Context, tenantID, eventType string) (int64, error) {
	var n int64
	err := e.db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM events WHERE tenant_id = $1 AND ($2 = '' OR type = $2)`, tenantID, eventType).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("loyalty: count events: %w", err)
	}
	return n, nil
}

func scanEvents(rows store.Rows) ([]*Event, error) {
	defer rows.Close()
	out := []*Event{}
	for rows.Next() {
		ev := &Event{}
		var subject, executor *string
		var payload string
		if err := rows.Scan(&ev.ID, &ev.Type, &subject, &executor, &payload, &ev.OccurredAt, &ev.CreatedAt); err != nil {
			return nil, fmt.Errorf("loyalty: read events: %w", err)
		}
		ev.Subject, ev.Executor, ev.Payload = store.StringOrEmpty(subject), store.StringOrEmpty(executor), json.RawMessage(payload)
		ev.OccurredAt, ev.CreatedAt = ev.OccurredAt.UTC(), ev.CreatedAt.UTC()
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loyalty: read events: %w", err)
	}
	return out, nil
}
