package cli

import (
	"fmt"
	"io"
	"os"
)

// MaxInput bounds what a verb reads from a file or standard input.
const MaxInput = 256 << 20

// testOnlyMaxInput replaces MaxInput in tests, which need not read
// 256 MiB to pass it.
var testOnlyMaxInput = MaxInput

// ReadInput reads the file at path, or stdin for "-", as the value of
// flag (named in errors): at most MaxInput bytes. A file that cannot be
// opened is a usage error.
func ReadInput(stdin io.Reader, path, flag string) ([]byte, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, Usage(fmt.Errorf("%s: %w", flag, err))
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(testOnlyMaxInput)+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", flag, err)
	}
	if len(b) > testOnlyMaxInput {
		return nil, fmt.Errorf("%s is larger than %d MiB", flag, testOnlyMaxInput>>20)
	}
	return b, nil
}
