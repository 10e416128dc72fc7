package instagram

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Defaults of the per-connection backoff used when Meta throttles without
// saying for how long: 1 minute, doubling on each consecutive throttle, at
// most maxThrottleBackoff.
const (
	defaultThrottleBackoff = time.Minute
	maxThrottleBackoff     = time.Hour
)

// connState is what the client remembers about one connection.
type connState struct {
	pausedUntil  time.Time
	strikes      int    // consecutive throttles, for the default backoff
	tokenInvalid bool   // a 190/102 was seen; no calls until reset
	tokenErr     string // message of the error that invalidated the token
}

// connStates is the per-connection throttle and re-auth memory of a Client.
// It is in memory only: after a restart the first call for a throttled
// connection will be throttled again and pause it again; needs_reauth must be
// persisted by the caller.
type connStates struct {
	mu    sync.Mutex
	conns map[string]*connState
}

func newConnStates() *connStates {
	return &connStates{conns: make(map[string]*connState)}
}

// check returns an error when connID may not be called now: its token was
// rejected, or it is paused. connID "" (calls not tied to a connection) is
// never blocked.
func (s *connStates) check(connID string, now time.Time) error {
	if connID == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.conns[connID]
	if st == nil {
		return nil
	}
	if st.tokenInvalid {
		return fmt.Errorf("connection %q needs re-authorisation, no request sent (%w; last error: %s); call ResetConnection once a new token is supplied",
			connID, ErrTokenInvalid, st.tokenErr)
	}
	if now.Before(st.pausedUntil) {
		return &ThrottledError{ConnID: connID, Until: st.pausedUntil, wait: st.pausedUntil.Sub(now)}
	}
	return nil
}

// observe records what one answer taught about connID and returns the error
// to give the caller: a throttling error becomes a *ThrottledError carrying the
// pause; a token error marks the connection. A successful call whose usage
// headers show a spent budget still succeeds, but pauses later calls.
func (s *connStates) observe(connID string, now time.Time, u usage, err error) error {
	throttled := errors.Is(err, ErrThrottled)
	if connID == "" {
		if throttled {
			wait := u.regain
			if wait <= 0 {
				wait = defaultThrottleBackoff
			}
			return &ThrottledError{Until: now.Add(wait), wait: wait, Cause: err}
		}
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.conns[connID]
	if st == nil {
		st = &connState{}
		s.conns[connID] = st
	}
	if errors.Is(err, ErrTokenInvalid) {
		st.tokenInvalid = true
		st.tokenErr = err.Error()
		return err
	}
	if throttled || u.exhausted() {
		wait := u.regain
		if wait <= 0 {
			wait = throttleBackoff(st.strikes)
		}
		st.strikes++
		if until := now.Add(wait); until.After(st.pausedUntil) {
			st.pausedUntil = until
		}
		if throttled {
			return &ThrottledError{ConnID: connID, Until: st.pausedUntil, wait: st.pausedUntil.Sub(now), Cause: err}
		}
		return err
	}
	if err == nil {
		st.strikes = 0
		if !st.tokenInvalid && !now.Before(st.pausedUntil) {
			delete(s.conns, connID)
		}
	}
	return err
}

func throttleBackoff(strikes int) time.Duration {
	if strikes > 10 {
		strikes = 10
	}
	d := defaultThrottleBackoff << strikes
	if d > maxThrottleBackoff {
		d = maxThrottleBackoff
	}
	return d
}

func (s *connStates) pausedUntil(connID string, now time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.conns[connID]
	if st == nil || !now.Before(st.pausedUntil) {
		return time.Time{}, false
	}
	return st.pausedUntil, true
}

func (s *connStates) tokenInvalid(connID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.conns[connID]
	return st != nil && st.tokenInvalid
}

func (s *connStates) reset(connID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, connID)
}

// usage is what the rate-limit headers of one answer say.
type usage struct {
	maxPercent float64       // highest call_count/total_time/total_cputime
	regain     time.Duration // longest estimated_time_to_regain_access
}

// exhausted reports a bucket at or above 100% or a pending regain time.
func (u usage) exhausted() bool { return u.maxPercent >= 100 || u.regain > 0 }

// usageHeaders lists the usage headers Meta sends. X-App-Usage is {"call_count":N,"total_time":N,
// "total_cputime":N}; X-Business-Use-Case-Usage is {"<business id>":[{"type":
// "instagram","call_count":N,...,"estimated_time_to_regain_access":M}]}, with
// M in minutes. X-Ad-Account-Usage is read for completeness.
func usageHeaders() []string {
	return []string{"X-App-Usage", "X-Business-Use-Case-Usage", "X-Ad-Account-Usage"}
}

// parseUsage reads the usage headers. Unparseable headers are ignored: they
// are advisory, and the error codes remain authoritative.
func parseUsage(h http.Header) usage {
	var u usage
	for _, name := range usageHeaders() {
		for _, v := range h.Values(name) {
			dec := json.NewDecoder(bytes.NewReader([]byte(v)))
			dec.UseNumber()
			var doc any
			if dec.Decode(&doc) != nil {
				continue
			}
			u.walk(doc, 0)
		}
	}
	return u
}

// walk collects the usage numbers wherever they sit in the header's JSON, so
// that both header layouts (and small variations) are understood.
func (u *usage) walk(v any, depth int) {
	if depth > 8 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch k {
			case "call_count", "total_time", "total_cputime", "acc_id_util_pct":
				if f, ok := number(val); ok && f > u.maxPercent {
					u.maxPercent = f
				}
			case "estimated_time_to_regain_access":
				if f, ok := number(val); ok && f > 0 {
					// Minutes; clamp to a day so a silly value cannot
					// overflow or pause a connection for ever.
					d := time.Duration(math.Min(f, 24*60) * float64(time.Minute))
					if d > u.regain {
						u.regain = d
					}
				}
			default:
				u.walk(val, depth+1)
			}
		}
	case []any:
		for _, e := range x {
			u.walk(e, depth+1)
		}
	}
}

func number(v any) (float64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
