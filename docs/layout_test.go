// Package docs holds the project's design (design.md) and, in this test, the
// checks that the code keeps to its §0: who may import whom, a package doc for
// every package, a doc comment for every exported name, and no function over
// maxFuncLines lines outside the fork and the tests.
package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// module is the import path of the repository's module.
const module = "github.com/protoseg-go/protoseg-go"

// maxFuncLines is the longest a function may be (docs/design.md §0).
const maxFuncLines = 80

// fork is the re-syncable copy of GoMLX's simplego backend (docs/design.md §7),
// which keeps upstream's shape and is exempt from the style checks.
const fork = "cpubackend/simplego"

// mayImport is docs/design.md §0 as data: for each package of the module (its
// path below the module), the packages of ours its non-test files may import.
// A package missing here fails the test, so a new package must be placed.
var mayImport = map[string][]string{
	"protoseg":     {},
	"data":         {},
	"cpubackend":   {"cpubackend/simplego"},
	"unet":         {"protoseg", "data"},
	"plots":        {"protoseg", "unet", "plots/raster"},
	"plots/raster": {},

	"study/stats":            {"protoseg"},
	"study/internal/fixture": {"cpubackend", "data", "protoseg"},
	"study/measure":          {"protoseg", "data", "unet", "study/stats"},
	"study/claims":           {"protoseg", "data", "unet", "study/stats", "study/measure"},
	"study/report":           {"protoseg", "data", "unet", "plots", "study/stats", "study/measure", "study/claims"},
	"study":                  {"protoseg", "data", "unet", "plots", "study/stats", "study/measure", "study/claims", "study/report"},

	"explore":             {"protoseg", "data", "unet", "plots", "plots/raster", "study", "study/measure"},
	"explore/cmd/expect":  {"cpubackend", "unet", "study", "study/measure", "explore"},
	"cmd/protoseg":        {"cpubackend", "protoseg", "data", "unet", "plots", "study", "study/measure", "study/report", "study/stats", "study/claims"},
	"cpubackend/gemm":     {},
	"bench/cputime":       {},
	"cpubackend/simplego": {"cpubackend/gemm", "cpubackend/internal/exceptions"},

	"cpubackend/internal/exceptions":        {},
	"cpubackend/internal/cmd/fastbinarygen": {},
	"cpubackend/internal/testify/assert":    {},
	"cpubackend/internal/testify/require":   {"cpubackend/internal/testify/assert"},
}

// goPackages returns, for every folder of the repository with Go files, its
// non-test files parsed with comments (testdata, hidden folders and docs/
// itself skipped).
func goPackages(t *testing.T) (*token.FileSet, map[string][]*ast.File) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	pkgs := map[string][]*ast.File{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "docs" || name == "notebooks") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		pkgs[filepath.ToSlash(rel)] = append(pkgs[filepath.ToSlash(rel)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("found %d packages under %s; is the test run from docs/?", len(pkgs), root)
	}
	return fset, pkgs
}

// TestImportLayers holds docs/design.md §0: no package imports one it may not
// (above it, or beside it where the design keeps them apart).
func TestImportLayers(t *testing.T) {
	_, pkgs := goPackages(t)
	for dir, files := range pkgs {
		allowed, ok := mayImport[dir]
		if !ok {
			t.Errorf("%s: a package docs/design.md §0 does not place; add it to the layout and to mayImport", dir)
			continue
		}
		for _, f := range files {
			for _, im := range f.Imports {
				p, _ := strconv.Unquote(im.Path.Value)
				ours, found := strings.CutPrefix(p, module+"/")
				if !found || ours == dir {
					continue
				}
				if !slices.Contains(allowed, ours) {
					t.Errorf("%s imports %s, which docs/design.md §0 does not allow (allowed: %v)", dir, ours, allowed)
				}
			}
		}
	}
}

// TestDocComments holds that every package has a doc and every exported name a
// doc comment (outside the fork).
func TestDocComments(t *testing.T) {
	fset, pkgs := goPackages(t)
	for dir, files := range pkgs {
		if dir == fork || strings.HasPrefix(dir, "cpubackend/internal") {
			continue
		}
		hasDoc := false
		for _, f := range files {
			hasDoc = hasDoc || f.Doc != nil
			for _, d := range f.Decls {
				for _, name := range undocumented(d) {
					t.Errorf("%s: exported %s has no doc comment", fset.Position(d.Pos()), name)
				}
			}
		}
		if !hasDoc {
			t.Errorf("%s: no package doc", dir)
		}
	}
}

// undocumented returns the exported names declared by d without a doc comment
// (a method counts when its receiver type is exported; a name in a grouped
// const, var or type declaration may rely on the group's doc).
func undocumented(d ast.Decl) []string {
	var out []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Name.IsExported() && d.Doc == nil && (d.Recv == nil || receiverExported(d.Recv)) {
			out = append(out, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			var names []*ast.Ident
			var doc, line *ast.CommentGroup
			switch s := s.(type) {
			case *ast.TypeSpec:
				names, doc, line = []*ast.Ident{s.Name}, s.Doc, s.Comment
			case *ast.ValueSpec:
				names, doc, line = s.Names, s.Doc, s.Comment
			}
			for _, n := range names {
				if n.IsExported() && doc == nil && line == nil && d.Doc == nil {
					out = append(out, n.Name)
				}
			}
		}
	}
	return out
}

// receiverExported tells whether a method's receiver type is exported.
func receiverExported(recv *ast.FieldList) bool {
	t := recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.IsExported()
}

// TestFunctionLength holds that no function outside the fork and the tests is
// longer than maxFuncLines lines.
func TestFunctionLength(t *testing.T) {
	fset, pkgs := goPackages(t)
	for dir, files := range pkgs {
		if strings.HasPrefix(dir, fork) {
			continue
		}
		for _, f := range files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > maxFuncLines {
					t.Errorf("%s: func %s is %d lines (at most %d)", dir, fd.Name.Name, n, maxFuncLines)
				}
			}
		}
	}
}
