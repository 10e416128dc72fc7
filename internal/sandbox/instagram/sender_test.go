package igsandbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// receiver is a minimal webhook endpoint that checks signatures the way the
// platform docs require, with crypto/hmac and the raw body.
type receiver struct {
	secret string
	mu     sync.Mutex
	bodies [][]byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		if q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != "vt" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		_, _ = io.WriteString(w, q.Get("hub.challenge"))
		return
	}
	body, _ := io.ReadAll(r.Body)
	sig, ok := strings.CutPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256=")
	got, err := hex.DecodeString(sig)
	mac := hmac.New(sha256.New, []byte(rc.secret))
	mac.Write(body)
	if !ok || err != nil || !hmac.Equal(got, mac.Sum(nil)) || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, body)
	rc.mu.Unlock()
}

func TestSender(t *testing.T) {
	t.Parallel()
	rc := &receiver{secret: "app-secret"}
	ts := httptest.NewServer(rc)
	t.Cleanup(ts.Close)
	ctx := context.Background()
	body := MentionPayload(brandID, "17918195224117851")

	tests := []struct {
		name   string
		send   func() (int, error)
		status int
	}{
		{"signed", func() (int, error) { return (&Sender{URL: ts.URL, AppSecret: "app-secret"}).Send(ctx, body) }, 200},
		{"wrong secret", func() (int, error) { return (&Sender{URL: ts.URL, AppSecret: "nope"}).Send(ctx, body) }, 403},
		{"no signature", func() (int, error) { return (&Sender{URL: ts.URL}).SendSigned(ctx, body, "") }, 403},
		{"server helper", func() (int, error) { return New(Config{AppSecret: "app-secret"}).Sender(ts.URL).Send(ctx, body) }, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, err := tt.send()
			if err != nil || st != tt.status {
				t.Fatalf("status %d err %v, want %d", st, err, tt.status)
			}
		})
	}
}

func TestSenderRepeatedAndVerify(t *testing.T) {
	t.Parallel()
	rc := &receiver{secret: "app-secret"}
	ts := httptest.NewServer(rc)
	t.Cleanup(ts.Close)
	s := &Sender{URL: ts.URL, AppSecret: "app-secret", Client: ts.Client()}
	body := DMPayload(brandID, "6000000000000001", "mid.1", "hi")
	statuses, err := s.SendRepeated(context.Background(), body, 3)
	if err != nil || len(statuses) != 3 || statuses[2] != 200 {
		t.Fatalf("statuses %v err %v", statuses, err)
	}
	for _, b := range rc.bodies {
		if string(b) != string(body) {
			t.Fatal("the raw body must be delivered unchanged")
		}
	}
	if Sign("app-secret", body) != "sha256="+hexMAC("app-secret", body) {
		t.Fatal("Sign disagrees with crypto/hmac")
	}

	st, echoed, err := s.Verify(context.Background(), "vt", "12345")
	if err != nil || st != 200 || echoed != "12345" {
		t.Fatalf("verify: %d %q %v", st, echoed, err)
	}
	if st, _, _ := s.Verify(context.Background(), "wrong", "1"); st != 403 {
		t.Fatalf("verify with a wrong token: %d", st)
	}
	bad := &Sender{URL: "http://127.0.0.1:1/unreachable"}
	if _, err := bad.SendRepeated(context.Background(), body, 2); err == nil {
		t.Fatal("transport errors are errors")
	}
}

func hexMAC(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
