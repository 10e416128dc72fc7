package secrets_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoutout-loyalty/shoutout/internal/secrets"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	key, _ := secrets.ParseKey(secrets.NewKey())
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := box.Seal("EAAB-token", "conn-1")
	if strings.Contains(sealed, "EAAB") {
		t.Fatalf("sealed value shows the secret: %s", sealed)
	}
	got, err := box.Open(sealed, "conn-1")
	if err != nil || got != "EAAB-token" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := box.Open(sealed, "conn-2"); !errors.Is(err, secrets.ErrDecrypt) {
		t.Fatalf("other owner: %v, want ErrDecrypt", err)
	}
	otherKey, _ := secrets.ParseKey(secrets.NewKey())
	other, _ := secrets.New(otherKey)
	if _, err := other.Open(sealed, "conn-1"); !errors.Is(err, secrets.ErrDecrypt) {
		t.Fatalf("other key: %v, want ErrDecrypt", err)
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "db.key")
	k1, created, err := secrets.LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("first load: created=%v err=%v", created, err)
	}
	k2, created, err := secrets.LoadOrCreateKeyFile(path)
	if err != nil || created || string(k1) != string(k2) {
		t.Fatalf("second load: created=%v err=%v same=%v", created, err, string(k1) == string(k2))
	}
	if _, err := secrets.ParseKey("short"); !errors.Is(err, secrets.ErrBadKey) {
		t.Fatalf("ParseKey(short) = %v", err)
	}
}
