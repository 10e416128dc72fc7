package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// Profile is a member's profile, field for field as the reference API's
// UserProfileDefinition.
type Profile struct {
	FamilyName      string         `json:"familyName,omitempty"`
	GivenName       string         `json:"givenName,omitempty"`
	EmailAddress    string         `json:"emailAddress,omitempty"`
	Gender          string         `json:"gender,omitempty"`
	Birthdate       string         `json:"birthdate,omitempty"`
	Country         string         `json:"country,omitempty"`
	City            string         `json:"city,omitempty"`
	Postcode        string         `json:"postcode,omitempty"`
	PictureURL      string         `json:"pictureUrl,omitempty"`
	StreetAddress   string         `json:"streetAddress,omitempty"`
	TelephoneNumber string         `json:"telephoneNumber,omitempty"`
	Region          string         `json:"region,omitempty"`
	AttributionData map[string]any `json:"attributionData,omitempty"`
	// Attributes given with the profile are stored as the member's profile
	// attributes.
	Attributes map[string]any `json:"attributes,omitempty"`
}

// UserInput is the reference API's UserDefinition (and, with Partial set,
// UserPatch).
type UserInput struct {
	Profile            *Profile `json:"profile"`
	AuthIdentifier     string   `json:"authIdentifier,omitempty"`
	ExternalIdentifier *string  `json:"externalIdentifier,omitempty"`
	IsRestricted       *bool    `json:"isRestricted,omitempty"`
}

// User is a member as the API answers it.
type User struct {
	ID                 string         `json:"id"`
	ExternalIdentifier *string        `json:"externalIdentifier"`
	Profile            Profile        `json:"profile"`
	Attributes         map[string]any `json:"attributes"`
	IsRestricted       bool           `json:"isRestricted"`
	CreatedAt          time.Time      `json:"createdAt"`
	UpdatedAt          time.Time      `json:"updatedAt"`
}

var (
	birthdateRe = regexp.MustCompile(`^(19[0-9][0-9]|20[0-3][0-9])-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$`)
	countryRe   = regexp.MustCompile(`^[A-Z]{2}$`)
)

func checkLen(field, v string, minLen, maxLen int) error {
	n := len([]rune(v))
	if n < minLen || n > maxLen {
		return Invalid(field, "must be %d to %d characters", minLen, maxLen)
	}
	return nil
}

// Validate checks the input against the reference schema. partial is true
// for PATCH, where nothing is required.
func (in *UserInput) Validate(partial bool) error {
	if in.Profile == nil {
		if partial {
			return in.validateRest()
		}
		return Invalid("profile", "is required")
	}
	p := in.Profile
	type req struct{ field, v string }
	for _, r := range []req{{"profile.familyName", p.FamilyName}, {"profile.givenName", p.GivenName}} {
		if r.v == "" && partial {
			continue
		}
		if err := checkLen(r.field, r.v, 1, 64); err != nil {
			return err
		}
	}
	if p.EmailAddress != "" || !partial {
		if a, err := mail.ParseAddress(p.EmailAddress); err != nil || a.Address != p.EmailAddress {
			return Invalid("profile.emailAddress", "must be an email address")
		}
	}
	if p.Gender != "" && !oneOf(p.Gender, "FEMALE", "MALE", "OTHER", "UNKNOWN") {
		return Invalid("profile.gender", "must be FEMALE, MALE, OTHER or UNKNOWN")
	}
	if p.Birthdate != "" && !birthdateRe.MatchString(p.Birthdate) {
		return Invalid("profile.birthdate", "must be a date YYYY-MM-DD")
	}
	if p.Country != "" && !countryRe.MatchString(p.Country) {
		return Invalid("profile.country", "must be an ISO 3166 alpha-2 code")
	}
	if p.City != "" {
		if err := checkLen("profile.city", p.City, 1, 256); err != nil {
			return err
		}
	}
	if p.Postcode != "" {
		if err := checkLen("profile.postcode", p.Postcode, 1, 128); err != nil {
			return err
		}
	}
	if p.StreetAddress != "" {
		if err := checkLen("profile.streetAddress", p.StreetAddress, 1, 64); err != nil {
			return err
		}
	}
	if p.PictureURL != "" {
		if u, err := url.Parse(p.PictureURL); err != nil || u.Scheme == "" || u.Host == "" {
			return Invalid("profile.pictureUrl", "must be an absolute URL")
		}
	}
	for k := range p.Attributes {
		if err := checkLen("profile.attributes", k, 1, 255); err != nil {
			return err
		}
	}
	return in.validateRest()
}

