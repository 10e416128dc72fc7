package instagram

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func FuzzParseWebhook(f *testing.F) {
	for _, p := range documentedPayloads() {
		f.Add([]byte(p))
	}
	for _, p := range []string{
		``,
		`null`,
		`{}`,
		`[]`,
		`"instagram"`,
		`{"object":"instagram"}`,
		`{"object":"page","entry":[]}`,
		`{"object":"instagram","entry":null}`,
		`{"object":"instagram","entry":[{}]}`,
		`{"object":"instagram","entry":[{"id":""}]}`,
		`{"object":"instagram","entry":[{"id":1e400}]}`,
		`{"object":"instagram","entry":[{"id":"1","time":1e400}]}`,
		`{"object":"instagram","entry":[{"id":"1","time":"NaN"}]}`,
		`{"object":"instagram","entry":[{"id":"1","time":-1}]}`,
		`{"object":"instagram","entry":[{"id":"1","changes":[null]}]}`,
		`{"object":"instagram","entry":[{"id":"1","changes":[{"field":"mentions"}]}]}`,
		`{"object":"instagram","entry":[{"id":"1","changes":[{"field":"messages","value":{"message":{"attachments":[null,{"type":"story_mention"}]}}}]}]}`,
		`{"object":"instagram","entry":[{"id":"1","messaging":[{}],"standby":[{"read":{}}],"field":null}]}`,
		`{"object":"instagram","entry":[{"id":"1","messaging":[{"referral":{"source":"story_mention","url":"u"}}]}]}`,
		`{"object":"instagram","entry":[{"id":"1","messaging":[{"message":{"mid":"m","is_echo":"true","is_deleted":"maybe"}}]}]}`,
		`{"object":"instagram","entry":[{"id":"1","value":{"sender":{"id":2}}}]}`,
		`{"object":"instagram","object":"page","entry":[]}`,
		"{\"object\":\"instagram\",\"entry\":[{\"id\":\"\xff\xfe\"}]}",
	} {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseWebhook(body)
		if err != nil {
			if n != nil {
				t.Fatalf("non-nil notification with error %v", err)
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrWrongObject) {
				t.Fatalf("error %v is neither ErrMalformed nor ErrWrongObject", err)
			}
			return
		}
		if n.Object != "instagram" {
			t.Fatalf("accepted object %q", n.Object)
		}
		again, err := ParseWebhook(body)
		if err != nil {
			t.Fatalf("second parse failed: %v", err)
		}
		if !reflect.DeepEqual(n, again) {
			t.Fatal("parsing is not deterministic")
		}
		for i, it := range n.Items {
			if it.Kind == "" {
				t.Fatalf("item %d has no Kind", i)
			}
			if it.AccountID == "" {
				t.Fatalf("item %d has no AccountID", i)
			}
			k := it.DedupKey()
			if k == "" || k != it.DedupKey() || k != again.Items[i].DedupKey() {
				t.Fatalf("item %d: DedupKey not deterministic: %q", i, k)
			}
			if len(it.Raw) == 0 {
				t.Fatalf("item %d has no Raw", i)
			}
			if len(body) > 0 && len(it.Raw) > 0 && !bytes.Contains(body, it.Raw) {
				t.Fatalf("item %d: Raw is not part of the body", i)
			}
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	f.Add("app-secret", []byte(payloadCaptionMention), "")
	f.Add("s", []byte{}, "sha256=00")
	f.Add("", []byte("x"), "sha256=")
	f.Fuzz(func(t *testing.T, secret string, body []byte, header string) {
		good := Sign(secret, body)
		err := VerifySignature(secret, body, good)
		if secret != "" && err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
		if secret == "" && !errors.Is(err, ErrSignatureInvalid) {
			t.Fatalf("empty secret verified: %v", err)
		}
		// An arbitrary header verifies only if it is the signature itself.
		err = VerifySignature(secret, body, header)
		switch {
		case err == nil:
			if secret == "" {
				t.Fatal("empty secret verified an arbitrary header")
			}
			if VerifySignature(secret, body, good) != nil {
				t.Fatal("inconsistent")
			}
		case !errors.Is(err, ErrSignatureInvalid) && !errors.Is(err, ErrSignatureMissing):
			t.Fatalf("unexpected error %v", err)
		}
		// A flipped body bit never verifies.
		if len(body) > 0 && secret != "" {
			mut := append([]byte(nil), body...)
			mut[0] ^= 1
			if VerifySignature(secret, mut, good) == nil {
				t.Fatal("modified body verified")
			}
		}
	})
}
