package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startSandbox runs `shoutout serve --sandbox` and returns its base URL and
// the API key it printed.
func startSandbox(t *testing.T, extra ...string) (url, apiKey string) {
	t.Helper()
	dir := t.TempDir()
	addr := freePort(t)
	cmd := exec.Command(binary, append([]string{"serve", "--sandbox", "--log-level", "warn"}, extra...)...)
	cmd.Dir = dir
	cmd.Env = append(baseEnv(), "SHOUTOUT_ADDR="+addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	keys := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if k, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "API key"); ok {
				keys <- strings.TrimSpace(k)
			}
		}
	}()
	select {
	case apiKey = <-keys:
	case <-time.After(30 * time.Second):
		t.Fatalf("serve --sandbox printed no API key; stderr:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "shoutout-sandbox.db")); err != nil {
		t.Errorf("sandbox database: %v", err)
	}
	return "http://" + addr, apiKey
}

func getJSON(t *testing.T, url, apiKey string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Api-Key", apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestSandboxDemo: within 30 s of `serve --sandbox`, the API shows members
// with points from social events, and every event type.
func TestSandboxDemo(t *testing.T) {
	t.Parallel()
	start := time.Now()
	url, key := startSandbox(t)
	want := []string{"MENTIONED_YOU_SOCIAL", "DM_YOU_SOCIAL", "FOLLOWED_YOU_SOCIAL"}
	for {
		var events struct {
			Items []struct{ Type string } `json:"items"`
		}
		getJSON(t, url+"/v1/events?limit=1000", key, &events)
		seen := map[string]bool{}
		for _, e := range events.Items {
			seen[e.Type] = true
		}
		var users struct {
			Items []struct{ ID string } `json:"items"`
		}
		getJSON(t, url+"/v1/users?limit=1000", key, &users)
		withPoints := 0
		for _, u := range users.Items {
			var w struct {
				Points struct{ Balance int } `json:"points"`
			}
			if len(seen) == len(want) && withPoints == 0 {
				getJSON(t, url+"/v1/users/"+u.ID+"/wallet", key, &w)
				if w.Points.Balance > 0 {
					withPoints++
				}
			}
		}
		missing := []string{}
		for _, typ := range want {
			if !seen[typ] {
				missing = append(missing, typ)
			}
		}
		if len(missing) == 0 && withPoints > 0 && len(users.Items) >= 300 {
			t.Logf("all event types and members with points after %v", time.Since(start))
			return
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("after 30 s: missing event types %v, members %d, with points %d", missing, len(users.Items), withPoints)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestSandboxRefusesProductionConfiguration: the sandbox never starts with
// PostgreSQL or real Meta credentials.
func TestSandboxRefusesProductionConfiguration(t *testing.T) {
	t.Parallel()
	for _, env := range []map[string]string{
		{"SHOUTOUT_DATABASE_URL": "postgres://db.example/shoutout"},
		{"SHOUTOUT_META_APP_SECRET": "real-secret", "SHOUTOUT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "x.db")},
	} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"serve", "--sandbox"}, &out, &out, func(k string) string { return env[k] })
		if err == nil || !strings.Contains(err.Error(), "does not run with PostgreSQL") {
			t.Errorf("env %v: %v", env, err)
		}
	}
}

// TestLoadtestCommand runs the load test briefly against a sandbox server
// and fails on any loss or duplicate.
func TestLoadtestCommand(t *testing.T) {
	t.Parallel()
	url, _ := startSandbox(t, "--sandbox-rate", "0")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"loadtest", "--target", url, "--rate", "200", "--duration", "3s", "--db-dir", t.TempDir(), "--drain", "20s"},
		&out, &errOut, func(string) string { return "" })
	t.Logf("\n%s", out.String())
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, errOut.String())
	}
	for _, line := range []string{"lost               0", "duplicates         0", "sent               600", "acknowledged       600", "raw SQLite commits", "webhook-to-ledger  p50"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q", line)
		}
	}
	var plain bytes.Buffer
	err = run(context.Background(), []string{"loadtest", "--target", "http://" + freePort(t), "--duration", "1s"}, &plain, &plain, func(string) string { return "" })
	if err == nil {
		t.Error("loadtest against nothing succeeded")
	}
}