func (in *UserInput) validateRest() error {
	if in.ExternalIdentifier != nil && len(*in.ExternalIdentifier) > 512 {
		return Invalid("externalIdentifier", "must be at most 512 characters")
	}
	if len(in.AuthIdentifier) > 512 {
		return Invalid("authIdentifier", "must be at most 512 characters")
	}
	return nil
}

func oneOf(v string, options ...string) bool {
	for _, o := range options {
		if v == o {
			return true
		}
	}
	return false
}

// CreateUser creates a member. Profile attributes are stored with it.
func (e *Engine) CreateUser(ctx context.Context, tenantID string, in *UserInput) (*User, error) {
	if err := in.Validate(false); err != nil {
		return nil, err
	}
	var id string
	err := e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		id, err = e.CreateUserTx(ctx, tx, tenantID, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return e.GetUser(ctx, tenantID, id)
}

// CreateUserTx inserts a member inside tx, without validation (the caller
// validated or imports trusted data) and returns its id.
func (e *Engine) CreateUserTx(ctx context.Context, tx store.Tx, tenantID string, in *UserInput) (string, error) {
	now := e.nowUTC()
	id := newID()
	p := Profile{}
	if in.Profile != nil {
		p = *in.Profile
	}
	attrs := p.Attributes
	p.Attributes = nil
	profile, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("loyalty: encode profile: %w", err)
	}
	restricted := in.IsRestricted != nil && *in.IsRestricted
	var ext *string
	if in.ExternalIdentifier != nil && *in.ExternalIdentifier != "" {
		ext = in.ExternalIdentifier
	}
	_, err = tx.Exec(ctx, `INSERT INTO users (id, tenant_id, external_identifier, email, profile, is_restricted, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, id, tenantID, ext, store.NullString(strings.ToLower(p.EmailAddress)), string(profile), restricted, now)
	if errors.Is(err, store.ErrConflict) {
		return "", fmt.Errorf("%w: a user with externalIdentifier %q exists", ErrConflict, store.StringOrEmpty(ext))
	}
	if err != nil {
		return "", fmt.Errorf("loyalty: create user: %w", err)
	}
	for _, k := range sortedKeys(attrs) {
		if err := e.setAttributeTx(ctx, tx, tenantID, id, k, attrs[k], true, now); err != nil {
			return "", err
		}
	}
	return id, nil
}

// ResolveUser finds a member by id or external identifier.
func (e *Engine) ResolveUser(ctx context.Context, q store.Querier, tenantID, idOrExternal string) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id FROM users WHERE tenant_id = $1 AND (id = $2 OR external_identifier = $2) ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END LIMIT 1`,
		tenantID, idOrExternal).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return "", notFound("user", idOrExternal)
	}
	if err != nil {
		return "", fmt.Errorf("loyalty: find user: %w", err)
	}
	return id, nil
}

