// Package loadtest drives signed Instagram webhooks at a fixed rate against
// a running shoutout whose Graph API is the sandbox, then reads the ledger
// to count what was reported: acknowledged, in the ledger, duplicated, lost,
// with acknowledgement and webhook-to-ledger latencies.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/instagram"
	igsandbox "github.com/shoutout-loyalty/shoutout/internal/sandbox/instagram"
)

// Graph is the Graph API the server reads: the load test registers each
// media there before it sends the webhook that names it.
type Graph interface {
	AddMentions(ctx context.Context, brandID string, media []igsandbox.Media) error
}

// Config describes a run.
type Config struct {
	// Target is the server's base URL, e.g. http://127.0.0.1:8080.
	Target string
	// AppSecret signs the webhooks (the server's SHOUTOUT_META_APP_SECRET).
	AppSecret string
	// APIKey reads the ledger of the tenant that connected BrandID.
	APIKey  string
	BrandID string
	// Handles are the members' Instagram handles the mentions come from.
	Handles []string
	Graph   Graph
	// Rate is webhooks per second; Duration how long to send.
	Rate     int
	Duration time.Duration
	// RepeatEvery makes every Nth webhook a repeat of the one before (Meta
	// delivers at least once); repeats must not add events. 0: none.
	RepeatEvery int
	// Drain is how long to wait for the ledger after the last webhook
	// (default 30s).
	Drain time.Duration
	// Client sends the webhooks (default: a client with keep-alive).
	Client *http.Client
	// Progress, when set, is called about once a second while sending.
	Progress func(sent, acked int)
}

// Result is what a run measured.
type Result struct {
	Sent, Acknowledged, Refused int
	// Unique is the number of distinct mentions acknowledged.
	Unique     int
	InLedger   int
	Duplicates int
	Lost       int
	// Ack and Ledger are latency percentiles: webhook sent to 200 received,
	// and webhook sent to event created in the ledger.
	Ack, Ledger Percentiles
	Elapsed     time.Duration
	// Throughput is events in the ledger per second of the whole run.
	Throughput float64
}

// Percentiles of a latency sample.
type Percentiles struct{ P50, P95, P99, Max time.Duration }

type sent struct {
	mediaID string
	at      time.Time
	ackAt   time.Time
	status  int
}

