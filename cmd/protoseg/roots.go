package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/protoseg-go/protoseg-go/data"
)

// parseRoots reads the name=dir form of reproduce's --root
// ("brats=/data/BraTS2020,isic=/data/ISIC2017"): each name must be a real dataset
// of the registry, given once, with a non-empty folder. A value without "=" is the
// single-folder form and gives nil (the caller uses it as data.Options.Root).
// names are the datasets in the order given.
func parseRoots(s string) (names []string, roots map[string]string, err error) {
	if !strings.Contains(s, "=") {
		return nil, nil, nil
	}
	roots = map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		name, dir, ok := strings.Cut(strings.TrimSpace(pair), "=")
		name, dir = strings.TrimSpace(name), strings.TrimSpace(dir)
		switch {
		case !ok || name == "" || dir == "":
			return nil, nil, fmt.Errorf("reproduce: --root %q: %q is not name=dir", s, pair)
		case !slices.Contains(data.Names(), name):
			return nil, nil, fmt.Errorf("reproduce: --root: unknown dataset %q (known: %s)", name, strings.Join(data.Names(), ", "))
		case data.Synthetic(name):
			return nil, nil, fmt.Errorf("reproduce: --root: %q is a generated stand-in and reads no folder", name)
		case roots[name] != "":
			return nil, nil, fmt.Errorf("reproduce: --root: dataset %q given twice", name)
		}
		roots[name] = dir
		names = append(names, name)
	}
	return names, roots, nil
}

// checkRoots refuses a real dataset in names that roots (when given) has no
// folder for.
func checkRoots(roots map[string]string, names []string) error {
	if roots == nil {
		return nil
	}
	for _, n := range names {
		if _, ok := roots[n]; !ok && !data.Synthetic(n) {
			return fmt.Errorf("reproduce: --datasets names %q but --root gives no folder for it (name=dir)", n)
		}
	}
	return nil
}

// flagSet tells whether the flag called name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
