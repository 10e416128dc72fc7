package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/shoutout-loyalty/shoutout/internal/app/apptest"
	"github.com/shoutout-loyalty/shoutout/internal/store/storetest"
)

// TestScriptedFlow is the foundation's acceptance flow, on every engine.
func TestScriptedFlow(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.Start(t, eng.NewURL(t))
			uid := env.CreateUser(t, "ada@example.com", nil)
			env.MustDo(t, "POST", "/v1/attributes", map[string]any{
				"subjectType": "USER", "subjectId": uid, "key": "instagramHandle", "value": "@Ada.Loves",
				"isEnabled": true, "shouldReplaceOnlySameKeyValue": false,
			})
			env.MustDo(t, "POST", "/v1/event_reactors", map[string]any{
				"name": "Mentions give points", "eventType": "MENTIONED_YOU_SOCIAL",
				"reactions":      []any{map[string]any{"type": "POINTS", "points": map[string]any{"operation": "SUM", "arguments": []any{map[string]any{"type": "NUMBER", "value": 10}}}}},
				"maxActivations": 3, "activationContext": "SUBJECT",
			})
			for i := range 4 {
				ev := env.MustDo(t, "POST", "/v1/events", map[string]any{
					"type": "MENTIONED_YOU_SOCIAL", "subject": uid,
					"payload": map[string]any{"caption": fmt.Sprint("post ", i), "platform": "instagram"},
				})
				if ev["id"] == nil || ev["type"] != "MENTIONED_YOU_SOCIAL" {
					t.Fatalf("event answer: %v", ev)
				}
			}
			list := env.MustDo(t, "GET", "/v1/events?subject="+uid+"&type=MENTIONED_YOU_SOCIAL&limit=10&order=DESC", nil)
			items := list["items"].([]any)
			if len(items) != 4 {
				t.Fatalf("ledger holds %d events, want 4", len(items))
			}
			first := items[0].(map[string]any)
			for _, k := range []string{"id", "type", "subject", "payload", "occurredAt", "createdAt"} {
				if _, ok := first[k]; !ok {
					t.Errorf("event item lacks %q: %v", k, first)
				}
			}
			if p := first["payload"].(map[string]any); p["caption"] != "post 3" {
				t.Errorf("newest first: got %v", p)
			}
			wallet := env.MustDo(t, "GET", "/v1/users/"+uid+"/wallet", nil)
			if bal := wallet["points"].(map[string]any)["balance"]; bal != float64(30) {
				t.Fatalf("balance = %v, want 30 (3 activations of 10)", bal)
			}
			user := env.MustDo(t, "GET", "/v1/users/"+uid, nil)
			if h := user["attributes"].(map[string]any)["instagramHandle"]; h != "@Ada.Loves" {
				t.Fatalf("attributes: %v", user["attributes"])
			}
			other := env.CreateUser(t, "bob@example.com", nil)
			aud := env.MustDo(t, "POST", "/v1/audiences", map[string]any{
				"name": "points earners", "description": "members with points", "isActive": true,
				"criteriaDefinition": map[string]any{"triggerFrequency": "REACTIVE", "criteriaExpression": "points > 0"},
			})
			res := env.MustDo(t, "GET", "/v1/audiences/"+aud["id"].(string)+"/results", nil)
			members := res["items"].([]any)
			if len(members) != 1 || members[0].(map[string]any)["userId"] != uid {
				t.Fatalf("audience lists %v, want only %s (not %s)", members, uid, other)
			}
		})
	}
}

