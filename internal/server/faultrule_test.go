package server_test

import (
	"encoding/json"

	"graphgate/internal/faults"
)

// faultRule reads a rule written as the admin API takes it.
func faultRule(js string) faults.Rule {
	var r faults.Rule
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		panic(err)
	}
	return r
}
