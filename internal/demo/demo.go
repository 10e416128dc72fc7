// Package demo sets up a sandbox tenant on the emulated platforms and plays
// realistic social activity against the real service, so that a newcomer
// sees activity become loyalty points within seconds of starting it.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/shoutout-loyalty/shoutout/internal/app"
	"github.com/shoutout-loyalty/shoutout/internal/instagram"
	"github.com/shoutout-loyalty/shoutout/internal/loyalty"
	"github.com/shoutout-loyalty/shoutout/internal/loyalty/rules"
	igsandbox "github.com/shoutout-loyalty/shoutout/internal/sandbox/instagram"
	"github.com/shoutout-loyalty/shoutout/internal/social"
	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// The demo brand on the emulated Instagram.
const (
	BrandID   = "17841400000000042"
	PageID    = "100000000000042"
	pageToken = "EAAG-sandbox-page-token"
	// Members is how many members the demo tenant has.
	Members = 300
)

// Info is what a person (or the load test) needs to use the demo.
type Info struct {
	TenantID   string   `json:"tenantId"`
	APIKey     string   `json:"apiKey"`
	AdminToken string   `json:"adminToken"`
	BrandID    string   `json:"brandId"`
	GraphURL   string   `json:"graphUrl"`
	AppSecret  string   `json:"appSecret"`
	Handles    []string `json:"handles"`
}

// Demo is a seeded sandbox tenant.
type Demo struct {
	app    *app.App
	sb     *igsandbox.Server
	sender *igsandbox.Sender
	log    *slog.Logger
	info   Info
	people []person
	mu     sync.Mutex
	sent   [][]byte // recent webhook bodies, for repeats
	rng    *rand.Rand
	seq    int
}

type person struct {
	first, last, handle string
	igsid               string
	followers           int
	business            bool
}

type savedCreds struct {
	TenantID   string `json:"tenantId"`
	APIKey     string `json:"apiKey"`
	AdminToken string `json:"adminToken"`
}

