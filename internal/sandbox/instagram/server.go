package igsandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server. The zero value is usable.
type Config struct {
	// Version is the Graph API version prefix served; default "v21.0".
	Version string
	// AppID, when set, must match client_id at /oauth/access_token.
	AppID string
	// AppSecret, when set, must match client_secret at /oauth/access_token,
	// and an appsecret_proof parameter, when sent, must be its HMAC-SHA256 of
	// the access token. Server.Sender signs webhooks with it.
	AppSecret string
	// RequireAppSecretProof makes calls without appsecret_proof fail, as
	// Meta does for apps with "Require App Secret" on.
	RequireAppSecretProof bool
	// Now is the clock (token expiry messages, usage windows, generated
	// timestamps); default time.Now. It is called concurrently.
	Now func() time.Time
	// Latency delays every answer (see also SetLatency).
	Latency time.Duration
	// UsageBudget is the number of calls per UsageWindow that the usage
	// headers report as 100%; default 4800 (Meta's business use case budget
	// per impression). Raise it for load tests whose client backs off on the
	// usage headers.
	UsageBudget int
	// UsageWindow is the window the usage percentages count over; default 1h.
	UsageWindow time.Duration
}

// Server is the emulated Graph API, an http.Handler. All methods are safe for
// concurrent use; reads take a shared lock and the accounting is atomic, so
// it sustains load tests.
type Server struct {
	version      string
	appID        string
	appSecret    string
	requireProof bool
	now          func() time.Time
	latency      atomic.Int64 // time.Duration

	mu sync.RWMutex
	st state

	seq    atomic.Uint64 // generated ids and trace ids
	calls  callCounter
	usage  usageMeter
	faults faultSet
}

// New returns a Server with no state.
func New(cfg Config) *Server {
	s := &Server{
		version:      orDefault(cfg.Version, "v21.0"),
		appID:        cfg.AppID,
		appSecret:    cfg.AppSecret,
		requireProof: cfg.RequireAppSecretProof,
		now:          cfg.Now,
		st:           newState(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.latency.Store(int64(cfg.Latency))
	s.usage.budget = int64(cfg.UsageBudget)
	if s.usage.budget <= 0 {
		s.usage.budget = 4800
	}
	s.usage.window = cfg.UsageWindow
	if s.usage.window <= 0 {
		s.usage.window = time.Hour
	}
	s.usage.reset(s.now())
	return s
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Version answers the version prefix served, e.g. "v21.0".
func (s *Server) Version() string { return s.version }

// SetLatency changes the delay added to every answer.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// Sender answers a webhook Sender that posts to url signed with the
// configured AppSecret.
func (s *Server) Sender(url string) *Sender { return &Sender{URL: url, AppSecret: s.appSecret} }

// newID answers a fresh 17-digit id starting with prefix, like Meta's ids.
func (s *Server) newID(prefix string) string {
	return fmt.Sprintf("%s%0*d", prefix, max(17-len(prefix), 1), s.seq.Add(1))
}

func (s *Server) traceID() string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[4:], s.seq.Add(1)*0x9E3779B97F4A7C15)
	return "A" + base64.RawURLEncoding.EncodeToString(b[:])
}

// ServeHTTP answers a Graph API request: accounting, latency, faults, then
// the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	formErr := r.ParseForm()
	tok := accessToken(r)
	s.calls.add(r.URL.Path, tok)

	rest, versioned := strings.CutPrefix(r.URL.Path, "/"+s.version+"/")
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	u := usage{brandID: s.usageBrand(tok, segs[0])}
	u.app, u.brand = s.usage.record(s.now(), u.brandID)

	if !wait(r.Context(), time.Duration(s.latency.Load()), false) {
		return
	}
	if f := s.faults.pick(r); f != nil {
		if !wait(r.Context(), f.Delay, f.Kind == FaultTimeout) {
			return
		}
		if ge := f.answer(s.now()); ge != nil {
			if f.Kind == FaultThrottle {
				u.app, u.brand, u.regainMinutes = 100, 100, f.RegainMinutes
			}
			s.writeError(w, ge, u)
			return
		}
	}

	var body any
	var err error
	switch {
	case formErr != nil:
		err = errParam(fmt.Sprintf("Invalid request: %v", formErr))
	case !versioned || rest == "":
		err = errPath(r.URL.Path)
	default:
		body, err = s.route(r, tok, segs)
	}
	if err != nil {
		var ge *graphError
		if !errors.As(err, &ge) {
			ge = errInternal(err)
		}
		s.writeError(w, ge, u)
		return
	}
	s.writeJSON(w, http.StatusOK, body, u)
}

