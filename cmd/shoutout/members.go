package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func cmdMembersImport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("members import", stderr)
	var c common
	c.register(fs, getenv)
	tenant := fs.String("tenant", "", "tenant id (required)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *tenant == "" {
		return errors.New("usage: shoutout members import FILE.csv --tenant ID")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("open %s: %w", pos[0], err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	a, err := c.openApp(ctx, stderr)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	if _, err := a.Engine.GetTenant(ctx, *tenant); err != nil {
		return err
	}
	bar := newProgressBar(stderr, size)
	res, err := a.Engine.ImportMembers(ctx, *tenant, f, bar.update)
	bar.finish()
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "imported %d members: %d created, %d updated, %d rejected\n", res.Created+res.Updated, res.Created, res.Updated, len(res.Rejected))
	for i, r := range res.Rejected {
		if i == 50 {
			fmt.Fprintf(stdout, "  ... and %d more (use --json for all)\n", len(res.Rejected)-50)
			break
		}
		fmt.Fprintf(stdout, "  line %d: %s\n", r.Line, r.Reason)
	}
	return nil
}

// progressBar draws import progress on stderr, at most a few times a second.
type progressBar struct {
	w     io.Writer
	total int64
	start time.Time
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer, total int64) *progressBar {
	return &progressBar{w: w, total: total, start: time.Now()}
}

func (p *progressBar) update(rows int, read int64) {
	now := time.Now()
	if p.drawn && now.Sub(p.last) < 200*time.Millisecond && read < p.total {
		return
	}
	p.last, p.drawn = now, true
	frac := 0.0
	if p.total > 0 {
		frac = min(float64(read)/float64(p.total), 1)
	}
	const width = 30
	filled := int(frac * width)
	rate := float64(rows) / max(now.Sub(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d rows  %.0f rows/s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, rows, rate)
}

func (p *progressBar) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
