package igsandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFaultKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		fault         Fault
		status        int
		code, subcode int
		transient     bool
	}{
		{"server error default", Fault{Kind: FaultServerError}, 500, 2, 0, true},
		{"server error code 1", Fault{Kind: FaultServerError, Code: 1}, 500, 1, 0, false},
		{"throttle app", Fault{Kind: FaultThrottle, Code: 4, RegainMinutes: 7}, 400, 4, 0, true},
		{"throttle user", Fault{Kind: FaultThrottle, Code: 17}, 400, 17, 0, true},
		{"throttle page", Fault{Kind: FaultThrottle, Code: 32}, 400, 32, 0, true},
		{"throttle custom", Fault{Kind: FaultThrottle, Code: 613}, 400, 613, 0, true},
		{"throttle business use case", Fault{Kind: FaultThrottle, Code: 80002, RegainMinutes: 42}, 400, 80002, 0, true},
		{"throttle default code", Fault{Kind: FaultThrottle}, 400, 80002, 0, true},
		{"token expired", Fault{Kind: FaultTokenExpired}, 400, 190, 463, false},
		{"consent", Fault{Kind: FaultConsent}, 400, 230, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Config{})
			f.s.InjectFault(tt.fault)
			a := f.get(t, brandID, brandToken, "id")
			code, sub := a.graphErr()
			if a.status != tt.status || code != tt.code || sub != tt.subcode {
				t.Fatalf("got %d %d/%d, want %d %d/%d: %s", a.status, code, sub, tt.status, tt.code, tt.subcode, a.raw)
			}
			if got := a.body["error"].(map[string]any)["is_transient"]; got != tt.transient {
				t.Errorf("is_transient = %v", got)
			}
			if tt.fault.Kind != FaultThrottle {
				return
			}
			var app appUsage
			mustNil(t, json.Unmarshal([]byte(a.header.Get("X-App-Usage")), &app))
			var buc map[string][]bucUsage
			mustNil(t, json.Unmarshal([]byte(a.header.Get("X-Business-Use-Case-Usage")), &buc))
			b := buc[brandID][0]
			if app.CallCount != 100 || b.CallCount != 100 || b.TotalTime != 100 || b.TotalCPUTime != 100 ||
				b.EstimatedTimeToRegainAccess != tt.fault.RegainMinutes {
				t.Fatalf("throttle headers: %+v %+v", app, b)
			}
		})
	}
}

func TestFaultTimes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	f.s.InjectFault(Fault{Kind: FaultServerError, Times: 2,
		Match: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/tags") }})
	if a := f.get(t, brandID, brandToken, "id"); a.status != 200 {
		t.Fatalf("non-matching request faulted: %s", a.raw)
	}
	var statuses []int
	for range 3 {
		statuses = append(statuses, f.get(t, brandID+"/tags", brandToken, "").status)
	}
	if statuses[0] != 500 || statuses[1] != 500 || statuses[2] != 200 {
		t.Fatalf("statuses %v, want two faults then normal", statuses)
	}
	f.s.InjectFault(Fault{Kind: FaultConsent}) // forever
	for range 3 {
		if code, _ := f.get(t, brandID, brandToken, "id").graphErr(); code != 230 {
			t.Fatal("a fault with Times 0 lasts until ClearFaults")
		}
	}
	f.s.ClearFaults()
	if a := f.get(t, brandID, brandToken, "id"); a.status != 200 {
		t.Fatalf("after ClearFaults: %s", a.raw)
	}
}

func TestFaultTimesConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	f.s.InjectFault(Fault{Kind: FaultServerError, Times: 10})
	var faulted atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				req, _ := http.NewRequest(http.MethodGet, f.ts.URL+"/v21.0/"+brandID+"?access_token="+brandToken, nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode == 500 {
					faulted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if faulted.Load() != 10 {
		t.Fatalf("%d faulted answers, want exactly 10", faulted.Load())
	}
	if f.s.Calls() != 80 {
		t.Fatalf("Calls = %d", f.s.Calls())
	}
}

func TestFaultTimeout(t *testing.T) {
	t.Parallel()
	t.Run("client gives up", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, Config{})
		f.s.InjectFault(Fault{Kind: FaultTimeout}) // holds until the client leaves
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.ts.URL+"/v21.0/"+brandID+"?access_token="+brandToken, nil)
		_, err := http.DefaultClient.Do(req)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a deadline", err)
		}
	})
	t.Run("slow answer", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, Config{})
		f.s.InjectFault(Fault{Kind: FaultTimeout, Delay: 30 * time.Millisecond, Times: 1})
		start := time.Now()
		a := f.get(t, brandID, brandToken, "username")
		if a.status != 200 || a.body["username"] != "acme" || time.Since(start) < 30*time.Millisecond {
			t.Fatalf("after %v: %d %s", time.Since(start), a.status, a.raw)
		}
	})
	t.Run("delay before an error", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, Config{})
		f.s.InjectFault(Fault{Kind: FaultServerError, Delay: 20 * time.Millisecond})
		start := time.Now()
		if a := f.get(t, brandID, brandToken, "id"); a.status != 500 || time.Since(start) < 20*time.Millisecond {
			t.Fatalf("after %v: %d", time.Since(start), a.status)
		}
	})
}

func TestLatency(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{Latency: 20 * time.Millisecond})
	start := time.Now()
	f.get(t, brandID, brandToken, "id")
	if time.Since(start) < 20*time.Millisecond {
		t.Fatal("Config.Latency not applied")
	}
	f.s.SetLatency(80 * time.Millisecond)
	start = time.Now()
	f.get(t, brandID, brandToken, "id")
	if time.Since(start) < 80*time.Millisecond {
		t.Fatal("SetLatency not applied")
	}
}

func TestFaultKindString(t *testing.T) {
	t.Parallel()
	for k, want := range map[FaultKind]string{FaultServerError: "server-error", FaultThrottle: "throttle", 0: "unknown"} {
		if k.String() != want {
			t.Errorf("%d: %q", k, k.String())
		}
	}
}