// accessToken reads the token from the access_token parameter (query or
// form body) or an "Authorization: Bearer" (or "OAuth") header.
func accessToken(r *http.Request) string {
	if t := r.Form.Get("access_token"); t != "" {
		return t
	}
	h := r.Header.Get("Authorization")
	for _, scheme := range []string{"Bearer ", "OAuth "} {
		if len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) {
			return strings.TrimSpace(h[len(scheme):])
		}
	}
	return ""
}

// usageBrand picks the brand whose business-use-case usage the call counts
// against: the token's brand, or among a user token's brands the one the
// path names.
func (s *Server) usageBrand(tok, first string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	named := first
	if id, ok := s.st.pages[first]; ok {
		named = id
	}
	g, ok := s.st.tokens[tok]
	switch {
	case !ok:
		if _, isBrand := s.st.brands[named]; isBrand {
			return named
		}
		return ""
	case g.allows(named):
		return named
	case len(g.brandIDs) > 0:
		return g.brandIDs[0]
	}
	return ""
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, body any, u usage) {
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(map[string]any{"error": errInternal(fmt.Errorf("encode answer: %w", err))})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Facebook-API-Version", s.version)
	u.setHeaders(h)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) writeError(w http.ResponseWriter, ge *graphError, u usage) {
	e := *ge
	e.FBTraceID = s.traceID()
	h := w.Header()
	h.Set("X-Fb-Trace-Id", e.FBTraceID)
	if e.Code == 190 {
		h.Set("WWW-Authenticate", fmt.Sprintf("OAuth \"Facebook Platform\" \"invalid_token\" %q", e.Message))
	}
	s.writeJSON(w, e.status, map[string]*graphError{"error": &e}, u)
}

