package main

import (
	"net/http"
	"net/http/pprof"
)

// profiler serves the Go profiler's endpoints, for server.debug_addr: for
// instance `go tool pprof http://ADDR/debug/pprof/profile?seconds=10` takes
// a CPU profile of the running gateway under its real load.
func profiler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
