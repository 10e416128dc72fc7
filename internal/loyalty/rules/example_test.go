package rules_test

import (
	"fmt"

	"github.com/shoutout-loyalty/shoutout/internal/loyalty/rules"
)

// An audience entered as text is stored as JsonLogic and evaluated against a
// member's attributes plus their points balance.
func Example_audienceExpression() {
	e, err := rules.ParseExpression(`instagram_followers >= 1000 AND instagram_verified = true OR points > 500`)
	if err != nil {
		fmt.Println(err)
		return
	}
	stored, _ := e.MarshalJSON()
	fmt.Println(string(stored))
	fmt.Println(e.Vars())

	members := []map[string]any{
		{"instagram_followers": 1500, "instagram_verified": true, "points": 0},
		{"instagram_followers": 1500, "instagram_verified": false, "points": 20},
		{"points": 900},
	}
	for _, m := range members {
		in, _ := e.Truthy(m)
		fmt.Println(in)
	}

	_, err = rules.ParseExpression(`points > > 1`)
	fmt.Println(err)
	// Output:
	// {"or":[{"and":[{">=":[{"var":["instagram_followers"]},1000]},{"==":[{"var":["instagram_verified"]},true]}]},{">":[{"var":["points"]},500]}]}
	// [instagram_followers instagram_verified points]
	// true
	// false
	// true
	// syntax error at position 10: expected a name, a value or "(", found ">"
}