// Seed prepares the demo tenant in a (prepared, not yet started) app: it
// reuses the tenant whose credentials are in credsPath, or creates one and
// saves them there (the credentials are stored only hashed in the database).
func Seed(ctx context.Context, a *app.App, sb *igsandbox.Server, graphURL, appSecret, credsPath string, log *slog.Logger) (*Demo, error) {
	d := &Demo{app: a, sb: sb, log: log, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 42))}
	creds, err := d.tenant(ctx, credsPath)
	if err != nil {
		return nil, err
	}
	d.info = Info{TenantID: creds.TenantID, APIKey: creds.APIKey, AdminToken: creds.AdminToken, BrandID: BrandID, GraphURL: graphURL, AppSecret: appSecret}
	sb.AddBrand(igsandbox.Brand{IGUserID: BrandID, PageID: PageID, Username: "acme.coffee", AccessToken: pageToken})
	if _, err := a.Instagram.Connect(ctx, creds.TenantID, &instagram.ConnectionInput{IGUserID: BrandID, PageID: PageID, AccessToken: pageToken}); err != nil {
		return nil, fmt.Errorf("demo: connect the sandbox account: %w", err)
	}
	if _, err := a.Social.PutSettings(ctx, creds.TenantID, social.Settings{
		DMKeywords: []string{"summer sale", "vip", "giveaway"}, TagPollInterval: social.Duration(5 * time.Second),
	}); err != nil {
		return nil, err
	}
	if err := d.members(ctx); err != nil {
		return nil, err
	}
	if err := d.rules(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Demo) tenant(ctx context.Context, path string) (*savedCreds, error) {
	if b, err := os.ReadFile(path); err == nil {
		var c savedCreds
		if json.Unmarshal(b, &c) == nil {
			if t, err := d.app.Engine.Authenticate(ctx, c.APIKey); err == nil && t.ID == c.TenantID {
				return &c, nil
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("demo: read %s: %w", path, err)
	}
	tc, err := d.app.Engine.CreateTenant(ctx, "Acme Coffee (sandbox)")
	if err != nil {
		return nil, err
	}
	c := &savedCreds{TenantID: tc.ID, APIKey: tc.APIKey, AdminToken: tc.AdminToken}
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("demo: save credentials: %w", err)
	}
	return c, nil
}

var firstNames = []string{"Ava", "Liam", "Mia", "Noah", "Zoe", "Omar", "Ines", "Kai", "Lena", "Raj", "Sofia", "Theo", "Yuki", "Nia", "Hugo"}
var lastNames = []string{"Stone", "Rivera", "Okafor", "Berg", "Tanaka", "Moreau", "Khan", "Silva", "Novak", "Reyes", "Walsh", "Dubois", "Lund", "Ito", "Mensah", "Costa", "Hart", "Kowalski", "Ng", "Ruiz"}

// members creates the demo members (once) and their sandbox accounts.
func (d *Demo) members(ctx context.Context) error {
	existing, err := d.app.Engine.ListUsers(ctx, d.info.TenantID, loyalty.ListParams{Limit: 1})
	if err != nil {
		return err
	}
	create := len(existing) == 0
	return d.app.DB.Write(ctx, func(ctx context.Context, tx store.Tx) error {
		for i := range Members {
			p := person{first: firstNames[i%len(firstNames)], last: lastNames[(i/len(firstNames))%len(lastNames)]}
			p.handle = fmt.Sprintf("%s.%s%d", lower(p.first), lower(p.last), i)
			p.igsid = fmt.Sprintf("91000000%08d", i)
			p.followers = 50 + (i*7919)%20000
			p.business = i%3 == 0
			d.people = append(d.people, p)
			d.info.Handles = append(d.info.Handles, p.handle)
			if p.business {
				d.sb.AddAccount(igsandbox.Account{Username: p.handle, Business: true, FollowersCount: p.followers, FollowsCount: 100 + i, MediaCount: 20 + i%300, Biography: "Coffee, cameras and " + lower(p.last)})
			}
			if !create {
				continue
			}
			ext := fmt.Sprintf("demo-%04d", i)
			in := &loyalty.UserInput{ExternalIdentifier: &ext, Profile: &loyalty.Profile{GivenName: p.first, FamilyName: p.last,
				EmailAddress: p.handle + "@example.com", Attributes: map[string]any{loyalty.AttrInstagramHandle: "@" + p.handle}}}
			if _, err := d.app.Engine.CreateUserTx(ctx, tx, d.info.TenantID, in); err != nil {
				return err
			}
		}
		return nil
	})
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// rules adds reactors and audiences once.
func (d *Demo) rules(ctx context.Context) error {
	have, err := d.app.Engine.ListReactors(ctx, d.info.TenantID, loyalty.ListParams{Limit: 1})
	if err != nil || len(have) > 0 {
		return err
	}
	points := func(n float64) []rules.Reaction {
		return []rules.Reaction{{Type: rules.ReactionPoints, Points: &rules.Derivation{Operation: rules.OperationSum, Arguments: []rules.Argument{{Type: rules.ArgumentNumber, Value: &n}}}}}
	}
	five := 5
	for _, r := range []rules.Reactor{
		{Name: "Mentions earn 10 points", EventType: social.EventMentioned, Reactions: points(10)},
		{Name: "Reels earn a 15 point bonus", EventType: social.EventMentioned, Reactions: points(15),
			Constraint: json.RawMessage(`{"==":[{"var":"payload.media_type"},"reel"]}`)},
		{Name: "DMs earn 5 points, 5 times", EventType: social.EventDM, Reactions: points(5), MaxActivations: &five, ActivationContext: rules.ActivationSubject},
		{Name: "Following earns 20 points", EventType: social.EventFollowed, Reactions: points(20)},
	} {
		if _, err := d.app.Engine.CreateReactor(ctx, d.info.TenantID, &r); err != nil {
			return fmt.Errorf("demo: reactor %q: %w", r.Name, err)
		}
	}
	active := true
	for _, a := range []loyalty.AudienceInput{
		{Name: "Points earners", Description: "members with points", IsActive: &active, CriteriaDefinition: &loyalty.CriteriaDefinition{TriggerFrequency: "REACTIVE", CriteriaExpression: "points > 0"}},
		{Name: "Verified fans", Description: "verified by DM and following the brand", IsActive: &active, CriteriaDefinition: &loyalty.CriteriaDefinition{TriggerFrequency: "REACTIVE", CriteriaExpression: "instagram_verified = true AND instagram_follows_you = true"}},
		{Name: "Big creators", Description: "over 10,000 followers", IsActive: &active, CriteriaDefinition: &loyalty.CriteriaDefinition{TriggerFrequency: "REACTIVE", CriteriaExpression: "instagram_followers >= 10000"}},
	} {
		if _, err := d.app.Engine.CreateAudience(ctx, d.info.TenantID, &a); err != nil {
			return fmt.Errorf("demo: audience %q: %w", a.Name, err)
		}
	}
	return nil
}

// Info describes the demo.
func (d *Demo) Info() Info { return d.info }
