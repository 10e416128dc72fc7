package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

func cmdTenantCreate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("tenant create", stderr)
	var c common
	c.register(fs, getenv)
	asJSON := fs.Bool("json", false, "print the credentials as JSON")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || strings.TrimSpace(strings.Join(pos, " ")) == "" {
		return errors.New("usage: shoutout tenant create NAME [--json]")
	}
	a, err := c.openApp(ctx, stderr)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	creds, err := a.Engine.CreateTenant(ctx, strings.Join(pos, " "))
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(creds)
	}
	fmt.Fprintf(stdout, "tenant created: %s\n\nid:          %s\napi key:     %s\nadmin token: %s\n\nThe API key and admin token are shown only now; store them safely.\n",
		strings.Join(pos, " "), creds.ID, creds.APIKey, creds.AdminToken)
	return nil
}
