// Package apptest runs the real shoutout service in-process for tests: a
// migrated database, the job queue, and the HTTP server on a loopback port,
// with a tenant and a small client.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/app"
	"github.com/shoutout-loyalty/shoutout/internal/loyalty"
	"github.com/shoutout-loyalty/shoutout/internal/secrets"
)

// Env is a running service with one tenant.
type Env struct {
	App    *app.App
	URL    string
	Tenant *loyalty.TenantCredentials
	HTTP   *http.Client
}

// Option adjusts the app before it starts (register workers, mounts).
type Option func(t testing.TB, a *app.App)

// Start opens a service on dbURL, applies opts, starts it and creates a
// tenant. Everything stops when the test ends.
func Start(t testing.TB, dbURL string, opts ...Option) *Env {
	t.Helper()
	return StartWith(t, app.Config{DatabaseURL: dbURL}, opts...)
}

// StartWith is Start with a whole configuration; a missing secret key and
// job poll interval get test values.
func StartWith(t testing.TB, cfg app.Config, opts ...Option) *Env {
	t.Helper()
	ctx := context.Background()
	if cfg.SecretKey == "" {
		cfg.SecretKey = secrets.NewKey()
	}
	if cfg.JobPollInterval == 0 {
		cfg.JobPollInterval = 20 * time.Millisecond
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	for _, o := range opts {
		o(t, a)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, err := a.Start(ctx, ln)
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Shutdown(sctx)
	})
	creds, err := a.Engine.CreateTenant(ctx, "Test Brand")
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	return &Env{App: a, URL: "http://" + addr.String(), Tenant: creds, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// Response is an answer read whole.
type Response struct {
	Status int
	Body   []byte
}

// JSON decodes the answer into v, failing the test when it is not JSON.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the answer as a JSON object.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Creds are the headers a call sends.
type Creds struct {
	APIKey, AdminToken string
}

// Admin returns the tenant's full credentials.
func (e *Env) Admin() Creds { return Creds{e.Tenant.APIKey, e.Tenant.AdminToken} }

// Do sends a request with creds; body is marshalled unless it is []byte.
func (e *Env) Do(t testing.TB, c Creds, method, path string, body any) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.APIKey != "" {
		req.Header.Set("X-Api-Key", c.APIKey)
	}
	if c.AdminToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.AdminToken)
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Body: b}
}

// MustDo is Do that fails the test unless the answer is 200.
func (e *Env) MustDo(t testing.TB, method, path string, body any) map[string]any {
	t.Helper()
	r := e.Do(t, e.Admin(), method, path, body)
	if r.Status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	return r.Map(t)
}

// CreateUser creates a member with the given linking attributes and
// returns its id.
func (e *Env) CreateUser(t testing.TB, email string, attrs map[string]any) string {
	t.Helper()
	u := e.MustDo(t, "POST", "/v1/users", map[string]any{"profile": map[string]any{
		"givenName": "Test", "familyName": "Member", "emailAddress": email, "attributes": attrs,
	}})
	return u["id"].(string)
}

// PostParallel sends b.N requests made by newReq (given a sequence number)
// from parallelism × GOMAXPROCS goroutines over keep-alive connections, and
// fails the benchmark unless every answer is 200. It returns requests per
// second.
func PostParallel(b *testing.B, parallelism int, newReq func(n int64) *http.Request) float64 {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}
	var seq, failed atomic.Int64
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(newReq(seq.Add(1)))
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
		b.Fatalf("%d of %d requests failed", failed.Load(), b.N)
	}
	return float64(b.N) / b.Elapsed().Seconds()
}