// route dispatches a request under the version prefix.
func (s *Server) route(r *http.Request, tok string, segs []string) (any, error) {
	if len(segs) == 2 && segs[0] == "oauth" && segs[1] == "access_token" {
		return s.exchangeToken(r)
	}
	if len(segs) > 2 {
		return nil, errPath(r.URL.Path)
	}
	switch r.Method {
	case http.MethodPost:
		return s.post(r, tok, segs)
	case http.MethodGet, http.MethodHead:
	default:
		return nil, errNoObject(strings.ToLower(r.Method), segs[0])
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.authorize(r, tok)
	if err != nil {
		return nil, err
	}
	fs, err := parseFields(r.Form.Get("fields"))
	if err != nil {
		return nil, errSyntax(err)
	}
	if len(segs) == 1 {
		return s.getNode(r, g, segs[0], fs)
	}
	return s.getEdge(r, g, segs[0], segs[1], fs)
}

// authorize checks the token; the caller holds s.mu.
func (s *Server) authorize(r *http.Request, tok string) (grant, error) {
	if tok == "" {
		return grant{}, errNoToken()
	}
	if s.st.expired[tok] {
		return grant{}, errExpiredToken(s.now())
	}
	g, ok := s.st.tokens[tok]
	if !ok {
		return grant{}, errBadToken()
	}
	if s.appSecret == "" {
		return g, nil
	}
	proof := r.Form.Get("appsecret_proof")
	if proof == "" {
		if s.requireProof {
			return grant{}, &graphError{status: http.StatusBadRequest, Type: typeMethod, Code: 100,
				Message: "API calls from the server require an appsecret_proof argument"}
		}
		return g, nil
	}
	mac := hmac.New(sha256.New, []byte(s.appSecret))
	mac.Write([]byte(tok))
	if !hmac.Equal([]byte(proof), []byte(hex.EncodeToString(mac.Sum(nil)))) {
		return grant{}, &graphError{status: http.StatusBadRequest, Type: typeMethod, Code: 100,
			Message: "Invalid appsecret_proof provided in the API argument"}
	}
	return g, nil
}

// getNode answers GET /{id}; the caller holds s.mu for reading.
func (s *Server) getNode(r *http.Request, g grant, id string, fs []field) (any, error) {
	if id == "me" {
		if g.pageToken() {
			b := s.st.brands[g.brandIDs[0]]
			return render("Page", b.PageID, fs, s.pageGetter(r, b))
		}
		return render("User", g.userID, fs, func(field) (any, error) { return nil, errUnknownField })
	}
	if b, ok := s.st.brands[id]; ok && g.allows(id) {
		return render("IGUser", id, fs, s.brandGetter(r, b))
	}
	if bid, ok := s.st.pages[id]; ok && g.allows(bid) {
		return render("Page", id, fs, s.pageGetter(r, s.st.brands[bid]))
	}
	if u, ok := s.st.users[id]; ok && len(g.brandIDs) > 0 {
		if !u.Consent {
			return nil, errConsent()
		}
		return render("User", id, fs, profileGetter(u))
	}
	if m, ok := s.st.media[id]; ok && s.ownsMedia(g, m) {
		return render("IGMedia", id, fs, mediaGetter(m))
	}
	return nil, errNoObject("get", id)
}

func (s *Server) ownsMedia(g grant, m Media) bool {
	for _, id := range g.brandIDs {
		if b, ok := s.st.brands[id]; ok && strings.EqualFold(b.Username, m.OwnerUsername) {
			return true
		}
	}
	return false
}

// getEdge answers GET /{id}/{edge}; the caller holds s.mu for reading.
func (s *Server) getEdge(r *http.Request, g grant, id, edge string, fs []field) (any, error) {
	if id == "me" && edge == "accounts" {
		return s.accounts(r, g, fs)
	}
	if _, ok := s.st.brands[id]; ok && g.allows(id) {
		if edge != "tags" {
			return nil, errNoField(edge, "IGUser")
		}
		q, err := pageParams(r.Form.Get("limit"), r.Form.Get("after"), r.Form.Get("before"))
		if err != nil {
			return nil, err
		}
		return s.tagsPage(id, fs, q, edgeLink(r))
	}
	if bid, ok := s.st.pages[id]; ok && g.allows(bid) && edge == "subscribed_apps" {
		data := []object{}
		if fields := s.st.subscribed[id]; len(fields) > 0 {
			data = append(data, object{
				{"name", "shoutout sandbox"}, {"id", orDefault(s.appID, "sandbox-app")}, {"subscribed_fields", fields},
			})
		}
		return object{{"data", data}}, nil
	}
	return nil, errNoObject("get", id)
}

// post answers POST /{page-id}/subscribed_apps, the only write emulated.
func (s *Server) post(r *http.Request, tok string, segs []string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.authorize(r, tok)
	if err != nil {
		return nil, err
	}
	bid, ok := s.st.pages[segs[0]]
	if len(segs) != 2 || segs[1] != "subscribed_apps" || !ok || !g.allows(bid) {
		return nil, errNoObject("post", segs[0])
	}
	if !g.pageToken() {
		return nil, errPageTokenRequired()
	}
	var fields []string
	for f := range strings.SplitSeq(r.Form.Get("subscribed_fields"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return nil, errParam("The parameter subscribed_fields is required.")
	}
	s.st.subscribed[segs[0]] = fields
	return object{{"success", true}}, nil
}

// exchangeToken answers GET /oauth/access_token?grant_type=fb_exchange_token:
// a new long-lived token with the same grants as the one exchanged.
func (s *Server) exchangeToken(r *http.Request) (any, error) {
	if gt := r.Form.Get("grant_type"); gt != "fb_exchange_token" {
		return nil, errParam(fmt.Sprintf("Unsupported grant_type %q", gt))
	}
	if s.appID != "" && r.Form.Get("client_id") != s.appID {
		return nil, oauthError(101, 0, "Error validating application. Invalid application ID.")
	}
	if s.appSecret != "" && r.Form.Get("client_secret") != s.appSecret {
		return nil, oauthError(1, 0, "Error validating client secret.")
	}
	old := r.Form.Get("fb_exchange_token")
	if old == "" {
		return nil, errParam("The parameter fb_exchange_token is required.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.expired[old] {
		return nil, errExpiredToken(s.now())
	}
	g, ok := s.st.tokens[old]
	if !ok {
		return nil, errBadToken()
	}
	tok := "EAAsandbox" + s.newID("")
	s.st.tokens[tok] = g
	return object{{"access_token", tok}, {"token_type", "bearer"}, {"expires_in", 5183944}}, nil
}
