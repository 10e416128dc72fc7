package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Reaction types of the reference enum. Only POINTS, ATTRIBUTE and WEBHOOK
// are run by the embedded engine; the others validate as
// ErrUnsupportedReaction so that clients learn why, rather than being told
// their schema-valid input is malformed.
const (
	// ReactionPoints awards the points its Derivation yields.
	ReactionPoints = "POINTS"
	// ReactionAttribute sets attributes on the member.
	ReactionAttribute = "ATTRIBUTE"
	// ReactionWebhook posts the event to URL.
	ReactionWebhook = "WEBHOOK"
	// ReactionHandler is in the reference enum but not supported here.
	ReactionHandler = "HANDLER"
	// ReactionReward is in the reference enum but not supported here.
	ReactionReward = "REWARD"
	// ReactionPointsCap is in the reference enum but not supported here.
	ReactionPointsCap = "POINTS_CAP"
	// ReactionBadge is in the reference enum but not supported here.
	ReactionBadge = "BADGE"
)

// Activation contexts: the scope within which MaxActivations is counted.
const (
	// ActivationGlobal counts activations once for the whole reactor.
	ActivationGlobal = "GLOBAL"
	// ActivationTenant counts activations per tenant.
	ActivationTenant = "TENANT"
	// ActivationSubject counts activations per member (event subject).
	ActivationSubject = "SUBJECT"

	// DefaultActivationContext applies when a reactor leaves
	// activationContext empty. Per member is chosen because "award this at
	// most N times" nearly always means per member, and guessing GLOBAL
	// wrongly would silently switch a reactor off for everyone after N
	// events.
	DefaultActivationContext = ActivationSubject
)

// Reactor turns events of one type into reactions, mirroring the
// reference schema EventReactorDefinition (without the engine-internal
// isLocked, ownerId and ownerType).
type Reactor struct {
	// Name is 2..64 ASCII characters; required.
	Name string `json:"name"`
	// Description is 2..1024 ASCII characters when present.
	Description string `json:"description,omitempty"`
	// EventType is the event type the reactor listens to; required, and a
	// valid event type name (see ValidEventType).
	EventType string `json:"eventType"`
	// Reactions run, in order, when a matching event activates the reactor.
	Reactions []Reaction `json:"reactions,omitempty"`
	// Constraint is a JsonLogic object evaluated against
	// {"type", "subject", "payload"} (see EventData); absent, null or {}
	// means every event of the type matches.
	Constraint json.RawMessage `json:"constraint,omitempty"`
	// MaxActivations limits how many times the reactor fires per
	// ActivationScope; nil means unlimited.
	MaxActivations *int `json:"maxActivations,omitempty"`
	// ActivationContext is GLOBAL, TENANT or SUBJECT; empty means
	// DefaultActivationContext.
	ActivationContext string `json:"activationContext,omitempty"`
	// Effectivity is the window in which the reactor is active; nil means
	// always.
	Effectivity *Effectivity `json:"effectivity,omitempty"`
}

// Reaction is one effect of a reactor, mirroring the reference schema
// ReactionDefinition for the supported types.
type Reaction struct {
	// Type is one of the reference enum; see the Reaction* constants.
	Type string `json:"type"`
	// Points derives the points a POINTS reaction awards.
	Points *Derivation `json:"points,omitempty"`
	// Attributes are what an ATTRIBUTE reaction sets on the member.
	Attributes []AttributeKeyValue `json:"attributes,omitempty"`
	// URL is where a WEBHOOK reaction posts; absolute http or https.
	URL string `json:"url,omitempty"`
	// Headers are extra HTTP headers a WEBHOOK reaction sends.
	Headers map[string]string `json:"headers,omitempty"`
	// ForFailure marks a reaction that runs when the reactor's other
	// reactions fail, instead of on success.
	ForFailure bool `json:"forFailure,omitempty"`
}

