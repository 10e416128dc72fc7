package loyalty

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/riverqueue/river"
)

// WebhookArgs is the job a WEBHOOK reaction enqueues, in the same unit of
// work as the event: the call happens after commit, with retries.
type WebhookArgs struct {
	TenantID  string            `json:"tenantId"`
	ReactorID string            `json:"reactorId"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Event     Event             `json:"event"`
}

// Kind names the job.
func (WebhookArgs) Kind() string { return "loyalty_webhook" }

// WebhookWorker posts events to the URLs of WEBHOOK reactions.
type WebhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	Client *http.Client
}

var _ river.Worker[WebhookArgs] = (*WebhookWorker)(nil)

// Work posts the event; any answer but 2xx is retried with backoff.
func (w *WebhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	body, err := json.Marshal(map[string]any{"reactorId": job.Args.ReactorID, "event": job.Args.Event})
	if err != nil {
		return fmt.Errorf("encode webhook: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.Args.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "shoutout-webhook/1")
	req.Header.Set("Idempotency-Key", job.Args.Event.ID+":"+job.Args.ReactorID)
	for k, v := range job.Args.Headers {
		req.Header.Set(k, v)
	}
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("post webhook: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
