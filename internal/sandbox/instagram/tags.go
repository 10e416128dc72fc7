package igsandbox

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
)

const (
	defaultPageLimit = 25
	maxPageLimit     = 100 // larger limits are clamped, not refused
)

// listPage is a Graph API list answer: {"data":[...],"paging":{...}}.
// Paging is left out when data is empty.
type listPage struct {
	Data   []object `json:"data"`
	Paging *paging  `json:"paging,omitempty"`
}

type paging struct {
	Cursors  cursors `json:"cursors"`
	Next     string  `json:"next,omitempty"`
	Previous string  `json:"previous,omitempty"`
}

type cursors struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

// pageQuery is a list request's limit and cursor.
type pageQuery struct {
	limit         int
	after, before string
}

func pageParams(limit, after, before string) (pageQuery, error) {
	q := pageQuery{limit: defaultPageLimit, after: after, before: before}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n <= 0 {
			return pageQuery{}, errParam(fmt.Sprintf("Param limit must be a positive integer, got %q", limit))
		}
		q.limit = min(n, maxPageLimit)
	}
	return q, nil
}

func encodeCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// cursor identifies a tag entry by its sort key, so pages stay stable while
// new tags arrive at the top.
func (t tagRef) cursor() string { return encodeCursor(fmt.Sprintf("%d:%d", t.ts, t.seq)) }

func parseTagCursor(c string) (tagRef, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	var t tagRef
	if err == nil {
		_, err = fmt.Sscanf(string(b), "%d:%d", &t.ts, &t.seq)
	}
	if err != nil {
		return tagRef{}, errParam(fmt.Sprintf("Invalid cursor %q", c))
	}
	return t, nil
}

// tagsPage answers one page of the brand's /tags edge, newest first, private
// media left out. link builds the next/previous URLs from a cursor parameter
// name and value. The caller holds s.mu for reading.
func (s *Server) tagsPage(brandID string, fs []field, q pageQuery, link func(param, cursor string) string) (any, error) {
	refs := s.st.tags[brandID]
	visible := func(i int) bool {
		m, ok := s.st.media[refs[i].mediaID]
		return ok && !m.Private
	}
	var idx []int
	if q.before != "" {
		k, err := parseTagCursor(q.before)
		if err != nil {
			return nil, err
		}
		end := sort.Search(len(refs), func(i int) bool { return !refs[i].before(k) })
		for i := end - 1; i >= 0 && len(idx) < q.limit; i-- {
			if visible(i) {
				idx = append(idx, i)
			}
		}
		slices.Reverse(idx)
	} else {
		start := 0
		if q.after != "" {
			k, err := parseTagCursor(q.after)
			if err != nil {
				return nil, err
			}
			start = sort.Search(len(refs), func(i int) bool { return k.before(refs[i]) })
		}
		for i := start; i < len(refs) && len(idx) < q.limit; i++ {
			if visible(i) {
				idx = append(idx, i)
			}
		}
	}
	out := listPage{Data: make([]object, 0, len(idx))}
	if len(idx) == 0 {
		return out, nil
	}
	for _, i := range idx {
		m := s.st.media[refs[i].mediaID]
		o, err := render("IGMedia", m.ID, fs, mediaGetter(m))
		if err != nil {
			return nil, err
		}
		out.Data = append(out.Data, o)
	}
	first, last := refs[idx[0]], refs[idx[len(idx)-1]]
	out.Paging = &paging{Cursors: cursors{Before: first.cursor(), After: last.cursor()}}
	anyVisible := func(from, to int) bool {
		for i := from; i < to; i++ {
			if visible(i) {
				return true
			}
		}
		return false
	}
	if anyVisible(idx[len(idx)-1]+1, len(refs)) {
		out.Paging.Next = link("after", out.Paging.Cursors.After)
	}
	if anyVisible(0, idx[0]) {
		out.Paging.Previous = link("before", out.Paging.Cursors.Before)
	}
	return out, nil
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// edgeLink builds paging links for a GET /{id}/tags request: the same URL
// with the cursor replaced (the access token included, as Meta does).
func edgeLink(r *http.Request) func(param, cursor string) string {
	return func(param, cursor string) string {
		q := r.URL.Query()
		q.Del("after")
		q.Del("before")
		q.Set(param, cursor)
		return baseURL(r) + r.URL.Path + "?" + q.Encode()
	}
}

// expansionLink builds paging links for a tags{...} field expansion: Meta
// points them at the edge itself with the nested fields and limit.
func (s *Server) expansionLink(r *http.Request, brandID string, f field) func(param, cursor string) string {
	return func(param, cursor string) string {
		q := url.Values{}
		if t := r.URL.Query().Get("access_token"); t != "" {
			q.Set("access_token", t)
		}
		if len(f.children) > 0 {
			q.Set("fields", formatFields(f.children))
		}
		if l, ok := f.arg("limit"); ok {
			q.Set("limit", l)
		}
		q.Set(param, cursor)
		return baseURL(r) + "/" + s.version + "/" + brandID + "/tags?" + q.Encode()
	}
}
