package demo

import (
	"context"
	"fmt"
	"net/http"
	"time"

	igsandbox "github.com/shoutout-loyalty/shoutout/internal/sandbox/instagram"
)

// Run plays activity at rate webhooks per second against webhookURL until
// ctx ends: first one of each kind, so every event type shows at once, then
// a random mix of caption mentions, reels, tags, story mentions, DMs with and
// without keywords, follows, repeats and people who are not members.
func (d *Demo) Run(ctx context.Context, webhookURL string, rate float64) {
	d.sender = d.sb.Sender(webhookURL)
	d.sender.Client = &http.Client{Timeout: 10 * time.Second}
	for _, step := range []func(context.Context){d.mention(false), d.mention(true), d.tag, d.story, d.dm(true)} {
		step(ctx)
	}
	if rate <= 0 {
		return
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	mix := []struct {
		weight int
		step   func(context.Context)
	}{
		{30, d.mention(false)}, {10, d.mention(true)}, {10, d.tag}, {10, d.story}, {15, d.dm(false)},
		{5, d.dm(true)}, {10, d.stranger}, {10, d.repeat},
	}
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n := d.rng.IntN(total)
		for _, m := range mix {
			if n < m.weight {
				m.step(ctx)
				break
			}
			n -= m.weight
		}
	}
}

func (d *Demo) member() person { return d.people[d.rng.IntN(len(d.people))] }

func (d *Demo) nextID(prefix string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	return fmt.Sprintf("%s%d%06d", prefix, time.Now().Unix(), d.seq)
}

func (d *Demo) send(ctx context.Context, body []byte) {
	d.mu.Lock()
	d.sent = append(d.sent, body)
	if len(d.sent) > 50 {
		d.sent = d.sent[1:]
	}
	d.mu.Unlock()
	if st, err := d.sender.Send(ctx, body); err != nil || st != http.StatusOK {
		if ctx.Err() == nil {
			d.log.Warn("demo webhook not acknowledged", "status", st, "err", err)
		}
	}
}

var captions = []string{"Best flat white in town @acme.coffee", "Monday fuel ☕ @acme.coffee", "Latte art level: expert @acme.coffee #coffee",
	"Found my new spot @acme.coffee", "Iced and happy @acme.coffee #summer"}

func (d *Demo) mention(reel bool) func(context.Context) {
	return func(ctx context.Context) {
		p := d.member()
		m := igsandbox.Media{ID: d.nextID("1790"), OwnerUsername: p.handle, Caption: captions[d.rng.IntN(len(captions))],
			MediaType: "IMAGE", MediaProductType: "FEED", Timestamp: time.Now()}
		if reel {
			m.MediaType, m.MediaProductType = "VIDEO", "REELS"
		}
		m.MediaURL = "https://cdn.sandbox.example/media/" + m.ID
		m.Permalink = "https://instagram.sandbox.example/p/" + m.ID
		d.send(ctx, d.sb.PostMention(BrandID, m))
	}
}

func (d *Demo) tag(_ context.Context) {
	p := d.member()
	m := igsandbox.Media{ID: d.nextID("1791"), OwnerUsername: p.handle, Caption: "With the crew at @acme.coffee", MediaType: "CAROUSEL_ALBUM",
		MediaProductType: "FEED", Timestamp: time.Now()}
	m.MediaURL = "https://cdn.sandbox.example/media/" + m.ID
	d.sb.AddMedia(m)
	if err := d.sb.TagBrand(BrandID, m.ID); err != nil {
		d.log.Warn("demo tag", "err", err)
	}
}

func (d *Demo) user(p person, follows bool) igsandbox.User {
	return igsandbox.User{IGSID: p.igsid, Name: p.first + " " + p.last, Username: p.handle, ProfilePic: "https://cdn.sandbox.example/avatar/" + p.handle + ".jpg",
		FollowerCount: p.followers, IsUserFollowBusiness: follows}
}

func (d *Demo) story(ctx context.Context) {
	p := d.member()
	d.send(ctx, d.sb.PostStoryMention(BrandID, d.user(p, d.rng.IntN(2) == 0), "https://lookaside.sandbox.example/story/"+d.nextID("s")))
}

var messages = []string{"Hi! Is the summer sale still on?", "Love your beans", "Can I join the VIP list?", "When is the next giveaway?", "Thanks for the free cookie!"}

func (d *Demo) dm(follower bool) func(context.Context) {
	return func(ctx context.Context) {
		p := d.member()
		d.send(ctx, d.sb.PostDM(BrandID, d.user(p, follower || d.rng.IntN(3) > 0), messages[d.rng.IntN(len(messages))]))
	}
}

// stranger is someone who is not a member: kept as unmatched activity.
func (d *Demo) stranger(ctx context.Context) {
	handle := fmt.Sprintf("not.a.member%d", d.rng.IntN(1000))
	if d.rng.IntN(2) == 0 {
		d.send(ctx, d.sb.PostMention(BrandID, igsandbox.Media{ID: d.nextID("1792"), OwnerUsername: handle, Caption: "hello @acme.coffee", MediaType: "IMAGE", Timestamp: time.Now()}))
		return
	}
	d.send(ctx, d.sb.PostDM(BrandID, igsandbox.User{IGSID: d.nextID("92"), Name: "Guest", Username: handle, FollowerCount: 10}, "do you ship?"))
}

// repeat sends an earlier webhook again, as Meta does: nothing new may be
// reported.
func (d *Demo) repeat(ctx context.Context) {
	d.mu.Lock()
	if len(d.sent) == 0 {
		d.mu.Unlock()
		return
	}
	body := d.sent[d.rng.IntN(len(d.sent))]
	d.mu.Unlock()
	if _, err := d.sender.Send(ctx, body); err != nil && ctx.Err() == nil {
		d.log.Warn("demo repeat", "err", err)
	}
}
