package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/secrets"
)

// binary is the shoutout command built once for the process-level tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shoutout-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "shoutout")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build shoutout: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running `shoutout serve`.
type proc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
}

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startServe(t *testing.T, dir string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, args...)...)
	cmd.Dir = dir
	cmd.Env = env
	p := &proc{cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

func waitHealthy(t *testing.T, url string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/healthz did not answer within %v", url, within)
}

func baseEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeWithNoConfiguration: a newcomer's first run, with no environment
// at all, serves on the default address and creates its SQLite file.
func TestServeWithNoConfiguration(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:8080")
	if err != nil {
		t.Skip("the default address 127.0.0.1:8080 is in use on this machine")
	}
	ln.Close()
	dir := t.TempDir()
	start := time.Now()
	p := startServe(t, dir, baseEnv())
	waitHealthy(t, "http://127.0.0.1:8080", 10*time.Second)
	t.Logf("healthy after %v", time.Since(start))
	if _, err := os.Stat(filepath.Join(dir, "shoutout.db")); err != nil {
		t.Fatalf("serve did not create its SQLite file: %v", err)
	}
	if !strings.Contains(p.stderr.String(), "SHOUTOUT_SECRET_KEY is not set") {
		t.Errorf("no warning about the generated key file:\n%s", p.stderr.String())
	}
	if fi, err := os.Stat(filepath.Join(dir, "shoutout.db.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi, err)
	}
}

func TestRefusesPostgresWithoutSecretKey(t *testing.T) {
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		t.Skip("TEST_DATABASE_URL not set")
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"migrate", "--database-url", url}, &out, &out, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "SHOUTOUT_SECRET_KEY is required") {
		t.Fatalf("migrate on PostgreSQL without a key: %v", err)
	}
}

func TestTenantCreateAndMembersImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"SHOUTOUT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "db.sqlite"), "SHOUTOUT_SECRET_KEY": secrets.NewKey(), "SHOUTOUT_LOG_LEVEL": "warn"}
	getenv := func(k string) string { return env[k] }
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"tenant", "create", "Acme Coffee", "--json"}, &out, &errOut, getenv); err != nil {
		t.Fatalf("tenant create: %v\n%s", err, errOut.String())
	}
	var creds map[string]string
	if err := json.Unmarshal(out.Bytes(), &creds); err != nil {
		t.Fatalf("tenant create --json printed %q: %v", out.String(), err)
	}
	for _, k := range []string{"id", "api_key", "admin_token"} {
		if creds[k] == "" {
			t.Fatalf("missing %s in %v", k, creds)
		}
	}
	csv := "externalIdentifier,email,instagramHandle,tiktokHandle,tier\n" +
		"m1,ada@example.com,@Ada,ada.tt,gold\n" +
		"m2,not-an-email,bob,,\n" +
		",,carol,,\n" +
		"m3,carol@example.com,carol,,silver\n" +
		"m1,ada@example.com,@ada_new,,gold\n"
	path := filepath.Join(dir, "members.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if err := run(context.Background(), []string{"members", "import", path, "--tenant", creds["id"]}, &out, &errOut, getenv); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut.String())
	}
	got := out.String()
	if !strings.Contains(got, "2 created, 1 updated, 2 rejected") || !strings.Contains(got, "line 3:") || !strings.Contains(got, "line 4:") {
		t.Fatalf("import summary:\n%s", got)
	}
	if !strings.Contains(errOut.String(), "100%") {
		t.Errorf("no progress shown: %q", errOut.String())
	}
}

