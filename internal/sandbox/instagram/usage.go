package igsandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// callCounter counts requests for the test accounting methods. It is
// lock-free on the hot path: sync.Map suits keys written once and read often.
type callCounter struct {
	total   atomic.Int64
	byToken sync.Map // token -> *atomic.Int64
	byPath  sync.Map // URL path -> *atomic.Int64
}

func (c *callCounter) add(path, token string) {
	c.total.Add(1)
	bump(&c.byPath, path)
	if token != "" {
		bump(&c.byToken, token)
	}
}

func (c *callCounter) reset() {
	c.total.Store(0)
	c.byToken.Clear()
	c.byPath.Clear()
}

func bump(m *sync.Map, key string) int64 {
	v, ok := m.Load(key)
	if !ok {
		v, _ = m.LoadOrStore(key, new(atomic.Int64))
	}
	return v.(*atomic.Int64).Add(1)
}

func load(m *sync.Map, key string) int64 {
	if v, ok := m.Load(key); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// Calls answers how many requests the server received since it was created
// or ResetCounters was called, errors and faults included.
func (s *Server) Calls() int { return int(s.calls.total.Load()) }

// CallsForToken answers how many requests carried the access token.
func (s *Server) CallsForToken(token string) int { return int(load(&s.calls.byToken, token)) }

// CallsMatching answers how many requests had a URL path starting with
// pathPrefix. The prefix is matched against the path as sent
// ("/v21.0/1784/tags") and against the path without the version prefix
// ("/1784/tags"), so callers need not know the version.
func (s *Server) CallsMatching(pathPrefix string) int {
	versioned := "/" + s.version
	var n int64
	s.calls.byPath.Range(func(k, v any) bool {
		p := k.(string)
		bare, _ := strings.CutPrefix(p, versioned)
		if strings.HasPrefix(p, pathPrefix) || strings.HasPrefix(bare, pathPrefix) {
			n += v.(*atomic.Int64).Load()
		}
		return true
	})
	return int(n)
}

// ResetCounters zeroes the call accounting and the usage reported in the
// X-App-Usage and X-Business-Use-Case-Usage headers.
func (s *Server) ResetCounters() {
	s.calls.reset()
	s.usage.reset(s.now())
}

// usageMeter feeds the usage headers: calls in the current fixed window, as a
// percentage of a budget, app-wide and per brand (business use case).
type usageMeter struct {
	budget int64
	window time.Duration
	start  atomic.Int64 // window start, unix nanoseconds
	app    atomic.Int64
	brands sync.Map // IG user id -> *atomic.Int64
}

func (u *usageMeter) reset(now time.Time) {
	u.start.Store(now.UnixNano())
	u.app.Store(0)
	u.brands.Clear()
}

// record counts one call and answers the app's and the brand's usage in
// percent. A window that has run out starts afresh, like Meta's rolling hour.
func (u *usageMeter) record(now time.Time, brandID string) (app, brand int) {
	start := u.start.Load()
	if now.UnixNano()-start >= int64(u.window) && u.start.CompareAndSwap(start, now.UnixNano()) {
		u.app.Store(0)
		u.brands.Clear()
	}
	app = u.percent(u.app.Add(1))
	if brandID != "" {
		brand = u.percent(bump(&u.brands, brandID))
	}
	return app, brand
}

func (u *usageMeter) percent(calls int64) int {
	p := (calls*100 + u.budget - 1) / u.budget
	return int(min(p, 100))
}

// usage is what one answer reports in its usage headers.
type usage struct {
	brandID       string
	app, brand    int // percent
	regainMinutes int
}

type appUsage struct {
	CallCount    int `json:"call_count"`
	TotalTime    int `json:"total_time"`
	TotalCPUTime int `json:"total_cputime"`
}

type bucUsage struct {
	Type                        string `json:"type"`
	CallCount                   int    `json:"call_count"`
	TotalCPUTime                int    `json:"total_cputime"`
	TotalTime                   int    `json:"total_time"`
	EstimatedTimeToRegainAccess int    `json:"estimated_time_to_regain_access"`
}

// setHeaders writes X-App-Usage and X-Business-Use-Case-Usage in Meta's
// documented shapes. The business header is an empty object when the call
// concerns no brand.
func (u usage) setHeaders(h http.Header) {
	a, _ := json.Marshal(appUsage{CallCount: u.app, TotalTime: u.app, TotalCPUTime: u.app})
	buc := map[string][]bucUsage{}
	if u.brandID != "" {
		buc[u.brandID] = []bucUsage{{
			Type: "instagram", CallCount: u.brand, TotalCPUTime: u.brand, TotalTime: u.brand,
			EstimatedTimeToRegainAccess: u.regainMinutes,
		}}
	}
	b, _ := json.Marshal(buc)
	h.Set("X-App-Usage", string(a))
	h.Set("X-Business-Use-Case-Usage", string(b))
}
