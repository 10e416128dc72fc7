package loyalty

import (
	"context"
	"fmt"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// defRow is a row of the tables that keep an object as a JSON definition
// beside its id and times: event types, reactors and audiences.
type defRow struct {
	id        string
	def       []byte
	createdAt time.Time
	updatedAt time.Time
}

// readDefinitions lists a tenant's definition rows of table (a constant),
// optionally narrowed by match (a condition on $2, the matchArg), in the
// order and page p asks for, decoded by decode.
func readDefinitions[T any](ctx context.Context, q store.Querier, table, tenantID, match string, matchArg any, p ListParams, decode func(defRow) (T, error)) ([]T, error) {
	order := "ASC"
	if p.Desc {
		order = "DESC"
	}
	query := `SELECT id, definition, created_at, updated_at FROM ` + table + ` WHERE tenant_id = $1`
	args := []any{tenantID}
	if match != "" {
		query += " AND " + match
		args = append(args, matchArg)
	}
	query += fmt.Sprintf(" ORDER BY created_at %s, id %s LIMIT $%d OFFSET $%d", order, order, len(args)+1, len(args)+2)
	args = append(args, p.Limit, p.Skip)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("loyalty: read %s: %w", table, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var r defRow
		var def string
		if err := rows.Scan(&r.id, &def, &r.createdAt, &r.updatedAt); err != nil {
			return nil, fmt.Errorf("loyalty: read %s: %w", table, err)
		}
		r.def = []byte(def)
		v, err := decode(r)
		if err != nil {
			return nil, fmt.Errorf("loyalty: decode %s %s: %w", table, r.id, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loyalty: read %s: %w", table, err)
	}
	return out, nil
}

// readDefinition reads one definition row by the given match, or
// ErrNotFound naming what.
func readDefinition[T any](ctx context.Context, q store.Querier, table, tenantID, match string, matchArg any, what string, decode func(defRow) (T, error)) (T, error) {
	list, err := readDefinitions(ctx, q, table, tenantID, match, matchArg, ListParams{Limit: 1}, decode)
	if err != nil {
		var zero T
		return zero, err
	}
	if len(list) == 0 {
		var zero T
		return zero, notFound(what, fmt.Sprint(matchArg))
	}
	return list[0], nil
}
