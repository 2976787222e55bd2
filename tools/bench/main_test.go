package main

import "testing"

// "all" is the quick phases: the jobs phase, minutes long, runs only when
// named, alone or with others.
func TestParsePhasesJobsOnlyWhenNamed(t *testing.T) {
	all, err := parsePhases("all")
	if err != nil {
		t.Fatal(err)
	}
	if all[jobsPhaseName] || len(all) != len(phaseNames) {
		t.Fatalf("all = %v, want every quick phase and not %s", all, jobsPhaseName)
	}
	both, err := parsePhases("jobs, miss")
	if err != nil {
		t.Fatal(err)
	}
	if !both[jobsPhaseName] || !both["miss"] || len(both) != 2 {
		t.Fatalf("jobs, miss = %v", both)
	}
	if _, err := parsePhases("jbos"); err == nil {
		t.Fatal("an unknown phase was accepted")
	}
}
