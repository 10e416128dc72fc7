package igsandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Sender posts webhook notifications the way Meta does: the raw JSON body
// with Content-Type application/json and X-Hub-Signature-256 computed with
// the app secret.
type Sender struct {
	// URL is the receiver's webhook endpoint.
	URL string
	// AppSecret keys the signature.
	AppSecret string
	// Client defaults to http.DefaultClient.
	Client *http.Client
}

// SignatureHeader is the header carrying the body's signature.
const SignatureHeader = "X-Hub-Signature-256"

// Sign answers the X-Hub-Signature-256 value for body: "sha256=" and the hex
// HMAC-SHA256 of the raw body keyed with appSecret.
func Sign(appSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func (s *Sender) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return http.DefaultClient
}

// Send posts body signed with AppSecret and answers the receiver's HTTP
// status. A non-2xx status is not an error: Meta would retry, and the caller
// decides what to do.
func (s *Sender) Send(ctx context.Context, body []byte) (int, error) {
	return s.SendSigned(ctx, body, Sign(s.AppSecret, body))
}

// SendSigned posts body with the given X-Hub-Signature-256 value (omitted
// when empty), to test how a receiver treats wrong or missing signatures.
func (s *Sender) SendSigned(ctx context.Context, body []byte, signature string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("igsandbox: build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	if signature != "" {
		req.Header.Set(SignatureHeader, signature)
	}
	return s.do(req)
}

// SendRepeated posts the same body n times in a row, as Meta's at-least-once
// delivery may, and answers each status. It stops at the first transport
// error.
func (s *Sender) SendRepeated(ctx context.Context, body []byte, n int) ([]int, error) {
	statuses := make([]int, 0, n)
	for i := range n {
		st, err := s.Send(ctx, body)
		if err != nil {
			return statuses, fmt.Errorf("delivery %d of %d: %w", i+1, n, err)
		}
		statuses = append(statuses, st)
	}
	return statuses, nil
}

// Verify performs Meta's subscription handshake: a GET with hub.mode,
// hub.verify_token and hub.challenge. It answers the status and the body,
// which a correct receiver sets to the challenge.
func (s *Sender) Verify(ctx context.Context, verifyToken, challenge string) (int, string, error) {
	u, err := url.Parse(s.URL)
	if err != nil {
		return 0, "", fmt.Errorf("igsandbox: parse webhook URL: %w", err)
	}
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.verify_token", verifyToken)
	q.Set("hub.challenge", challenge)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, "", fmt.Errorf("igsandbox: build verification request: %w", err)
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("igsandbox: verify webhook: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return resp.StatusCode, "", fmt.Errorf("igsandbox: read verification answer: %w", err)
	}
	return resp.StatusCode, string(b), nil
}

func (s *Sender) do(req *http.Request) (int, error) {
	resp, err := s.client().Do(req)
	if err != nil {
		return 0, fmt.Errorf("igsandbox: post webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // lets the connection be reused
	return resp.StatusCode, nil
}
