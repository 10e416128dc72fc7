package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/shoutout-loyalty/shoutout/internal/loyalty"
	"github.com/shoutout-loyalty/shoutout/internal/loyalty/rules"
)

// routes registers the loyalty engine API: the reference subset under /v1.
func (a *API) routes(mux *http.ServeMux) {
	Route(mux, "POST /v1/events", a.Writer(a.postEvent))
	Route(mux, "GET /v1/events", a.Reader(a.listEvents))
	Route(mux, "GET /v1/events/{id}", a.Reader(a.getEvent))

	Route(mux, "POST /v1/event_types", a.Writer(a.postEventType))
	Route(mux, "GET /v1/event_types", a.Reader(a.listEventTypes))
	Route(mux, "GET /v1/event_types/{id}", a.Reader(a.getEventType))
	Route(mux, "PATCH /v1/event_types/{id}", a.Writer(a.patchEventType))

	Route(mux, "POST /v1/event_reactors", a.Writer(a.postReactor))
	Route(mux, "GET /v1/event_reactors", a.Reader(a.listReactors))
	Route(mux, "GET /v1/event_reactors/{id}", a.Reader(a.getReactor))
	Route(mux, "PATCH /v1/event_reactors/{id}", a.Writer(a.patchReactor))
	Route(mux, "DELETE /v1/event_reactors/{id}", a.Writer(a.deleteReactor))

	Route(mux, "POST /v1/attributes", a.Writer(a.postAttribute))
	Route(mux, "POST /v1/attributes/batch", a.Writer(a.postAttributeBatch))
	Route(mux, "GET /v1/attributes", a.Reader(a.listAttributes))
	Route(mux, "GET /v1/attributes/{id}", a.Reader(a.getAttribute))

	Route(mux, "POST /v1/users", a.Writer(a.postUser))
	Route(mux, "GET /v1/users", a.Reader(a.listUsers))
	Route(mux, "GET /v1/users/{id}", a.Reader(a.getUser))
	Route(mux, "PATCH /v1/users/{id}", a.Writer(a.patchUser))
	Route(mux, "DELETE /v1/users/{id}", a.Writer(a.deleteUser))
	Route(mux, "GET /v1/users/{id}/wallet", a.Reader(a.getWallet))
	Route(mux, "POST /v1/commands/adjust_points", a.Writer(a.adjustPoints))

	Route(mux, "POST /v1/audiences", a.Writer(a.postAudience))
	Route(mux, "GET /v1/audiences", a.Reader(a.listAudiences))
	Route(mux, "GET /v1/audiences/{id}", a.Reader(a.getAudience))
	Route(mux, "PATCH /v1/audiences/{id}", a.Writer(a.patchAudience))
	Route(mux, "DELETE /v1/audiences/{id}", a.Writer(a.deleteAudience))
	Route(mux, "GET /v1/audiences/{id}/results", a.Reader(a.audienceResults))
}

// items is the list answer shape.
type items[T any] struct {
	Items []T `json:"items"`
}

// ListParams parses the reference's ListQueryParams: limit (1 to 1000,
// default 50), skip, order (ASC or DESC, default defaultOrder).
func ListParams(r *http.Request, defaultOrder string) (loyalty.ListParams, error) {
	q := r.URL.Query()
	p := loyalty.ListParams{Limit: 50}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return p, loyalty.Invalid("limit", "must be a whole number from 1 to 1000")
		}
		p.Limit = n
	}
	if s := q.Get("skip"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return p, loyalty.Invalid("skip", "must be a whole number of at least 0")
		}
		p.Skip = n
	}
	order := q.Get("order")
	if order == "" {
		order = defaultOrder
	}
	switch order {
	case "ASC":
	case "DESC":
		p.Desc = true
	default:
		return p, loyalty.Invalid("order", "must be ASC or DESC")
	}
	return p, nil
}

func (a *API) postEvent(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in loyalty.EventInput
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	ev, err := a.engine.PostEvent(r.Context(), t.ID, &in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, ev)
	return nil
}

func (a *API) listEvents(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	p, err := ListParams(r, "DESC")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if typ := q.Get("type"); typ != "" && !rules.ValidEventType(typ) {
		return loyalty.Invalid("type", "must match ^[A-Z]+(_[A-Z]+)*$")
	}
	evs, err := a.engine.ListEvents(r.Context(), t.ID, loyalty.EventFilter{Subject: q.Get("subject"), Type: q.Get("type"), ListParams: p})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, items[*loyalty.Event]{evs})
	return nil
}

func (a *API) getEvent(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	ev, err := a.engine.GetEvent(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, ev)
	return nil
}

func (a *API) postEventType(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in loyalty.EventTypeInput
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	et, err := a.engine.CreateEventType(r.Context(), t.ID, &in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, et)
	return nil
}

func (a *API) listEventTypes(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	p, err := ListParams(r, "ASC")
	if err != nil {
		return err
	}
	ets, err := a.engine.ListEventTypes(r.Context(), t.ID, p)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, items[*loyalty.EventType]{ets})
	return nil
}

func (a *API) getEventType(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	et, err := a.engine.GetEventType(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, et)
	return nil
}