// AttributeKeyValue is one attribute an ATTRIBUTE reaction sets, mirroring
// the reference schema AttributeKeyValuePair.
type AttributeKeyValue struct {
	// IsEnabled switches the pair off without deleting it.
	IsEnabled bool `json:"isEnabled"`
	// Key is the attribute name, 1..255 characters.
	Key string `json:"key"`
	// Value is any JSON value except null.
	Value any `json:"value"`
}

// ValidEventType reports whether s is a valid event type name: 2..64
// characters matching ^[A-Z]+(_[A-Z]+)*$, as the reference requires of
// EventTypeDefinition.name.
func ValidEventType(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	prevUnderscore := true // forbids a leading underscore
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z':
			prevUnderscore = false
		case c == '_' && !prevUnderscore:
			prevUnderscore = true
		default:
			return false
		}
	}
	return !prevUnderscore
}

// ActivationScope is the key under which the storage layer counts a
// reactor's activations, refusing the activation that would exceed
// MaxActivations for (reactor, scope): "global" for GLOBAL,
// "tenant:"+tenantID for TENANT and "subject:"+subject for SUBJECT. The
// prefixes keep a tenant or subject named "global" from sharing a counter.
// An empty context means DefaultActivationContext; an unknown one (which
// Validate rejects) counts as GLOBAL, the tightest limit, so that a bad
// stored value fails closed.
func ActivationScope(context, tenantID, subject string) string {
	if context == "" {
		context = DefaultActivationContext
	}
	switch context {
	case ActivationTenant:
		return "tenant:" + tenantID
	case ActivationSubject:
		return "subject:" + subject
	default:
		return "global"
	}
}

// EventData is the data a reactor constraint is evaluated against, so that
// every caller gives constraints the same shape: "type", "subject" and
// "payload" (rules read e.g. {"var": "payload.like_count"}).
func EventData(eventType, subject string, payload map[string]any) map[string]any {
	return map[string]any{"type": eventType, "subject": subject, "payload": payload}
}

// Validate checks the reactor against the reference schema and returns the
// first problem as a *FieldError whose Field is a JSON path such as "name",
// "reactions[0].points.operation" or "effectivity.end". A PATCH should be
// merged into the stored reactor before validating, since name and
// eventType are required. A reaction type the reference allows but this
// engine does not run is reported last, matching ErrUnsupportedReaction, so
// that error means "valid except for that"; a bad constraint's error
// matches ErrInvalidExpression.
func (r *Reactor) Validate() error {
	if err := validASCII("name", r.Name, 2, 64, true); err != nil {
		return err
	}
	if err := validASCII("description", r.Description, 2, 1024, false); err != nil {
		return err
	}
	if r.EventType == "" {
		return fieldErr("eventType", "is required")
	}
	if !ValidEventType(r.EventType) {
		return fieldErr("eventType", fmt.Sprintf("%q must be 2..64 characters matching ^[A-Z]+(_[A-Z]+)*$", r.EventType))
	}
	// An unsupported type is reported only when nothing else is wrong, so a
	// caller that chooses to store such reactions anyway can rely on
	// errors.Is(err, ErrUnsupportedReaction) meaning "otherwise valid".
	var unsupported error
	for i := range r.Reactions {
		if err := r.Reactions[i].Validate(); err != nil {
			err = prefixed(fmt.Sprintf("reactions[%d]", i), err)
			if !errors.Is(err, ErrUnsupportedReaction) {
				return err
			}
			if unsupported == nil {
				unsupported = err
			}
		}
	}
	if hasConstraint(r.Constraint) {
		if trimmed := bytes.TrimSpace(r.Constraint); trimmed[0] != '{' {
			return fieldErr("constraint", "must be a JsonLogic object")
		}
		if _, err := Compile(r.Constraint); err != nil {
			return &FieldError{Field: "constraint", Message: err.Error(), err: err}
		}
	}
	if r.MaxActivations != nil && *r.MaxActivations < 1 {
		return fieldErr("maxActivations", "must be at least 1")
	}
	switch r.ActivationContext {
	case "", ActivationGlobal, ActivationTenant, ActivationSubject:
	default:
		return fieldErr("activationContext", fmt.Sprintf("must be GLOBAL, TENANT or SUBJECT, got %q", r.ActivationContext))
	}
	if err := r.Effectivity.Validate(); err != nil {
		return prefixed("effectivity", err)
	}
	return unsupported
}

