package rules

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// validReactor is a reactor that passes validation, for tests to break one
// field at a time.
func validReactor() Reactor {
	return Reactor{
		Name:        "Likes earn points",
		Description: "One point per like, at most 100",
		EventType:   "POST_LIKED",
		Reactions: []Reaction{
			{Type: ReactionPoints, Points: &Derivation{Operation: OperationSum, Arguments: []Argument{query("like_count")}, Max: fp(100)}},
			{Type: ReactionAttribute, Attributes: []AttributeKeyValue{{IsEnabled: true, Key: "last_like", Value: "yes"}}},
			{Type: ReactionWebhook, URL: "https://example.com/hook", Headers: map[string]string{"X-Token": "abc"}},
		},
		Constraint:        json.RawMessage(`{">": [{"var": "payload.like_count"}, 0]}`),
		MaxActivations:    ip(3),
		ActivationContext: ActivationSubject,
		Effectivity:       &Effectivity{Start: "2024-06-01", End: "2024-12-31"},
	}
}

func TestReactorValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(r *Reactor)
		field  string
	}{
		{"valid", func(*Reactor) {}, ""},
		{"minimal", func(r *Reactor) { *r = Reactor{Name: "ab", EventType: "AB"} }, ""},
		{"name missing", func(r *Reactor) { r.Name = "" }, "name"},
		{"name too short", func(r *Reactor) { r.Name = "a" }, "name"},
		{"name too long", func(r *Reactor) { r.Name = strings.Repeat("a", 65) }, "name"},
		{"name 64 ok", func(r *Reactor) { r.Name = strings.Repeat("a", 64) }, ""},
		{"name not ascii", func(r *Reactor) { r.Name = "Likés" }, "name"},
		{"description too short", func(r *Reactor) { r.Description = "x" }, "description"},
		{"description too long", func(r *Reactor) { r.Description = strings.Repeat("x", 1025) }, "description"},
		{"description not ascii", func(r *Reactor) { r.Description = "naïve" }, "description"},
		{"event type missing", func(r *Reactor) { r.EventType = "" }, "eventType"},
		{"event type lowercase", func(r *Reactor) { r.EventType = "post_liked" }, "eventType"},
		{"event type double underscore", func(r *Reactor) { r.EventType = "POST__LIKED" }, "eventType"},
		{"reaction type missing", func(r *Reactor) { r.Reactions[1].Type = "" }, "reactions[1].type"},
		{"reaction type unknown", func(r *Reactor) { r.Reactions[1].Type = "EMAIL" }, "reactions[1].type"},
		{"points missing", func(r *Reactor) { r.Reactions[0].Points = nil }, "reactions[0].points"},
		{"points operation", func(r *Reactor) { r.Reactions[0].Points.Operation = "AVG" }, "reactions[0].points.operation"},
		{"points operation missing", func(r *Reactor) { r.Reactions[0].Points.Operation = "" }, "reactions[0].points.operation"},
		{"points no arguments", func(r *Reactor) { r.Reactions[0].Points.Arguments = nil }, "reactions[0].points.arguments"},
		{"argument type", func(r *Reactor) { r.Reactions[0].Points.Arguments[0].Type = "CONSTANT" }, "reactions[0].points.arguments[0].type"},
		{"number without value", func(r *Reactor) { r.Reactions[0].Points.Arguments[0] = Argument{Type: ArgumentNumber} }, "reactions[0].points.arguments[0].value"},
		{"query missing", func(r *Reactor) { r.Reactions[0].Points.Arguments[0].Query = "" }, "reactions[0].points.arguments[0].query"},
		{"query empty segment", func(r *Reactor) { r.Reactions[0].Points.Arguments[0].Query = "stats..likes" }, "reactions[0].points.arguments[0].query"},
		{"rounding direction", func(r *Reactor) { r.Reactions[0].Points.RoundingDirection = "NEAREST" }, "reactions[0].points.roundingDirection"},
		{"rounding unit zero", func(r *Reactor) { r.Reactions[0].Points.RoundingUnit = ip(0) }, "reactions[0].points.roundingUnit"},
		{"attributes empty", func(r *Reactor) { r.Reactions[1].Attributes = nil }, "reactions[1].attributes"},
		{"attribute key empty", func(r *Reactor) { r.Reactions[1].Attributes[0].Key = "" }, "reactions[1].attributes[0].key"},
		{"attribute key too long", func(r *Reactor) { r.Reactions[1].Attributes[0].Key = strings.Repeat("k", 256) }, "reactions[1].attributes[0].key"},
		{"attribute key 255 ok", func(r *Reactor) { r.Reactions[1].Attributes[0].Key = strings.Repeat("k", 255) }, ""},
		{"attribute value null", func(r *Reactor) { r.Reactions[1].Attributes[0].Value = nil }, "reactions[1].attributes[0].value"},
		{"webhook url missing", func(r *Reactor) { r.Reactions[2].URL = "" }, "reactions[2].url"},
		{"webhook url relative", func(r *Reactor) { r.Reactions[2].URL = "/hook" }, "reactions[2].url"},
		{"webhook url scheme", func(r *Reactor) { r.Reactions[2].URL = "ftp://example.com/x" }, "reactions[2].url"},
		{"webhook header name", func(r *Reactor) { r.Reactions[2].Headers = map[string]string{"Bad Header": "x"} }, "reactions[2].headers"},
		{"webhook header value", func(r *Reactor) { r.Reactions[2].Headers = map[string]string{"X-A": "a\r\nB: c"} }, "reactions[2].headers.X-A"},
		{"constraint not json", func(r *Reactor) { r.Constraint = json.RawMessage(`{"==": [1`) }, "constraint"},
		{"constraint not object", func(r *Reactor) { r.Constraint = json.RawMessage(`true`) }, "constraint"},
		{"constraint unknown operator", func(r *Reactor) { r.Constraint = json.RawMessage(`{"regex": ["a", "b"]}`) }, "constraint"},
		{"constraint null is none", func(r *Reactor) { r.Constraint = json.RawMessage(`null`) }, ""},
		{"constraint empty object is none", func(r *Reactor) { r.Constraint = json.RawMessage(`{}`) }, ""},
		{"max activations zero", func(r *Reactor) { r.MaxActivations = ip(0) }, "maxActivations"},
		{"activation context", func(r *Reactor) { r.ActivationContext = "subject" }, "activationContext"},
		{"activation context empty ok", func(r *Reactor) { r.ActivationContext = "" }, ""},
		{"effectivity start missing", func(r *Reactor) { r.Effectivity.Start = "" }, "effectivity.start"},
		{"effectivity start bad", func(r *Reactor) { r.Effectivity.Start = "tomorrow" }, "effectivity.start"},
		{"effectivity end before start", func(r *Reactor) { r.Effectivity.End = "2024-01-01" }, "effectivity.end"},
		{"unsupported reaction", func(r *Reactor) { r.Reactions[1] = Reaction{Type: ReactionBadge} }, "reactions[1].type"},
		{"other errors before unsupported", func(r *Reactor) {
			r.Reactions[0] = Reaction{Type: ReactionHandler}
			r.MaxActivations = ip(0)
		}, "maxActivations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := validReactor()
			tt.mutate(&r)
			wantField(t, r.Validate(), tt.field)
		})
	}
}

