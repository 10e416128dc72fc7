package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/shoutout-loyalty/shoutout/internal/loyalty"
)

// HandlerFunc is a handler that returns its error for WriteError to answer.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error

// Reader wraps a handler that needs the tenant named by X-Api-Key.
func (a *API) Reader(h HandlerFunc) http.HandlerFunc { return a.authed(false, h) }

// Writer wraps a handler that also needs the tenant's admin token as
// "Authorization: Bearer <token>".
func (a *API) Writer(h HandlerFunc) http.HandlerFunc { return a.authed(true, h) }

func (a *API) authed(admin bool, h HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := a.engine.Authenticate(r.Context(), r.Header.Get("X-Api-Key"))
		if err != nil {
			WriteError(w, r, err)
			return
		}
		if admin {
			token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || !t.CheckAdmin(strings.TrimSpace(token)) {
				WriteError(w, r, fmt.Errorf("%w: this call needs the tenant's admin token as Authorization: Bearer <token>", loyalty.ErrUnauthorized))
				return
			}
		}
		ctx := context.WithValue(r.Context(), keyTenant, t)
		if err := h(w, r.WithContext(ctx), t); err != nil {
			if he := toHTTPError(err); he.status >= 500 {
				a.log.ErrorContext(ctx, "request failed", "err", err, "route", r.Pattern, "request_id", RequestID(ctx))
			}
			WriteError(w, r, err)
		}
	}
}

// Engine returns the loyalty engine handlers share.
func (a *API) Engine() *loyalty.Engine { return a.engine }
