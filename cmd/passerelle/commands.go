package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"passerelle/internal/jobclient"
)

// exitCode carries a command's exit status through cobra.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// execute runs the command line args and returns the exit status: 0, 1 when
// the command failed (or an article did), 2 when it was misused.
func execute(args []string) int {
	root := commands()
	root.SetArgs(args)
	err := root.Execute()
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "passerelle:", err)
		return 2
	}
	fmt.Fprintln(os.Stderr, "passerelle:", err)
	return 1
}

var errUsage = errors.New("usage")

func commands() *cobra.Command {
	serveCmd := func(cmd *cobra.Command, _ []string) error { return serve() }
	root := &cobra.Command{
		Use:   "passerelle",
		Short: "Passerelle translates French news articles into English",
		Long: `Passerelle is an HTTP gateway that translates French news articles into English and
summarizes them. Without a command it serves (the same as "passerelle serve").

"passerelle translate" is a client of a running gateway: it translates files, folders,
URLs and a feed in one job and writes each article as it is done.`,
		Args:          usageArgs(cobra.NoArgs),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          serveCmd,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return fmt.Errorf("%w: %w", errUsage, err) })
	root.AddCommand(
		&cobra.Command{
			Use:   "serve",
			Short: "Serve the HTTP API (the default)",
			Long: `Serve the HTTP API with the configuration of PASSERELLE_CONFIG and the environment,
reload it on SIGHUP, and shut down gracefully on SIGINT or SIGTERM.`,
			Args: usageArgs(cobra.NoArgs),
			RunE: serveCmd,
		},
		translateCommand(),
		keyCommandFor("new-key", "Print a new API key and the hash the configuration holds"),
		keyCommandFor("hash-key", "Print the hash of the API key given on standard input"),
	)
	return root
}

// usageArgs marks argument errors as misuse.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return fmt.Errorf("%w: %w (see %s --help)", errUsage, err, cmd.CommandPath())
		}
		return nil
	}
}

func keyCommandFor(name, short string) *cobra.Command {
	return &cobra.Command{
		Use:   name,
		Short: short,
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := keyCommand(name, cmd.InOrStdin(), cmd.OutOrStdout()); err != nil {
				return fmt.Errorf("%w: %w", errUsage, err)
			}
			return nil
		},
	}
}

func translateCommand() *cobra.Command {
	o := jobclient.Options{Server: os.Getenv("PASSERELLE_URL")}
	if o.Server == "" {
		o.Server = "http://127.0.0.1:8080"
	}
	var glossary string
	cmd := &cobra.Command{
		Use:   "translate [flags] PATH|URL...",
		Short: "Translate files, folders, URLs and a feed through a running gateway",
		Long: `Translate French articles through a running gateway, in one job, and write each one
into the output folder as it is done: <name>.en.md (title, paragraphs, a Summary section,
any warnings) or, with --format json, <name>.en.json (the gateway's reply itself).

Inputs are .txt, .md and .html files, folders (walked), and http(s) URLs; --feed adds the
items of an RSS or Atom feed. The API key is read from PASSERELLE_API_KEY.

Running the same command again resumes: outputs already written are skipped, and the job
it started (kept in the output folder, .passerelle-job.json) is followed rather than sent
again. Articles that failed are asked for again once that job has finished.

It ends with "N translated, M failed, K skipped" and exits 1 when an article failed.`,
		Example: `  PASSERELLE_API_KEY=psl_... passerelle translate --out out/ articles/
  passerelle translate --format json --out out/ https://www.lemonde.fr/international/article/…
  passerelle translate --out une/ --feed https://www.lemonde.fr/rss/une.xml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Inputs = args
			o.Key = os.Getenv("PASSERELLE_API_KEY")
			if glossary != "" {
				g, err := jobclient.LoadGlossary(glossary)
				if err != nil {
					return err
				}
				o.Glossary = g
			}
			return translate(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", o.Server, "the gateway's address; PASSERELLE_URL sets the default")
	f.StringVar(&o.Task, "task", "articles", "articles (translation and summary), translate or summarize")
	f.IntVar(&o.SummarySentences, "summary-sentences", 0, "sentences of each summary (0: the gateway's default)")
	f.StringVar(&glossary, "glossary", "", `a glossary FILE: a JSON object, or lines "term = translation"`)
	f.StringVar(&o.Out, "out", ".", "the output DIR")
	f.StringVar(&o.Format, "format", "md", "md or json")
	f.StringVar(&o.Feed, "feed", "", "the URL of an RSS or Atom feed whose items are translated too")
	return cmd
}

// translate runs a job and prints its summary line; an article that failed
// makes the exit status 1.
func translate(o jobclient.Options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o.Progress = os.Stderr
	o.Terminal = term.IsTerminal(int(os.Stderr.Fd()))
	sum, err := jobclient.Run(ctx, o)
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "stopped: run the same command again to resume")
		return exitCode(1)
	}
	if err != nil {
		return err
	}
	fmt.Println(sum)
	if sum.Failed > 0 {
		return exitCode(1)
	}
	return nil
}
