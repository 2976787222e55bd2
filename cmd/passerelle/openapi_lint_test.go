package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// The document the gateway serves passes Redocly's linter with its
// recommended rules, without an error or a warning: the contract clients
// generate code from is held to what the field's tools expect of one.
func TestServedOpenAPIPassesTheLinter(t *testing.T) {
	clients := testenv.NodeClients(t, "testdata/clients")
	gw := startGateway(t, map[string]string{"APERTIUM_URL": testenv.ApertiumURL(t)})
	req, _ := http.NewRequest(http.MethodGet, gw.url+"/openapi.json", nil)
	status, _, doc := roundTrip(t, req)
	if status != http.StatusOK {
		t.Fatalf("GET /openapi.json = %d", status)
	}
	file := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cli := filepath.Join(clients, "node_modules", "@redocly", "cli", "bin", "cli.js")
	cmd := exec.CommandContext(ctx, "node", cli, "lint", "--extends=recommended", "--format=json", file)
	cmd.Dir = clients
	out, err := cmd.Output()
	var report struct {
		Totals   struct{ Errors, Warnings int }
		Problems []struct {
			RuleID   string `json:"ruleId"`
			Message  string
			Location []struct{ Pointer string }
		}
	}
	if jerr := json.Unmarshal(out, &report); jerr != nil {
		t.Fatalf("redocly lint: %v (%v)\n%s", jerr, err, out)
	}
	for _, p := range report.Problems {
		where := ""
		if len(p.Location) > 0 {
			where = p.Location[0].Pointer
		}
		t.Errorf("%s at %s: %s", p.RuleID, where, p.Message)
	}
	if report.Totals.Errors+report.Totals.Warnings != 0 || err != nil {
		t.Errorf("redocly lint: %d errors, %d warnings (%v)", report.Totals.Errors, report.Totals.Warnings, err)
	}
}
