package igsandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	brandID    = "17841400000000001"
	brandPage  = "100000000000001"
	brandToken = "tok-acme"
	otherID    = "17841400000000002"
	otherToken = "tok-other"
)

// fixture is a seeded Server behind an httptest server.
type fixture struct {
	s  *Server
	ts *httptest.Server
}

func newFixture(t *testing.T, cfg Config) fixture {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	s := New(cfg)
	s.AddBrand(Brand{IGUserID: brandID, PageID: brandPage, Username: "acme", AccessToken: brandToken})
	s.AddBrand(Brand{IGUserID: otherID, PageID: "100000000000002", PageName: "Other Co", Username: "other", AccessToken: otherToken})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return fixture{s: s, ts: ts}
}

// answer is one decoded Graph API answer.
type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// graphErr answers error.code and error.error_subcode, or -1s.
func (a answer) graphErr() (code, subcode int) {
	e, ok := a.body["error"].(map[string]any)
	if !ok {
		return -1, -1
	}
	c, _ := e["code"].(float64)
	sc, _ := e["error_subcode"].(float64)
	return int(c), int(sc)
}

func (f fixture) do(t *testing.T, method, path string, params url.Values, header http.Header) answer {
	t.Helper()
	u := f.ts.URL + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return doRequest(t, req)
}

func doRequest(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if err := json.Unmarshal(b, &a.body); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, b)
	}
	return a
}

// get calls GET /v21.0/{path} with the token and fields.
func (f fixture) get(t *testing.T, path, token, fields string, extra ...string) answer {
	t.Helper()
	q := url.Values{}
	if token != "" {
		q.Set("access_token", token)
	}
	if fields != "" {
		q.Set("fields", fields)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return f.do(t, http.MethodGet, "/v21.0/"+strings.TrimPrefix(path, "/"), q, nil)
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
