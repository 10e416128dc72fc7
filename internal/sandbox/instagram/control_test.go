package igsandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestControlAddsMentions(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	s.AddBrand(Brand{IGUserID: "1", AccessToken: "tok"})
	srv := httptest.NewServer(s.WithControl())
	defer srv.Close()
	body, _ := json.Marshal(MentionsRequest{BrandID: "1", Media: []Media{{ID: "55", OwnerUsername: "ann", Caption: "hi", MediaType: "IMAGE"}}})
	resp, err := http.Post(srv.URL+ControlPath+"/mentions", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("control: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.URL + "/" + s.Version() + "/1?fields=mentioned_media.media_id(55){username}&access_token=tok")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		MentionedMedia struct{ Username string } `json:"mentioned_media"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if out.MentionedMedia.Username != "ann" {
		t.Fatalf("mentioned media after control: %+v", out)
	}
}
