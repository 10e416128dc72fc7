package instagram_test

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/app"
	"github.com/shoutout-loyalty/shoutout/internal/app/apptest"
	igsandbox "github.com/shoutout-loyalty/shoutout/internal/sandbox/instagram"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSecretsStaySecret: the page token and the app secret appear in no log
// line (at debug level, through a refused token and throttling), in no API
// answer, and nowhere in the database files in clear.
func TestSecretsStaySecret(t *testing.T) {
	t.Parallel()
	const token = "EAAGsecretPageTokenThatMustNeverLeak1234567890"
	logs := &syncBuffer{}
	sb := igsandbox.New(igsandbox.Config{AppSecret: appSecret, UsageBudget: 1_000_000})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	sb.AddBrand(igsandbox.Brand{IGUserID: brandID, PageID: pageID, Username: "acme", AccessToken: token})
	dir := t.TempDir()
	env := apptest.StartWith(t, app.Config{
		DatabaseURL: "sqlite:" + filepath.Join(dir, "s.db"), OperatorToken: operator,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Meta:   app.MetaConfig{GraphURL: srv.URL, GraphVersion: sb.Version(), AppSecret: appSecret, TagScheduleInterval: 50 * time.Millisecond},
	})
	var answers strings.Builder
	answers.Write(env.Do(t, env.Admin(), "POST", "/v1/social/instagram/connections", map[string]any{"igUserId": brandID, "pageId": pageID, "accessToken": token}).Body)
	b := &bundle{env: env, sb: sb, sender: sb.Sender(env.URL + "/webhooks/instagram")}
	uid := env.CreateUser(t, "lu@example.com", map[string]any{"instagramHandle": "lu"})
	b.send(t, sb.PostMention(brandID, igsandbox.Media{ID: "17970000000000001", OwnerUsername: "lu", Caption: "@acme", MediaType: "IMAGE"}))
	b.waitEvents(t, uid, "MENTIONED_YOU_SOCIAL", 1, 2*time.Second)
	sb.InjectFault(igsandbox.Fault{Kind: igsandbox.FaultThrottle, Code: 4, RegainMinutes: 1, Times: 1})
	b.send(t, sb.PostMention(brandID, igsandbox.Media{ID: "17970000000000002", OwnerUsername: "lu", Caption: "@acme", MediaType: "IMAGE"}))
	b.settle(t)
	sb.ClearFaults()
	sb.InjectFault(igsandbox.Fault{Kind: igsandbox.FaultTokenExpired})
	env.App.Instagram.Client().ResetConnection(b.connIDFor(t))
	b.send(t, sb.PostDM(brandID, igsandbox.User{IGSID: "9100000000000009", Username: "lu"}, "hi"))
	b.settle(t)
	time.Sleep(200 * time.Millisecond) // let polls and retries log
	for _, p := range []string{"/v1/social/instagram/connections", "/v1/social/activity", "/v1/events"} {
		answers.Write(env.Do(t, env.Admin(), "GET", p, nil).Body)
	}
	for _, p := range []string{"/v1/operator/webhooks", "/v1/operator/jobs?state=scheduled,retryable,available,discarded,completed"} {
		answers.Write(env.Do(t, apptest.Creds{AdminToken: operator}, "GET", p, nil).Body)
	}
	for _, secret := range []string{token, appSecret, env.Tenant.AdminToken} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a log line shows a secret (%.8s…)", secret)
		}
		if strings.Contains(answers.String(), secret) {
			t.Errorf("an API answer shows a secret (%.8s…)", secret)
		}
	}
	if !strings.Contains(logs.String(), "needs re-authorisation") {
		t.Errorf("the refused token was not logged at all; the test did not exercise it")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "s.db*"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(token)) || bytes.Contains(raw, []byte(env.Tenant.AdminToken)) || bytes.Contains(raw, []byte(env.Tenant.APIKey)) {
			t.Errorf("%s holds a secret in clear", filepath.Base(f))
		}
	}
}

func (b *bundle) connIDFor(t *testing.T) string {
	t.Helper()
	return b.env.MustDo(t, "GET", "/v1/social/instagram/connections", nil)["items"].([]any)[0].(map[string]any)["id"].(string)
}
