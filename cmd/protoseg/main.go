// Command protoseg runs the ProtoSeg study headless: input separableness of an
// image (sa), dataset previews (data), U-Net training (train), the whole
// reproduction of the paper's figures, tables and findings over seeds
// (reproduce), the stand-ins' calibration (calibrate), and ProtoSeg on features
// exported from any network (analyze).
//
// Usage:
//
//	protoseg <subcommand> [flags] [args]
//	protoseg help
//
// Each subcommand lives in its own file and registers itself in [subcommands].
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// subcommand is one verb of the CLI. run gets the arguments after the verb and
// the standard output; it returns an error to be printed on stderr (exit status 1).
type subcommand struct {
	summary string
	run     func(args []string, stdout io.Writer) error
}

// subcommands is the registry of verbs, filled by the init functions of each
// subcommand's file.
var subcommands = map[string]subcommand{}

func register(name, summary string, run func(args []string, stdout io.Writer) error) {
	subcommands[name] = subcommand{summary: summary, run: run}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: protoseg <subcommand> [flags] [args]")
	fmt.Fprintln(w, "\nsubcommands:")
	names := make([]string, 0, len(subcommands))
	for name := range subcommands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, subcommands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'protoseg <subcommand> -h' for the flags of one subcommand.")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI with the given arguments and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	cmd, ok := subcommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "protoseg: unknown subcommand %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(args[1:], stdout); err != nil {
		fmt.Fprintf(stderr, "protoseg %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
