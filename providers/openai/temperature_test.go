package openai

import "testing"

func TestWithZeroTemperature(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"added first", `{"model":"m","stream":false}`, `{"temperature":0,"model":"m","stream":false}`},
		{"empty object", ` {}`, ` {"temperature":0}`},
		{"kept", `{"model":"m","temperature":0.7}`, `{"model":"m","temperature":0.7}`},
		{"escaped key kept", `{"temp\u0065rature":1}`, `{"temp\u0065rature":1}`},
		{"nested key is not the top one", `{"response_format":{"temperature":1},"x":[{"temperature":2}]}`,
			`{"temperature":0,"response_format":{"temperature":1},"x":[{"temperature":2}]}`},
		{"in a string value", `{"content":"\"temperature\":1, {\"a\":[}"}`, `{"temperature":0,"content":"\"temperature\":1, {\"a\":[}"}`},
		{"a value that looks like a key", `{"a":"temperature"}`, `{"temperature":0,"a":"temperature"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withZeroTemperature([]byte(tt.body))
			if err != nil || string(got) != tt.want {
				t.Errorf("withZeroTemperature(%s) = %s, %v; want %s", tt.body, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{`[1]`, `{"a":`, `not json`, `{"a":1}x`, `{"a":"b}`} {
		if got, err := withZeroTemperature([]byte(bad)); err == nil {
			t.Errorf("withZeroTemperature(%s) = %s, want an error", bad, got)
		}
	}
}
