package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// TooLargeError says a body was larger than its limit.
type TooLargeError struct {
	What  string // what was read, e.g. "the request"
	Limit int64  // in bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than the %d-byte limit", e.What, e.Limit)
}

// DecodeStrict reads one JSON value of at most limit bytes from r into v,
// refusing unknown fields and any data after the value but white space.
// what names the body in errors ("the request").
func DecodeStrict(r io.Reader, limit int64, what string, v any) error {
	lr := &limitReader{r: r, n: limit + 1}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	trailing := false
	if err == nil {
		_, terr := dec.Token()
		trailing = !errors.Is(terr, io.EOF)
	}
	switch {
	case lr.err != nil:
		return fmt.Errorf("reading %s: %w", what, lr.err)
	case lr.n <= 0:
		return &TooLargeError{What: what, Limit: limit}
	case err != nil:
		return fmt.Errorf("%s is not valid JSON for this API: %w", what, err)
	case trailing:
		return fmt.Errorf("%s has data after its JSON object", what)
	}
	return nil
}

// limitReader reads at most n bytes from r and keeps the first error r
// returned other than io.EOF.
type limitReader struct {
	r   io.Reader
	n   int64
	err error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) && l.err == nil {
		l.err = err
	}
	return n, err
}
