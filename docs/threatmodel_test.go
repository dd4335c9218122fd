// Package docs holds the project's documentation; its tests keep the
// documents honest about the code.
package docs

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	testFunc = regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Za-z0-9_]+)\(`)
	testRef  = regexp.MustCompile("`((?:Test|Fuzz)[A-Za-z0-9_]+)(?:/[^`]*)?`")
	txtarRef = regexp.MustCompile("`((?:[a-z0-9_/]+/)?testdata/[A-Za-z0-9_./-]+\\.txtar)`")
)

// repoTests returns every test and fuzz function in the repository, and
// every txtar script path relative to the repository's root.
func repoTests(t *testing.T) (funcs map[string]bool, scripts []string) {
	t.Helper()
	funcs = map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "bin") {
			return filepath.SkipDir
		}
		switch {
		case strings.HasSuffix(path, "_test.go"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range testFunc.FindAllSubmatch(b, -1) {
				funcs[string(m[1])] = true
			}
		case strings.HasSuffix(path, ".txtar"):
			scripts = append(scripts, filepath.ToSlash(path))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking the repository: %v", err)
	}
	return funcs, scripts
}

// TestThreatModelNamesRealTests fails when docs/threat-model.md names a
// test or script that does not exist, or when a row of its promise index
// names no test at all: a promise whose attack was renamed away would
// otherwise go unattacked without anyone noticing.
func TestThreatModelNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("threat-model.md")
	if err != nil {
		t.Fatal(err)
	}
	funcs, scripts := repoTests(t)
	named := 0
	for _, m := range testRef.FindAllStringSubmatch(string(doc), -1) {
		named++
		if !funcs[m[1]] {
			t.Errorf("threat-model.md names %s, which no _test.go file defines", m[1])
		}
	}
	for _, m := range txtarRef.FindAllStringSubmatch(string(doc), -1) {
		if !hasSuffixPath(scripts, m[1]) {
			t.Errorf("threat-model.md names %s, which is not in the repository", m[1])
		}
	}
	if named < 50 {
		t.Errorf("threat-model.md names only %d tests; the promise index is missing?", named)
	}

	rows := 0
	sc := bufio.NewScanner(strings.NewReader(string(doc)))
	inIndex := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			inIndex = line == "## Every promise and the test that attacks it"
			continue
		}
		if !inIndex || !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| Promise") {
			continue
		}
		rows++
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			t.Errorf("index row without an attack column: %s", line)
			continue
		}
		attack := cells[2]
		if !testRef.MatchString(attack) && !txtarRef.MatchString(attack) {
			t.Errorf("promise %q names no test that attacks it", strings.TrimSpace(cells[1]))
		}
	}
	if rows < 20 {
		t.Errorf("the promise index has %d rows; expected the whole list", rows)
	}
}

func hasSuffixPath(paths []string, ref string) bool {
	for _, p := range paths {
		if strings.HasSuffix(p, "/"+ref) {
			return true
		}
	}
	return false
}