func (a *API) patchEventType(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var patch json.RawMessage
	if err := DecodeJSON(w, r, &patch); err != nil {
		return err
	}
	et, err := a.engine.UpdateEventType(r.Context(), t.ID, r.PathValue("id"), patch)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, et)
	return nil
}

func (a *API) postReactor(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in rules.Reactor
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	rc, err := a.engine.CreateReactor(r.Context(), t.ID, &in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, rc)
	return nil
}

func (a *API) listReactors(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	p, err := ListParams(r, "ASC")
	if err != nil {
		return err
	}
	rs, err := a.engine.ListReactors(r.Context(), t.ID, p)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []*loyalty.Reactor{}
	}
	WriteJSON(w, http.StatusOK, items[*loyalty.Reactor]{rs})
	return nil
}

func (a *API) getReactor(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	rc, err := a.engine.GetReactor(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, rc)
	return nil
}

func (a *API) patchReactor(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var patch json.RawMessage
	if err := DecodeJSON(w, r, &patch); err != nil {
		return err
	}
	rc, err := a.engine.UpdateReactor(r.Context(), t.ID, r.PathValue("id"), patch)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, rc)
	return nil
}

func (a *API) deleteReactor(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	if err := a.engine.DeleteReactor(r.Context(), t.ID, r.PathValue("id")); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "status": "deleted"})
	return nil
}

func (a *API) postAttribute(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in loyalty.AttributeInput
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	attrs, err := a.engine.SetAttributes(r.Context(), t.ID, []loyalty.AttributeInput{in})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, attrs[0])
	return nil
}

func (a *API) postAttributeBatch(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in struct {
		Definitions *[]loyalty.AttributeInput `json:"definitions"`
	}
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Definitions == nil {
		return loyalty.Invalid("definitions", "is required")
	}
	if len(*in.Definitions) == 0 {
		WriteJSON(w, http.StatusOK, items[*loyalty.Attribute]{[]*loyalty.Attribute{}})
		return nil
	}
	attrs, err := a.engine.SetAttributes(r.Context(), t.ID, *in.Definitions)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, items[*loyalty.Attribute]{attrs})
	return nil
}

func (a *API) listAttributes(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	p, err := ListParams(r, "ASC")
	if err != nil {
		return err
	}
	userID := ""
	if s := r.URL.Query().Get("subjectId"); s != "" {
		if userID, err = a.engine.ResolveUser(r.Context(), a.db.Read(), t.ID, s); err != nil {
			return err
		}
	}
	attrs, err := a.engine.ListAttributes(r.Context(), t.ID, userID, p)
	if err != nil {
		return err
	}
	if attrs == nil {
		attrs = []*loyalty.Attribute{}
	}
	WriteJSON(w, http.StatusOK, items[*loyalty.Attribute]{attrs})
	return nil
}

func (a *API) getAttribute(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	at, err := a.engine.GetAttribute(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, at)
	return nil
}

func (a *API) postUser(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in loyalty.UserInput
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := a.engine.CreateUser(r.Context(), t.ID, &in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	p, err := ListParams(r, "ASC")
	if err != nil {
		return err
	}
	us, err := a.engine.ListUsers(r.Context(), t.ID, p)
	if err != nil {
		return err
	}
	if us == nil {
		us = []*loyalty.User{}
	}
	WriteJSON(w, http.StatusOK, items[*loyalty.User]{us})
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	u, err := a.engine.GetUser(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) patchUser(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in loyalty.UserInput
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := a.engine.UpdateUser(r.Context(), t.ID, r.PathValue("id"), &in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	if err := a.engine.DeleteUser(r.Context(), t.ID, r.PathValue("id")); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "status": "deleted"})
	return nil
}

func (a *API) getWallet(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	wal, err := a.engine.GetWallet(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, wal)
	return nil
}

func (a *API) adjustPoints(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in loyalty.AdjustPointsInput
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	wal, err := a.engine.AdjustPoints(r.Context(), t.ID, &in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, wal)
	return nil
}

func (a *API) postAudience(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in loyalty.AudienceInput
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	au, err := a.engine.CreateAudience(r.Context(), t.ID, &in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, au)
	return nil
}

func (a *API) listAudiences(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	p, err := ListParams(r, "ASC")
	if err != nil {
		return err
	}
	aus, err := a.engine.ListAudiences(r.Context(), t.ID, p)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, items[*loyalty.Audience]{aus})
	return nil
}

func (a *API) getAudience(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	au, err := a.engine.GetAudience(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, au)
	return nil
}

func (a *API) patchAudience(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in loyalty.AudienceInput
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	au, err := a.engine.UpdateAudience(r.Context(), t.ID, r.PathValue("id"), &in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, au)
	return nil
}

func (a *API) deleteAudience(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	if err := a.engine.DeleteAudience(r.Context(), t.ID, r.PathValue("id")); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "status": "deleted"})
	return nil
}

func (a *API) audienceResults(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	p, err := ListParams(r, "ASC")
	if err != nil {
		return err
	}
	ms, err := a.engine.AudienceResults(r.Context(), t.ID, r.PathValue("id"), p)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, items[loyalty.AudienceMember]{ms})
	return nil
}
