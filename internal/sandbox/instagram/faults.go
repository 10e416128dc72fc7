package igsandbox

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// FaultKind says how an injected fault answers.
type FaultKind int

const (
	// FaultServerError answers HTTP 500 with a Graph error of code 1 (unknown
	// error) or 2 (transient; the default).
	FaultServerError FaultKind = iota + 1
	// FaultTimeout holds the request for Fault.Delay, or until the client gives
	// up when Delay is zero, then answers normally: with a client timeout
	// shorter than Delay it is a timeout, with a longer one a slow answer.
	FaultTimeout
	// FaultThrottle answers a rate-limit error with code Fault.Code (4, 17, 32,
	// 613 or 80002; default 80002), HTTP 400, usage headers at 100% and
	// estimated_time_to_regain_access set to Fault.RegainMinutes.
	FaultThrottle
	// FaultTokenExpired answers error 190, subcode 463, as for ExpireToken.
	FaultTokenExpired
	// FaultConsent answers error 230 (user consent required).
	FaultConsent
)

// String names the kind, for test failure messages.
func (k FaultKind) String() string {
	switch k {
	case FaultServerError:
		return "server-error"
	case FaultTimeout:
		return "timeout"
	case FaultThrottle:
		return "throttle"
	case FaultTokenExpired:
		return "token-expired"
	case FaultConsent:
		return "consent"
	}
	return "unknown"
}

// Fault is an injected failure. Faults are tried in injection order; the
// first that matches a request and has uses left answers it.
type Fault struct {
	// Match selects the requests the fault applies to; nil matches all. It
	// runs on the request goroutine without the server's locks held, so it
	// may call the Server's methods.
	Match func(r *http.Request) bool
	// Times is how many requests the fault answers; 0 means every matching
	// request until ClearFaults.
	Times int
	Kind  FaultKind
	// Code is the Graph error code for FaultServerError (1 or 2) and
	// FaultThrottle (4, 17, 32, 613, 80002).
	Code int
	// RegainMinutes is estimated_time_to_regain_access for FaultThrottle.
	RegainMinutes int
	// Delay holds the request before the fault answers, whatever its kind.
	Delay time.Duration
}

// activeFault is an injected Fault with its remaining uses.
type activeFault struct {
	Fault
	left atomic.Int64 // uses left when Times > 0
}

// take claims one use of the fault, atomically.
func (f *activeFault) take() bool {
	if f.Times <= 0 {
		return true
	}
	for {
		n := f.left.Load()
		if n <= 0 {
			return false
		}
		if f.left.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// faultSet is copy-on-write: requests read the current list with one atomic
// load, so a server without faults pays nothing for the feature.
type faultSet struct {
	mu   sync.Mutex // serialises writers
	list atomic.Pointer[[]*activeFault]
}

// InjectFault adds a fault. Safe to call while requests are being served.
func (s *Server) InjectFault(f Fault) {
	af := &activeFault{Fault: f}
	af.left.Store(int64(f.Times))
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	var next []*activeFault
	if cur := s.faults.list.Load(); cur != nil {
		for _, old := range *cur {
			if old.Times <= 0 || old.left.Load() > 0 { // drop used-up faults
				next = append(next, old)
			}
		}
	}
	next = append(next, af)
	s.faults.list.Store(&next)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list.Store(nil)
}

func (fs *faultSet) pick(r *http.Request) *activeFault {
	cur := fs.list.Load()
	if cur == nil {
		return nil
	}
	for _, f := range *cur {
		if (f.Match == nil || f.Match(r)) && f.take() {
			return f
		}
	}
	return nil
}

// answer is the Graph error the fault answers with, or nil for FaultTimeout,
// which lets the request through once its delay is over.
func (f *activeFault) answer(now time.Time) *graphError {
	switch f.Kind {
	case FaultTimeout:
		return nil
	case FaultThrottle:
		code := f.Code
		if code == 0 {
			code = 80002
		}
		return throttleError(code)
	case FaultTokenExpired:
		return errExpiredToken(now)
	case FaultConsent:
		return errConsent()
	default: // FaultServerError and unknown kinds
		code := f.Code
		if code == 0 {
			code = 2
		}
		return serverError(code)
	}
}

// wait holds for d, or until ctx ends when forever is set, and reports
// whether the request should still be answered.
func wait(ctx context.Context, d time.Duration, forever bool) bool {
	if d <= 0 {
		if forever {
			<-ctx.Done()
			return false
		}
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