func TestReactorValidateSentinels(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{ReactionHandler, ReactionReward, ReactionPointsCap, ReactionBadge} {
		r := validReactor()
		r.Reactions = append(r.Reactions, Reaction{Type: typ})
		err := r.Validate()
		if !errors.Is(err, ErrUnsupportedReaction) {
			t.Errorf("%s: error = %v, want ErrUnsupportedReaction", typ, err)
		}
	}
	r := validReactor()
	r.Reactions[0].Type = "EMAIL"
	if err := r.Validate(); errors.Is(err, ErrUnsupportedReaction) {
		t.Errorf("a type outside the enum is invalid, not unsupported: %v", err)
	}
	r = validReactor()
	r.Constraint = json.RawMessage(`{"regex": ["a", "b"]}`)
	err := r.Validate()
	if !errors.Is(err, ErrUnknownOperator) || !errors.Is(err, ErrInvalidExpression) || !strings.Contains(err.Error(), `"regex"`) {
		t.Errorf("constraint error = %v, want unknown operator naming regex", err)
	}
}

func TestReactorJSON(t *testing.T) {
	t.Parallel()
	raw := `{
		"name": "Likes earn points",
		"eventType": "POST_LIKED",
		"reactions": [
			{"type": "POINTS", "points": {"operation": "SUM", "arguments": [{"type": "PAYLOAD_QUERY", "query": "like_count"}]}},
			{"type": "WEBHOOK", "url": "https://example.com/hook", "headers": {"X-Token": "abc"}, "forFailure": true},
			{"type": "ATTRIBUTE", "attributes": [{"isEnabled": true, "key": "liked", "value": true}]}
		],
		"constraint": {"==": [{"var": "payload.kind"}, "reel"]},
		"maxActivations": 1,
		"activationContext": "SUBJECT",
		"effectivity": {"start": "2024-06-01", "end": "2024-06-30T23:00:00Z"},
		"isLocked": false
	}`
	var r Reactor
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if !r.Reactions[1].ForFailure || r.Reactions[1].Headers["X-Token"] != "abc" || r.Reactions[2].Attributes[0].Value != true {
		t.Fatalf("decoded reactions = %+v", r.Reactions)
	}
	c, err := r.CompileConstraint()
	if err != nil {
		t.Fatal(err)
	}
	ok, err := c.Truthy(EventData("POST_LIKED", "m1", map[string]any{"kind": "reel"}))
	if err != nil || !ok {
		t.Fatalf("constraint = %v, %v; want true", ok, err)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Reactor
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(out) {
		t.Fatalf("round trip differs:\n%s\n%s", out, again)
	}
	for _, key := range []string{`"eventType"`, `"maxActivations"`, `"activationContext"`, `"forFailure"`, `"isEnabled"`, `"roundingUnit"`} {
		if key == `"roundingUnit"` {
			if strings.Contains(string(out), key) {
				t.Errorf("unset %s should be omitted: %s", key, out)
			}
			continue
		}
		if !strings.Contains(string(out), key) {
			t.Errorf("%s missing from %s", key, out)
		}
	}
}

func TestCompileConstraintAbsent(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "null", "  ", "{}"} {
		r := Reactor{Name: "ab", EventType: "AB", Constraint: json.RawMessage(raw)}
		c, err := r.CompileConstraint()
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		ok, err := c.Truthy(EventData("AB", "m", nil))
		if err != nil || !ok {
			t.Fatalf("%q: absent constraint = %v, %v; want true", raw, ok, err)
		}
	}
}

func TestValidEventType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"AB", true},
		{"POST_LIKED", true},
		{"A_B_C", true},
		{strings.Repeat("A", 64), true},
		{strings.Repeat("A", 65), false},
		{"A", false},
		{"", false},
		{"_AB", false},
		{"AB_", false},
		{"A__B", false},
		{"Ab", false},
		{"A1", false},
		{"A B", false},
	}
	for _, tt := range tests {
		if got := ValidEventType(tt.in); got != tt.want {
			t.Errorf("ValidEventType(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestActivationScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		context, want string
	}{
		{ActivationGlobal, "global"},
		{ActivationTenant, "tenant:t1"},
		{ActivationSubject, "subject:m1"},
		{"", "subject:m1"},
		{"BOGUS", "global"},
	}
	for _, tt := range tests {
		if got := ActivationScope(tt.context, "t1", "m1"); got != tt.want {
			t.Errorf("ActivationScope(%q) = %q, want %q", tt.context, got, tt.want)
		}
	}
}
