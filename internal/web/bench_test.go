package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
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
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
	client := &http.Client{Transport: tr}
	var seq, failed atomic.Int64
	b.SetParallelism(32) // 32 × GOMAXPROCS concurrent clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			body := fmt.Sprintf(`{"type":"MENTIONED_YOU_SOCIAL","subject":%q,"payload":{"caption":"bench %d","platform":"instagram","media_type":"post"}}`, uid, n)
			req, _ := http.NewRequest("POST", env.URL+"/v1/events", bytes.NewBufferString(body))
			req.Header.Set("X-Api-Key", env.Tenant.APIKey)
			req.Header.Set("Authorization", "Bearer "+env.Tenant.AdminToken)
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d of %d events failed", failed.Load(), b.N)
	}
	eventsPerSec := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(eventsPerSec, "events/s")
	b.ReportMetric(raw.PerSecond(), "raw-commits/s")
	b.ReportMetric(eventsPerSec/raw.PerSecond(), "ratio")
}