// CompileConstraint compiles the reactor's constraint, returning an
// expression that is always true when there is none, so callers never need
// a nil check before evaluating it with EventData.
func (r *Reactor) CompileConstraint() (*Expr, error) {
	if !hasConstraint(r.Constraint) {
		return &Expr{kind: exprLiteral, val: true}, nil
	}
	e, err := Compile(r.Constraint)
	if err != nil {
		return nil, fmt.Errorf("constraint of reactor %q: %w", r.Name, err)
	}
	return e, nil
}

// hasConstraint treats absent, null and white space alike, since clients
// send all three for "no constraint".
func hasConstraint(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}

// Validate checks one reaction, with Field relative to it ("type",
// "points.arguments[0].value", "attributes[1].key", "url").
func (r *Reaction) Validate() error {
	switch r.Type {
	case ReactionPoints:
		if r.Points == nil {
			return fieldErr("points", "is required for a POINTS reaction")
		}
		if err := r.Points.Validate(); err != nil {
			return prefixed("points", err)
		}
	case ReactionAttribute:
		if len(r.Attributes) == 0 {
			return fieldErr("attributes", "must contain at least one attribute for an ATTRIBUTE reaction")
		}
		for i := range r.Attributes {
			if err := r.Attributes[i].Validate(); err != nil {
				return prefixed(fmt.Sprintf("attributes[%d]", i), err)
			}
		}
	case ReactionWebhook:
		if err := validWebhookURL(r.URL); err != nil {
			return fieldErr("url", err.Error())
		}
		for name, value := range r.Headers {
			if !validHeaderName(name) {
				return fieldErr("headers", fmt.Sprintf("%q is not a valid HTTP header name", name))
			}
			if strings.ContainsAny(value, "\r\n\x00") {
				return fieldErr("headers."+name, "must not contain CR, LF or NUL")
			}
		}
	case ReactionHandler, ReactionReward, ReactionPointsCap, ReactionBadge:
		return &FieldError{Field: "type", Message: fmt.Sprintf("%s reactions are not supported by this engine", r.Type),
			err: fmt.Errorf("%w: %s", ErrUnsupportedReaction, r.Type)}
	case "":
		return fieldErr("type", "is required")
	default:
		return fieldErr("type", fmt.Sprintf("must be one of POINTS, ATTRIBUTE, WEBHOOK, HANDLER, REWARD, POINTS_CAP, BADGE; got %q", r.Type))
	}
	return nil
}

// Validate checks one attribute pair, with Field "key" or "value".
func (a *AttributeKeyValue) Validate() error {
	if n := len([]rune(a.Key)); n < 1 || n > 255 {
		return fieldErr("key", "must be 1..255 characters")
	}
	if a.Value == nil {
		return fieldErr("value", "is required and must not be null")
	}
	return nil
}

// validASCII applies the reference's length and ^[\x00-\x7F]+$ rules; an
// absent optional field is fine.
func validASCII(field, s string, minLen, maxLen int, required bool) error {
	if s == "" {
		if required {
			return fieldErr(field, "is required")
		}
		return nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] > 0x7F {
			return fieldErr(field, "must contain only ASCII characters")
		}
	}
	if len(s) < minLen || len(s) > maxLen {
		return fieldErr(field, fmt.Sprintf("must be %d..%d characters, got %d", minLen, maxLen, len(s)))
	}
	return nil
}

// validWebhookURL accepts only absolute http(s) URLs, the only ones a
// webhook can be delivered to.
func validWebhookURL(s string) error {
	if s == "" {
		return errors.New("is required for a WEBHOOK reaction")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("is not a valid URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q must be an absolute http or https URL", s)
	}
	return nil
}

// validHeaderName checks RFC 9110's token syntax, so a stored webhook can
// never fail at delivery time because of its own headers.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
