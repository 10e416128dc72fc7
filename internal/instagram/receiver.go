package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// MaxWebhookBytes caps a webhook delivery; larger ones are refused with 413.
const MaxWebhookBytes = 1 << 20

type serviceMetrics struct {
	deliveries *prometheus.CounterVec
	items      *prometheus.CounterVec
	latency    prometheus.Histogram
	graphCalls *prometheus.CounterVec
}

func newServiceMetrics(reg prometheus.Registerer) *serviceMetrics {
	m := &serviceMetrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoutout_instagram_webhook_deliveries_total", Help: "Instagram webhook deliveries by outcome.",
		}, []string{"outcome"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoutout_instagram_items_total", Help: "Webhook and poll items by kind and outcome.",
		}, []string{"kind", "outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "shoutout_instagram_delivery_processing_seconds", Help: "From a delivery's receipt to the end of its processing.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 60},
		}),
		graphCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoutout_instagram_graph_errors_total", Help: "Graph API errors by class.",
		}, []string{"class"}),
	}
	for _, c := range []prometheus.Collector{m.deliveries, m.items, m.latency, m.graphCalls} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				panic(err)
			}
		}
	}
	return m
}

func (s *Service) handleVerify(w http.ResponseWriter, r *http.Request) {
	challenge, ok := VerifyChallenge(r.URL.Query(), s.cfg.VerifyToken)
	if !ok {
		http.Error(w, "verification failed", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, challenge)
}

// handleDelivery checks the signature over the raw body before anything
// else, stores the raw delivery durably (the commit is fsync'd), and only
// then acknowledges: Meta never resends what was acknowledged.
func (s *Service) handleDelivery(w http.ResponseWriter, r *http.Request) {
	received := time.Now().UTC()
	if s.cfg.AppSecret == "" {
		s.metrics.deliveries.WithLabelValues("not_configured").Inc()
		writeJSONError(w, http.StatusServiceUnavailable, "not_configured", "webhooks are not configured: set SHOUTOUT_META_APP_SECRET")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.metrics.deliveries.WithLabelValues("too_large").Inc()
			writeJSONError(w, http.StatusRequestEntityTooLarge, "body_too_large", "webhook body exceeds 1 MiB")
			return
		}
		s.metrics.deliveries.WithLabelValues("read_error").Inc()
		writeJSONError(w, http.StatusBadRequest, "invalid_request", "cannot read body")
		return
	}
	if err := VerifySignature(s.cfg.AppSecret, body, r.Header.Get(SignatureHeader)); err != nil {
		s.metrics.deliveries.WithLabelValues("bad_signature").Inc()
		s.log.WarnContext(r.Context(), "instagram webhook with a bad signature refused", "err", err, "remote", r.RemoteAddr)
		writeJSONError(w, http.StatusUnauthorized, "invalid_signature", "X-Hub-Signature-256 is missing or does not match the body")
		return
	}
	err = s.db.Write(r.Context(), func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO webhook_inbox (platform, body, received_at) VALUES ('instagram', $1, $2)`, body, received)
		return err
	})
	if err != nil {
		// Not acknowledged: Meta will deliver it again.
		s.metrics.deliveries.WithLabelValues("store_error").Inc()
		s.log.ErrorContext(r.Context(), "store instagram webhook", "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "could not store the delivery; retry")
		return
	}
	s.metrics.deliveries.WithLabelValues("stored").Inc()
	s.Wake()
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "EVENT_RECEIVED")
}

// Wake tells the processor that the inbox has new deliveries.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
