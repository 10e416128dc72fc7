package instagram_test

import (
	"fmt"

	"github.com/shoutout-loyalty/shoutout/internal/instagram"
)

// A webhook handler verifies the raw body's signature before anything else,
// stores the body, then parses it into items and deduplicates them.
func Example_webhook() {
	const appSecret = "app-secret"
	body := []byte(`{"object":"instagram","entry":[{"id":"17841405726653026","time":1520622968,
  "changes":[{"field":"mentions","value":{"media_id":"17918195224117851"}}]}]}`)
	header := instagram.Sign(appSecret, body) // what Meta sends in X-Hub-Signature-256

	if err := instagram.VerifySignature(appSecret, body, header); err != nil {
		fmt.Println("reject:", err)
		return
	}
	n, err := instagram.ParseWebhook(body)
	if err != nil {
		fmt.Println("malformed:", err)
		return
	}
	for _, it := range n.Items {
		fmt.Println(it.Kind, it.AccountID, it.MediaID, it.EntryTime.Format("2006-01-02"))
		fmt.Println(it.DedupKey())
	}

	err = instagram.VerifySignature(appSecret, append(body, ' '), header)
	fmt.Println(err)
	// Output:
	// caption_mention 17841405726653026 17918195224117851 2018-03-09
	// mention:17841405726653026:17918195224117851:
	// instagram: webhook signature invalid
}
