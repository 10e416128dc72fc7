package instagram_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/app/apptest"
	"github.com/shoutout-loyalty/shoutout/internal/instagram"
	"github.com/shoutout-loyalty/shoutout/internal/loadtest"
	igsandbox "github.com/shoutout-loyalty/shoutout/internal/sandbox/instagram"
	"github.com/shoutout-loyalty/shoutout/internal/store"
	"github.com/shoutout-loyalty/shoutout/internal/store/storetest"
)

// BenchmarkWebhookAck measures signed webhooks acknowledged per second by
// the real server on SQLite with fully synced commits (each acknowledged
// delivery is fsync'd before its 200), while the inbox is processed in the
// background. It reports the raw single-row commit rate of the same disk,
// measured in the same run, and the ratio.
//
//	go test -run '^$' -bench WebhookAck -benchtime 20000x ./internal/instagram/
func BenchmarkWebhookAck(b *testing.B) {
	bd := setupBench(b)
	raw, err := store.MeasureSQLiteCommitRate(context.Background(), b.TempDir(), 2000)
	if err != nil {
		b.Fatal(err)
	}
	bodies := make([][]byte, 1024)
	for i := range bodies {
		m := igsandbox.Media{ID: fmt.Sprintf("1795%011d", i), OwnerUsername: fmt.Sprintf("member%d", i%200), Caption: "@acme", MediaType: "IMAGE"}
		bd.sb.AddMedia(m)
		if err := bd.sb.MentionMedia(brandID, m.ID); err != nil {
			b.Fatal(err)
		}
		bodies[i] = igsandbox.MentionPayload(brandID, m.ID)
	}
	acks := apptest.PostParallel(b, 64, func(n int64) *http.Request {
		body := bodies[n%int64(len(bodies))]
		req, _ := http.NewRequest("POST", bd.env.URL+"/webhooks/instagram", bytes.NewReader(body))
		req.Header.Set(instagram.SignatureHeader, instagram.Sign(appSecret, body))
		return req
	})
	b.ReportMetric(acks, "acks/s")
	b.ReportMetric(raw.PerSecond(), "raw-commits/s")
	b.ReportMetric(acks/raw.PerSecond(), "ratio")
}

// BenchmarkWebhookToLedger sends 500 caption mentions per second for 10 s
// (every 20th a repeat) with the sandbox answering at once, and reports the
// latency from webhook sent to event in the ledger. It fails on any loss or
// duplicate.
//
//	go test -run '^$' -bench WebhookToLedger -benchtime 1x ./internal/instagram/
func BenchmarkWebhookToLedger(b *testing.B) {
	for range b.N {
		bd := setupBench(b)
		handles := make([]string, 200)
		for i := range handles {
			handles[i] = fmt.Sprintf("member%d", i)
		}
		res, err := loadtest.Run(context.Background(), loadtest.Config{
			Target: bd.env.URL, AppSecret: appSecret, APIKey: bd.env.Tenant.APIKey, BrandID: brandID, Handles: handles,
			Graph: loadtest.SandboxGraph{Server: bd.sb}, Rate: 500, Duration: 10 * time.Second, RepeatEvery: 20,
		})
		if err != nil {
			b.Fatal(err)
		}
		if res.Lost != 0 || res.Duplicates != 0 || res.Refused != 0 {
			var buf bytes.Buffer
			res.Print(&buf)
			b.Fatalf("lost or duplicated:\n%s", buf.String())
		}
		b.ReportMetric(float64(res.Ledger.P50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(res.Ledger.P99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(res.Ack.P99.Microseconds())/1000, "ack-p99-ms")
		b.ReportMetric(res.Throughput, "events/s")
	}
}

// setupBench is setup for benchmarks: 200 members with handles.
func setupBench(b *testing.B) *bundle {
	bd := setup(b, storetest.SQLiteURL(b))
	for i := range 200 {
		bd.env.CreateUser(b, fmt.Sprintf("member%d@example.com", i), map[string]any{"instagramHandle": fmt.Sprintf("member%d", i)})
	}
	return bd
}
