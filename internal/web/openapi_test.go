package web

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// openAPIDoc is the part of the document the tests read.
type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValidJSON(t *testing.T) {
	if !json.Valid(openAPIDocument) {
		t.Fatal("openapi.json is not valid JSON")
	}
	doc := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf(`openapi = %q, want "3.x"`, doc.OpenAPI)
	}
	if len(doc.Paths) == 0 {
		t.Fatal("openapi.json has no paths")
	}
}

// route is one registered (method, path) pair.
type route struct{ method, path string }

func (r route) String() string { return r.method + " " + r.path }

// registeredRoutes parses this package's non-test Go files for the patterns
// the server registers: Route(mux, "<pattern>", ...) and
// mux.Handle("<pattern>", ...) / mux.HandleFunc("<pattern>", ...). Calls whose
// pattern is not a string literal (Route's own body) are skipped; so is the
// method-less catch-all "/", which only answers 404.
func registeredRoutes(t *testing.T) []route {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []route
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var arg ast.Expr
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				if fn.Name == "Route" && len(call.Args) >= 2 {
					arg = call.Args[1]
				}
			case *ast.SelectorExpr:
				if recv, ok := fn.X.(*ast.Ident); ok && recv.Name == "mux" &&
					(fn.Sel.Name == "Handle" || fn.Sel.Name == "HandleFunc") && len(call.Args) >= 1 {
					arg = call.Args[0]
				}
			}
			lit, ok := arg.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			pattern, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: pattern %s: %v", fset.Position(lit.Pos()), lit.Value, err)
			}
			method, path, ok := strings.Cut(pattern, " ")
			if !ok {
				if pattern != "/" {
					t.Errorf("%s: pattern %q has no method; document it or give it one", fset.Position(lit.Pos()), pattern)
				}
				return true
			}
			out = append(out, route{method: method, path: strings.TrimSpace(path)})
			return true
		})
	}
	return out
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// shape makes paths comparable whatever their parameters are called.
func shape(path string) string { return pathParam.ReplaceAllString(path, "{}") }

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := map[route]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "parameters", "summary", "description", "servers":
				continue
			}
			documented[route{strings.ToUpper(method), shape(path)}] = true
		}
	}
	routes := registeredRoutes(t)
	// A parser that finds nothing would pass vacuously.
	if len(routes) < 40 {
		t.Fatalf("found only %d registered routes in the source: %v", len(routes), routes)
	}
	registered := map[route]bool{}
	for _, r := range routes {
		key := route{r.method, shape(r.path)}
		registered[key] = true
		if !documented[key] {
			t.Errorf("route %s is registered but not in openapi.json", r)
		}
	}
	var stale []string
	for r := range documented {
		if !registered[r] {
			stale = append(stale, r.String())
		}
	}
	sort.Strings(stale)
	for _, r := range stale {
		t.Errorf("openapi.json documents %s, which no code registers", r)
	}
}

func TestOpenAPIServed(t *testing.T) {
	// New needs no database for this route: the engine and DB are only
	// used by the authenticated routes and /readyz.
	srv := httptest.NewServer(New(Config{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET /openapi.json: Content-Type %q, want application/json", ct)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("GET /openapi.json: no X-Request-Id")
	}
	if !bytes.Equal(body, openAPIDocument) {
		t.Error("GET /openapi.json did not answer the embedded document")
	}
}
