package loyalty

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// ImportRejection is one CSV row that was not imported.
type ImportRejection struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// ImportResult summarises an import.
type ImportResult struct {
	Created  int               `json:"created"`
	Updated  int               `json:"updated"`
	Rejected []ImportRejection `json:"rejected"`
}

// ImportProgress is called after each committed batch with the bytes read so
// far, for progress bars.
type ImportProgress func(rowsDone int, bytesRead int64)

// importColumns maps recognised CSV headers (case-insensitive) to fields.
var importColumns = map[string]string{
	"externalidentifier": "externalIdentifier", "external_identifier": "externalIdentifier", "id": "externalIdentifier",
	"email": "email", "emailaddress": "email",
	"givenname": "givenName", "firstname": "givenName", "first_name": "givenName",
	"familyname": "familyName", "lastname": "familyName", "last_name": "familyName",
	"instagramhandle": AttrInstagramHandle, "instagram_handle": AttrInstagramHandle, "instagram": AttrInstagramHandle,
	"tiktokhandle": AttrTikTokHandle, "tiktok_handle": AttrTikTokHandle, "tiktok": AttrTikTokHandle,
}

// countingReader counts bytes for progress reports.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ImportMembers reads members from CSV (a header row naming columns such as
// externalIdentifier, email, givenName, familyName, instagramHandle,
// tiktokHandle; other columns become attributes) and creates or updates them
// by externalIdentifier, or by email when there is none. Rows are committed
// in batches of 500; a rejected row does not stop the import.
func (e *Engine) ImportMembers(ctx context.Context, tenantID string, r io.Reader, progress ImportProgress) (*ImportResult, error) {
	cr := &countingReader{r: r}
	rd := csv.NewReader(cr)
	rd.FieldsPerRecord = -1
	rd.TrimLeadingSpace = true
	header, err := rd.Read()
	if err != nil {
		return nil, fmt.Errorf("loyalty: import: read header: %w", err)
	}
	cols := make([]string, len(header))
	known := false
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if f, ok := importColumns[strings.ToLower(h)]; ok {
			cols[i] = f
			known = known || f == "externalIdentifier" || f == "email"
		} else {
			cols[i] = "attr:" + h
		}
	}
	if !known {
		return nil, fmt.Errorf("loyalty: import: the header must name an externalIdentifier or email column (got %s)", strings.Join(header, ", "))
	}
	res := &ImportResult{Rejected: []ImportRejection{}}
	type row struct {
		line   int
		fields map[string]string
	}
	var batch []row
	done := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var created, updated int
		var rejected []ImportRejection
		err := e.db.Write(ctx, func(ctx context.Context, tx store.Tx) error {
			created, updated, rejected = 0, 0, nil
			for _, rw := range batch {
				isNew, err := e.importRow(ctx, tx, tenantID, rw.fields)
				if err != nil {
					var ve *ValidationError
					if errors.As(err, &ve) || errors.Is(err, ErrConflict) {
						rejected = append(rejected, ImportRejection{Line: rw.line, Reason: err.Error()})
						continue
					}
					return err
				}
				if isNew {
					created++
				} else {
					updated++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		res.Created += created
		res.Updated += updated
		res.Rejected = append(res.Rejected, rejected...)
		done += len(batch)
		batch = batch[:0]
		if progress != nil {
			progress(done, cr.n)
		}
		return nil
	}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := rd.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.Rejected = append(res.Rejected, ImportRejection{Line: pe.Line, Reason: "malformed CSV: " + pe.Err.Error()})
				continue
			}
			return res, fmt.Errorf("loyalty: import: %w", err)
		}
		fields := map[string]string{}
		for i, v := range rec {
			if i < len(cols) {
				if v = strings.TrimSpace(v); v != "" {
					fields[cols[i]] = v
				}
			}
		}
		batch = append(batch, row{line: line, fields: fields})
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	return res, nil
}

// importRow creates or updates one member inside tx.
func (e *Engine) importRow(ctx context.Context, tx store.Tx, tenantID string, f map[string]string) (created bool, err error) {
	ext, email := f["externalIdentifier"], strings.ToLower(f["email"])
	if ext == "" && email == "" {
		return false, Invalid("externalIdentifier", "a row needs an externalIdentifier or an email")
	}
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			return false, Invalid("email", "%q is not an email address", f["email"])
		}
	}
	if len(ext) > 512 {
		return false, Invalid("externalIdentifier", "must be at most 512 characters")
	}
	var id string
	if ext != "" {
		err = tx.QueryRow(ctx, `SELECT id FROM users WHERE tenant_id = $1 AND external_identifier = $2`, tenantID, ext).Scan(&id)
	} else {
		err = tx.QueryRow(ctx, `SELECT id FROM users WHERE tenant_id = $1 AND email = $2 ORDER BY created_at LIMIT 1`, tenantID, email).Scan(&id)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, fmt.Errorf("loyalty: import: %w", err)
	}
	attrs := map[string]any{}
	for k, v := range f {
		switch {
		case k == AttrInstagramHandle || k == AttrTikTokHandle:
			attrs[k] = strings.TrimPrefix(v, "@")
		case strings.HasPrefix(k, "attr:"):
			attrs[strings.TrimPrefix(k, "attr:")] = v
		}
	}
	if id == "" {
		in := &UserInput{Profile: &Profile{GivenName: f["givenName"], FamilyName: f["familyName"], EmailAddress: email, Attributes: attrs}}
		if ext != "" {
			in.ExternalIdentifier = &ext
		}
		if _, err := e.CreateUserTx(ctx, tx, tenantID, in); err != nil {
			return false, err
		}
		return true, nil
	}
	if email != "" {
		if _, err := tx.Exec(ctx, `UPDATE users SET email = $2, updated_at = $3 WHERE id = $1`, id, email, e.nowUTC()); err != nil {
			return false, fmt.Errorf("loyalty: import: %w", err)
		}
	}
	return false, e.SetUserAttributes(ctx, tx, tenantID, id, attrs)
}