func TestBadInputIsRefusedAndNothingStored(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.Start(t, eng.NewURL(t))
			uid := env.CreateUser(t, "ada@example.com", nil)
			otherTenant, err := env.App.Engine.CreateTenant(context.Background(), "Other")
			if err != nil {
				t.Fatal(err)
			}
			big := []byte(`{"type":"MENTIONED_YOU_SOCIAL","subject":"` + uid + `","payload":{"x":"` + strings.Repeat("a", 2<<20) + `"}}`)
			cases := []struct {
				name   string
				creds  apptest.Creds
				method string
				path   string
				body   any
				status int
				field  string
			}{
				{"lower-case type", env.Admin(), "POST", "/v1/events", map[string]any{"type": "mentioned", "subject": uid}, 400, "type"},
				{"missing type", env.Admin(), "POST", "/v1/events", map[string]any{"subject": uid}, 400, "type"},
				{"payload not object", env.Admin(), "POST", "/v1/events", map[string]any{"type": "MENTIONED_YOU_SOCIAL", "subject": uid, "payload": []int{1}}, 400, "payload"},
				{"bad occurredAt", env.Admin(), "POST", "/v1/events", map[string]any{"type": "MENTIONED_YOU_SOCIAL", "subject": uid, "occurredAt": "yesterday"}, 400, "occurredAt"},
				{"malformed JSON", env.Admin(), "POST", "/v1/events", []byte(`{"type":`), 400, "body"},
				{"unknown subject", env.Admin(), "POST", "/v1/events", map[string]any{"type": "MENTIONED_YOU_SOCIAL", "subject": "nobody"}, 422, "subject"},
				{"unknown API key", apptest.Creds{APIKey: "7d5f8a8e-0000-4000-8000-000000000000", AdminToken: env.Tenant.AdminToken}, "POST", "/v1/events", map[string]any{"type": "MENTIONED_YOU_SOCIAL", "subject": uid}, 401, ""},
				{"no API key", apptest.Creds{}, "GET", "/v1/users/" + uid, nil, 401, ""},
				{"write without admin token", apptest.Creds{APIKey: env.Tenant.APIKey}, "POST", "/v1/events", map[string]any{"type": "MENTIONED_YOU_SOCIAL", "subject": uid}, 401, ""},
				{"write with another tenant's token", apptest.Creds{APIKey: env.Tenant.APIKey, AdminToken: otherTenant.AdminToken}, "POST", "/v1/users", map[string]any{"profile": map[string]any{"givenName": "A", "familyName": "B", "emailAddress": "c@example.com"}}, 401, ""},
				{"another tenant's user", apptest.Creds{APIKey: otherTenant.APIKey, AdminToken: otherTenant.AdminToken}, "GET", "/v1/users/" + uid, nil, 404, ""},
				{"another tenant's wallet", apptest.Creds{APIKey: otherTenant.APIKey}, "GET", "/v1/users/" + uid + "/wallet", nil, 404, ""},
				{"2 MiB body", env.Admin(), "POST", "/v1/events", big, 413, ""},
				{"user without profile", env.Admin(), "POST", "/v1/users", map[string]any{"externalIdentifier": "x"}, 400, "profile"},
				{"user with bad email", env.Admin(), "POST", "/v1/users", map[string]any{"profile": map[string]any{"givenName": "A", "familyName": "B", "emailAddress": "nope"}}, 400, "profile.emailAddress"},
				{"wrong JSON type", env.Admin(), "POST", "/v1/events", map[string]any{"type": 5}, 400, "type"},
				{"reactor without name", env.Admin(), "POST", "/v1/event_reactors", map[string]any{"eventType": "MENTIONED_YOU_SOCIAL"}, 400, "name"},
				{"attribute without isEnabled", env.Admin(), "POST", "/v1/attributes", map[string]any{"subjectType": "USER", "subjectId": uid, "key": "k", "value": 1, "shouldReplaceOnlySameKeyValue": false}, 400, "isEnabled"},
				{"bad list limit", env.Admin(), "GET", "/v1/events?limit=5000", nil, 400, "limit"},
			}
			for _, c := range cases {
				r := env.Do(t, c.creds, c.method, c.path, c.body)
				if r.Status != c.status {
					t.Errorf("%s: status %d, want %d (%s)", c.name, r.Status, c.status, r.Body)
					continue
				}
				e, ok := r.Map(t)["error"].(map[string]any)
				if !ok || e["code"] == "" || e["message"] == "" {
					t.Errorf("%s: error body %s", c.name, r.Body)
					continue
				}
				if c.field != "" && e["field"] != c.field {
					t.Errorf("%s: field %v, want %s (%s)", c.name, e["field"], c.field, r.Body)
				}
				if c.field != "" && !strings.Contains(e["message"].(string), c.field) {
					t.Errorf("%s: message %q does not name %s", c.name, e["message"], c.field)
				}
			}
			n, err := env.App.Engine.CountEvents(context.Background(), env.Tenant.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatalf("rejected calls stored %d events", n)
			}
			users := env.MustDo(t, "GET", "/v1/users", nil)["items"].([]any)
			if len(users) != 1 {
				t.Fatalf("rejected calls stored users: %d", len(users))
			}
		})
	}
}