// Run sends the webhooks, waits for the ledger and measures.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Rate <= 0 || cfg.Duration <= 0 || len(cfg.Handles) == 0 || cfg.Graph == nil {
		return nil, errors.New("loadtest: rate, duration, handles and a Graph are required")
	}
	if cfg.Drain == 0 {
		cfg.Drain = 30 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}
	}
	n := int(float64(cfg.Rate) * cfg.Duration.Seconds())
	records := make([]sent, n)
	runID := time.Now().UnixNano() % 1_000_000_000
	// Register every media first so that the Graph API answers at once.
	var batch []igsandbox.Media
	for i := range records {
		if cfg.RepeatEvery > 0 && i > 0 && i%cfg.RepeatEvery == 0 {
			records[i].mediaID = records[i-1].mediaID
			continue
		}
		id := fmt.Sprintf("179%09d%07d", runID, i)
		records[i].mediaID = id
		batch = append(batch, igsandbox.Media{ID: id, OwnerUsername: cfg.Handles[i%len(cfg.Handles)], Caption: fmt.Sprintf("load %d with @brand", i),
			MediaType: "IMAGE", MediaProductType: "FEED", MediaURL: "https://cdn.example/load/" + id + ".jpg", Timestamp: time.Now()})
		if len(batch) == 1000 || i == len(records)-1 {
			if err := cfg.Graph.AddMentions(ctx, cfg.BrandID, batch); err != nil {
				return nil, fmt.Errorf("loadtest: register media: %w", err)
			}
			batch = batch[:0]
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	lastProgress := start
	interval := time.Second / time.Duration(cfg.Rate)
	for i := range records {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := igsandbox.MentionPayload(cfg.BrandID, records[i].mediaID)
			at := time.Now()
			status := post(ctx, cfg, body)
			mu.Lock()
			records[i].at, records[i].ackAt, records[i].status = at, time.Now(), status
			if status == http.StatusOK {
				acked++
			}
			if cfg.Progress != nil && time.Since(lastProgress) >= time.Second {
				lastProgress = time.Now()
				cfg.Progress(i+1, acked)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := &Result{Sent: n}
	first := map[string]time.Time{} // a mention's first acknowledged send
	var ackLat []time.Duration
	for _, r := range records {
		if r.status != http.StatusOK {
			res.Refused++
			continue
		}
		res.Acknowledged++
		ackLat = append(ackLat, r.ackAt.Sub(r.at))
		if t, ok := first[r.mediaID]; !ok || r.at.Before(t) {
			first[r.mediaID] = r.at
		}
	}
	res.Unique = len(first)
	events, err := waitLedger(ctx, cfg, first, cfg.Drain)
	if err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	var ledLat []time.Duration
	for id, sentAt := range first {
		evs := events[id]
		switch {
		case len(evs) == 0:
			res.Lost++
		default:
			res.InLedger++
			res.Duplicates += len(evs) - 1
			ledLat = append(ledLat, evs[0].Sub(sentAt))
		}
	}
	res.Ack, res.Ledger = percentiles(ackLat), percentiles(ledLat)
	res.Throughput = float64(res.InLedger) / res.Elapsed.Seconds()
	return res, nil
}

func post(ctx context.Context, cfg Config, body []byte) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.Target+"/webhooks/instagram", bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(instagram.SignatureHeader, instagram.Sign(cfg.AppSecret, body))
	resp, err := cfg.Client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitLedger reads MENTIONED_YOU_SOCIAL events until every expected media
// has one, or drain runs out; it returns each media's event times.
func waitLedger(ctx context.Context, cfg Config, expected map[string]time.Time, drain time.Duration) (map[string][]time.Time, error) {
	deadline := time.Now().Add(drain)
	for {
		events, err := readLedger(ctx, cfg)
		if err != nil {
			return nil, err
		}
		missing := 0
		for id := range expected {
			if len(events[id]) == 0 {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			return events, nil
		}
		select {
		case <-time.After(250 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func readLedger(ctx context.Context, cfg Config) (map[string][]time.Time, error) {
	out := map[string][]time.Time{}
	for skip := 0; ; skip += 1000 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/v1/events?type=MENTIONED_YOU_SOCIAL&limit=1000&skip=%d&order=ASC", cfg.Target, skip), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("X-Api-Key", cfg.APIKey)
		resp, err := cfg.Client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("loadtest: read ledger: %w", err)
		}
		var page struct {
			Items []struct {
				Payload struct {
					MediaID string `json:"media_id"`
				} `json:"payload"`
				CreatedAt time.Time `json:"createdAt"`
			} `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("loadtest: read ledger: status %d: %v", resp.StatusCode, err)
		}
		for _, it := range page.Items {
			out[it.Payload.MediaID] = append(out[it.Payload.MediaID], it.CreatedAt)
		}
		if len(page.Items) < 1000 {
			return out, nil
		}
	}
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return Percentiles{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: d[len(d)-1]}
}

// SandboxGraph registers media directly in an in-process sandbox.
type SandboxGraph struct{ Server *igsandbox.Server }

// AddMentions adds media and marks them as mentioning the brand.
func (g SandboxGraph) AddMentions(_ context.Context, brandID string, media []igsandbox.Media) error {
	for _, m := range media {
		g.Server.AddMedia(m)
		if err := g.Server.MentionMedia(brandID, m.ID); err != nil {
			return err
		}
	}
	return nil
}

// HTTPGraph registers media in a sandbox running in another process, through
// its control routes.
type HTTPGraph struct {
	// URL is the sandbox's base URL (the Graph API URL the server uses).
	URL    string
	Client *http.Client
}

// AddMentions posts the media to the sandbox's control route.
func (g HTTPGraph) AddMentions(ctx context.Context, brandID string, media []igsandbox.Media) error {
	body, err := json.Marshal(igsandbox.MentionsRequest{BrandID: brandID, Media: media})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL+igsandbox.ControlPath+"/mentions", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	c := g.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("sandbox answered %s: %s", resp.Status, msg)
	}
	return nil
}

// Print writes the result as a table.
func (r *Result) Print(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	fmt.Fprintf(w, "sent               %d\n", r.Sent)
	fmt.Fprintf(w, "acknowledged       %d (refused or failed: %d)\n", r.Acknowledged, r.Refused)
	fmt.Fprintf(w, "distinct mentions  %d\n", r.Unique)
	fmt.Fprintf(w, "events in ledger   %d\n", r.InLedger)
	fmt.Fprintf(w, "duplicates         %d\n", r.Duplicates)
	fmt.Fprintf(w, "lost               %d\n", r.Lost)
	fmt.Fprintf(w, "ack latency        p50 %s  p95 %s  p99 %s  max %s\n", ms(r.Ack.P50), ms(r.Ack.P95), ms(r.Ack.P99), ms(r.Ack.Max))
	fmt.Fprintf(w, "webhook-to-ledger  p50 %s  p95 %s  p99 %s  max %s\n", ms(r.Ledger.P50), ms(r.Ledger.P95), ms(r.Ledger.P99), ms(r.Ledger.Max))
	fmt.Fprintf(w, "throughput         %.0f events/s over %s\n", r.Throughput, r.Elapsed.Round(time.Millisecond))
}