const userColumns = `id, external_identifier, profile, is_restricted, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	u := &User{Attributes: map[string]any{}}
	var profile string
	if err := row.Scan(&u.ID, &u.ExternalIdentifier, &profile, &u.IsRestricted, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(profile), &u.Profile); err != nil {
		return nil, fmt.Errorf("loyalty: decode profile of %s: %w", u.ID, err)
	}
	return u, nil
}

// GetUser returns a member with its enabled attributes. Another tenant's
// member is not found.
func (e *Engine) GetUser(ctx context.Context, tenantID, idOrExternal string) (*User, error) {
	q := e.db.Read()
	id, err := e.ResolveUser(ctx, q, tenantID, idOrExternal)
	if err != nil {
		return nil, err
	}
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("user", idOrExternal)
	}
	if err != nil {
		return nil, fmt.Errorf("loyalty: get user: %w", err)
	}
	attrs, err := e.userAttributes(ctx, q, []string{u.ID})
	if err != nil {
		return nil, err
	}
	if a := attrs[u.ID]; a != nil {
		u.Attributes = a
	}
	return u, nil
}

// ListParams are the reference API's ListQueryParams.
type ListParams struct {
	Limit int
	Skip  int
	Desc  bool
}

// ListUsers lists members, oldest first unless Desc.
func (e *Engine) ListUsers(ctx context.Context, tenantID string, p ListParams) ([]*User, error) {
	order := "ASC"
	if p.Desc {
		order = "DESC"
	}
	q := e.db.Read()
	rows, err := q.Query(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = $1 ORDER BY created_at `+order+`, id `+order+` LIMIT $2 OFFSET $3`,
		tenantID, p.Limit, p.Skip)
	if err != nil {
		return nil, fmt.Errorf("loyalty: list users: %w", err)
	}
	defer rows.Close()
	var out []*User
	var ids []string
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("loyalty: list users: %w", err)
		}
		out = append(out, u)
		ids = append(ids, u.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loyalty: list users: %w", err)
	}
	attrs, err := e.userAttributes(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	for _, u := range out {
		if a := attrs[u.ID]; a != nil {
			u.Attributes = a
		}
	}
	return out, nil
}

// UpdateUser applies a UserPatch: given profile fields replace the stored
// ones, profile attributes are set.
func (e *Engine) UpdateUser(ctx context.Context, tenantID, idOrExternal string, in *UserInput) (*User, error) {
	if err := in.Validate(true); err != nil {
		return nil, err
	}
	var id string
	err := e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		id, err = e.ResolveUser(ctx, tx, tenantID, idOrExternal)
		if err != nil {
			return err
		}
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
		if err != nil {
			return fmt.Errorf("loyalty: update user: %w", err)
		}
		now := e.nowUTC()
		var attrs map[string]any
		if in.Profile != nil {
			merged, err := mergeJSON(u.Profile, *in.Profile)
			if err != nil {
				return err
			}
			u.Profile = merged
			attrs = in.Profile.Attributes
			u.Profile.Attributes = nil
		}
		if in.ExternalIdentifier != nil {
			u.ExternalIdentifier = store.NullString(*in.ExternalIdentifier)
		}
		if in.IsRestricted != nil {
			u.IsRestricted = *in.IsRestricted
		}
		profile, err := json.Marshal(u.Profile)
		if err != nil {
			return fmt.Errorf("loyalty: encode profile: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE users SET external_identifier = $2, email = $3, profile = $4, is_restricted = $5, updated_at = $6 WHERE id = $1`,
			id, u.ExternalIdentifier, store.NullString(strings.ToLower(u.Profile.EmailAddress)), string(profile), u.IsRestricted, now)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: a user with externalIdentifier %q exists", ErrConflict, store.StringOrEmpty(u.ExternalIdentifier))
		}
		if err != nil {
			return fmt.Errorf("loyalty: update user: %w", err)
		}
		for _, k := range sortedKeys(attrs) {
			if err := e.setAttributeTx(ctx, tx, tenantID, id, k, attrs[k], true, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e.GetUser(ctx, tenantID, id)
}

// mergeJSON overlays the non-empty fields of patch on base.
func mergeJSON(base, patch Profile) (Profile, error) {
	b, err := json.Marshal(patch)
	if err != nil {
		return base, fmt.Errorf("loyalty: merge profile: %w", err)
	}
	if err := json.Unmarshal(b, &base); err != nil {
		return base, fmt.Errorf("loyalty: merge profile: %w", err)
	}
	return base, nil
}

// DeleteUser removes a member with its attributes and wallet. Its events stay
// in the ledger (append-only), no longer linked to a member.
func (e *Engine) DeleteUser(ctx context.Context, tenantID, idOrExternal string) error {
	return e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		id, err := e.ResolveUser(ctx, tx, tenantID, idOrExternal)
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM member_handles WHERE user_id = $1`,
			`DELETE FROM attributes WHERE user_id = $1`,
			`DELETE FROM point_transactions WHERE user_id = $1`,
			`DELETE FROM wallets WHERE user_id = $1`,
			`UPDATE events SET user_id = NULL WHERE user_id = $1`,
			`DELETE FROM users WHERE id = $1`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return fmt.Errorf("loyalty: delete user: %w", err)
			}
		}
		return nil
	})
}
