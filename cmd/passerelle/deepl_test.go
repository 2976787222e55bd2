package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"passerelle/internal/testenv"
)

// deeplGateway starts the real gateway with auth on, real Redis and real
// Apertium, and two keys: key with an allowance of keyLimit characters a
// day, small with 30.
func deeplGateway(t *testing.T, keyLimit int) (gw *gatewayProcess, key, small string) {
	t.Helper()
	stamp := time.Now().UnixNano()
	key, small = fmt.Sprintf("psl_deepl-%d", stamp), fmt.Sprintf("psl_deepl-small-%d", stamp)
	cfg := fmt.Sprintf("cache: {backend: redis, redis: {url: %q, read_timeout: 3s, write_timeout: 3s}, operation_timeout: 5s}\n"+
		"auth:\n  enabled: true\n  keys:\n"+
		"    - {name: deepl-%d, sha256: %s, limits: {characters_per_day: %d}}\n"+
		"    - {name: deepl-small-%d, sha256: %s, limits: {characters_per_day: 30}}\n",
		testenv.StartRedis(t).URL(), stamp, hashKey(key), keyLimit, stamp, hashKey(small))
	gw = startGateway(t, map[string]string{"PASSERELLE_CONFIG": writeJobsConfig(t, cfg), "APERTIUM_URL": testenv.ApertiumURL(t)})
	return gw, key, small
}

type nodeTextResult struct {
	Text               string `json:"text"`
	DetectedSourceLang string `json:"detectedSourceLang"`
	BilledCharacters   int    `json:"billedCharacters"`
}

type nodeError struct {
	Class   string `json:"class"`
	Message string `json:"message"`
}

type nodeLanguage struct {
	Code              string `json:"code"`
	Name              string `json:"name"`
	SupportsFormality *bool  `json:"supportsFormality"`
}

type nodeUsage struct {
	Count        int   `json:"count"`
	Limit        int   `json:"limit"`
	LimitReached *bool `json:"limitReached"`
}

type deeplNodeRun struct {
	One           nodeTextResult   `json:"one"`
	OneDetected   nodeTextResult   `json:"oneDetected"`
	Array         []nodeTextResult `json:"array"`
	ArrayDetected []nodeTextResult `json:"arrayDetected"`
	HTML          nodeTextResult   `json:"html"`
	Usage         nodeUsage        `json:"usage"`
	Sources       []nodeLanguage   `json:"sources"`
	Targets       []nodeLanguage   `json:"targets"`
	WrongKey      nodeError        `json:"wrongKey"`
	SmallFirst    nodeTextResult   `json:"smallFirst"`
	SmallSpent    nodeError        `json:"smallSpent"`
	SmallUsage    nodeUsage        `json:"smallUsage"`
}

// DeepL's own Node client, deepl-node, pointed at Passerelle: texts one
// and several, with and without a source language, HTML, usage, the
// languages, a wrong key and a spent allowance, each as the client sees
// it, against the real gateway with auth on, real Redis and real Apertium.
func TestDeepLNodeClient(t *testing.T) {
	clients := testenv.NodeClients(t, "testdata/clients")
	const keyLimit = 1000
	gw, key, small := deeplGateway(t, keyLimit)
	out := testenv.RunNode(t, clients, "deepl.mjs", 2*time.Minute,
		"PASSERELLE_URL="+gw.url, "DEEPL_KEY="+key, "DEEPL_SMALL_KEY="+small)
	var run deeplNodeRun
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("the script's output is not its JSON: %v\n%s", err, out)
	}

	billed := 0
	translated := func(name string, r nodeTextResult, source string, words ...string) {
		t.Helper()
		billed += r.BilledCharacters
		if r.DetectedSourceLang != "fr" {
			t.Errorf("%s: detected %q, want fr", name, r.DetectedSourceLang)
		}
		if want := utf8.RuneCountInString(source); r.BilledCharacters != want {
			t.Errorf("%s: billed %d, want %d", name, r.BilledCharacters, want)
		}
		for _, w := range words {
			if !strings.Contains(strings.ToLower(r.Text), strings.ToLower(w)) {
				t.Errorf("%s: %q lacks %q", name, r.Text, w)
			}
		}
		if r.Text == source {
			t.Errorf("%s: not translated: %q", name, r.Text)
		}
	}
	translated("one", run.One, "Le président a démissionné hier soir.", "president")
	translated("one, detected", run.OneDetected, "Le gouvernement a présenté son budget.", "presented")
	if len(run.Array) != 2 || len(run.ArrayDetected) != 2 {
		t.Fatalf("arrays: %d and %d results, want 2 and 2", len(run.Array), len(run.ArrayDetected))
	}
	translated("array 0", run.Array[0], "La ville de Nantes a voté son budget.", "city", "Nantes", "voted")
	translated("array 1", run.Array[1], "Les manifestants sont rentrés chez eux.")
	translated("array detected 0", run.ArrayDetected[0], "Le maire de Lyon parle.", "Lyon")
	translated("array detected 1", run.ArrayDetected[1], "Une nouvelle école ouvre.", "school")
	translated("html", run.HTML, "<p>Le <b>chat</b> noir dort dans la maison.</p>", "<p>", "<b>", "</b>", "</p>", "cat")

	// What the key spent is what it was billed: the allowance refills by
	// about one character a minute and a half at 1000 a day.
	if run.Usage.Limit != keyLimit || run.Usage.Count < billed-1 || run.Usage.Count > billed {
		t.Errorf("usage = %+v, want %d of %d", run.Usage, billed, keyLimit)
	}
	if run.Usage.LimitReached == nil || *run.Usage.LimitReached {
		t.Errorf("usage says the limit is reached: %+v", run.Usage)
	}
	if len(run.Sources) != 1 || run.Sources[0].Code != "fr" || run.Sources[0].Name != "French" {
		t.Errorf("sources = %+v, want French", run.Sources)
	}
	if len(run.Targets) != 2 || run.Targets[0].Code != "en-GB" || run.Targets[1].Code != "en-US" ||
		run.Targets[0].SupportsFormality == nil || *run.Targets[0].SupportsFormality {
		t.Errorf("targets = %+v, want en-GB and en-US without formality", run.Targets)
	}

	if run.WrongKey.Class != "AuthorizationError" {
		t.Errorf("a wrong key raised %+v, want AuthorizationError", run.WrongKey)
	}
	translated("small", run.SmallFirst, "Bonjour le monde.", "world")
	if run.SmallSpent.Class != "QuotaExceededError" || !strings.Contains(run.SmallSpent.Message, "characters a day") {
		t.Errorf("the spent allowance raised %+v, want QuotaExceededError", run.SmallSpent)
	}
	if run.SmallUsage.Limit != 30 || run.SmallUsage.Count != utf8.RuneCountInString("Bonjour le monde.") {
		t.Errorf("small usage = %+v, want 17 of 30", run.SmallUsage)
	}
}