// TestCrashSafety posts 1,000 events concurrently while the server is killed
// with SIGKILL and restarted: every event answered 200 is in the ledger
// exactly once with its points, and no refused event is.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	dir := t.TempDir()
	addr := freePort(t)
	url := "http://" + addr
	env := append(baseEnv(), "SHOUTOUT_ADDR="+addr, "SHOUTOUT_DATABASE_URL=sqlite:"+filepath.Join(dir, "crash.db"),
		"SHOUTOUT_SECRET_KEY="+secrets.NewKey(), "SHOUTOUT_LOG_LEVEL=warn")
	getenv := func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"tenant", "create", "Crash", "--json"}, &out, io.Discard, getenv); err != nil {
		t.Fatal(err)
	}
	var creds map[string]string
	if err := json.Unmarshal(out.Bytes(), &creds); err != nil {
		t.Fatal(err)
	}
	call := func(method, path string, body any) (int, []byte, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, url+path, bytes.NewReader(b))
		req.Header.Set("X-Api-Key", creds["api_key"])
		req.Header.Set("Authorization", "Bearer "+creds["admin_token"])
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		rb, err := io.ReadAll(resp.Body)
		return resp.StatusCode, rb, err
	}
	server := startServe(t, dir, env)
	waitHealthy(t, url, 10*time.Second)
	_, ub, err := call("POST", "/v1/users", map[string]any{"profile": map[string]any{"givenName": "C", "familyName": "S", "emailAddress": "c@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	var user map[string]any
	_ = json.Unmarshal(ub, &user)
	uid, _ := user["id"].(string)
	if st, b, err := call("POST", "/v1/event_reactors", map[string]any{"name": "Ten points", "eventType": "CRASH_TEST",
		"reactions": []any{map[string]any{"type": "POINTS", "points": map[string]any{"operation": "SUM", "arguments": []any{map[string]any{"type": "NUMBER", "value": 10}}}}}}); err != nil || st != 200 {
		t.Fatalf("reactor: %d %s %v", st, b, err)
	}

	const total = 1000
	outcome := make([]int, total) // HTTP status, or -1 for no answer
	var next, acked atomic.Int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				st, _, err := call("POST", "/v1/events", map[string]any{"type": "CRASH_TEST", "subject": uid, "payload": map[string]any{"n": i}})
				// A refused connection never carried the request: retrying
				// it cannot duplicate anything.
				for errors.Is(err, syscall.ECONNREFUSED) {
					time.Sleep(20 * time.Millisecond)
					st, _, err = call("POST", "/v1/events", map[string]any{"type": "CRASH_TEST", "subject": uid, "payload": map[string]any{"n": i}})
				}
				if err != nil {
					st = -1
				} else if st == 200 {
					acked.Add(1)
				}
				outcome[i] = st
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	kills := 0
	for kills < 3 {
		target := int64(150 * (kills + 1))
		for acked.Load() < target {
			select {
			case <-done:
				goto finished
			case <-time.After(5 * time.Millisecond):
			}
		}
		server.kill()
		kills++
		time.Sleep(150 * time.Millisecond) // requests meanwhile are refused
		server = startServe(t, dir, env)
		waitHealthy(t, url, 10*time.Second)
	}
	<-done
finished:
	if kills < 3 {
		t.Fatalf("only %d kills happened before the events ran out", kills)
	}
	waitHealthy(t, url, 10*time.Second)
	seen := map[int]int{}
	for skip := 0; ; skip += 1000 {
		st, b, err := call("GET", fmt.Sprintf("/v1/events?subject=%s&type=CRASH_TEST&limit=1000&skip=%d&order=ASC", uid, skip), nil)
		if err != nil || st != 200 {
			t.Fatalf("list: %d %v", st, err)
		}
		var page struct {
			Items []struct {
				Payload struct{ N int } `json:"payload"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			seen[it.Payload.N]++
		}
		if len(page.Items) < 1000 {
			break
		}
	}
	var ok200, noAnswer, refused, inLedger int
	for i, st := range outcome {
		n := seen[i]
		inLedger += n
		switch {
		case n > 1:
			t.Errorf("event %d is in the ledger %d times", i, n)
		case st == 200:
			ok200++
			if n != 1 {
				t.Errorf("event %d got 200 but is not in the ledger", i)
			}
		case st == -1:
			noAnswer++
		default:
			refused++
			if n != 0 {
				t.Errorf("event %d was refused with %d but is in the ledger", i, st)
			}
		}
	}
	st, wb, err := call("GET", "/v1/users/"+uid+"/wallet", nil)
	if err != nil || st != 200 {
		t.Fatalf("wallet: %d %v", st, err)
	}
	var wallet struct {
		Points struct{ Balance int } `json:"points"`
	}
	_ = json.Unmarshal(wb, &wallet)
	if wallet.Points.Balance != 10*inLedger {
		t.Errorf("balance %d, want %d (10 points for each of %d events in the ledger)", wallet.Points.Balance, 10*inLedger, inLedger)
	}
	t.Logf("kills=%d acknowledged=%d no-answer=%d refused=%d in-ledger=%d", kills, ok200, noAnswer, refused, inLedger)
	if ok200 < 500 {
		t.Errorf("only %d events acknowledged: the test did not exercise the server", ok200)
	}
}
