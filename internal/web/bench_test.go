package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/shoutout-loyalty/shoutout/internal/app/apptest"
	"github.com/shoutout-loyalty/shoutout/internal/store"
	"github.com/shoutout-loyalty/shoutout/internal/store/storetest"
)

// BenchmarkEventsHTTP posts events through the HTTP API, with one POINTS
// reactor, to the service on SQLite (fully synced commits), from many
// concurrent clients. It reports events/s, the raw single-row commit rate of
// the same disk measured in the same run, and their ratio.
//
//	go test -run '^$' -bench EventsHTTP -benchtime 20000x ./internal/web/
func BenchmarkEventsHTTP(b *testing.B) {
	env := apptest.Start(b, storetest.SQLiteURL(b))
	uid := env.CreateUser(b, "bench@example.com", map[string]any{"instagramHandle": "bench"})
	env.MustDo(b, "POST", "/v1/event_reactors", map[string]any{
		"name": "Mentions give points", "eventType": "MENTIONED_YOU_SOCIAL",
		"reactions": []any{map[string]any{"type": "POINTS", "points": map[string]any{"operation": "SUM", "arguments": []any{map[string]any{"type": "NUMBER", "value": 10}}}}},
	})
	raw, err := store.MeasureSQLiteCommitRate(context.Background(), b.TempDir(), 2000)
	if err != nil {
		b.Fatal(err)
	}
	eventsPerSec := apptest.PostParallel(b, 32, func(n int64) *http.Request {
		body := fmt.Sprintf(`{"type":"MENTIONED_YOU_SOCIAL","subject":%q,"payload":{"caption":"bench %d","platform":"instagram","media_type":"post"}}`, uid, n)
		req, _ := http.NewRequest("POST", env.URL+"/v1/events", bytes.NewBufferString(body))
		req.Header.Set("X-Api-Key", env.Tenant.APIKey)
		req.Header.Set("Authorization", "Bearer "+env.Tenant.AdminToken)
		return req
	})
	b.ReportMetric(eventsPerSec, "events/s")
	b.ReportMetric(raw.PerSecond(), "raw-commits/s")
	b.ReportMetric(eventsPerSec/raw.PerSecond(), "ratio")
}
