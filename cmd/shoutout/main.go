// Command shoutout turns social activity into loyalty: it runs the service
// (serve), manages its database (migrate), tenants and members.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `shoutout: social activity into loyalty.

Usage:
  shoutout serve [flags]                      run the service
  shoutout serve --sandbox                    run it with emulated Instagram, a demo tenant and activity
  shoutout loadtest --target URL --rate N --duration D   measure a sandbox server
  shoutout migrate [flags]                    apply database migrations and exit
  shoutout tenant create NAME [--json]        create a tenant; prints its API key and admin token once
  shoutout members import FILE.csv --tenant ID  import members from CSV
  shoutout version                            print the version

Every command takes --database-url (SHOUTOUT_DATABASE_URL) and the logging
flags; run "shoutout COMMAND -h" for the rest.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "shoutout:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr, getenv)
	case "migrate":
		return cmdMigrate(ctx, args[1:], stdout, stderr, getenv)
	case "tenant":
		if len(args) < 2 || args[1] != "create" {
			return errors.New(`usage: shoutout tenant create NAME [--json]`)
		}
		return cmdTenantCreate(ctx, args[2:], stdout, stderr, getenv)
	case "members":
		if len(args) < 2 || args[1] != "import" {
			return errors.New(`usage: shoutout members import FILE.csv --tenant ID`)
		}
		return cmdMembersImport(ctx, args[2:], stdout, stderr, getenv)
	case "loadtest":
		return cmdLoadtest(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "shoutout", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}