// deeplCall sends one raw request to the gateway and returns the status
// and the decoded body.
func deeplCall(t *testing.T, method, target, contentType, body string, header ...string) (int, map[string]any, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var decoded map[string]any
	_ = json.Unmarshal(raw, &decoded)
	return resp.StatusCode, decoded, raw
}

// The wire shapes, raw, against the real gateway: a form with text
// repeated and lower-case languages, a JSON array into EN-GB, auth_key
// refused in DeepL's words, a body over the limit and a 400's body.
func TestDeepLRawShapes(t *testing.T) {
	gw, key, _ := deeplGateway(t, 100000)
	auth := []string{"Authorization", "DeepL-Auth-Key " + key}
	const form = "application/x-www-form-urlencoded"

	texts := func(body map[string]any) []string {
		var out []string
		list, _ := body["translations"].([]any)
		for _, item := range list {
			tr, _ := item.(map[string]any)
			text, _ := tr["text"].(string)
			if lang, _ := tr["detected_source_language"].(string); lang != "FR" {
				t.Errorf("detected_source_language = %q, want FR", lang)
			}
			out = append(out, text)
		}
		return out
	}
	status, body, raw := deeplCall(t, "POST", gw.url+"/v2/translate", form,
		url.Values{"text": {"Le chat dort.", "Le chien mange.\nLe chat dort."}, "source_lang": {"fr"}, "target_lang": {"en-us"}}.Encode(), auth...)
	if got := texts(body); status != 200 || len(got) != 2 || !strings.Contains(got[0], "cat") ||
		!strings.Contains(got[1], "dog") || strings.Count(got[1], "\n") != 1 {
		t.Errorf("form: %d %s", status, raw)
	}

	status, body, raw = deeplCall(t, "POST", gw.url+"/v2/translate", "application/json",
		`{"text": ["La maison est grande."], "target_lang": "EN-GB"}`, auth...)
	if got := texts(body); status != 200 || len(got) != 1 || !strings.Contains(got[0], "house") {
		t.Errorf("JSON: %d %s", status, raw)
	}

	legacy := "Legacy authentication method '%s' is no longer supported. Please update to header-based authentication."
	for _, c := range []struct{ name, target, contentType, body, where string }{
		{"query", gw.url + "/v2/usage?auth_key=" + key, "", "", "query parameter"},
		{"form", gw.url + "/v2/translate", form, "auth_key=" + key + "&text=Bonjour&target_lang=EN-GB", "form body"},
		{"JSON", gw.url + "/v2/translate", "application/json", `{"auth_key": "` + key + `", "text": ["Bonjour"], "target_lang": "EN-GB"}`, "JSON body"},
	} {
		method := "POST"
		if c.body == "" {
			method = "GET"
		}
		status, body, raw := deeplCall(t, method, c.target, c.contentType, c.body)
		message, _ := body["message"].(string)
		if status != 403 || !strings.HasPrefix(message, strings.Replace(legacy, "%s", c.where, 1)) {
			t.Errorf("auth_key in the %s: %d %s", c.name, status, raw)
		}
	}

	big := url.Values{"text": {strings.Repeat("a", 1<<20)}, "target_lang": {"EN-GB"}}.Encode()
	if status, body, raw := deeplCall(t, "POST", gw.url+"/v2/translate", form, big, auth...); status != 413 || body["message"] == nil {
		t.Errorf("too large: %d %.200s", status, raw)
	}

	status, body, raw = deeplCall(t, "POST", gw.url+"/v2/translate", form, "text=Bonjour", auth...)
	if status != 400 || len(body) != 1 || body["message"] != "Parameter 'target_lang' not specified." {
		t.Errorf("400: %d %s", status, raw)
	}
}
