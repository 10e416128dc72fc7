package igsandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// ControlPath prefixes the control routes that let another process (a load
// test) set the emulator's state over HTTP.
const ControlPath = "/_sandbox"

// MentionsRequest adds media that mention a brand.
type MentionsRequest struct {
	BrandID string  `json:"brandId"`
	Media   []Media `json:"media"`
}

// ControlHandler serves POST /_sandbox/mentions: add media and mark them as
// mentioning the brand. Mount it beside the Graph API on the emulator only.
func (s *Server) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+ControlPath+"/mentions", func(w http.ResponseWriter, r *http.Request) {
		var req MentionsRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20)).Decode(&req); err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
			return
		}
		for _, m := range req.Media {
			s.AddMedia(m)
			if err := s.MentionMedia(req.BrandID, m.ID); err != nil {
				http.Error(w, fmt.Sprintf("media %s: %v", m.ID, err), http.StatusBadRequest)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"added": len(req.Media)})
	})
	return mux
}

// WithControl serves the Graph API and the control routes together.
func (s *Server) WithControl() http.Handler {
	ctl := s.ControlHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) >= len(ControlPath) && r.URL.Path[:len(ControlPath)] == ControlPath {
			ctl.ServeHTTP(w, r)
			return
		}
		s.ServeHTTP(w, r)
	})
}
