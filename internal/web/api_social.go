package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/shoutout-loyalty/shoutout/internal/instagram"
	"github.com/shoutout-loyalty/shoutout/internal/jobs"
	"github.com/shoutout-loyalty/shoutout/internal/loyalty"
	"github.com/shoutout-loyalty/shoutout/internal/social"
)

// SocialConfig is what the social routes need.
type SocialConfig struct {
	Core      *social.Core
	Instagram *instagram.Service
	// Jobs lists failed jobs for operators.
	Jobs interface {
		List(ctx context.Context, states []string, limit int) ([]jobs.Job, error)
	}
	// OperatorToken guards /v1/operator: what belongs to no tenant
	// (quarantined deliveries, unknown accounts, failed jobs). Empty
	// disables those routes.
	OperatorToken string
}

// MountSocial adds the platform webhooks and the social API.
func MountSocial(cfg SocialConfig) func(*http.ServeMux, *API) {
	return func(mux *http.ServeMux, api *API) {
		h := &socialHandlers{cfg: cfg}
		wh := cfg.Instagram.Handler()
		mux.Handle("GET /webhooks/instagram", wh)
		mux.Handle("POST /webhooks/instagram", wh)

		Route(mux, "POST /v1/social/instagram/connections", api.Writer(h.connect))
		Route(mux, "GET /v1/social/instagram/connections", api.Reader(h.connections))
		Route(mux, "POST /v1/social/instagram/verification_codes", api.Writer(h.verificationCode))
		Route(mux, "GET /v1/social/activity", api.Reader(h.activity))
		Route(mux, "GET /v1/social/settings", api.Reader(h.getSettings))
		Route(mux, "PUT /v1/social/settings", api.Writer(h.putSettings))

		Route(mux, "GET /v1/operator/webhooks", h.operator(h.deliveries))
		Route(mux, "GET /v1/operator/activity", h.operator(h.orphanActivity))
		Route(mux, "GET /v1/operator/jobs", h.operator(h.failedJobs))
	}
}

type socialHandlers struct{ cfg SocialConfig }

func (h *socialHandlers) connect(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in instagram.ConnectionInput
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := h.cfg.Instagram.Connect(r.Context(), t.ID, &in)
	var fe *instagram.FieldError
	switch {
	case errors.As(err, &fe):
		return loyalty.Invalid(fe.Field, "%s", fe.Message)
	case errors.Is(err, instagram.ErrConnectionTaken):
		return Errorf(http.StatusConflict, "conflict", "%v", err)
	case err != nil:
		return err
	}
	WriteJSON(w, http.StatusOK, c)
	return nil
}

func (h *socialHandlers) connections(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	cs, err := h.cfg.Instagram.Connections(r.Context(), t.ID)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, items[*instagram.Connection]{cs})
	return nil
}

func (h *socialHandlers) verificationCode(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	var in struct {
		UserID string `json:"userId"`
	}
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.UserID == "" {
		return loyalty.Invalid("userId", "is required")
	}
	vc, err := h.cfg.Core.CreateVerificationCode(r.Context(), t.ID, in.UserID)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, vc)
	return nil
}

var activityStatuses = []string{social.StatusReported, social.StatusUnmatched, social.StatusAmbiguous, social.StatusUnverified,
	social.StatusIgnored, social.StatusFailed, social.StatusUnknown}

func (h *socialHandlers) activity(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	f, err := activityFilter(r)
	if err != nil {
		return err
	}
	list, err := h.cfg.Core.ListActivity(r.Context(), t.ID, f)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, items[social.ActivityRecord]{list})
	return nil
}

func activityFilter(r *http.Request) (social.ActivityFilter, error) {
	p, err := ListParams(r, "DESC")
	if err != nil {
		return social.ActivityFilter{}, err
	}
	q := r.URL.Query()
	f := social.ActivityFilter{Status: q.Get("status"), Platform: q.Get("platform"), Kind: q.Get("kind"), Limit: p.Limit, Skip: p.Skip}
	if f.Status != "" && !contains(activityStatuses, f.Status) {
		return f, loyalty.Invalid("status", "must be one of %s", strings.Join(activityStatuses, ", "))
	}
	if f.Platform != "" && f.Platform != social.Instagram && f.Platform != social.TikTok {
		return f, loyalty.Invalid("platform", "must be instagram or tiktok")
	}
	return f, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (h *socialHandlers) getSettings(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	s, err := h.cfg.Core.GetSettings(r.Context(), t.ID)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, s)
	return nil
}

func (h *socialHandlers) putSettings(w http.ResponseWriter, r *http.Request, t *loyalty.Tenant) error {
	in := social.DefaultSettings()
	if err := DecodeJSON(w, r, &in); err != nil {
		return err
	}
	s, err := h.cfg.Core.PutSettings(r.Context(), t.ID, in)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, s)
	return nil
}

// operator guards routes for the operator of the installation, with the
// operator token as a bearer token.
func (h *socialHandlers) operator(next func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.cfg.OperatorToken == "" {
			WriteError(w, r, Errorf(http.StatusNotFound, "not_found", "operator routes are disabled: set SHOUTOUT_OPERATOR_TOKEN"))
			return
		}
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(token), []byte(h.cfg.OperatorToken)) != 1 {
			WriteError(w, r, Errorf(http.StatusUnauthorized, "unauthorized", "operator routes need Authorization: Bearer <operator token>"))
			return
		}
		if err := next(w, r); err != nil {
			WriteError(w, r, err)
		}
	}
}

func (h *socialHandlers) deliveries(w http.ResponseWriter, r *http.Request) error {
	p, err := ListParams(r, "DESC")
	if err != nil {
		return err
	}
	status := r.URL.Query().Get("status")
	if status != "" && !contains([]string{"pending", "processed", "quarantined"}, status) {
		return loyalty.Invalid("status", "must be pending, processed or quarantined")
	}
	list, err := h.cfg.Instagram.Deliveries(r.Context(), status, p.Limit)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, items[instagram.DeliveryRecord]{list})
	return nil
}

// orphanActivity lists activity for accounts no tenant connected.
func (h *socialHandlers) orphanActivity(w http.ResponseWriter, r *http.Request) error {
	f, err := activityFilter(r)
	if err != nil {
		return err
	}
	list, err := h.cfg.Core.ListActivity(r.Context(), "", f)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, items[social.ActivityRecord]{list})
	return nil
}

func (h *socialHandlers) failedJobs(w http.ResponseWriter, r *http.Request) error {
	p, err := ListParams(r, "DESC")
	if err != nil {
		return err
	}
	states := []string{"discarded", "retryable"}
	if s := r.URL.Query().Get("state"); s != "" {
		states = strings.Split(s, ",")
	}
	list, err := h.cfg.Jobs.List(r.Context(), states, p.Limit)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, items[jobs.Job]{list})
	return nil
}