func TestTrailingSlashAndUnknownRoute(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t, storetest.SQLiteURL(t))
	for _, p := range []string{"/v1/users", "/v1/users/", "/v1/event_reactors/", "/v1/events/"} {
		if r := env.Do(t, env.Admin(), "GET", p, nil); r.Status != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Body)
		}
	}
	r := env.Do(t, env.Admin(), "GET", "/v1/nothing", nil)
	if r.Status != http.StatusNotFound || !bytes.Contains(r.Body, []byte(`"error"`)) {
		t.Errorf("unknown route: %d %s", r.Status, r.Body)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if r := env.Do(t, apptest.Creds{}, "GET", p, nil); r.Status != http.StatusOK {
			t.Errorf("GET %s: %d", p, r.Status)
		}
	}
}

func TestReactorConstraintEffectivityAndAttributeReaction(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t, storetest.SQLiteURL(t))
	uid := env.CreateUser(t, "ada@example.com", nil)
	env.MustDo(t, "POST", "/v1/event_reactors", map[string]any{
		"name": "Reels give likes", "eventType": "MENTIONED_YOU_SOCIAL",
		"constraint": map[string]any{"==": []any{map[string]any{"var": "payload.media_type"}, "reel"}},
		"reactions": []any{
			map[string]any{"type": "POINTS", "points": map[string]any{"operation": "SUM", "max": 50, "arguments": []any{
				map[string]any{"type": "NUMBER", "value": 5}, map[string]any{"type": "PAYLOAD_QUERY", "query": "like_count"}}}},
			map[string]any{"type": "ATTRIBUTE", "attributes": []any{map[string]any{"isEnabled": true, "key": "made_a_reel", "value": true}}},
		},
	})
	env.MustDo(t, "POST", "/v1/event_reactors", map[string]any{
		"name": "Expired campaign", "eventType": "MENTIONED_YOU_SOCIAL",
		"effectivity": map[string]any{"start": "2020-01-01", "end": "2020-12-31"},
		"reactions":   []any{map[string]any{"type": "POINTS", "points": map[string]any{"operation": "SUM", "arguments": []any{map[string]any{"type": "NUMBER", "value": 1000}}}}},
	})
	post := func(mediaType string, likes int) {
		env.MustDo(t, "POST", "/v1/events", map[string]any{"type": "MENTIONED_YOU_SOCIAL", "subject": uid,
			"payload": map[string]any{"media_type": mediaType, "like_count": likes}})
	}
	post("post", 7)  // constraint false: nothing
	post("reel", 12) // 5 + 12 = 17
	post("reel", 90) // capped at 50
	bal := env.MustDo(t, "GET", "/v1/users/"+uid+"/wallet", nil)["points"].(map[string]any)["balance"]
	if bal != float64(67) {
		t.Fatalf("balance = %v, want 67", bal)
	}
	if v := env.MustDo(t, "GET", "/v1/users/"+uid, nil)["attributes"].(map[string]any)["made_a_reel"]; v != true {
		t.Fatalf("attribute reaction: made_a_reel = %v", v)
	}
}

func TestAdjustPointsAndLiability(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t, storetest.SQLiteURL(t))
	uid := env.CreateUser(t, "ada@example.com", nil)
	env.MustDo(t, "POST", "/v1/commands/adjust_points", map[string]any{"points": 20, "actorId": uid, "comment": "welcome"})
	r := env.Do(t, env.Admin(), "POST", "/v1/commands/adjust_points", map[string]any{"points": 25, "actorId": uid, "impactType": "SPEND", "liabilityHandlingPolicy": "REJECT_EVENT"})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("overspend: %d %s", r.Status, r.Body)
	}
	w := env.MustDo(t, "POST", "/v1/commands/adjust_points", map[string]any{"points": 5, "actorId": uid, "impactType": "SPEND"})
	if w["points"].(map[string]any)["balance"] != float64(15) {
		t.Fatalf("wallet after spend: %v", w)
	}
}
